"""What a column's SQL type allows: which filter operators, sorting, search, soft delete, versions.

Domains are resolved to their base type first, because the operators PostgreSQL applies to a
domain are those of its base type.
"""

from __future__ import annotations

from dbgen.ir import Catalog, SqlType, TypeKind

TEXT_BASES = frozenset({"text", "character varying", "character", "citext", "name"})
INTEGER_BASES = frozenset({"smallint", "integer", "bigint"})
TIMESTAMP_BASES = frozenset({"timestamp without time zone", "timestamp with time zone", "date"})
# Scalar built-ins with a btree ordering that a Python value round-trips through.
ORDERABLE_BASES = (
    TEXT_BASES
    | INTEGER_BASES
    | TIMESTAMP_BASES
    | frozenset(
        {
            "numeric",
            "real",
            "double precision",
            "money",
            "boolean",
            "uuid",
            "interval",
            "time without time zone",
            "time with time zone",
            "inet",
            "cidr",
            "macaddr",
            "macaddr8",
            "oid",
            "bit",
            "bit varying",
            "bytea",
        }
    )
)


def resolve(t: SqlType, catalog: Catalog) -> SqlType:
    """Follow domains to the type PostgreSQL actually compares (arrays of domains included)."""
    seen = 0
    while t.kind is TypeKind.DOMAIN and t.ref is not None and seen < 16:
        dom = catalog.domain(t.ref)
        if dom is None:
            break
        base = dom.base
        if t.array_dims:
            base = SqlType(
                base.sql + "[]" * t.array_dims,
                base.base,
                base.modifiers,
                base.array_dims + t.array_dims,
                base.kind,
                base.ref,
            )
        t = base
        seen += 1
    return t


def is_text(t: SqlType) -> bool:
    return not t.array_dims and t.base in TEXT_BASES


def is_orderable(t: SqlType) -> bool:
    if t.array_dims:
        return False
    return t.kind is TypeKind.ENUM or t.base in ORDERABLE_BASES


def is_equatable(t: SqlType) -> bool:
    # json (unlike jsonb) has no equality operator in PostgreSQL.
    return not (t.base == "json" and not t.array_dims)


def supports(op: str, t: SqlType) -> bool:
    """Whether filter operator ``op`` applies to a column of (resolved) type ``t``."""
    if op == "is_null":
        return True
    if op in ("eq", "ne", "in", "not_in"):
        return is_equatable(t)
    if op in ("lt", "lte", "gt", "gte", "between"):
        return is_orderable(t)
    if op in ("like", "ilike"):
        return is_text(t)
    if op == "contains":
        return bool(t.array_dims) or t.base == "jsonb"
    return False


def is_integer(t: SqlType) -> bool:
    return not t.array_dims and t.base in INTEGER_BASES


def soft_delete_kind(t: SqlType) -> str | None:
    """``timestamp`` (stamped with now()) or ``boolean`` (set true); None when unusable."""
    if t.array_dims:
        return None
    if t.base in TIMESTAMP_BASES:
        return "timestamp"
    if t.base == "boolean":
        return "boolean"
    return None
