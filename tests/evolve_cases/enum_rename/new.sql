CREATE TYPE status AS ENUM ('draft', 'published', 'archived');
CREATE TYPE color AS ENUM ('red', 'blue');
CREATE TABLE posts (
    id integer PRIMARY KEY,
    status status DEFAULT 'draft'::status NOT NULL,
    color color
);
