CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE docs (
    id integer PRIMARY KEY,
    title text NOT NULL,
    body text,
    tags text[],
    published boolean DEFAULT false NOT NULL,
    score integer
);
CREATE INDEX docs_title_idx ON docs (title);
CREATE INDEX docs_old_idx ON docs (score);
