"""The initial Alembic revision, planned from the catalog.

Every object is created where the source created it (``position``): the source applied in that
order, so the replay applies too. Two moves keep that true after the reader folded later
statements into earlier objects: a sequence moves up to just before the first table whose column
default calls it (pg_dump sets such defaults after creating the sequence), and ``OWNED BY`` waits
until its table exists. The downgrade undoes the steps in reverse.

The source's ``search_path`` changes are steps too (``SET LOCAL``, carried by the reader as raw
statements of kind "search path"), so SQL kept as written resolves its unqualified names the way
it did in the source. While a path that does not start with ``public`` is in force, objects in
``public`` are named with their schema, because an unqualified name would land elsewhere.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, replace

from dbgen.ir import (
    Catalog,
    Column,
    Index,
    PrimaryKey,
    QName,
    RawStatement,
    Sequence,
    Table,
    UniqueConstraint,
    quote_ident,
)
from dbgen.plan import constraints as cx
from dbgen.plan.pyexpr import call, pystr, sql_text, strs
from dbgen.plan.typemap import TypeContext, map_type


@dataclass(frozen=True, slots=True)
class Step:
    position: float  # source statement index; fractions order a step just before/after one
    upgrade: tuple[str, ...]  # Python statements
    downgrade: tuple[str, ...] = ()
    label: str = ""  # a comment line naming the object


@dataclass(frozen=True, slots=True)
class MigrationPlan:
    revision: str
    steps: tuple[Step, ...]
    uses_raw_type: bool
    # MySQL: a primary key on column prefixes, which the revision's PrefixPrimaryKey prints
    uses_prefix_key: bool = False

    @property
    def uses_postgresql(self) -> bool:
        return any("postgresql." in line for s in self.steps for line in s.upgrade)

    @property
    def downgrade_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in reversed(self.steps) if s.downgrade)


def _execute(sql: str) -> str:
    return f"op.execute({sql_text(sql)})"


def _comment_on(kind: str, target: str, text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    literal = "'" + text.replace("'", "''") + "'"
    return (_execute(f"COMMENT ON {kind} {target} IS {literal}"),)


_PATH_KIND = "search path"


class _Paths:
    """Which search_path the replay has in force at a source position."""

    def __init__(self, raw: tuple[RawStatement, ...]) -> None:
        changes = [r for r in raw if r.kind == _PATH_KIND]
        self._positions = [r.position for r in changes]
        self._first = [(r.name or "public").split(", ")[0] for r in changes]
        self.final: RawStatement | None = changes[-1] if changes else None

    def explicit_public(self, position: float) -> bool:
        """True when an unqualified name would not mean ``public`` at this position.

        A change at the same position belongs to a CREATE SCHEMA's elements, which are planned
        after that statement's tables: it does not apply to them (hence strictly before).
        """
        i = bisect.bisect_left(self._positions, position)
        return i > 0 and self._first[i - 1] != "public"


def plan_migration(catalog: Catalog, ctx: TypeContext) -> MigrationPlan:
    steps: list[Step] = []
    paths = _Paths(catalog.raw)
    raw_type_used = False
    if any(r.kind in ("function", "procedure") for r in catalog.raw):
        # Dumps create functions before the tables their bodies name, relying on the loader's
        # check_function_bodies = off; bodies are still checked when first called.
        steps.append(
            Step(-1, (_execute("SET LOCAL check_function_bodies = false"),), (), "session setting")
        )

    for s in catalog.schemas:
        steps.append(
            Step(
                s.position,
                (
                    _execute(f"CREATE SCHEMA {quote_ident(s.name)}"),
                    *_comment_on("SCHEMA", quote_ident(s.name), s.comment),
                ),
                (_execute(f"DROP SCHEMA {quote_ident(s.name)}"),),
                f"schema {s.name}",
            )
        )
    for x in catalog.extensions:
        steps.append(
            Step(
                x.position,
                (_execute(x.sql),),
                (_execute(f"DROP EXTENSION IF EXISTS {quote_ident(x.name)}"),),
                f"extension {x.name}",
            )
        )
    for e in catalog.enums:
        labels = ", ".join("'" + label.replace("'", "''") + "'" for label in e.labels)
        steps.append(
            Step(
                e.position,
                (
                    _execute(f"CREATE TYPE {e.qname.sql} AS ENUM ({labels})"),
                    *_comment_on("TYPE", e.qname.sql, e.comment),
                ),
                (_execute(f"DROP TYPE {e.qname.sql}"),),
                f"enum {e.qname}",
            )
        )
    for d in catalog.domains:
        steps.append(
            Step(
                d.position,
                (
                    _execute(f"CREATE DOMAIN {d.qname.sql} AS {d.definition}"),
                    *_comment_on("DOMAIN", d.qname.sql, d.comment),
                ),
                (_execute(f"DROP DOMAIN {d.qname.sql}"),),
                f"domain {d.qname}",
            )
        )
    for c in catalog.composites:
        steps.append(
            Step(
                c.position,
                (
                    _execute(f"CREATE TYPE {c.qname.sql} AS {c.definition}"),
                    *_comment_on("TYPE", c.qname.sql, c.comment),
                ),
                (_execute(f"DROP TYPE {c.qname.sql}"),),
                f"type {c.qname}",
            )
        )
    nextval_users = _nextval_users(catalog)
    for seq in catalog.sequences:
        steps.extend(_sequence_steps(seq, catalog, nextval_users))
    for t in catalog.tables:
        table_steps, raw = _table_steps(t, ctx, paths)
        raw_type_used |= raw
        steps.extend(table_steps)
    for r in catalog.raw:
        steps.append(
            Step(
                r.position,
                tuple(_execute(sql) for sql in (*r.before, r.sql, *r.after)),
                (_execute(r.drop),) if r.drop else (),
                f"{r.kind} {r.name or ''}".strip(),
            )
        )
    if paths.final is not None and paths.final.name != "public":
        # Leave the default path for alembic's own bookkeeping; the downgrade starts from the
        # path the upgrade ended with.
        steps.append(
            Step(
                float("inf"),
                (_execute("SET LOCAL search_path TO DEFAULT"),),
                (_execute(paths.final.sql),),
                "search path back to the default",
            )
        )

    # Stable sort: steps of one position keep the order they were planned in.
    ordered = tuple(sorted(steps, key=lambda s: s.position))
    digest = hashlib.sha256(
        "\n".join(line for s in ordered for line in (*s.upgrade, "--", *s.downgrade)).encode()
    ).hexdigest()
    return MigrationPlan(revision=digest[:12], steps=ordered, uses_raw_type=raw_type_used)


def _nextval_users(catalog: Catalog) -> list[tuple[int, str]]:
    """(table position, default text) of every column default that calls nextval."""
    return [
        (t.position, c.default)
        for t in catalog.tables
        for c in t.columns
        if c.default is not None and "nextval" in c.default
    ]


def _sequence_steps(
    seq: Sequence, catalog: Catalog, nextval_users: list[tuple[int, str]]
) -> list[Step]:
    needle = seq.qname.name
    users = [position for position, default in nextval_users if needle in default]
    position = min([seq.position, *users]) if users else seq.position
    # At a table's own position the sequence still sorts first: steps of one position keep
    # planning order, and sequences are planned before tables.
    create = f"CREATE {'UNLOGGED ' if seq.unlogged else ''}SEQUENCE {seq.qname.sql}"
    if seq.data_type:
        create += f" AS {seq.data_type}"
    if seq.options:
        create += f" {seq.options}"
    steps = [
        Step(
            position,
            (_execute(create), *_comment_on("SEQUENCE", seq.qname.sql, seq.comment)),
            (_execute(f"DROP SEQUENCE IF EXISTS {seq.qname.sql}"),),
            f"sequence {seq.qname}",
        )
    ]
    if seq.owned_by is not None:
        table, column = seq.owned_by
        owner = catalog.table(table)
        after = max(seq.owned_position, owner.position if owner else 0, position)
        steps.append(
            Step(
                after + 0.25,  # right after its table
                (
                    _execute(
                        f"ALTER SEQUENCE {seq.qname.sql} OWNED BY {table.sql}.{quote_ident(column)}"
                    ),
                ),
                (),
                f"sequence {seq.qname} owned by {table}.{column}",
            )
        )
    return steps


_INTEGERS = frozenset({"smallint", "integer", "bigint"})


def _column(c: Column, t: Table, ctx: TypeContext, explicit: bool) -> tuple[str, bool, str | None]:
    """(sa.Column source, uses RawType, identity ALTER needed afterwards)."""
    mapped = map_type(c.type, ctx, qualify_public=explicit)
    type_expr, raw = mapped.ddl.expr, mapped.is_raw
    if c.collation:
        type_expr, raw = f"RawType({pystr(f'{c.type.sql} COLLATE {c.collation}')})", True
    extras: list[str] = []
    identity_alter = None
    if c.identity is not None:
        if c.identity.options:
            kind = "ALWAYS" if c.identity.always else "BY DEFAULT"
            identity_alter = (
                f"ALTER TABLE {t.qname.sql} ALTER COLUMN {quote_ident(c.name)} "
                f"ADD GENERATED {kind} AS IDENTITY ({c.identity.options})"
            )
        else:
            extras.append(call("sa.Identity", always="True" if c.identity.always else "False"))
    if c.generated is not None:
        extras.append(call("sa.Computed", sql_text(c.generated), persisted="True"))
    src = call(
        "sa.Column",
        pystr(c.name),
        type_expr,
        *extras,
        nullable="False" if not c.nullable else None,
        # SQLAlchemy would make a lone integer key SERIAL; the schema says what it is.
        autoincrement="False"
        if c.type.base in _INTEGERS and not c.type.array_dims and not extras
        else None,
        server_default=sql_text(c.default) if c.default is not None else None,
        comment=cx.comment_literal(c.comment),
    )
    return src, raw, identity_alter


def _table_steps(t: Table, ctx: TypeContext, paths: _Paths) -> tuple[list[Step], bool]:
    raw_used = False
    explicit = paths.explicit_public(t.position)
    drop = (call("op.drop_table", pystr(t.qname.name), schema=cx.schema_arg(t.qname, explicit)),)
    if t.partition_of is not None:
        create = f"CREATE TABLE {t.qname.sql} PARTITION OF {t.partition_of.parent.sql} {t.partition_of.bound}"
        if t.partition_by:
            create += f" PARTITION BY {t.partition_by}"
        steps = [
            Step(
                t.position,
                (_execute(create), *_comment_on("TABLE", t.qname.sql, t.comment)),
                drop,
                f"partition {t.qname}",
            )
        ]
        return steps + _later_objects(t, paths), raw_used
    t = _keys_on_inherited_later(t)
    columns, after = [], []
    for c in t.columns:
        if c.inherited:
            continue  # the parent's: declaring it again would make it the child's own
        src, raw, identity_alter = _column(c, t, ctx, explicit)
        raw_used |= raw
        columns.append(src)
        if identity_alter:
            after.append(_execute(identity_alter))
        if c.compression:
            after.append(
                _execute(
                    f"ALTER TABLE ONLY {t.qname.sql} ALTER COLUMN {quote_ident(c.name)} "
                    f"SET COMPRESSION {c.compression}"
                )
            )
    inline: list[str] = []
    if t.primary_key and t.primary_key.inline and not _as_sql(t.primary_key):
        inline.append(cx.primary_key(t.primary_key))
    inline += [cx.unique(u) for u in t.uniques if u.inline and not _as_sql(u)]
    inline += [cx.check(c) for c in t.checks if c.inline and not c.no_inherit]
    inline += [cx.foreign_key_constraint(fk, explicit) for fk in t.foreign_keys if fk.inline]
    inherits = [q.sql for q in t.inherits]
    create = call(
        "op.create_table",
        pystr(t.qname.name),
        *columns,
        *inline,
        schema=cx.schema_arg(t.qname, explicit),
        comment=cx.comment_literal(t.comment),
        postgresql_partition_by=pystr(t.partition_by) if t.partition_by else None,
        postgresql_inherits=_inherits(inherits) if inherits else None,
        postgresql_with=cx.with_options(t.with_options),
        prefixes=strs(["UNLOGGED"]) if t.unlogged else None,
    )
    steps = [Step(t.position, (create, *after), drop, f"table {t.qname}")]
    return steps + _later_objects(t, paths), raw_used


def _keys_on_inherited_later(t: Table) -> Table:
    """Keys on columns inherited from a parent cannot be declared in op.create_table (the
    columns are not listed there): they are added after it."""
    inherited = {c.name for c in t.columns if c.inherited}
    if not inherited:
        return t

    def later(cols: tuple[str, ...]) -> bool:
        return bool(inherited.intersection(cols))

    pk = t.primary_key
    return replace(
        t,
        primary_key=replace(pk, inline=False) if pk and later(pk.columns) else pk,
        uniques=tuple(replace(u, inline=False) if later(u.columns) else u for u in t.uniques),
        foreign_keys=tuple(
            replace(fk, inline=False) if later(fk.columns) else fk for fk in t.foreign_keys
        ),
    )


def _as_sql(key: PrimaryKey | UniqueConstraint) -> bool:
    """A key SQLAlchemy cannot spell (storage parameters, a tablespace; INCLUDE, which
    op.create_primary_key cannot pass and op.create_unique_constraint resolves against a table of
    the key columns only; ONLY, which neither has) is added as written, by ALTER TABLE."""
    return key.index_options is not None or bool(key.include) or key.only


def _key_sql(q: QName, key: PrimaryKey | UniqueConstraint) -> str:
    if isinstance(key, PrimaryKey):
        head = "PRIMARY KEY"
    else:
        head = "UNIQUE NULLS NOT DISTINCT" if key.nulls_not_distinct else "UNIQUE"
    parts = [
        f"ALTER TABLE {'ONLY ' if key.only else ''}{q.sql} ADD CONSTRAINT {quote_ident(key.name)} "
        + head,
        "(" + ", ".join(quote_ident(c) for c in key.columns) + ")",
    ]
    if key.include:
        parts.append("INCLUDE (" + ", ".join(quote_ident(c) for c in key.include) + ")")
    if key.index_options:
        parts.append(key.index_options)
    if key.deferral.deferrable:
        parts.append("DEFERRABLE")
        if key.deferral.initially_deferred:
            parts.append("INITIALLY DEFERRED")
    return " ".join(parts)


def _later_objects(t: Table, paths: _Paths) -> list[Step]:
    """Constraints added by ALTER TABLE and indexes, each at its own statement's position."""
    table = pystr(t.qname.name)
    steps: list[Step] = []

    def schema_at(position: int) -> str | None:
        return cx.schema_arg(t.qname, paths.explicit_public(position))

    pk = t.primary_key
    for key in (pk, *t.uniques):
        if key is not None and _as_sql(key):
            steps.append(
                Step(
                    key.position,
                    (_execute(_key_sql(t.qname, key)),),
                    (),
                    f"{'primary key' if key is pk else 'unique'} {key.name}",
                )
            )
    if pk and not pk.inline and not _as_sql(pk):
        steps.append(
            Step(
                pk.position,
                (
                    call(
                        "op.create_primary_key",
                        pystr(pk.name),
                        table,
                        _cols(pk.columns),
                        schema=schema_at(pk.position),
                        **cx.deferral_kw(pk.deferral),
                    ),
                ),
                (),
                f"primary key {pk.name}",
            )
        )
    for u in t.uniques:
        if not u.inline and not _as_sql(u):
            steps.append(
                Step(
                    u.position,
                    (
                        call(
                            "op.create_unique_constraint",
                            pystr(u.name),
                            table,
                            _cols(u.columns),
                            schema=schema_at(u.position),
                            postgresql_nulls_not_distinct="True" if u.nulls_not_distinct else None,
                            **cx.deferral_kw(u.deferral),
                        ),
                    ),
                    (),
                    f"unique {u.name}",
                )
            )
    for c in t.checks:
        if not c.inline or c.no_inherit:
            # SQLAlchemy has no NO INHERIT: such a check is added as written
            no_inherit = (
                f"ALTER TABLE {t.qname.sql} ADD CONSTRAINT {quote_ident(c.name)} "
                f"CHECK ({c.expression}) NO INHERIT{' NOT VALID' if c.not_valid else ''}"
            )
            steps.append(
                Step(
                    c.position,
                    (
                        _execute(no_inherit)
                        if c.no_inherit
                        else call(
                            "op.create_check_constraint",
                            pystr(c.name),
                            table,
                            sql_text(c.expression),
                            schema=schema_at(c.position),
                            postgresql_not_valid="True" if c.not_valid else None,
                        ),
                    ),
                    # Dropped explicitly: the expression may call a function created after the table.
                    (
                        call(
                            "op.drop_constraint",
                            pystr(c.name),
                            table,
                            type_=pystr("check"),
                            schema=schema_at(c.position),
                        ),
                    ),
                    f"check {c.name}",
                )
            )
    for fk in t.foreign_keys:
        if not fk.inline:
            steps.append(
                Step(
                    fk.position,
                    (
                        call(
                            "op.create_foreign_key",
                            pystr(fk.name),
                            table,
                            pystr(fk.ref_table.name),
                            _cols(fk.columns),
                            _cols(fk.ref_columns),
                            source_schema=schema_at(fk.position),
                            referent_schema=cx.schema_arg(
                                fk.ref_table, paths.explicit_public(fk.position)
                            ),
                            ondelete=pystr(fk.on_delete) if fk.on_delete else None,
                            onupdate=pystr(fk.on_update) if fk.on_update else None,
                            match=pystr("FULL") if fk.match_full else None,
                            postgresql_not_valid="True" if fk.not_valid else None,
                            **cx.deferral_kw(fk.deferral),
                        ),
                    ),
                    # Dropped explicitly: a key added later may close a cycle between tables.
                    (
                        call(
                            "op.drop_constraint",
                            pystr(fk.name),
                            table,
                            type_=pystr("foreignkey"),
                            schema=schema_at(fk.position),
                        ),
                    ),
                    f"foreign key {fk.name}",
                )
            )
    for ix in t.indexes:
        steps.append(
            Step(
                ix.position,
                (
                    call(
                        "op.create_index",
                        pystr(ix.name),
                        table,
                        "[" + ", ".join(cx.index_elements(ix)) + "]",
                        schema=schema_at(ix.position),
                        **cx.index_options(ix),
                    ),
                    *_comment_on("INDEX", QName(t.qname.schema, ix.name).sql, ix.comment),
                ),
                # An expression, predicate or operator class may use a function created after the
                # table, which the downgrade drops before the table: such an index goes first.
                (
                    call(
                        "op.drop_index",
                        pystr(ix.name),
                        table_name=table,
                        schema=schema_at(ix.position),
                    ),
                )
                if _may_use_functions(ix)
                else (),
                f"index {ix.name}",
            )
        )
    return steps


def _may_use_functions(ix: Index) -> bool:
    return ix.where is not None or any(e.column is None or e.opclass for e in ix.elements)


def _cols(cols: tuple[str, ...]) -> str:
    return strs(cols)


def _inherits(parents: list[str]) -> str:
    """One parent, or a tuple of several, each already quoted SQL (``public."P"``): SQLAlchemy
    would quote a plain string as one identifier."""
    names = [call("sa.sql.quoted_name", pystr(p), quote="False") for p in parents]
    if len(names) == 1:
        return names[0]
    return "(" + ", ".join(names) + ")"
