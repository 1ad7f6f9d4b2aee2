CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE docs (
    id integer PRIMARY KEY,
    title text NOT NULL,
    body text,
    tags text[],
    published boolean DEFAULT false NOT NULL,
    score integer
);
CREATE INDEX docs_title_idx ON docs (title DESC NULLS LAST);
CREATE UNIQUE INDEX docs_lower_title_key ON docs (lower(title)) WHERE published;
CREATE INDEX docs_tags_gin ON docs USING gin (tags);
CREATE INDEX docs_body_trgm ON docs USING gin (body gin_trgm_ops);
CREATE INDEX docs_score_cover ON docs (score) INCLUDE (title) WITH (fillfactor=70);
COMMENT ON INDEX docs_score_cover IS 'covering index for the ranking page';
