CREATE TABLE tags (
    name text NOT NULL,
    kind text NOT NULL,
    CONSTRAINT tags_pkey PRIMARY KEY (kind, name)
);
CREATE TABLE plain (a integer NOT NULL, b integer, CONSTRAINT plain_pkey PRIMARY KEY (a));
