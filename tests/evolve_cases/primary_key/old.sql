CREATE TABLE tags (
    name text NOT NULL,
    kind text NOT NULL,
    CONSTRAINT tags_pkey PRIMARY KEY (name)
);
CREATE TABLE plain (a integer NOT NULL, b integer);
