"""Appliers for CREATE TABLE and CREATE INDEX, and the column and constraint rules they share with
ALTER TABLE: naming unnamed objects the way PostgreSQL does at this point of the script."""

from __future__ import annotations

from dataclasses import replace

from dbgen.ddl.catalog import WorkingTable
from dbgen.ddl.context import Context
from dbgen.ddl.elements import ColumnSpec, ConstraintKind, ConstraintSpec
from dbgen.ddl.names import name_addition
from dbgen.ddl.statements import CreateIndex, CreateTable, CreateTableAs, Name
from dbgen.ir import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    PartitionOf,
    PrimaryKey,
    QName,
    RawStatement,
    Sequence,
    SqlType,
    UniqueConstraint,
    quote_ident,
)


def create_table(ctx: Context, stmt: CreateTable) -> None:
    catalog = ctx.catalog
    q = ctx.creation_qname(stmt.name)
    if q in catalog.tables or q.name in catalog.ns.relations(q.schema):
        if stmt.if_not_exists:
            ctx.note(
                stmt.name.offset,
                "skipped-statement",
                f"relation {q} already exists; CREATE TABLE IF NOT EXISTS does nothing",
            )
            return
        raise ctx.error(stmt.name.offset, "duplicate-object", f"relation {q} already exists")
    parent = ctx.table_of(stmt.partition_of, "parent table") if stmt.partition_of else None
    likes: list[tuple[WorkingTable, int]] = []
    for like in stmt.likes:
        likes.append((ctx.table_of(like.table), like.offset))
        if like.options:
            ctx.warn(
                like.offset,
                "unmodelled-clause",
                f"LIKE options {like.options!r} are not modelled; only column names, types and NOT NULL are copied",
            )
    inherits = tuple(ctx.table_of(name, "parent table").qname for name in stmt.inherits)
    if stmt.tablespace_offset is not None:
        ctx.note(
            stmt.tablespace_offset,
            "ignored-clause",
            "TABLESPACE is deployment-specific and not carried",
        )
    stmt_span = ctx.statement
    table = WorkingTable(
        q,
        [],
        ctx.pos,
        stmt_span.span_at(stmt.name.offset),
        unlogged=stmt.unlogged,
        statement=stmt_span.span,
        partition_of=(
            PartitionOf(parent.qname, stmt.partition_bound or "") if parent is not None else None
        ),
        partition_by=stmt.partition_by,
        inherits=inherits,
        with_options=stmt.with_options,
    )
    # inherited columns come first, merged with same-named local ones
    for pq in inherits:
        for c in catalog.tables[pq].columns:
            if table.column_index(c.name) < 0:
                table.columns.append(replace(c, identity=None, inherited=True))
    if parent is not None:
        table.columns.extend(replace(c, identity=None, comment=None) for c in parent.columns)
    for lt, off in likes:
        for c in lt.columns:
            table.columns.append(
                replace(
                    c,
                    default=None,
                    identity=None,
                    generated=None,
                    comment=None,
                    span=ctx.span(off),
                )
            )
    add_columns(ctx, table, stmt.columns, merge=parent is not None or bool(inherits))
    catalog.ns.add_relation(q.schema, q.name)
    catalog.tables[q] = table
    apply_constraints(ctx, table, stmt.constraints, inline=True)


def create_table_as(ctx: Context, stmt: CreateTableAs) -> None:
    q = ctx.creation_qname(stmt.name)
    ctx.warn(
        stmt.name.offset,
        "unmodelled-statement",
        f"CREATE TABLE ... {stmt.form} is carried verbatim; its columns are not modelled",
    )
    ctx.catalog.ns.add_relation(q.schema, q.name)
    ctx.carry("table as", str(q), f"DROP TABLE {q.sql}", q.schema)


# -- columns -------------------------------------------------------------------------------------


def add_columns(
    ctx: Context, table: WorkingTable, cols: tuple[ColumnSpec, ...], merge: bool
) -> None:
    """Append column specs, naming serial sequences (their constraints are applied apart)."""
    for spec in cols:
        existing = table.column_index(spec.name)
        if existing >= 0 and not merge:
            raise ctx.error(
                spec.offset,
                "duplicate-column",
                f"column {spec.name!r} specified more than once",
            )
        col = _column(ctx, table, spec)
        if existing >= 0:
            old = table.columns[existing]
            table.columns[existing] = replace(
                old,
                nullable=old.nullable and spec.nullable,
                default=spec.default if spec.default is not None else old.default,
                generated=spec.generated or old.generated,
                identity=spec.identity or old.identity,
                compression=spec.compression or old.compression,
                inherited=False,  # declared here too: the table's own column
            )
        else:
            table.columns.append(col)


def _column(ctx: Context, table: WorkingTable, spec: ColumnSpec) -> Column:
    ns = ctx.catalog.ns
    q = table.qname
    # a partition's column options have no type: they merge into the parent's column
    ctype = ctx.resolve(spec.type) if spec.type is not None else SqlType("", "")
    default = spec.default
    if spec.type is not None and spec.type.serial:
        seq_name = ns.choose_relation_name(q.schema, q.name, spec.name, "seq", False)
        sq = QName(q.schema, seq_name)
        ns.add_relation(q.schema, seq_name)
        ctx.catalog.sequences[sq] = Sequence(
            sq,
            ctype.sql,
            "",
            (q, spec.name),
            ctx.pos,
            None,
            ctx.pos,
            ctx.span(spec.offset),
            unlogged=table.unlogged,  # as the server makes it
        )
        default = f"nextval('{_regclass_literal(sq)}'::regclass)"
    if spec.identity is not None:
        ns.add_relation(
            q.schema, ns.choose_relation_name(q.schema, q.name, spec.name, "seq", False)
        )
    return Column(
        spec.name,
        ctype,
        spec.nullable,
        default,
        spec.identity,
        spec.generated,
        spec.collation,
        None,
        ctx.span(spec.offset),
        spec.compression,
    )


def _regclass_literal(q: QName) -> str:
    """How PostgreSQL prints a regclass constant: schema-qualified unless on the search path."""
    text = q.sql if q.schema != "public" else quote_ident(q.name)
    return text.replace("'", "''")


# -- constraints ---------------------------------------------------------------------------------


def apply_constraints(
    ctx: Context, table: WorkingTable, cons: tuple[ConstraintSpec, ...], inline: bool
) -> None:
    """Name and attach constraints in the order PostgreSQL creates them:
    checks, then the primary key, then unique constraints, then foreign keys."""
    checknames: list[str] = []
    for c in cons:
        if c.kind is ConstraintKind.CHECK:
            _add_check(ctx, table, c, inline, checknames)
    for kind in (ConstraintKind.PRIMARY_KEY, ConstraintKind.UNIQUE, ConstraintKind.EXCLUSION):
        for c in cons:
            if c.kind is kind:
                _add_index_constraint(ctx, table, c, inline)
    for c in cons:
        if c.kind is ConstraintKind.FOREIGN_KEY:
            _add_fk(ctx, table, c, inline)


def _add_check(
    ctx: Context, table: WorkingTable, c: ConstraintSpec, inline: bool, checknames: list[str]
) -> None:
    ns = ctx.catalog.ns
    q = table.qname
    if c.name is None:
        cols = {w for w in c.expr_words if table.column_index(w) >= 0}
        colname = next(iter(cols)) if len(cols) == 1 else None
        name = ns.choose_constraint_name(q.schema, q.name, colname, "check", checknames)
    else:
        name = c.name
    checknames.append(name)
    ns.add_constraint(q.schema, name)
    table.checks.append(
        CheckConstraint(
            name,
            c.expression,
            _kept_not_valid(c, inline),
            c.no_inherit,
            ctx.pos,
            inline,
            ctx.span(c.offset),
        )
    )


def _kept_not_valid(c: ConstraintSpec, inline: bool) -> bool:
    """PostgreSQL validates a constraint CREATE TABLE declares NOT VALID (the table is empty, so
    it marks it validated); only ALTER TABLE ... ADD ... NOT VALID leaves it unvalidated."""
    return c.not_valid and not inline


def _duplicates_earlier_key(ctx: Context, table: WorkingTable, c: ConstraintSpec) -> bool:
    """PostgreSQL drops an unnamed inline unique constraint that repeats the statement's primary
    key or an earlier unique constraint of the same statement."""
    pk = table.primary_key
    if pk is not None and pk.position == ctx.pos and pk.columns == c.columns and not c.include:
        return True
    return any(
        u.position == ctx.pos
        and u.columns == c.columns
        and u.include == c.include
        and u.nulls_not_distinct == c.nulls_not_distinct
        and u.deferral == c.deferral
        for u in table.uniques
    )


_INDEX_LABELS = {
    ConstraintKind.PRIMARY_KEY: "pkey",
    ConstraintKind.UNIQUE: "key",
    ConstraintKind.EXCLUSION: "excl",
}


def _add_index_constraint(
    ctx: Context, table: WorkingTable, c: ConstraintSpec, inline: bool
) -> None:
    ns = ctx.catalog.ns
    q = table.qname
    if c.using_index is not None:
        c = _adopt_index(ctx, table, c)
    for col in c.columns + c.include:
        if table.column_index(col) < 0:
            raise ctx.error(
                c.offset,
                "unknown-column",
                f"column {col!r} named in key does not exist in table {q}",
            )
    index_options = " ".join(c.extras) or None
    if (
        c.kind is ConstraintKind.UNIQUE
        and c.name is None
        and inline
        and _duplicates_earlier_key(ctx, table, c)
    ):
        return
    if c.name is not None:
        name = c.name
        if name in ns.relations(q.schema):
            raise ctx.error(
                c.offset, "duplicate-object", f"relation {QName(q.schema, name)} already exists"
            )
    else:
        columns = c.index_columns if c.kind is ConstraintKind.EXCLUSION else c.columns + c.include
        name = ns.choose_index_name(q.schema, q.name, columns, _INDEX_LABELS[c.kind])
    ns.add_relation(q.schema, name)
    ns.add_constraint(q.schema, name)
    span = ctx.span(c.offset)
    if c.kind is ConstraintKind.PRIMARY_KEY:
        if table.primary_key is not None:
            raise ctx.error(
                c.offset,
                "duplicate-object",
                f"multiple primary keys for table {q} are not allowed",
            )
        table.primary_key = PrimaryKey(
            name, c.columns, c.deferral, ctx.pos, inline, span, c.include, index_options
        )
        cols = set(c.columns)
        table.columns = [
            replace(col, nullable=False) if col.name in cols else col for col in table.columns
        ]
    elif c.kind is ConstraintKind.UNIQUE:
        table.uniques.append(
            UniqueConstraint(
                name,
                c.columns,
                c.nulls_not_distinct,
                c.include,
                c.deferral,
                ctx.pos,
                inline,
                span,
                index_options,
            )
        )
    else:
        # The IR has no exclusion constraints: carry one as an ALTER TABLE statement.
        sql = ctx.statement.sql
        if inline or c.name is None:
            sql = f"ALTER TABLE {q.sql} ADD CONSTRAINT {quote_ident(name)} {c.body}"
        ctx.catalog.raw.append(
            RawStatement(
                "exclusion constraint", sql, None, f"{q}.{name}", ctx.pos, span, q.schema, q
            )
        )


def _adopt_index(ctx: Context, table: WorkingTable, c: ConstraintSpec) -> ConstraintSpec:
    """ADD PRIMARY KEY / UNIQUE USING INDEX: the unique index becomes the constraint's (renamed
    to the constraint's name), so the catalog holds the constraint and no longer the index."""
    q = table.qname
    found = [ix for ix in table.indexes if ix.name == c.using_index]
    if not found:
        raise ctx.error(c.offset, "unknown-object", f'index "{c.using_index}" does not exist')
    ix = found[0]
    columns = tuple(e.column for e in ix.elements if e.column is not None)
    if (
        not ix.unique
        or ix.where
        or ix.method != "btree"
        or len(columns) != len(ix.elements)
        or any(e.descending or e.nulls or e.opclass or e.collation for e in ix.elements)
    ):
        raise ctx.error(
            c.offset,
            "invalid-index",
            f'index "{ix.name}" cannot back a constraint: it must be a plain unique btree index '
            "of columns",
        )
    table.indexes = [x for x in table.indexes if x is not ix]
    ctx.catalog.index_table.pop(QName(q.schema, ix.name), None)
    ctx.catalog.ns.discard_relation(q.schema, ix.name)
    extras = (f"WITH ({ix.with_options})",) if ix.with_options else ()
    return replace(
        c,
        name=c.name or ix.name,
        columns=columns,
        include=ix.include,
        nulls_not_distinct=ix.nulls_not_distinct,
        extras=extras,
        using_index=None,
    )


def _add_fk(ctx: Context, table: WorkingTable, c: ConstraintSpec, inline: bool) -> None:
    q = table.qname
    for col in c.columns:
        if table.column_index(col) < 0:
            raise ctx.error(
                c.offset,
                "unknown-column",
                f"column {col!r} referenced in foreign key constraint does not exist in table {q}",
            )
    ref = ctx.find_table(c.ref)
    if ref is None:
        raise ctx.error(
            c.ref_offset,
            "unknown-table",
            f"referenced table {'.'.join(c.ref)!r} does not exist",
        )
    ref_q = ref.qname
    ref_cols = c.ref_columns
    if not ref_cols:
        if ref.primary_key is None:
            raise ctx.error(
                c.offset,
                "no-primary-key",
                f"there is no primary key for referenced table {ref_q}",
            )
        ref_cols = ref.primary_key.columns
    for col in ref_cols:
        if ref.column_index(col) < 0:
            raise ctx.error(
                c.offset,
                "unknown-column",
                f"column {col!r} referenced in foreign key constraint does not exist in table {ref_q}",
            )
    if len(ref_cols) != len(c.columns):
        raise ctx.error(
            c.offset,
            "syntax",
            "number of referencing and referenced columns for foreign key disagree",
        )
    ns = ctx.catalog.ns
    if c.name is None:
        name = ns.choose_constraint_name(q.schema, q.name, name_addition(c.columns), "fkey")
    else:
        name = c.name
    ns.add_constraint(q.schema, name)
    table.foreign_keys.append(
        ForeignKey(
            name,
            c.columns,
            ref_q,
            ref_cols,
            c.on_delete,
            c.on_update,
            c.match_full,
            c.deferral,
            _kept_not_valid(c, inline),
            ctx.pos,
            inline,
            ctx.span(c.offset),
        )
    )


# -- CREATE INDEX ----------------------------------------------------------------------------------


def create_index(ctx: Context, stmt: CreateIndex) -> None:
    spec = stmt.spec
    catalog = ctx.catalog
    start = spec.offset
    if ctx.find_table(spec.table) is None:
        rel = ctx.qualify_any(spec.table)
        if rel.name in catalog.ns.relations(rel.schema):
            # an index on a materialized view (carried verbatim): dropped with it
            if spec.name is not None:
                catalog.ns.add_relation(rel.schema, spec.name)
            ctx.carry("index", f"{rel}.{spec.name}", None, rel.schema, rel)
            return
    table = ctx.table_of(Name(spec.table, start))
    q = table.qname
    for c in spec.elements:
        if c.column is not None and table.column_index(c.column) < 0:
            raise ctx.error(
                start, "unknown-column", f"column {c.column!r} does not exist in table {q}"
            )
    if spec.name is not None:
        iq = QName(q.schema, spec.name)
        if spec.name in catalog.ns.relations(q.schema):
            if spec.if_not_exists:
                ctx.note(
                    start,
                    "skipped-statement",
                    f"relation {iq} already exists; CREATE INDEX IF NOT EXISTS does nothing",
                )
                return
            raise ctx.error(start, "duplicate-object", f"relation {iq} already exists")
        name = spec.name
    else:
        name = catalog.ns.choose_index_name(
            q.schema, q.name, spec.element_names + spec.include, "idx"
        )
    catalog.ns.add_relation(q.schema, name)
    catalog.index_table[QName(q.schema, name)] = q
    if spec.only or spec.tablespace is not None:
        # ON ONLY (partitioned parents) has no IR field: carry it verbatim to stay exact
        if spec.tablespace is not None:
            ctx.note(
                start,
                "ignored-clause",
                "TABLESPACE is carried as written in a verbatim CREATE INDEX",
            )
        ctx.carry("index", f"{q}.{name}", None, q.schema, q)
        return
    table.indexes.append(
        Index(
            name,
            spec.elements,
            spec.unique,
            spec.method.lower(),
            spec.where,
            spec.include,
            spec.nulls_not_distinct,
            spec.with_options,
            None,
            ctx.pos,
            ctx.statement.span,
        )
    )
