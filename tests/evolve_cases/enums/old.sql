CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE size AS ENUM ('s', 'm', 'l', 'xl');
CREATE TYPE gone AS ENUM ('a');
CREATE TABLE people (
    id integer PRIMARY KEY,
    mood mood DEFAULT 'ok'::mood NOT NULL,
    shirt size DEFAULT 'm'::size,
    shirts size[]
);
