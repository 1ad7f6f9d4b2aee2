CREATE TABLE parents (
    id integer PRIMARY KEY,
    code integer NOT NULL,
    CONSTRAINT parents_code_key UNIQUE (code)
);
CREATE TABLE children (
    id integer PRIMARY KEY,
    parent_code integer REFERENCES parents (code),
    width integer,
    area integer GENERATED ALWAYS AS (width * width) STORED,
    legacy text
);
CREATE VIEW child_view AS SELECT c.id, c.width, p.code FROM children c JOIN parents p ON p.code = c.parent_code;
CREATE VIEW legacy_view AS SELECT id, legacy FROM children;
CREATE SEQUENCE children_seq OWNED BY children.width;
CREATE TABLE doomed (id integer PRIMARY KEY, parent_id integer REFERENCES parents (id));
CREATE VIEW doomed_view AS SELECT id FROM doomed;
