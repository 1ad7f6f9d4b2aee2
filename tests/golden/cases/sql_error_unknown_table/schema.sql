CREATE TABLE notes (
    id integer PRIMARY KEY,
    author_id integer REFERENCES authors (id)
);
