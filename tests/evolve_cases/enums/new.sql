CREATE TYPE mood AS ENUM ('awful', 'sad', 'ok', 'good', 'happy', 'ecstatic');
CREATE TYPE size AS ENUM ('s', 'm', 'l');
CREATE TABLE people (
    id integer PRIMARY KEY,
    mood mood DEFAULT 'ok'::mood NOT NULL,
    shirt size DEFAULT 'm'::size,
    shirts size[]
);
COMMENT ON TYPE mood IS 'how they feel';
