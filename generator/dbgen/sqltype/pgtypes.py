"""PostgreSQL's types as the typer reasons about them: the built-ins it produces, the numeric
ladder, the categories, and how two types meet (CASE, COALESCE, UNION).

Types are ``ir.SqlType`` values, as the catalog's columns carry them, so a result column typed
from a table column is exactly that column's type (``character varying(64)``, ``public.mood``).
"""

from __future__ import annotations

from dbgen.ddl.cursor import Cursor, ParseError
from dbgen.ddl.split import Statement, lex
from dbgen.ddl.types import parse_type, resolve_type
from dbgen.ir import Catalog, QName, SqlType, TypeKind


def builtin(name: str) -> SqlType:
    return SqlType(name, name)


SMALLINT = builtin("smallint")
INTEGER = builtin("integer")
BIGINT = builtin("bigint")
NUMERIC = builtin("numeric")
REAL = builtin("real")
DOUBLE = builtin("double precision")
TEXT = builtin("text")
BOOLEAN = builtin("boolean")
DATE = builtin("date")
TIMESTAMP = builtin("timestamp without time zone")
TIMESTAMPTZ = builtin("timestamp with time zone")
TIME = builtin("time without time zone")
TIMETZ = builtin("time with time zone")
INTERVAL = builtin("interval")
UUID = builtin("uuid")
JSON = builtin("json")
JSONB = builtin("jsonb")
BYTEA = builtin("bytea")
# The type of a NULL literal or a quoted literal before its context decides (PostgreSQL's
# ``unknown``); it resolves to text where nothing else does.
UNKNOWN = builtin("unknown")

# The numeric ladder: a value of a lower rung is implicitly cast to a higher one.
_NUMERIC_RANK = {
    "smallint": 0,
    "integer": 1,
    "bigint": 2,
    "numeric": 3,
    "real": 4,
    "double precision": 5,
}
_TEXT = frozenset({"text", "character varying", "character", "citext", "name"})
_TIMESTAMPS = frozenset({"timestamp without time zone", "timestamp with time zone", "date"})


def base_of(t: SqlType, catalog: Catalog) -> SqlType:
    """A domain's base type (through nested domains); any other type itself."""
    seen = 0
    while t.kind is TypeKind.DOMAIN and t.ref is not None and not t.array_dims and seen < 50:
        d = catalog.domain(t.ref)
        if d is None:
            break
        t = d.base
        seen += 1
    return t


def plain(t: SqlType) -> SqlType:
    """``t`` without modifiers (``numeric(6,2)`` -> ``numeric``): what arithmetic and
    aggregates produce."""
    if not t.modifiers or t.kind is not TypeKind.BUILTIN:
        return t
    return SqlType(t.base + "[]" * t.array_dims, t.base, (), t.array_dims)


def array_of(t: SqlType) -> SqlType:
    return SqlType(t.sql + "[]", t.base, t.modifiers, t.array_dims + 1, t.kind, t.ref, t.qualified)


def is_numeric(t: SqlType) -> bool:
    return not t.array_dims and t.kind is TypeKind.BUILTIN and t.base in _NUMERIC_RANK


def is_integer(t: SqlType) -> bool:
    return is_numeric(t) and _NUMERIC_RANK[t.base] <= 2


def is_text(t: SqlType) -> bool:
    return not t.array_dims and t.base in _TEXT


def is_unknown(t: SqlType) -> bool:
    return t.base == "unknown" and not t.array_dims


def is_datetime(t: SqlType) -> bool:
    return not t.array_dims and t.base in _TIMESTAMPS


def wider_numeric(a: SqlType, b: SqlType) -> SqlType:
    return plain(a) if _NUMERIC_RANK[a.base] >= _NUMERIC_RANK[b.base] else plain(b)


def same(a: SqlType, b: SqlType) -> bool:
    return (a.base, a.array_dims, a.kind, a.ref) == (b.base, b.array_dims, b.kind, b.ref)


def unify(a: SqlType, b: SqlType) -> SqlType | None:
    """The type two branches meet in (CASE, COALESCE, UNION), or None when PostgreSQL would
    refuse them: identical types stay (modifiers too when equal), unknown literals take the
    other side's type, numbers climb the ladder, text kinds become text."""
    if is_unknown(a):
        return b
    if is_unknown(b):
        return a
    if a == b:
        return a
    if same(a, b):
        return plain(a)
    if is_numeric(a) and is_numeric(b):
        return wider_numeric(a, b)
    if is_text(a) and is_text(b):
        return TEXT
    if {a.base, b.base} == {"timestamp with time zone", "timestamp without time zone"}:
        return TIMESTAMPTZ
    if is_datetime(a) and is_datetime(b):  # date meets a timestamp: the timestamp
        return b if a.base == "date" else a
    return None


def resolved(t: SqlType) -> SqlType:
    """What an ``unknown`` becomes when nothing gives it a type: text."""
    return TEXT if is_unknown(t) else t


def parse_type_text(text: str, catalog: Catalog) -> SqlType | None:
    """A type written as SQL (``numeric(10, 2)``, ``mood``, ``int[]``) as the catalog would type a
    column declared with it, or None when it is not a type."""
    tokens = lex(text)
    if not tokens:
        return None
    cur = Cursor(Statement("<type>", text, tuple(tokens)))
    try:
        name = parse_type(cur)
        if not cur.at_end() or name.serial:
            return None

        def resolve(parts: list[str]) -> tuple[TypeKind, QName] | None:
            qname = QName(*parts) if len(parts) == 2 else QName("public", parts[-1])
            if catalog.enum(qname) is not None:
                return TypeKind.ENUM, qname
            if catalog.domain(qname) is not None:
                return TypeKind.DOMAIN, qname
            if any(c.qname == qname for c in catalog.composites):
                return TypeKind.COMPOSITE, qname
            return None

        return resolve_type(name, resolve)
    except ParseError:
        return None
