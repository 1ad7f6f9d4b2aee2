"""The ALTER TABLE applier: one handler per action kind, in ``_ACTIONS``.

A handler returns False when its action is to be carried verbatim; the statement is then carried
whole when no action was modelled, else as the unmodelled actions alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from dbgen.ddl.apply_tables import add_columns, apply_constraints
from dbgen.ddl.catalog import WorkingTable
from dbgen.ddl.context import OWNER_NOTE, Context
from dbgen.ddl.cursor import ParseError
from dbgen.ddl.statements import (
    ActionVerbatim,
    AddColumn,
    AddConstraint,
    AddIdentity,
    AlterColumn,
    AlterConstraint,
    AlterTable,
    AttachPartition,
    DetachPartition,
    DropColumn,
    DropConstraint,
    Inherit,
    OwnerAction,
    Rename,
    SetDefault,
    SetNotNull,
    SetType,
    SyntaxProblem,
)
from dbgen.ir import Identity, PartitionOf, QName, RawStatement, quote_ident


def alter_table(ctx: Context, stmt: AlterTable) -> None:
    catalog = ctx.catalog
    table = ctx.find_table(stmt.name.parts)
    off = stmt.name.offset
    if table is None:
        if stmt.if_exists:
            ctx.note(
                off,
                "skipped-statement",
                f"table {stmt.name.dotted!r} does not exist; ALTER TABLE IF EXISTS does nothing",
            )
            return
        rel = ctx.qualify_any(stmt.name.parts)
        if rel.name in catalog.ns.relations(rel.schema):
            # views, materialized views, foreign tables: carried raw
            if stmt.owner_to:
                ctx.note(off, "ignored-statement", OWNER_NOTE)
            else:
                ctx.carry("alter relation", stmt.name.dotted, None, rel.schema, rel)
            return
        raise ctx.error(off, "unknown-table", f"table {stmt.name.dotted!r} does not exist")
    raw_actions: list[str] = []
    for action, text in zip(stmt.actions, stmt.action_texts, strict=True):
        if isinstance(action, SyntaxProblem):
            raise ParseError(action.offset, action.message, action.code)
        if not _ACTIONS[type(action)](ctx, table, action):
            raw_actions.append(text)
    if stmt.only and table.partition_by:
        _keys_only(ctx, table)
    if raw_actions:
        # carried verbatim when no action was modelled, else just the unmodelled actions
        whole = ctx.statement.sql
        sql = (
            whole
            if len(raw_actions) == len(stmt.actions)
            else f"{stmt.head} " + ", ".join(raw_actions)
        )
        renames = [a for a in stmt.actions if isinstance(a, Rename)]
        catalog.raw.append(
            RawStatement(
                "alter table",
                sql,
                rename_undo(table, renames[0]) if renames else None,
                str(table.qname),
                ctx.pos,
                ctx.statement.span,
                table.qname.schema,
                table.qname,
            )
        )


def _owner(ctx: Context, table: WorkingTable, action: OwnerAction) -> bool:
    ctx.note(action.offset, "ignored-statement", OWNER_NOTE)
    return True


def _keys_only(ctx: Context, table: WorkingTable) -> None:
    """The keys this ALTER TABLE ONLY added to a partitioned table are the parent's alone: the
    server makes no key on its partitions (pg_dump adds and attaches theirs after), where
    ALTER TABLE without ONLY makes one on each."""
    pk = table.primary_key
    if pk is not None and pk.position == ctx.pos and not pk.inline:
        table.primary_key = replace(pk, only=True)
    table.uniques = [
        replace(u, only=True) if u.position == ctx.pos and not u.inline else u
        for u in table.uniques
    ]


def _add_constraint(ctx: Context, table: WorkingTable, action: AddConstraint) -> bool:
    apply_constraints(ctx, table, (action.constraint,), inline=False)
    return True


def _add_column(ctx: Context, table: WorkingTable, action: AddColumn) -> bool:
    spec = action.column
    if table.column_index(spec.name) >= 0:
        if action.if_not_exists:
            ctx.note(action.offset, "skipped-statement", f"column {spec.name!r} already exists")
            return True
        raise ctx.error(
            action.offset,
            "duplicate-column",
            f"column {spec.name!r} of relation {table.qname} already exists",
        )
    add_columns(ctx, table, (spec,), merge=False)
    apply_constraints(ctx, table, spec.constraints, inline=False)
    return True


def _drop_constraint(ctx: Context, table: WorkingTable, action: DropConstraint) -> bool:
    if not ctx.catalog.drop_constraint(table, action.name) and not action.if_exists:
        raise ctx.error(
            action.offset,
            "unknown-object",
            f"constraint {action.name!r} of relation {table.qname} does not exist",
        )
    return True


def _drop_column(ctx: Context, table: WorkingTable, action: DropColumn) -> bool:
    if table.column_index(action.name) < 0:
        if action.if_exists:
            return True
        raise ctx.error(
            action.offset,
            "unknown-column",
            f"column {action.name!r} of relation {table.qname} does not exist",
        )
    ctx.catalog.drop_column(table, action.name)
    return True


def _alter_column(ctx: Context, table: WorkingTable, action: AlterColumn) -> bool:
    q = table.qname
    i = table.column_index(action.name)
    if i < 0:
        raise ctx.error(
            action.offset,
            "unknown-column",
            f"column {action.name!r} of relation {q} does not exist",
        )
    change = action.change
    if change is None:
        return False
    if isinstance(change, SyntaxProblem):
        raise ParseError(change.offset, change.message, change.code)
    col = table.columns[i]
    if isinstance(change, SetDefault):
        table.columns[i] = replace(col, default=change.default)
    elif isinstance(change, SetNotNull):
        table.columns[i] = replace(col, nullable=not change.not_null)
    elif isinstance(change, AddIdentity):
        identity = Identity(change.always, change.options)
        table.columns[i] = replace(col, identity=identity, nullable=False)
        ns = ctx.catalog.ns
        seq = change.sequence
        if seq is None:
            seq = ns.choose_relation_name(q.schema, q.name, action.name, "seq", False)
        ns.add_relation(q.schema, seq.split(".")[-1].strip('"'))
    elif isinstance(change, SetType):
        table.columns[i] = replace(col, type=ctx.resolve(change.type))
    return True


def _attach_partition(ctx: Context, table: WorkingTable, action: AttachPartition) -> bool:
    child = ctx.table_of(action.child)
    if child.position > table.position and child.partition_of is None:
        child.partition_of = PartitionOf(table.qname, action.bound)
        return True
    return False


def _detach_partition(ctx: Context, table: WorkingTable, action: DetachPartition) -> bool:
    """The partition becomes a table of its own, with the columns it had."""
    child = ctx.table_of(action.child)
    if child.partition_of is None or child.partition_of.parent != table.qname:
        raise ctx.error(
            action.child.offset,
            "not-a-partition",
            f'relation "{child.qname}" is not a partition of relation "{table.qname}"',
        )
    child.partition_of = None
    return True


def _alter_constraint(ctx: Context, table: WorkingTable, action: AlterConstraint) -> bool:
    for k, fk in enumerate(table.foreign_keys):
        if fk.name == action.name:
            table.foreign_keys[k] = replace(fk, deferral=action.deferral)
            return True
    raise ctx.error(
        action.offset,
        "unknown-object",
        f'constraint "{action.name}" of relation "{table.qname}" is not a foreign key '
        "constraint or does not exist",
    )


def _inherit(ctx: Context, table: WorkingTable, action: Inherit) -> bool:
    parent = ctx.table_of(action.parent)
    table.inherits = (*table.inherits, parent.qname)
    return True


def _verbatim(ctx: Context, table: WorkingTable, action: ActionVerbatim) -> bool:
    return False


def _rename(ctx: Context, table: WorkingTable, action: Rename) -> bool:
    ctx.warn(
        action.offset,
        "unmodelled-clause",
        f"ALTER TABLE ... {'SET SCHEMA' if action.what == 'schema' else 'RENAME'} is carried "
        "verbatim: the migration renames, the models keep the name it was created with",
    )
    return False


def rename_undo(table: WorkingTable, action: Rename) -> str:
    """The statement that undoes a rename, naming the table as it is after it."""
    q = table.qname
    if action.what == "table":
        return f"ALTER TABLE {QName(q.schema, action.new).sql} RENAME TO {quote_ident(q.name)}"
    if action.what == "schema":
        return f"ALTER TABLE {QName(action.new, q.name).sql} SET SCHEMA {quote_ident(q.schema)}"
    assert action.old is not None
    word = "CONSTRAINT " if action.what == "constraint" else "COLUMN "
    return (
        f"ALTER TABLE {q.sql} RENAME {word}{quote_ident(action.new)} TO {quote_ident(action.old)}"
    )


_ACTIONS: dict[type, Callable[[Context, WorkingTable, Any], bool]] = {
    OwnerAction: _owner,
    AddConstraint: _add_constraint,
    AddColumn: _add_column,
    DropConstraint: _drop_constraint,
    DropColumn: _drop_column,
    AlterColumn: _alter_column,
    AttachPartition: _attach_partition,
    DetachPartition: _detach_partition,
    AlterConstraint: _alter_constraint,
    Inherit: _inherit,
    ActionVerbatim: _verbatim,
    Rename: _rename,
}
