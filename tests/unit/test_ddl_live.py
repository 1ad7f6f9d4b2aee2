"""The reader's names and types against a real PostgreSQL server (pg_catalog is the oracle)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from dbgen.ddl import read_schema
from dbgen.ir import Catalog

pytestmark = pytest.mark.live

SCHEMA = """
CREATE SCHEMA app;
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TYPE app.pair AS (a int, b text);
CREATE TABLE parent (
    id serial PRIMARY KEY,
    code varchar(10) UNIQUE,
    a int, b int,
    CHECK (a > 0), CHECK (a < b), CHECK (b > 1),
    UNIQUE (a, b)
);
CREATE TABLE child (
    id bigserial,
    parent_id int REFERENCES parent,
    code varchar(10) REFERENCES parent (code) ON DELETE CASCADE,
    m mood, p posint, price numeric(10), f float(10), g float(30), t timestamptz(3), tt time(2),
    i interval day to second(3), c char, bits bit varying(5), arr int[], ch character(4),
    v varbit, tz timetz, d decimal(7, 2), pr app.pair, ts timestamp, x xml, mo money,
    PRIMARY KEY (id),
    UNIQUE (parent_id, code)
);
CREATE TABLE this_is_a_very_long_table_name_that_goes_on_and_on_and_on_forever (
    this_is_a_very_long_column_name_that_also_goes_on_and_on_forever serial,
    another_quite_long_column_name int UNIQUE,
    x int CHECK (x > 0),
    UNIQUE (this_is_a_very_long_column_name_that_also_goes_on_and_on_forever, another_quite_long_column_name, x)
);
CREATE TABLE "Mixed Case" ("Col" int PRIMARY KEY, v text UNIQUE);
CREATE INDEX ON child (parent_id);
CREATE INDEX ON child (parent_id);
CREATE INDEX ON child (lower(code), (code || 'x'), (p::text), (price::integer), (coalesce(code, 'x')));
CREATE INDEX ON child (code) INCLUDE (m);
CREATE INDEX ON child USING gin (arr);
CREATE INDEX ON child (code, code);
CREATE INDEX ON child ((code COLLATE "C"), ('x'::text), (greatest(parent_id, 1)));
CREATE INDEX ON child ((CASE WHEN a IS NULL THEN 1 END)) WHERE code IS NOT NULL;
CREATE TABLE t2 (id serial, id2 int, UNIQUE (id), UNIQUE (id2, id));
ALTER TABLE t2 ADD UNIQUE (id);
ALTER TABLE t2 ADD CHECK (id2 > 0);
ALTER TABLE t2 ADD FOREIGN KEY (id2) REFERENCES parent;
ALTER TABLE t2 ADD FOREIGN KEY (id2) REFERENCES parent;
CREATE TABLE t2_id_seq1 (x int);
CREATE TABLE t3_id_seq (x int);
CREATE TABLE t3 (id serial);
CREATE TABLE "ü_tablé_with_ünïcode_names_making_bytes_longer_than_chars_ok" (
    "ĉolumn_ŭnicode_name_quite_long_indeed_yes" serial UNIQUE
);
CREATE TABLE app.t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, pid int REFERENCES parent);
CREATE TABLE app.t_id_seq1 (x int);
CREATE TABLE app.u (id serial PRIMARY KEY, ref int REFERENCES app.t);
"""
ALTER_A = "ALTER TABLE child ADD COLUMN a int;"


def _psql(db: str, *args: str) -> str:
    proc = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            db,
            "-XAtq",
            "-v",
            "ON_ERROR_STOP=1",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"psql failed: {proc.stderr}")
    return proc.stdout


@pytest.fixture()
def database() -> Iterator[str]:
    reason = ""
    if shutil.which("psql") is None:
        reason = "psql is not installed"
    else:
        probe = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-XAtqc", "SELECT 1"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        if probe.returncode != 0:
            reason = f"PostgreSQL at 127.0.0.1:5432 is unreachable: {probe.stderr.strip()}"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    name = "dbgen_ddl_" + uuid.uuid4().hex[:12]
    _psql("postgres", "-c", f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        _psql("postgres", "-c", f"DROP DATABASE {name} WITH (FORCE)")


def _rows(db: str, sql: str) -> set[tuple[str, ...]]:
    return {
        tuple(line.split("\x1f"))
        for line in _psql(db, "-F", "\x1f", "-c", sql).splitlines()
        if line
    }


def _catalog_rows(
    cat: Catalog,
) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]], set[tuple[str, ...]], set[tuple[str, ...]]]:
    cons: set[tuple[str, ...]] = set()
    idx: set[tuple[str, ...]] = set()
    cols: set[tuple[str, ...]] = set()
    for t in cat.tables:
        s, n = t.qname.schema, t.qname.name
        if t.primary_key:
            cons.add((s, n, t.primary_key.name, "p"))
            idx.add((s, n, t.primary_key.name))
        for u in t.uniques:
            cons.add((s, n, u.name, "u"))
            idx.add((s, n, u.name))
        cons.update((s, n, c.name, "c") for c in t.checks)
        cons.update((s, n, f.name, "f") for f in t.foreign_keys)
        idx.update((s, n, i.name) for i in t.indexes)
        for c in t.columns:
            cols.add((s, n, c.name, c.type.sql, "t" if not c.nullable else "f", c.default or ""))
    seqs = {(q.qname.schema, q.qname.name) for q in cat.sequences}
    return cons, idx, cols, seqs


def test_names_and_types_match_postgresql(database: str) -> None:
    sql = SCHEMA.replace("CREATE INDEX ON child ((CASE", ALTER_A + "\nCREATE INDEX ON child ((CASE")
    cat, diags = read_schema([("live.sql", sql)])
    assert [str(d) for d in diags if d.is_error] == []
    _psql(database, "-c", "SET client_min_messages = warning", "-c", sql)
    user = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
    live_cons = _rows(
        database,
        f"""
        SELECT n.nspname, c.relname, k.conname, k.contype::text FROM pg_constraint k
        JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {user}""",
    )
    live_idx = _rows(
        database,
        f"""
        SELECT n.nspname, t.relname, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {user}""",
    )
    live_cols = _rows(
        database,
        f"""
        SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
               CASE WHEN a.attnotnull THEN 't' ELSE 'f' END, coalesce(pg_get_expr(d.adbin, d.adrelid), '')
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE {user} AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped""",
    )
    live_seqs = _rows(
        database,
        f"""
        SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {user} AND c.relkind = 'S' AND NOT EXISTS (
            SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')""",
    )
    cons, idx, cols, seqs = _catalog_rows(cat)
    assert sorted(cons ^ live_cons) == []
    assert sorted(idx - live_idx) == sorted(live_idx - idx)
    # format_type qualifies catalog types outside the search path only; the IR always qualifies
    live_cols = {
        (s, t, c, ty if ty.startswith("app.") or "." in ty else _qualify_public(ty, cat), nn, d)
        for s, t, c, ty, nn, d in live_cols
    }
    assert sorted(cols ^ live_cols) == []
    assert sorted(seqs ^ live_seqs) == []


def _qualify_public(type_sql: str, cat: Catalog) -> str:
    names = {e.qname.name for e in cat.enums} | {d.qname.name for d in cat.domains}
    return f"public.{type_sql}" if type_sql.removesuffix("[]") in names else type_sql
