CREATE TYPE status AS ENUM ('draft', 'live', 'gone');
CREATE TYPE color AS ENUM ('red', 'green');
CREATE TABLE posts (
    id integer PRIMARY KEY,
    status status DEFAULT 'draft'::status NOT NULL,
    color color
);
