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

# (2) DROP of what the model holds: DROP SCHEMA ... CASCADE of public (re-created) and of
# another schema holding a type, tables, a view, a function and a sequence (with a column and
# a foreign key elsewhere that depend on them), then re-created; DROP of a table with a carried
# ALTER and trigger, an empty schema, CREATE TABLE AS, an extension, a composite type with the
# column typed by it, a materialized view with its index.
DROPPED = """DROP SCHEMA IF EXISTS public CASCADE;
CREATE SCHEMA public;
COMMENT ON SCHEMA public IS 'mine';
CREATE SCHEMA s;
CREATE TYPE s.mood AS ENUM ('a');
CREATE TABLE s.a (id int PRIMARY KEY, m s.mood);
CREATE VIEW s.v AS SELECT id FROM s.a;
CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE SEQUENCE s.q;
CREATE TABLE t (id int PRIMARY KEY, a_id int REFERENCES s.a, m s.mood, keep int);
DROP SCHEMA s CASCADE;
CREATE SCHEMA s;
CREATE TABLE s.a (id int PRIMARY KEY, x int);
CREATE TABLE s.b (id int PRIMARY KEY);
ALTER TABLE s.b ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER tr BEFORE INSERT ON s.b FOR EACH ROW EXECUTE FUNCTION trg();
DROP TABLE s.b;
CREATE SCHEMA empty;
DROP SCHEMA empty;
CREATE TABLE tas AS SELECT 1 AS x;
DROP TABLE tas;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DROP EXTENSION pg_trgm;
CREATE TYPE comp AS (a int);
CREATE TABLE uses_comp (id int PRIMARY KEY, c comp);
DROP TYPE comp CASCADE;
CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x;
CREATE INDEX mv_x ON mv (x);
DROP MATERIALIZED VIEW mv;"""

# The same script without the DROP SCHEMA public's re-creation (the migration keeps public).
PUBLIC_GONE = """DROP SCHEMA IF EXISTS public CASCADE;
CREATE SCHEMA app;
CREATE TABLE app.t (id int PRIMARY KEY);"""

# (5) UNLOGGED sequences: created so, altered so, and a serial's of an UNLOGGED table.
UNLOGGED = """CREATE UNLOGGED SEQUENCE s1;
CREATE SEQUENCE s2;
ALTER SEQUENCE s2 SET UNLOGGED;
CREATE UNLOGGED TABLE ut (id serial PRIMARY KEY, j int GENERATED ALWAYS AS IDENTITY);
CREATE TABLE t (id int PRIMARY KEY);
CREATE UNLOGGED SEQUENCE IF NOT EXISTS s3 START 5 OWNED BY t.id;"""

# (6) Index parameters of keys: INCLUDE on PRIMARY KEY and UNIQUE (inline, in ALTER TABLE, with
# mixed-case columns, on a Core table), WITH (...) storage parameters, USING INDEX TABLESPACE,
# with NULLS NOT DISTINCT and deferral, on column and table constraints.
KEY_PARAMETERS = """CREATE TABLE t (a int, b int, c int, d int, PRIMARY KEY (a, b) INCLUDE (c), UNIQUE (b) INCLUDE (d));
CREATE TABLE u (a int, b int, "Cc" int, CONSTRAINT u_pk PRIMARY KEY (a) WITH (fillfactor=70), UNIQUE (b) WITH (fillfactor=80) USING INDEX TABLESPACE pg_default);
ALTER TABLE u ADD CONSTRAINT u_ab UNIQUE (a, b) INCLUDE ("Cc");
CREATE TABLE w (a int, b int, "Cc" int);
ALTER TABLE ONLY w ADD CONSTRAINT w_pkey PRIMARY KEY (a) INCLUDE (b, "Cc") WITH (fillfactor='90', deduplicate_items=off);
ALTER TABLE ONLY w ADD CONSTRAINT w_b UNIQUE NULLS NOT DISTINCT (b) INCLUDE ("Cc") WITH (fillfactor=60) DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE k ("Aa" int, "b b" int, UNIQUE ("Aa") INCLUDE ("b b"));
CREATE INDEX k_i ON k ("Aa") INCLUDE ("b b");
CREATE TABLE col (a int PRIMARY KEY WITH (fillfactor=50), b int UNIQUE USING INDEX TABLESPACE pg_default);"""

# (7) Domain columns, which `alembic check` must leave alone: over a builtin, a varchar NOT NULL
# (the column then holds no NULL), jsonb in another schema, another domain, an array type, an
# enum; an array of a domain; a domain with DEFAULT and NOT NULL; on a Core table too; a
# domain-typed primary key (compared by the repositories, so its operators must resolve).
DOMAINS = """CREATE SCHEMA s;
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE DOMAIN email AS varchar(100) NOT NULL;
CREATE DOMAIN s.doc AS jsonb;
CREATE DOMAIN s.small AS posint CHECK (VALUE < 100);
CREATE DOMAIN tags AS text[];
CREATE TYPE mood AS ENUM ('a', 'b');
CREATE DOMAIN moody AS mood;
CREATE TABLE t (id int PRIMARY KEY, p posint, e email, arr posint[], d s.doc, sm s.small, tg tags, m moody, n numeric(5,2));
CREATE DOMAIN money2 AS numeric(10,2) DEFAULT 0 NOT NULL;
CREATE TABLE keyless (p posint, e email, m money2);
CREATE TABLE dk (code posint PRIMARY KEY, d s.doc, other int REFERENCES dk);"""

# (4) Types found on the search path: with pg_catalog listed after a schema holding a table (a
# row type), an enum or a domain named like a built-in, a plain name finds that one and a
# pg_catalog-qualified one keeps its qualification (arrays too); keyword types are the
# grammar's whatever the path; pg_catalog first, or implicit, finds the built-ins.
QUALIFIED_TYPES = """CREATE SCHEMA s;
SET search_path = s, pg_catalog;
CREATE TABLE xml (id int PRIMARY KEY);
CREATE TABLE t (id int PRIMARY KEY, doc pg_catalog.xml, other xml, n pg_catalog.int4, ts pg_catalog.timestamptz, arr pg_catalog.xml[]);
CREATE TABLE text (id int PRIMARY KEY);
CREATE TYPE uuid AS ENUM ('x');
CREATE DOMAIN jsonb AS integer;
CREATE TABLE u (id int PRIMARY KEY, a text, b pg_catalog.text, c pg_catalog.text[], d uuid, e pg_catalog.uuid, f jsonb, g pg_catalog.jsonb, h bool, i integer);
SET search_path = pg_catalog, s;
CREATE TABLE s.w (id int PRIMARY KEY, a text, b s.text, c xml, d uuid);
RESET search_path;
CREATE TABLE public.date (id int PRIMARY KEY);
CREATE TABLE public.v (id int PRIMARY KEY, d date, e public.date);"""

# (8) Session settings as the server reads them: set_config's path lower-cased where unquoted
# but stored as written, a string constant in SET as one schema with its case, SET SCHEMA,
# RESET and RESET ALL, SET LOCAL inside a transaction block and outside one; routines whose
# SET ... FROM CURRENT stores the source's values (normalised by the server: 65536kB is 64MB,
# true is on), the default where the source reset it, and one replaced (its downgrade restores
# the old definition with the old values).
SESSION_SETTINGS = """CREATE SCHEMA app;
CREATE SCHEMA "App";
SET work_mem = '65536kB';
SET enable_seqscan = true;
SELECT pg_catalog.set_config('search_path', 'App, public', false);
CREATE TABLE t (id int PRIMARY KEY);
CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path FROM CURRENT
    SET work_mem FROM CURRENT SET enable_seqscan FROM CURRENT AS 'SELECT 1';
SET search_path = 'App';
CREATE TABLE u (id int PRIMARY KEY);
CREATE FUNCTION g() RETURNS int LANGUAGE sql SET search_path FROM CURRENT AS 'SELECT 2';
RESET search_path;
CREATE TABLE v (id int PRIMARY KEY);
BEGIN;
SET LOCAL search_path = app;
CREATE TABLE w (id int PRIMARY KEY);
SET LOCAL work_mem = '3MB';
CREATE FUNCTION h() RETURNS int LANGUAGE sql SET work_mem FROM CURRENT AS 'SELECT 3';
COMMIT;
SET LOCAL search_path = app;
CREATE TABLE x (id int PRIMARY KEY);
CREATE FUNCTION k() RETURNS int LANGUAGE sql SET work_mem FROM CURRENT AS 'SELECT 4';
SET work_mem = '2MB';
CREATE OR REPLACE FUNCTION k() RETURNS int LANGUAGE sql SET work_mem FROM CURRENT
    SET search_path FROM CURRENT AS 'SELECT 5';
RESET ALL;
CREATE FUNCTION m() RETURNS int LANGUAGE sql SET work_mem FROM CURRENT AS 'SELECT 6';
SET SCHEMA 'app';
CREATE TABLE y (id int PRIMARY KEY);"""

# (9) Keys of partitioned tables as pg_dump writes them: ALTER TABLE ONLY on the parent (the
# parent's key alone), each partition's own key, ALTER INDEX ... ATTACH PARTITION; a unique key
# the same way; neighbours: a key added without ONLY after the partitions exist (the server
# makes one on each), and a parent declaring its key inline.
PARTITION_KEYS = """CREATE TABLE ev (id bigint NOT NULL, at date NOT NULL, code text NOT NULL)
    PARTITION BY RANGE (at);
CREATE TABLE ev_2025 (id bigint NOT NULL, at date NOT NULL, code text NOT NULL);
ALTER TABLE ONLY ev ATTACH PARTITION ev_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE ev_rest (id bigint NOT NULL, at date NOT NULL, code text NOT NULL);
ALTER TABLE ONLY ev ATTACH PARTITION ev_rest DEFAULT;
ALTER TABLE ONLY ev ADD CONSTRAINT ev_pkey PRIMARY KEY (id, at);
ALTER TABLE ONLY ev ADD CONSTRAINT ev_code_key UNIQUE (code, at);
ALTER TABLE ONLY ev_2025 ADD CONSTRAINT ev_2025_pkey PRIMARY KEY (id, at);
ALTER TABLE ONLY ev_2025 ADD CONSTRAINT ev_2025_code_key UNIQUE (code, at);
ALTER TABLE ONLY ev_rest ADD CONSTRAINT ev_rest_pkey PRIMARY KEY (id, at);
ALTER TABLE ONLY ev_rest ADD CONSTRAINT ev_rest_code_key UNIQUE (code, at);
ALTER INDEX ev_pkey ATTACH PARTITION ev_2025_pkey;
ALTER INDEX ev_pkey ATTACH PARTITION ev_rest_pkey;
ALTER INDEX ev_code_key ATTACH PARTITION ev_2025_code_key;
ALTER INDEX ev_code_key ATTACH PARTITION ev_rest_code_key;
CREATE TABLE lg (id bigint NOT NULL, at date NOT NULL) PARTITION BY LIST (at);
CREATE TABLE lg_a PARTITION OF lg FOR VALUES IN ('2025-01-01');
ALTER TABLE lg ADD CONSTRAINT lg_pkey PRIMARY KEY (id, at);
CREATE TABLE il (id bigint NOT NULL, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE il_a PARTITION OF il FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"""

CASES = {
    "partition_keys": PARTITION_KEYS,
    "session_settings": SESSION_SETTINGS,
    "qualified_types": QUALIFIED_TYPES,
    "domains": DOMAINS,
    "unlogged": UNLOGGED,
    "key_parameters": KEY_PARAMETERS,
    "dropped": DROPPED,
    "public_gone": PUBLIC_GONE,
    "column_names": COLUMN_NAMES,
    "replaced": REPLACED,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_class(name: str, pg_server: PgServer, tmp_path: Path) -> None:
    outcome = run(CASES[name], tmp_path, pg_server)
    assert outcome.exact, outcome.explain()


def test_drop_schema_without_cascade_of_a_schema_in_use_is_refused() -> None:
    from dbgen.ddl import read_schema

    sql = "CREATE SCHEMA s;\nCREATE TABLE s.t (id int);\nDROP SCHEMA s;\n"
    _, diags = read_schema([("schema.sql", sql)])
    assert [str(d) for d in diags if d.is_error] == [
        "schema.sql:3:13: error[dependent-objects]: cannot drop schema s because other objects "
        "depend on it (use CASCADE)"
    ]
    _, diags = read_schema([("schema.sql", "CREATE SCHEMA s;\nDROP SCHEMA s;\nCREATE SCHEMA s;\n")])
    assert not [d for d in diags if d.is_error]


def test_modifiers_are_kept_or_named() -> None:
    """TEMP objects are not schema (warned, not carried); UNLOGGED where the server refuses it
    is an error, never a logged object."""
    from dbgen.ddl import read_schema

    sql = (
        "CREATE TEMP TABLE scratch (a int);\n"
        "CREATE TEMPORARY SEQUENCE ts;\n"
        "CREATE UNLOGGED VIEW v AS SELECT 1;\n"
        "CREATE UNLOGGED SEQUENCE us;\n"
    )
    catalog, diags = read_schema([("schema.sql", sql)])
    assert [str(d) for d in diags if d.severity.value != "note"] == [
        "schema.sql:1:8: warning[ignored-statement]: temporary table lives only in the loading "
        "session: not part of the schema, not carried into the migration",
        "schema.sql:2:8: warning[ignored-statement]: temporary sequence lives only in the loading "
        "session: not part of the schema, not carried into the migration",
        "schema.sql:3:8: error[syntax]: UNLOGGED is only allowed for tables and sequences",
    ]
    assert not catalog.tables
    assert [(s.qname.name, s.unlogged) for s in catalog.sequences] == [("us", True)]


def test_creating_in_pg_catalog_first_on_the_path_is_refused() -> None:
    from dbgen.ddl import read_schema

    _, diags = read_schema(
        [("schema.sql", "SET search_path = pg_catalog, public;\nCREATE TABLE w (a int);\n")]
    )
    assert [d.code for d in diags if d.is_error] == ["permission-denied"]
