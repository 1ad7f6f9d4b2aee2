"""SQL for the pieces of a catalog a revision adds or alters (the DDL PostgreSQL itself accepts).

Kept apart from the differ so each statement form is spelled in one place; everything SQL the
source wrote (defaults, expressions, predicates, types) is used as written.
"""

from __future__ import annotations

import re

from dbgen.ir import (
    CheckConstraint,
    Column,
    Deferral,
    ForeignKey,
    Index,
    PrimaryKey,
    QName,
    UniqueConstraint,
    quote_ident,
)
from dbgen.plan.constraints import element_sql


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def cols(names: tuple[str, ...]) -> str:
    return ", ".join(quote_ident(n) for n in names)


def column_type(c: Column) -> str:
    return f"{c.type.sql} COLLATE {c.collation}" if c.collation else c.type.sql


def identity_clause(c: Column) -> str:
    assert c.identity is not None
    kind = "ALWAYS" if c.identity.always else "BY DEFAULT"
    options = f" ({c.identity.options})" if c.identity.options else ""
    return f"GENERATED {kind} AS IDENTITY{options}"


def column_definition(c: Column) -> str:
    """``name type [COLLATE] [DEFAULT ..] [NOT NULL] [GENERATED ..]`` for ADD COLUMN."""
    parts = [quote_ident(c.name), column_type(c)]
    if c.default is not None:
        parts.append(f"DEFAULT {c.default}")
    if not c.nullable:
        parts.append("NOT NULL")
    if c.identity is not None:
        parts.append(identity_clause(c))
    if c.generated is not None:
        parts.append(f"GENERATED ALWAYS AS ({c.generated}) STORED")
    return " ".join(parts)


def deferral(d: Deferral) -> str:
    if not d.deferrable:
        return ""
    return " DEFERRABLE INITIALLY DEFERRED" if d.initially_deferred else " DEFERRABLE"


def primary_key(pk: PrimaryKey) -> str:
    return (
        f"CONSTRAINT {quote_ident(pk.name)} PRIMARY KEY ({cols(pk.columns)}){deferral(pk.deferral)}"
    )


def unique(u: UniqueConstraint) -> str:
    nnd = " NULLS NOT DISTINCT" if u.nulls_not_distinct else ""
    include = f" INCLUDE ({cols(u.include)})" if u.include else ""
    return (
        f"CONSTRAINT {quote_ident(u.name)} UNIQUE{nnd} ({cols(u.columns)}){include}"
        f"{deferral(u.deferral)}"
    )


def check(c: CheckConstraint, *, not_valid: bool) -> str:
    tail = " NO INHERIT" if c.no_inherit else ""
    if not_valid:
        tail += " NOT VALID"
    return f"CONSTRAINT {quote_ident(c.name)} CHECK ({c.expression}){tail}"


def foreign_key(fk: ForeignKey, *, not_valid: bool) -> str:
    sql = (
        f"CONSTRAINT {quote_ident(fk.name)} FOREIGN KEY ({cols(fk.columns)}) "
        f"REFERENCES {fk.ref_table.sql}({cols(fk.ref_columns)})"
    )
    if fk.match_full:
        sql += " MATCH FULL"
    if fk.on_update:
        sql += f" ON UPDATE {fk.on_update}"
    if fk.on_delete:
        sql += f" ON DELETE {fk.on_delete}"
    sql += deferral(fk.deferral)
    if not_valid:
        sql += " NOT VALID"
    return sql


def create_index(ix: Index, table: QName, *, concurrently: bool = False) -> str:
    sql = "CREATE UNIQUE INDEX" if ix.unique else "CREATE INDEX"
    if concurrently:
        sql += " CONCURRENTLY"
    sql += f" {quote_ident(ix.name)} ON {table.sql}"
    if ix.method != "btree":
        sql += f" USING {ix.method}"
    sql += " (" + ", ".join(element_sql(e) for e in ix.elements) + ")"
    if ix.include:
        sql += f" INCLUDE ({cols(ix.include)})"
    if ix.nulls_not_distinct:
        sql += " NULLS NOT DISTINCT"
    if ix.with_options:
        sql += f" WITH ({ix.with_options})"
    if ix.where:
        sql += f" WHERE {ix.where}"
    return sql


# What CREATE SEQUENCE assumes for an option it was not given (ascending sequences).
_SEQUENCE_DEFAULTS = {
    "increment": "INCREMENT BY 1",
    "minvalue": "NO MINVALUE",
    "maxvalue": "NO MAXVALUE",
    "start": "START WITH 1",
    "cache": "CACHE 1",
    "cycle": "NO CYCLE",
}
_SEQUENCE_WORD = re.compile(r"\b(increment|minvalue|maxvalue|start|cache|cycle)\b", re.IGNORECASE)


def sequence_options(old: str, new: str) -> str:
    """The new options, and the default back for each one the old options set and the new do
    not (ALTER SEQUENCE changes only what it names)."""
    given = {m.lower() for m in _SEQUENCE_WORD.findall(new)}
    resets = [
        text
        for word, text in _SEQUENCE_DEFAULTS.items()
        if word not in given and re.search(rf"\b{word}\b", old, re.IGNORECASE)
    ]
    return " ".join([new, *resets]).strip()


def option_clauses(options: str) -> list[str]:
    """Sequence options as separate clauses: "START WITH 1 NO CYCLE" -> ["START WITH 1", "NO CYCLE"]
    (the SEQUENCE NAME of an identity is left out: it cannot be SET)."""
    starts = [m.start() for m in _CLAUSE.finditer(options)]
    clauses = [
        options[a:b].strip() for a, b in zip(starts, [*starts[1:], len(options)], strict=True)
    ]
    return [c for c in clauses if c and not c.lower().startswith("sequence name")]


_CLAUSE = re.compile(
    r"\b(?:no\s+(?:minvalue|maxvalue|cycle)|increment|minvalue|maxvalue|start|restart|cache|cycle|sequence\s+name|as)\b",
    re.IGNORECASE,
)
