"""Changes to tables that exist on both sides: columns, constraints, indexes, table options.

Each function compares one aspect of one table and returns Changes; ``diff.py`` calls them for
every table the two catalogs share (after declared renames were applied to the old side).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

from dbgen.diagnostics import Diagnostic, Span, error, warning
from dbgen.evolve import hazards as hz
from dbgen.evolve import sqlgen
from dbgen.evolve.casts import cast, type_key
from dbgen.evolve.changes import Change, Phase, sql_change
from dbgen.evolve.sqlgen import option_clauses, sequence_options
from dbgen.evolve.text import mentions, norm
from dbgen.ir import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    PrimaryKey,
    QName,
    Sequence,
    Table,
    UniqueConstraint,
    quote_ident,
)

_T = TypeVar("_T")


def _neutral(obj: object, **extra: object) -> object:
    """The object without where it was written (position, span, inline): what the database has."""
    fields = {f.name for f in dataclasses.fields(obj)}  # type: ignore[arg-type]
    reset: dict[str, object] = {
        k: v
        for k, v in {"position": 0, "inline": True, "span": Span("<none>", 0, 0)}.items()
        if k in fields
    }
    expression = getattr(obj, "expression", None)
    if isinstance(expression, str):
        reset["expression"] = norm(expression)
    if "where" in fields:
        reset["where"] = norm(getattr(obj, "where", None))
    reset.update(extra)
    return dataclasses.replace(obj, **reset)  # type: ignore[type-var]


def same_constraint(a: object, b: object) -> bool:
    return _neutral(a) == _neutral(b)


def same_index(a: Index, b: Index) -> bool:
    return _neutral(a, comment=None) == _neutral(b, comment=None)


@dataclasses.dataclass(slots=True)
class TableDiff:
    """Collects the Changes and diagnostics of one table present on both sides."""

    old: Table
    new: Table
    concurrently: bool = False  # indexes built and dropped CONCURRENTLY (outside the transaction)
    # Sequences only the old side has (serial columns' among them): one a column's old default
    # or OWNED BY ties to it is dropped before that column gains an identity, whose own
    # sequence PostgreSQL names <table>_<column>_seq, the name a serial's sequence holds.
    vacated: tuple[Sequence, ...] = ()
    dropped_sequences: set[QName] = dataclasses.field(default_factory=set)  # of ``vacated``
    changes: list[Change] = dataclasses.field(default_factory=list)
    diagnostics: list[Diagnostic] = dataclasses.field(default_factory=list)
    changed_columns: set[str] = dataclasses.field(default_factory=set)  # dropped or retyped

    @property
    def q(self) -> str:
        return self.new.qname.sql

    @property
    def display(self) -> str:
        return str(self.new.qname)

    def lock(self, level: str, *, rewrites: bool = False, scans: bool = False) -> hz.Hazard:
        return hz.Hazard(level, self.display, rewrites, scans)

    def add(
        self,
        phase: Phase,
        order: float,
        label: str,
        *sql: str,
        hazard: hz.Hazard,
        autocommit: bool = False,
    ) -> None:
        self.changes.append(
            sql_change(phase, order, label, *sql, hazard=hazard, autocommit=autocommit)
        )

    def alter(self, phase: Phase, order: float, label: str, action: str, hazard: hz.Hazard) -> None:
        self.add(phase, order, label, f"ALTER TABLE {self.q} {action}", hazard=hazard)

    def destructive(self, span: Span, message: str) -> None:
        self.diagnostics.append(warning(span, "destructive-change", message))

    def _sequences_of(self, column: Column) -> list[Sequence]:
        """The vacated sequences this column owns or its default draws from."""
        return [
            s
            for s in self.vacated
            if s.owned_by == (self.old.qname, column.name)
            or (column.default is not None and mentions(column.default, s.qname.name))
        ]

    # -- columns ---------------------------------------------------------------------------------
    def columns(self) -> None:
        old_cols = {c.name: c for c in self.old.columns}
        new_cols = {c.name: c for c in self.new.columns}
        order = float(self.new.position)
        dropped = [c for c in self.old.columns if c.name not in new_cols]
        added = [c for c in self.new.columns if c.name not in old_cols]
        # A generated column stands in the way of retyping or dropping what it reads, and
        # PostgreSQL 15 cannot change its expression: it holds no data of its own, so it is
        # dropped first and added back after.
        moved = {c.name for c in dropped} | {
            n.name
            for n in self.new.columns
            if n.name in old_cols
            and (
                type_key(old_cols[n.name].type) != type_key(n.type)
                or norm(old_cols[n.name].collation) != norm(n.collation)
            )
        }
        regenerated = [
            n
            for n in self.new.columns
            if n.name in old_cols
            and old_cols[n.name].generated is not None
            and n.generated is not None
            and (
                norm(old_cols[n.name].generated) != norm(n.generated)
                or type_key(old_cols[n.name].type) != type_key(n.type)
                or any(mentions(old_cols[n.name].generated or "", m) for m in moved)
            )
        ]
        for c in regenerated:
            self.changed_columns.add(c.name)
            self.alter(
                Phase.COLUMNS,
                order,
                f"column {self.display}.{c.name}: generated, dropped to be added back",
                f"DROP COLUMN {quote_ident(c.name)}",
                self.lock(hz.ACCESS_EXCLUSIVE),
            )
        for c in dropped:
            self.changed_columns.add(c.name)
            self.alter(
                Phase.COLUMNS,
                order,
                f"drop column {self.display}.{c.name}",
                f"DROP COLUMN {quote_ident(c.name)}",
                self.lock(hz.ACCESS_EXCLUSIVE),
            )
            self.destructive(
                self.new.span,
                f"column {self.display}.{c.name} is dropped: its data is lost",
            )
        for c in self.new.columns:
            before = old_cols.get(c.name)
            if before is not None and c not in regenerated:
                self.column(before, c, order)
        for c in regenerated:
            self.add_column(c, order)
        for c in added:
            self.add_column(c, order)
        self.rename_hints(dropped, added)

    def add_column(self, c: Column, order: float) -> None:
        volatile = (c.default is not None and hz.is_volatile(c.default)) or c.identity is not None
        self.alter(
            Phase.COLUMNS,
            order,
            f"add column {self.display}.{c.name}",
            f"ADD COLUMN {sqlgen.column_definition(c)}",
            self.lock(hz.ACCESS_EXCLUSIVE, rewrites=volatile or c.generated is not None),
        )

    def column(self, old: Column, new: Column, order: float) -> None:
        before = old
        name = quote_ident(new.name)
        label = f"column {self.display}.{new.name}"
        if norm(old.generated) != norm(new.generated):
            # PostgreSQL 15 cannot change a generation expression in place; a generated column
            # holds no data of its own, so it is dropped and added back.
            if old.generated is not None and new.generated is None:
                self.alter(
                    Phase.COLUMNS,
                    order,
                    f"{label}: no longer generated",
                    f"ALTER COLUMN {name} DROP EXPRESSION",
                    self.lock(hz.ACCESS_EXCLUSIVE),
                )
                old = dataclasses.replace(old, generated=None)
            else:
                self.changed_columns.add(new.name)
                self.alter(
                    Phase.COLUMNS,
                    order,
                    f"{label}: generated differently (drop)",
                    f"DROP COLUMN {name}",
                    self.lock(hz.ACCESS_EXCLUSIVE),
                )
                self.add_column(new, order)
                return
        retype = type_key(old.type) != type_key(new.type) or norm(old.collation) != norm(
            new.collation
        )
        if retype:
            facts = cast(old.type, new.type)
            if type_key(old.type) == type_key(new.type):  # collation only
                facts = dataclasses.replace(facts, needs_using=False, narrows=False)
            self.changed_columns.add(new.name)
            if old.default is not None:
                self.alter(
                    Phase.COLUMNS,
                    order,
                    f"{label}: default (before retyping)",
                    f"ALTER COLUMN {name} DROP DEFAULT",
                    self.lock(hz.ACCESS_EXCLUSIVE),
                )
            using = f" USING {name}::{new.type.sql}" if facts.needs_using else ""
            self.alter(
                Phase.COLUMNS,
                order,
                f"{label}: type {old.type.sql} -> {new.type.sql}"
                if type_key(old.type) != type_key(new.type)
                else f"{label}: collation {old.collation or 'default'} -> {new.collation or 'default'}",
                f"ALTER COLUMN {name} TYPE {sqlgen.column_type(new)}{using}",
                self.lock(hz.ACCESS_EXCLUSIVE, rewrites=facts.rewrites),
            )
            if facts.narrows:
                self.destructive(
                    new.span,
                    f"column {self.display}.{new.name} changes type from {old.type.sql} to "
                    f"{new.type.sql}: values that do not fit fail the upgrade or lose precision",
                )
            old = dataclasses.replace(old, default=None)
        if (
            old.identity is not None
            and new.identity is not None
            and norm(old.identity.options) != norm(new.identity.options)
        ):
            # SET <option> keeps the sequence (and where it stands); re-adding would restart it.
            changes = sequence_options(old.identity.options, new.identity.options)
            self.alter(
                Phase.COLUMNS,
                order,
                f"{label}: identity options",
                f"ALTER COLUMN {name} "
                + " ".join(f"SET {clause}" for clause in option_clauses(changes)),
                self.lock(hz.ACCESS_EXCLUSIVE),
            )
            old = dataclasses.replace(
                old,
                identity=new.identity
                if old.identity.always == new.identity.always
                else dataclasses.replace(new.identity, always=old.identity.always),
            )
        if old.identity != new.identity:
            if old.identity is not None and new.identity is None:
                # before the new objects: a sequence the revision creates for this column (a
                # serial again) takes the name the identity's sequence holds until then
                self.alter(
                    Phase.DROP_CONSTRAINTS,
                    order,
                    f"{label}: identity dropped",
                    f"ALTER COLUMN {name} DROP IDENTITY",
                    self.lock(hz.ACCESS_EXCLUSIVE),
                )
                old = dataclasses.replace(old, identity=None)
            if new.identity is not None and old.identity is None:
                if old.default is not None and new.default is None:
                    self.alter(
                        Phase.COLUMNS,
                        order,
                        f"{label}: default",
                        f"ALTER COLUMN {name} DROP DEFAULT",
                        self.lock(hz.ACCESS_EXCLUSIVE),
                    )
                    old = dataclasses.replace(old, default=None)
                for seq in self._sequences_of(before):
                    self.dropped_sequences.add(seq.qname)
                    self.add(
                        Phase.COLUMNS,
                        order,
                        f"{label}: drop sequence {seq.qname} (the identity's takes its name)",
                        f"DROP SEQUENCE IF EXISTS {seq.qname.sql}",
                        hazard=self.lock(hz.ACCESS_EXCLUSIVE),
                    )
                if old.nullable:
                    self.alter(
                        Phase.COLUMNS,
                        order,
                        f"{label}: not null (identity)",
                        f"ALTER COLUMN {name} SET NOT NULL",
                        self.lock(hz.ACCESS_EXCLUSIVE, scans=True),
                    )
                    old = dataclasses.replace(old, nullable=False)
                self.alter(
                    Phase.COLUMNS,
                    order,
                    f"{label}: identity",
                    f"ALTER COLUMN {name} ADD {sqlgen.identity_clause(new)}",
                    self.lock(hz.ACCESS_EXCLUSIVE),
                )
                # The identity's sequence starts afresh; rows the column already numbered (by a
                # serial, or by hand) would collide with its first values.
                self.add(
                    Phase.COLUMNS,
                    order,
                    f"{label}: identity continues after the existing values",
                    _continue_after_rows(self.new.qname, new.name),
                    hazard=self.lock(hz.ACCESS_EXCLUSIVE, scans=True),
                )
            elif new.identity is not None and old.identity is not None:
                kind = "ALWAYS" if new.identity.always else "BY DEFAULT"
                self.alter(
                    Phase.COLUMNS,
                    order,
                    f"{label}: identity",
                    f"ALTER COLUMN {name} SET GENERATED {kind}",
                    self.lock(hz.ACCESS_EXCLUSIVE),
                )
        if norm(old.default) != norm(new.default):
            if new.default is None:
                self.alter(
                    Phase.COLUMNS,
                    order,
                    f"{label}: default",
                    f"ALTER COLUMN {name} DROP DEFAULT",
                    self.lock(hz.ACCESS_EXCLUSIVE),
                )
            else:
                self.alter(
                    Phase.COLUMNS,
                    order,
                    f"{label}: default",
                    f"ALTER COLUMN {name} SET DEFAULT {new.default}",
                    self.lock(hz.ACCESS_EXCLUSIVE),
                )
        if old.nullable != new.nullable:
            if new.nullable:
                self.alter(
                    Phase.COLUMNS,
                    order,
                    f"{label}: nullable",
                    f"ALTER COLUMN {name} DROP NOT NULL",
                    self.lock(hz.ACCESS_EXCLUSIVE),
                )
            else:
                self.alter(
                    Phase.COLUMNS,
                    order,
                    f"{label}: not null",
                    f"ALTER COLUMN {name} SET NOT NULL",
                    self.lock(hz.ACCESS_EXCLUSIVE, scans=True),
                )
                self.destructive(
                    new.span,
                    f"column {self.display}.{new.name} becomes NOT NULL: the upgrade fails where "
                    "rows hold NULL",
                )
        if old.comment != new.comment:
            self.add(
                Phase.COMMENTS,
                order,
                f"comment on {label}",
                f"COMMENT ON COLUMN {self.q}.{name} IS {_comment(new.comment)}",
                hazard=self.lock(hz.SHARE_UPDATE_EXCLUSIVE),
            )

    def rename_hints(self, dropped: list[Column], added: list[Column]) -> None:
        for d in dropped:
            twins = [a for a in added if type_key(a.type) == type_key(d.type)]
            if len(twins) == 1:
                a = twins[0]
                self.diagnostics.append(
                    warning(
                        a.span,
                        "possible-rename",
                        f"column {self.display}.{d.name} is dropped and {a.name} added with the "
                        f"same type; if it was renamed, declare it in dbgen.toml: [renames] "
                        f'columns = {{ "{self.new.qname}.{d.name}" = "{a.name}" }}',
                    )
                )

    # -- constraints and indexes -----------------------------------------------------------------
    def renamed(self) -> None:
        """Constraints and indexes that only changed name (a renamed table's ``<table>_pkey``,
        say) are renamed, not rebuilt: a rebuilt key would have to drop what references it."""
        o, n = self.old, self.new
        pk = o.primary_key
        npk = n.primary_key
        if (
            pk is not None
            and npk is not None
            and pk.name != npk.name
            and same_constraint(dataclasses.replace(pk, name=npk.name), npk)
        ):
            self._rename_constraint(pk.name, npk.name)
            pk = dataclasses.replace(pk, name=npk.name)
        self.old = dataclasses.replace(
            o,
            primary_key=pk,
            uniques=self._rename_all(
                o.uniques, n.uniques, same_constraint, self._rename_constraint
            ),
            checks=self._rename_all(o.checks, n.checks, same_constraint, self._rename_constraint),
            foreign_keys=self._rename_all(
                o.foreign_keys, n.foreign_keys, same_constraint, self._rename_constraint
            ),
            indexes=self._rename_all(o.indexes, n.indexes, same_index, self._rename_index),
        )

    def _rename_all(
        self,
        old: tuple[_T, ...],
        new: tuple[_T, ...],
        same: Callable[[_T, _T], bool],
        rename: Callable[[str, str], None],
    ) -> tuple[_T, ...]:
        old_names = {_name(x) for x in old}
        new_names = {_name(x) for x in new}
        spare = [x for x in new if _name(x) not in old_names]
        out = []
        for x in old:
            if _name(x) not in new_names:
                twin = next(
                    (y for y in spare if same(dataclasses.replace(x, name=_name(y)), y)),  # type: ignore[type-var]
                    None,
                )
                if twin is not None:
                    spare.remove(twin)
                    rename(_name(x), _name(twin))
                    x = dataclasses.replace(x, name=_name(twin))  # type: ignore[type-var]
            out.append(x)
        return tuple(out)

    def _rename_constraint(self, old: str, new: str) -> None:
        self.alter(
            Phase.RENAME,
            1e6 + self.new.position,
            f"rename constraint {old} to {new}",
            f"RENAME CONSTRAINT {quote_ident(old)} TO {quote_ident(new)}",
            self.lock(hz.ACCESS_EXCLUSIVE),
        )

    def _rename_index(self, old: str, new: str) -> None:
        schema = quote_ident(self.new.qname.schema)
        self.add(
            Phase.RENAME,
            1e6 + self.new.position,
            f"rename index {old} to {new}",
            f"ALTER INDEX {schema}.{quote_ident(old)} RENAME TO {quote_ident(new)}",
            hazard=self.lock(hz.SHARE_UPDATE_EXCLUSIVE),
        )

    def constraints(self) -> None:
        old_t, new_t = self.old, self.new
        drop_o = -float(old_t.position)
        add_o = float(new_t.position)

        def drop(phase: Phase, name: str, what: str) -> None:
            self.alter(
                phase,
                drop_o,
                f"drop {what} {name}",
                f"DROP CONSTRAINT {quote_ident(name)}",
                self.lock(hz.ACCESS_EXCLUSIVE),
            )

        pk_o, pk_n = old_t.primary_key, new_t.primary_key
        if not _same_opt(pk_o, pk_n):
            if pk_o is not None:
                drop(Phase.DROP_CONSTRAINTS, pk_o.name, "primary key")
            if pk_n is not None:
                self.alter(
                    Phase.ADD_CONSTRAINTS,
                    add_o,
                    f"primary key {pk_n.name}",
                    f"ADD {sqlgen.primary_key(pk_n)}",
                    self.lock(hz.ACCESS_EXCLUSIVE, scans=True),
                )
        self._keyed(
            old_t.uniques,
            new_t.uniques,
            lambda u: drop(Phase.DROP_CONSTRAINTS, _name(u), "unique"),
            self._add_unique,
        )
        self._keyed(
            old_t.checks,
            new_t.checks,
            lambda c: drop(Phase.DROP_CONSTRAINTS, _name(c), "check"),
            self._add_check,
        )
        self._keyed(
            old_t.foreign_keys,
            new_t.foreign_keys,
            lambda f: drop(Phase.DROP_FOREIGN_KEYS, _name(f), "foreign key"),
            self._add_fk,
        )

    def _keyed(
        self,
        old: tuple[object, ...],
        new: tuple[object, ...],
        on_drop: Callable[[object], None],
        on_add: Callable[[object], None],
    ) -> None:
        old_by = {_name(o): o for o in old}
        new_by = {_name(n): n for n in new}
        for name, o in old_by.items():
            if name not in new_by or not same_constraint(o, new_by[name]):
                on_drop(o)
        for name, n in new_by.items():
            if name not in old_by or not same_constraint(old_by[name], n):
                on_add(n)

    def _add_unique(self, u: object) -> None:
        assert isinstance(u, UniqueConstraint)
        self.alter(
            Phase.ADD_CONSTRAINTS,
            float(u.position),
            f"unique {u.name}",
            f"ADD {sqlgen.unique(u)}",
            self.lock(hz.ACCESS_EXCLUSIVE, scans=True),
        )

    def _add_check(self, c: object) -> None:
        assert isinstance(c, CheckConstraint)
        self._validated(
            c.name,
            f"check {c.name}",
            sqlgen.check(c, not_valid=True),
            c.not_valid,
            hz.ACCESS_EXCLUSIVE,
            float(c.position),
            Phase.ADD_CONSTRAINTS,
        )

    def _add_fk(self, fk: object) -> None:
        assert isinstance(fk, ForeignKey)
        self._validated(
            fk.name,
            f"foreign key {fk.name}",
            sqlgen.foreign_key(fk, not_valid=True),
            fk.not_valid,
            hz.SHARE_ROW_EXCLUSIVE,
            float(fk.position),
            Phase.ADD_FOREIGN_KEYS,
        )

    def _validated(
        self,
        name: str,
        label: str,
        definition: str,
        stays_invalid: bool,
        level: str,
        order: float,
        phase: Phase,
    ) -> None:
        """ADD ... NOT VALID (brief lock, no scan), then VALIDATE (scans under a weaker lock)."""
        self.alter(phase, order, label + " (not valid yet)", f"ADD {definition}", self.lock(level))
        if not stays_invalid:
            self.alter(
                phase,
                order,
                label + " (validated)",
                f"VALIDATE CONSTRAINT {quote_ident(name)}",
                self.lock(hz.SHARE_UPDATE_EXCLUSIVE, scans=True),
            )

    def indexes(self) -> None:
        old_by = {ix.name: ix for ix in self.old.indexes}
        new_by = {ix.name: ix for ix in self.new.indexes}
        schema = self.new.qname.schema
        # PostgreSQL builds no index CONCURRENTLY on a partitioned table.
        conc = self.concurrently and self.new.partition_by is None and self.old.partition_by is None
        for name, o in old_by.items():
            if name not in new_by or not same_index(o, new_by[name]):
                self.add(
                    Phase.DROP_CONSTRAINTS,
                    -float(o.position),
                    f"drop index {name}",
                    f"DROP INDEX{' CONCURRENTLY' if conc else ''} {quote_ident(schema)}.{quote_ident(name)}",
                    hazard=self.lock(hz.SHARE_UPDATE_EXCLUSIVE if conc else hz.ACCESS_EXCLUSIVE),
                    autocommit=conc,
                )
        for name, n in new_by.items():
            was = old_by.get(name)
            if was is None or not same_index(was, n):
                self.add(
                    Phase.ADD_CONSTRAINTS,
                    float(n.position),
                    f"index {name}",
                    sqlgen.create_index(n, self.new.qname, concurrently=conc),
                    hazard=self.lock(hz.SHARE_UPDATE_EXCLUSIVE if conc else hz.SHARE, scans=True),
                    autocommit=conc,
                )
                if n.comment is not None:
                    self.add(
                        Phase.COMMENTS,
                        float(n.position),
                        f"comment on index {name}",
                        f"COMMENT ON INDEX {quote_ident(schema)}.{quote_ident(name)} IS {_comment(n.comment)}",
                        hazard=self.lock(hz.SHARE_UPDATE_EXCLUSIVE),
                    )
            elif was.comment != n.comment:
                self.add(
                    Phase.COMMENTS,
                    float(n.position),
                    f"comment on index {name}",
                    f"COMMENT ON INDEX {quote_ident(schema)}.{quote_ident(name)} IS {_comment(n.comment)}",
                    hazard=self.lock(hz.SHARE_UPDATE_EXCLUSIVE),
                )

    # -- the table itself ------------------------------------------------------------------------
    def options(self) -> None:
        o, n = self.old, self.new
        order = float(n.position)
        if norm(o.partition_by) != norm(n.partition_by):
            self.diagnostics.append(
                error(
                    n.span,
                    "unsupported-change",
                    f"table {self.display} changes its partitioning ({o.partition_by or 'none'} -> "
                    f"{n.partition_by or 'none'}): PostgreSQL cannot alter that; create the new "
                    "table under another name, move the rows, and rename (a declared rename)",
                )
            )
        if o.comment != n.comment:
            self.add(
                Phase.COMMENTS,
                order,
                f"comment on table {self.display}",
                f"COMMENT ON TABLE {self.q} IS {_comment(n.comment)}",
                hazard=self.lock(hz.SHARE_UPDATE_EXCLUSIVE),
            )
        if o.unlogged != n.unlogged:
            self.alter(
                Phase.COLUMNS,
                order,
                f"table {self.display}: {'unlogged' if n.unlogged else 'logged'}",
                "SET UNLOGGED" if n.unlogged else "SET LOGGED",
                self.lock(hz.ACCESS_EXCLUSIVE, rewrites=True),
            )
        if norm(o.with_options) != norm(n.with_options):
            if o.with_options:
                keys = ", ".join(p.split("=", 1)[0].strip() for p in o.with_options.split(","))
                self.alter(
                    Phase.COLUMNS,
                    order,
                    f"table {self.display}: storage parameters reset",
                    f"RESET ({keys})",
                    self.lock(hz.SHARE_UPDATE_EXCLUSIVE),
                )
            if n.with_options:
                self.alter(
                    Phase.COLUMNS,
                    order,
                    f"table {self.display}: storage parameters",
                    f"SET ({n.with_options})",
                    self.lock(hz.SHARE_UPDATE_EXCLUSIVE),
                )
        for parent in o.inherits:
            if parent not in n.inherits:
                self.alter(
                    Phase.DETACH,
                    order,
                    f"table {self.display} no longer inherits {parent}",
                    f"NO INHERIT {parent.sql}",
                    self.lock(hz.ACCESS_EXCLUSIVE),
                )
        for parent in n.inherits:
            if parent not in o.inherits:
                self.alter(
                    Phase.ATTACH,
                    order,
                    f"table {self.display} inherits {parent}",
                    f"INHERIT {parent.sql}",
                    self.lock(hz.ACCESS_EXCLUSIVE),
                )
        if o.partition_of != n.partition_of:
            if o.partition_of is not None:
                self.add(
                    Phase.DETACH,
                    order,
                    f"detach partition {self.display}",
                    f"ALTER TABLE {o.partition_of.parent.sql} DETACH PARTITION {self.q}",
                    hazard=hz.Hazard(hz.ACCESS_EXCLUSIVE, str(o.partition_of.parent)),
                )
            if n.partition_of is not None:
                self.add(
                    Phase.ATTACH,
                    order,
                    f"attach partition {self.display}",
                    f"ALTER TABLE {n.partition_of.parent.sql} ATTACH PARTITION {self.q} {n.partition_of.bound}",
                    hazard=hz.Hazard(
                        hz.SHARE_UPDATE_EXCLUSIVE, str(n.partition_of.parent), scans=True
                    ),
                )


def _same_opt(a: PrimaryKey | None, b: PrimaryKey | None) -> bool:
    if a is None or b is None:
        return a is b
    return same_constraint(a, b)


def _continue_after_rows(table: QName, column: str) -> str:
    """setval of the column's identity sequence to its greatest value (nothing on an empty
    table, where the sequence's own start stands)."""
    col = quote_ident(column)
    seq = f"pg_get_serial_sequence({sqlgen.literal(table.sql)}, {sqlgen.literal(column)})"
    return f"SELECT setval({seq}, max({col})) FROM {table.sql} HAVING max({col}) IS NOT NULL"


def _comment(text: str | None) -> str:
    return "NULL" if text is None else sqlgen.literal(text)


def _name(constraint: object) -> str:
    name = getattr(constraint, "name", None)
    assert isinstance(name, str)
    return name
