"""Issue 11's seven classes of failure on dumps outside the corpus, each with its neighbours:
every case goes through scaffold, build, import, pg-roundtrip (with downgrade) and
``alembic check``, live, and must come back exact."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import PgServer
from support.roundtrip import run

pytestmark = pytest.mark.live

# (3) Column names that are not Python names: camelCase, spaces, reserved words, on mapped
# classes and on Core tables (whose columns are keyed by attribute), in every constraint and
# index that names them, on both sides of a foreign key; and a column with two keys.
COLUMN_NAMES = """
CREATE TABLE "Parent" ("parentId" int, "subId" int, "Some Name" text, "select" int,
    PRIMARY KEY ("parentId", "subId"), UNIQUE ("Some Name"), UNIQUE ("select"));
CREATE TABLE keyless ("refId" int, "Ref Sub" int, "my col" text, "order" int,
    CHECK ("order" > 0), UNIQUE ("my col"), UNIQUE ("refId", "Ref Sub"));
CREATE TABLE child (id int PRIMARY KEY, "escapeId" int, "escapeSub" int, "my col" text,
    "order" int, "from" text);
ALTER TABLE ONLY child ADD CONSTRAINT "child_FK" FOREIGN KEY ("escapeId", "escapeSub")
    REFERENCES "Parent"("parentId", "subId");
ALTER TABLE ONLY child ADD CONSTRAINT child_name_fk FOREIGN KEY ("my col")
    REFERENCES "Parent"("Some Name");
ALTER TABLE ONLY child ADD CONSTRAINT child_keyless_fk FOREIGN KEY ("my col")
    REFERENCES keyless("my col");
ALTER TABLE ONLY child ADD CONSTRAINT child_keyless2_fk FOREIGN KEY ("escapeId", "order")
    REFERENCES keyless("refId", "Ref Sub");
ALTER TABLE ONLY child ADD CONSTRAINT child_uq UNIQUE ("from", "order");
ALTER TABLE ONLY keyless ADD CONSTRAINT keyless_fk FOREIGN KEY ("refId", "Ref Sub")
    REFERENCES "Parent"("parentId", "subId");
ALTER TABLE ONLY keyless ADD CONSTRAINT keyless_sel_fk FOREIGN KEY ("order")
    REFERENCES "Parent"("select");
CREATE INDEX "Idx" ON child ("escapeId", "my col");
CREATE INDEX keyless_idx ON keyless ("refId", "my col", "order");
CREATE INDEX keyless_desc ON keyless ("refId" DESC);
"""

# (1) An object created, then replaced: pg_dump's placeholder view for circular dependencies
# (a function and a view need it before its real definition, which needs a table created in
# between), and CREATE OR REPLACE of functions (one spelling a parameter name the first did not,
# so the old definition cannot come back), triggers, rules, procedures, aggregates; a replacement
# of nothing; and a replaced object dropped and created again.
REPLACED = """CREATE TABLE t (id int PRIMARY KEY, v text);
CREATE VIEW v1 AS SELECT NULL::int AS id, NULL::text AS v;
CREATE FUNCTION f(a int) RETURNS SETOF v1 LANGUAGE sql AS 'SELECT * FROM v1';
CREATE VIEW v2 AS SELECT id, v FROM v1;
CREATE TABLE t2 (id int PRIMARY KEY);
CREATE OR REPLACE VIEW v1 AS SELECT t.id, t.v FROM t JOIN t2 USING (id);
CREATE FUNCTION g(integer) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE OR REPLACE FUNCTION g(a int) RETURNS int LANGUAGE sql AS 'SELECT 2';
CREATE OR REPLACE FUNCTION g(a int) RETURNS int LANGUAGE sql AS $$SELECT 3$$;
CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg();
CREATE OR REPLACE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION trg();
CREATE RULE r AS ON INSERT TO t2 DO ALSO NOTIFY t2;
CREATE OR REPLACE RULE r AS ON UPDATE TO t2 DO ALSO NOTIFY t2;
CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';
CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS 'SELECT 2';
CREATE OR REPLACE VIEW v3 AS SELECT 1 AS x;
CREATE AGGREGATE agg(int) (SFUNC = int4pl, STYPE = int);
CREATE OR REPLACE AGGREGATE agg(integer) (SFUNC = int4pl, STYPE = int, INITCOND = '0');
CREATE TABLE tb (id int PRIMARY KEY, v text);
CREATE VIEW vb AS SELECT NULL::int AS id;
CREATE OR REPLACE VIEW vb AS SELECT id FROM tb;
DROP VIEW vb;
CREATE VIEW vb AS SELECT id, v FROM tb;
CREATE FUNCTION fb() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE OR REPLACE FUNCTION fb() RETURNS int LANGUAGE sql AS 'SELECT 2';
DROP FUNCTION fb();"""

CASES = {
    "column_names": COLUMN_NAMES,
    "replaced": REPLACED,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_class(name: str, pg_server: PgServer, tmp_path: Path) -> None:
    outcome = run(CASES[name], tmp_path, pg_server)
    assert outcome.exact, outcome.explain()
