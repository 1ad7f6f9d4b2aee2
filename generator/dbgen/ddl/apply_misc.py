"""Appliers for the loading session (SET, transaction control ...), for statements carried
verbatim, and for COMMENT and DROP."""

from __future__ import annotations

from dataclasses import replace

from dbgen.ddl.context import OWNER_NOTE, Context
from dbgen.ddl.raw import same_object
from dbgen.ddl.settings import NEWER
from dbgen.ddl.statements import (
    ClusterObject,
    Comment,
    DataStatement,
    DoBlock,
    Drop,
    Maintenance,
    MetaCommand,
    Name,
    OwnerTo,
    Query,
    SetParameter,
    SetSearchPath,
    Temporary,
    TransactionControl,
    Verbatim,
)
from dbgen.ir import CompositeType, Domain, EnumType, QName

SESSION_NOTE = "session setting for the loading script; not part of the schema"


# -- the loading session -------------------------------------------------------------------------


def meta_command(ctx: Context, stmt: MetaCommand) -> None:
    ctx.note(
        stmt.offset,
        "ignored-statement",
        f"psql meta-command {stmt.command!r} only affects the psql session",
    )


def set_parameter(ctx: Context, stmt: SetParameter) -> None:
    if stmt.reset_all:
        ctx.session.reset_all()
        ctx.set_search_path(["public"])
    elif (
        stmt.name is not None
        and not stmt.unchanged
        and not ctx.session.set(stmt.name, stmt.replay, stmt.local)
    ):
        _no_transaction(ctx, stmt.offset)
        return
    added = NEWER.get((stmt.name or "").lower())
    if added is not None:
        ctx.note(
            stmt.offset,
            "ignored-statement",
            f"{SESSION_NOTE}; {stmt.name} is new in PostgreSQL {added}: older servers reject it "
            "(dbgen verify loads the files without it)",
        )
        return
    ctx.note(stmt.offset, "ignored-statement", SESSION_NOTE)


def set_search_path(ctx: Context, stmt: SetSearchPath) -> None:
    path = list(stmt.path)
    if not ctx.session.set("search_path", stmt.replay, stmt.local, path):
        _no_transaction(ctx, ctx.statement.start)
        return
    ctx.set_search_path(path)


def _no_transaction(ctx: Context, offset: int) -> None:
    ctx.warn(
        offset,
        "ignored-statement",
        "a LOCAL setting outside a transaction block has no effect: psql runs each statement "
        "in a transaction of its own",
    )


def transaction_control(ctx: Context, stmt: TransactionControl) -> None:
    # SET LOCAL's values last until the block ends; ROLLBACK also undoes the block's SETs
    if stmt.effect == "begin":
        ctx.session.begin()
    elif stmt.effect:
        path = ctx.session.end(commit=stmt.effect == "commit")
        if path is not None and path != ctx.session.search_path:
            ctx.set_search_path(path)
    ctx.note(
        stmt.offset,
        "ignored-statement",
        "transaction control only matters while loading the script",
    )


def data_statement(ctx: Context, stmt: DataStatement) -> None:
    ctx.warn(
        stmt.offset,
        "ignored-statement",
        "data statement: dbgen models the schema, not its rows; not carried into the migration",
    )


def query(ctx: Context, stmt: Query) -> None:
    ctx.warn(
        stmt.offset,
        "ignored-statement",
        "SELECT does not define schema; not carried into the migration",
    )


def maintenance(ctx: Context, stmt: Maintenance) -> None:
    ctx.note(stmt.offset, "ignored-statement", f"{stmt.word.upper()} is maintenance, not schema")


def cluster_object(ctx: Context, stmt: ClusterObject) -> None:
    ctx.warn(
        stmt.offset,
        "ignored-statement",
        f"{stmt.word.upper()} is a cluster-wide object, outside the database schema; create it before running the migration",
    )


def temporary(ctx: Context, stmt: Temporary) -> None:
    ctx.warn(
        stmt.offset,
        "ignored-statement",
        f"temporary {stmt.word} lives only in the loading session: not part of the schema, "
        "not carried into the migration",
    )


def owner_to(ctx: Context, stmt: OwnerTo) -> None:
    ctx.note(stmt.offset, "ignored-statement", OWNER_NOTE)


# -- carried verbatim ----------------------------------------------------------------------------


def verbatim(ctx: Context, stmt: Verbatim) -> None:
    ctx.carry_info(stmt.info)


def do_block(ctx: Context, stmt: DoBlock) -> None:
    """Undo for a DO block: drop what the CREATE statements in its body may have created.

    A DO block often creates routines conditionally (one branch or its exception handler), so
    each drop is IF EXISTS; the drops run in reverse order, in one DO block of their own.
    """
    ctx.warn(
        stmt.offset,
        "unmodelled-statement",
        "DO block carried verbatim; its effects are not modelled",
    )
    drops: list[str] = []
    for info in stmt.creates:
        drop = ctx.rendered_drop(info)
        if drop is not None and _if_exists(drop) not in drops:
            drops.append(_if_exists(drop))
    undo = None
    if drops:
        lines = "".join(f"  {d};\n" for d in reversed(drops))
        undo = f"DO $dbgen$\nBEGIN\n{lines}END\n$dbgen$"
    ctx.carry("do", None, undo)


_DROPPABLE = (
    "MATERIALIZED VIEW",
    "FUNCTION",
    "PROCEDURE",
    "AGGREGATE",
    "VIEW",
    "TYPE",
    "TRIGGER",
    "POLICY",
    "RULE",
)


def _if_exists(drop: str) -> str:
    for kind in _DROPPABLE:
        prefix = f"DROP {kind} "
        if drop.startswith(prefix):
            return f"{prefix}IF EXISTS {drop[len(prefix) :]}"
    return drop


# -- COMMENT -------------------------------------------------------------------------------------


def comment(ctx: Context, stmt: Comment) -> None:
    if not _attach_comment(ctx, stmt):
        ctx.carry("comment", stmt.name.dotted, None)


def _attach_comment(ctx: Context, stmt: Comment) -> bool:
    catalog = ctx.catalog
    kind, parts, text = stmt.kind, stmt.name.parts, stmt.text
    if kind == "schema":
        if parts[0] in catalog.schemas:
            catalog.schemas[parts[0]] = replace(catalog.schemas[parts[0]], comment=text)
            return True
        return False
    if kind == "column":
        t = ctx.find_table(parts[:-1])
        if t is None:
            return False
        i = t.column_index(parts[-1])
        if i < 0:
            raise ctx.error(
                stmt.name.offset,
                "unknown-column",
                f"column {parts[-1]!r} of relation {t.qname} does not exist",
            )
        t.columns[i] = replace(t.columns[i], comment=text)
        return True
    if kind == "table":
        t = ctx.find_table(parts)
        if t is None:
            return False
        t.comment = text
        return True
    if kind == "index":
        q = ctx.lookup(parts, catalog.index_table)  # type: ignore[arg-type]
        if q is None:
            return False
        owner = catalog.tables[catalog.index_table[q]]
        for k, ix in enumerate(owner.indexes):
            if ix.name == q.name:
                owner.indexes[k] = replace(ix, comment=text)
                return True
        return False
    if kind == "sequence":
        q = ctx.lookup(parts, catalog.sequences)  # type: ignore[arg-type]
        if q is None:
            return False
        catalog.sequences[q] = replace(catalog.sequences[q], comment=text)
        return True
    regs: list[dict[QName, EnumType] | dict[QName, Domain] | dict[QName, CompositeType]] = (
        [catalog.domains]
        if kind == "domain"
        else [catalog.enums, catalog.domains, catalog.composites]
    )
    for reg in regs:
        q = ctx.lookup(parts, reg)  # type: ignore[arg-type]
        if q is not None:
            reg[q] = replace(reg[q], comment=text)  # type: ignore[assignment]
            return True
    return False


# -- DROP ----------------------------------------------------------------------------------------


def drop(ctx: Context, stmt: Drop) -> None:
    for name in stmt.names:
        if stmt.kind == "schema":
            found = _drop_schema(ctx, name, stmt.cascade)
        else:
            found = _drop_one(ctx, stmt.kind, name.parts)
        if not found and not stmt.if_exists:
            raise ctx.error(
                name.offset, "unknown-object", f"{stmt.kind} {name.dotted!r} does not exist"
            )
    if stmt.if_exists:
        ctx.note(
            stmt.offset,
            "ignored-statement",
            f"DROP {stmt.kind.upper()} IF EXISTS is applied while reading; not carried",
        )


# Schemas the migration never drops: the system's, and public, where alembic_version lives.
_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


def _drop_schema(ctx: Context, name: Name, cascade: bool) -> bool:
    catalog = ctx.catalog
    schema = name.parts[-1]
    if schema not in catalog.known_schemas:
        return False
    if schema in _SYSTEM_SCHEMAS:
        raise ctx.error(
            name.offset,
            "dependent-objects",
            f"cannot drop schema {schema} because it is required by the database system",
        )
    if not cascade and catalog.holds(schema):
        raise ctx.error(
            name.offset,
            "dependent-objects",
            f"cannot drop schema {schema} because other objects depend on it (use CASCADE)",
        )
    catalog.drop_schema(schema)
    if schema == "public":
        catalog.public_dropped = True
        ctx.note(
            name.offset,
            "ignored-statement",
            "the migration keeps schema public (alembic_version lives there); what the script "
            "created in it before this DROP is gone from the model",
        )
    return True


def _drop_one(ctx: Context, kind: str, parts: tuple[str, ...]) -> bool:
    catalog = ctx.catalog
    if kind == "table":
        q = ctx.lookup(parts, catalog.tables)  # type: ignore[arg-type]
        if q is None:
            return _drop_carried(ctx, "table as", parts)
        catalog.drop_table(q)
        return True
    if kind == "extension":
        return catalog.extensions.pop(parts[-1], None) is not None
    if kind == "sequence":
        q = ctx.lookup(parts, catalog.sequences)  # type: ignore[arg-type]
        if q is None:
            return False
        del catalog.sequences[q]
        catalog.ns.discard_relation(q.schema, q.name)
        return True
    if kind in ("type", "domain"):
        for reg in (catalog.enums, catalog.domains, catalog.composites):
            q = ctx.lookup(parts, reg)  # type: ignore[arg-type]
            if q is not None:
                catalog.drop_type(q)
                return True
        if kind == "type":
            q = ctx.lookup(parts, catalog.other_types)
            if q is not None:
                catalog.drop_type(q)
                return _drop_carried(ctx, "type", parts)
    if kind == "index":
        q = ctx.lookup(parts, catalog.index_table)  # type: ignore[arg-type]
        if q is None:
            return False
        owner = catalog.tables.get(catalog.index_table.pop(q))
        if owner is not None:
            owner.indexes = [ix for ix in owner.indexes if ix.name != q.name]
        catalog.ns.discard_relation(q.schema, q.name)
        return True
    return _drop_carried(ctx, kind, parts)


def _drop_carried(ctx: Context, kind: str, parts: tuple[str, ...]) -> bool:
    """Routines, views and other carried objects: drop the carried statements."""
    catalog = ctx.catalog
    q = ctx.qualify_any(parts)
    raw = catalog.raw
    for k in range(len(raw) - 1, -1, -1):
        r = raw[k]
        if (
            r.kind == kind
            and r.name is not None
            and (r.name == str(q) or r.name.split("(")[0] == str(q))
        ):
            # every statement that defined it: a placeholder and its CREATE OR REPLACE
            name = r.name
            catalog.raw = [
                x
                for x in raw
                if not (x.kind == kind and x.name and same_object(x.name, name))
                and x.table != q  # what hangs off it (indexes on a materialized view ...)
            ]
            catalog.ns.discard_relation(q.schema, q.name)
            return True
    return False
