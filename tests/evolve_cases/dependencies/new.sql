CREATE TABLE parents (
    id integer PRIMARY KEY,
    code bigint NOT NULL,
    CONSTRAINT parents_code_key UNIQUE (code)
);
CREATE TABLE children (
    id integer PRIMARY KEY,
    parent_code bigint REFERENCES parents (code),
    size bigint,
    area bigint GENERATED ALWAYS AS (size * size) STORED
);
CREATE VIEW child_view AS SELECT c.id, c.size, p.code FROM children c JOIN parents p ON p.code = c.parent_code;
CREATE SEQUENCE children_seq OWNED BY children.size;
