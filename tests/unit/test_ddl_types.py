"""Type canonicalisation: what format_type would print."""

from __future__ import annotations

import pytest

from dbgen.ddl import read_schema
from dbgen.ir import QName, SqlType, TypeKind


def _type(decl: str, prelude: str = "") -> SqlType:
    cat, diags = read_schema([("t.sql", f"{prelude}CREATE TABLE t (c {decl});")])
    assert [d for d in diags if d.is_error] == []
    table = cat.table(QName("public", "t"))
    assert table is not None
    return table.columns[0].type


@pytest.mark.parametrize(
    ("decl", "sql"),
    [
        ("int", "integer"),
        ("int4", "integer"),
        ("INTEGER", "integer"),
        ("int8", "bigint"),
        ("int2", "smallint"),
        ("bigint", "bigint"),
        ("varchar(20)", "character varying(20)"),
        ("varchar", "character varying"),
        ("character varying(5)", "character varying(5)"),
        ("char(3)", "character(3)"),
        ("character(3)", "character(3)"),
        ("char", "character(1)"),
        ('"char"', '"char"'),
        ("bool", "boolean"),
        ("float8", "double precision"),
        ("double precision", "double precision"),
        ("float4", "real"),
        ("real", "real"),
        ("float", "double precision"),
        ("float(24)", "real"),
        ("float(25)", "double precision"),
        ("numeric(10,2)", "numeric(10,2)"),
        ("numeric(10)", "numeric(10,0)"),
        ("decimal", "numeric"),
        ("decimal(5, 1)", "numeric(5,1)"),
        ("timestamptz", "timestamp with time zone"),
        ("timestamp", "timestamp without time zone"),
        ("timestamp(3) with time zone", "timestamp(3) with time zone"),
        ("timestamptz(6)", "timestamp(6) with time zone"),
        ("time", "time without time zone"),
        ("timetz", "time with time zone"),
        ("time(2)", "time(2) without time zone"),
        ("interval", "interval"),
        ("interval(3)", "interval(3)"),
        ("interval year to month", "interval year to month"),
        ("interval day to second(3)", "interval day to second(3)"),
        ("text", "text"),
        ("bytea", "bytea"),
        ("uuid", "uuid"),
        ("json", "json"),
        ("jsonb", "jsonb"),
        ("inet", "inet"),
        ("cidr", "cidr"),
        ("macaddr", "macaddr"),
        ("money", "money"),
        ("xml", "xml"),
        ("tsvector", "tsvector"),
        ("tsquery", "tsquery"),
        ("bit", "bit(1)"),
        ("bit(8)", "bit(8)"),
        ("bit varying(5)", "bit varying(5)"),
        ("varbit", "bit varying"),
        ("point", "point"),
        ("box", "box"),
        ("int4range", "int4range"),
        ("tstzrange", "tstzrange"),
        ("datemultirange", "datemultirange"),
        ("oid", "oid"),
        ("int[]", "integer[]"),
        ("text[][]", "text[][]"),
        ("varchar(3)[]", "character varying(3)[]"),
        ("integer ARRAY", "integer[]"),
        ("pg_catalog.int4", "integer"),
        ("bpchar(2)", "character(2)"),
    ],
)
def test_builtin_types(decl: str, sql: str) -> None:
    t = _type(decl)
    assert t.sql == sql
    assert t.kind is TypeKind.BUILTIN


def test_modifiers_base_and_element() -> None:
    t = _type("numeric(12,3)[]")
    assert (t.base, t.modifiers, t.array_dims) == ("numeric", (12, 3), 1)
    assert t.element.sql == "numeric(12,3)"


def test_catalog_types_resolve_through_search_path() -> None:
    prelude = (
        "CREATE SCHEMA app; CREATE TYPE app.mood AS ENUM ('a'); SET search_path = app, public;"
        "CREATE DOMAIN pos AS int CHECK (VALUE > 0); CREATE TYPE pair AS (a int, b text);"
    )
    cat, diags = read_schema(
        [("t.sql", prelude + "CREATE TABLE t (m mood, p pos[], q app.pair, c citext);")]
    )
    assert not [d for d in diags if d.is_error]
    t = cat.table(QName("app", "t"))
    assert t is not None
    m, p, q, c = (col.type for col in t.columns)
    assert (m.kind, m.sql, m.ref) == (TypeKind.ENUM, "app.mood", QName("app", "mood"))
    assert (p.kind, p.sql, p.array_dims) == (TypeKind.DOMAIN, "app.pos[]", 1)
    assert (q.kind, q.sql) == (TypeKind.COMPOSITE, "app.pair")
    assert (c.kind, c.sql) == (TypeKind.OTHER, "citext")


def test_unknown_types_are_kept_as_written() -> None:
    t = _type("public.geometry(Point, 4326)")
    assert (t.kind, t.sql, t.base) == (TypeKind.OTHER, "public.geometry(Point, 4326)", "geometry")


@pytest.mark.parametrize(
    ("decl", "sql"), [("serial", "integer"), ("bigserial", "bigint"), ("smallserial", "smallint")]
)
def test_serials(decl: str, sql: str) -> None:
    cat, _ = read_schema([("t.sql", f"CREATE TABLE t (id {decl});")])
    table = cat.tables[0]
    col = table.columns[0]
    assert (col.type.sql, col.nullable, col.default) == (
        sql,
        False,
        "nextval('t_id_seq'::regclass)",
    )
    [seq] = cat.sequences
    assert (seq.qname, seq.data_type, seq.owned_by, seq.owned_position) == (
        QName("public", "t_id_seq"),
        sql,
        (QName("public", "t"), "id"),
        table.position,
    )
