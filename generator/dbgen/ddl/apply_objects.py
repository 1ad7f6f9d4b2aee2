"""Appliers for the objects besides tables: schemas, extensions, enums, composite types, domains
and sequences (CREATE, and the ALTER forms the catalog models)."""

from __future__ import annotations

from dataclasses import replace

from dbgen.ddl.context import OWNER_NOTE, Context
from dbgen.ddl.statements import (
    AlterSequence,
    AlterType,
    CreateComposite,
    CreateDomain,
    CreateEnum,
    CreateExtension,
    CreateSchema,
    CreateSequence,
    Name,
    SequenceOptions,
)
from dbgen.ir import (
    CompositeType,
    Domain,
    EnumType,
    Extension,
    QName,
    RawStatement,
    SchemaDef,
    Sequence,
    SqlType,
)


def create_schema(ctx: Context, stmt: CreateSchema) -> None:
    catalog = ctx.catalog
    name = stmt.name
    if name in catalog.known_schemas:
        if stmt.if_not_exists:
            ctx.note(stmt.offset, "skipped-statement", f"schema {name!r} already exists")
            return
        raise ctx.error(stmt.offset, "duplicate-object", f"schema {name!r} already exists")
    catalog.known_schemas.add(name)
    if name == "public" and catalog.public_dropped:
        # The migration never dropped it (alembic_version lives there); a re-created public
        # differs from the initial one by its comment only, which the migration removes.
        catalog.raw.append(
            RawStatement(
                "comment",
                "COMMENT ON SCHEMA public IS NULL",
                "COMMENT ON SCHEMA public IS 'standard public schema'",
                "schema public",
                ctx.pos,
                ctx.span(stmt.offset),
            )
        )
    else:
        catalog.schemas[name] = SchemaDef(name, None, ctx.pos, ctx.span(stmt.offset))
    if stmt.elements:
        _schema_elements(ctx, stmt)


def _schema_elements(ctx: Context, stmt: CreateSchema) -> None:
    """CREATE SCHEMA s CREATE TABLE ... CREATE VIEW ...: each element is created in s."""
    outer = ctx.statement
    session = ctx.session
    saved_path = session.search_path
    ctx.set_search_path([stmt.name, *saved_path])
    try:
        for element in stmt.elements:
            ctx.stmt = element
            ctx.read_nested(ctx, element)
    finally:
        session.search_path = saved_path
        ctx.stmt = outer
        ctx.path_changed()


def create_extension(ctx: Context, stmt: CreateExtension) -> None:
    extensions = ctx.catalog.extensions
    if stmt.name in extensions:
        if stmt.if_not_exists:
            ctx.note(stmt.offset, "skipped-statement", f"extension {stmt.name!r} already exists")
            return
        raise ctx.error(stmt.offset, "duplicate-object", f"extension {stmt.name!r} already exists")
    extensions[stmt.name] = Extension(
        stmt.name, stmt.schema, ctx.statement.sql, ctx.pos, ctx.span(stmt.offset)
    )


def _new_type(ctx: Context, name: Name) -> QName:
    catalog = ctx.catalog
    q = ctx.creation_qname(name)
    if q in catalog.enums or q in catalog.domains or q in catalog.composites or q in catalog.tables:
        raise ctx.error(name.offset, "duplicate-object", f"type {q} already exists")
    return q


def create_enum(ctx: Context, stmt: CreateEnum) -> None:
    q = _new_type(ctx, stmt.name)
    ctx.catalog.enums[q] = EnumType(q, stmt.labels, None, ctx.pos, ctx.span(stmt.name.offset))


def create_composite(ctx: Context, stmt: CreateComposite) -> None:
    q = _new_type(ctx, stmt.name)
    attributes = tuple((name, ctx.resolve(t)) for name, t in stmt.attributes)
    ctx.catalog.ns.add_relation(q.schema, q.name)
    ctx.catalog.composites[q] = CompositeType(
        q, attributes, stmt.definition, None, ctx.pos, ctx.span(stmt.name.offset)
    )


def create_domain(ctx: Context, stmt: CreateDomain) -> None:
    ns = ctx.catalog.ns
    q = _new_type(ctx, stmt.name)
    base = ctx.resolve(stmt.base)
    for check in stmt.check_names:
        name = check or ns.choose_constraint_name(q.schema, q.name, None, "check")
        ns.add_constraint(q.schema, name)
    ctx.catalog.domains[q] = Domain(
        q,
        base,
        stmt.definition,
        stmt.nullable,
        None,
        ctx.pos,
        ctx.span(stmt.name.offset),
        stmt.has_default,
    )


def create_sequence(ctx: Context, stmt: CreateSequence) -> None:
    ns = ctx.catalog.ns
    q = ctx.creation_qname(stmt.name)
    if q.name in ns.relations(q.schema):
        if stmt.if_not_exists:
            ctx.note(
                stmt.name.offset,
                "skipped-statement",
                f"relation {q} already exists; CREATE SEQUENCE IF NOT EXISTS does nothing",
            )
            return
        raise ctx.error(stmt.name.offset, "duplicate-object", f"relation {q} already exists")
    data_type, owned = _sequence_options(ctx, stmt.options)
    ns.add_relation(q.schema, q.name)
    ctx.catalog.sequences[q] = Sequence(
        q,
        data_type.sql if data_type is not None else None,
        stmt.options.options,
        owned,
        ctx.pos if owned else 0,
        None,
        ctx.pos,
        ctx.span(stmt.name.offset),
        stmt.unlogged,
    )


def _sequence_options(
    ctx: Context, options: SequenceOptions
) -> tuple[SqlType | None, tuple[QName, str] | None]:
    """The AS type and the owning column (the last OWNED BY counts; each one must exist)."""
    data_type = ctx.resolve(options.data_type) if options.data_type is not None else None
    owned: tuple[QName, str] | None = None
    for clause in options.owned:
        if clause.table is None or clause.column is None:
            owned = None
            continue
        t = ctx.table_of(clause.table)
        if t.column_index(clause.column) < 0:
            raise ctx.error(
                clause.table.offset,
                "unknown-column",
                f"column {clause.column!r} of relation {t.qname} does not exist",
            )
        owned = (t.qname, clause.column)
    return data_type, owned


def alter_sequence(ctx: Context, stmt: AlterSequence) -> None:
    sequences = ctx.catalog.sequences
    q = ctx.lookup(stmt.name.parts, sequences)  # type: ignore[arg-type]
    if stmt.owner_to:
        ctx.note(stmt.name.offset, "ignored-statement", OWNER_NOTE)
        return
    if q is None:
        if stmt.if_exists:
            ctx.note(
                stmt.name.offset,
                "skipped-statement",
                "sequence does not exist; ALTER SEQUENCE IF EXISTS does nothing",
            )
            return
        raise ctx.error(
            stmt.name.offset, "unknown-object", f"sequence {stmt.name.dotted!r} does not exist"
        )
    seq = sequences[q]
    if stmt.owned is not None:
        _, owned = _sequence_options(ctx, stmt.owned)
        if not stmt.owned.options:
            sequences[q] = replace(seq, owned_by=owned, owned_position=ctx.pos if owned else 0)
            return
    ctx.carry("alter sequence", str(q), None, q.schema, q)


def alter_type(ctx: Context, stmt: AlterType) -> None:
    enums = ctx.catalog.enums
    q = ctx.lookup(stmt.name.parts, enums)  # type: ignore[arg-type]
    add = stmt.add_value
    if q is None or add is None:
        ctx.carry_info(stmt.carried.info)
        return
    labels = list(enums[q].labels)
    if add.label in labels:
        if add.if_not_exists:
            return
        raise ctx.error(
            add.label_offset, "duplicate-object", f"enum label {add.label!r} already exists"
        )
    if add.position is not None:
        if add.neighbour not in labels:
            raise ctx.error(
                add.neighbour_offset,
                "unknown-object",
                f"{add.neighbour!r} is not an existing enum label",
            )
        k = labels.index(add.neighbour) + (add.position == "after")
        labels.insert(k, add.label)
    else:
        labels.append(add.label)
    enums[q] = replace(enums[q], labels=tuple(labels))
