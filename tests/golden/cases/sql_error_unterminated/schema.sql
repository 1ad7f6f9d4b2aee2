CREATE TABLE notes (
    id integer PRIMARY KEY,
    body text DEFAULT 'never closed
);
