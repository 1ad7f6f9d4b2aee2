"""The catalog under construction: what the script has created so far, by name.

Appliers change it statement by statement; ``freeze`` turns it into the immutable ir.Catalog.
Tables stay mutable (``WorkingTable``) while the script can still alter them; every other object
is already an IR value, replaced whole when a statement changes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from dbgen.ddl.names import Namespaces
from dbgen.diagnostics import Span
from dbgen.ir import (
    Catalog,
    CheckConstraint,
    Column,
    CompositeType,
    Domain,
    EnumType,
    Extension,
    ForeignKey,
    Index,
    PartitionOf,
    PrimaryKey,
    QName,
    RawStatement,
    SchemaDef,
    Sequence,
    Table,
    UniqueConstraint,
)


@dataclass(slots=True)
class WorkingTable:
    qname: QName
    columns: list[Column]
    position: int
    span: Span
    primary_key: PrimaryKey | None = None
    uniques: list[UniqueConstraint] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    comment: str | None = None
    partition_by: str | None = None
    partition_of: PartitionOf | None = None
    inherits: tuple[QName, ...] = ()
    unlogged: bool = False
    with_options: str | None = None
    statement: Span | None = None  # where its CREATE TABLE starts (for diagnostics about it)

    # column name -> index, for the list object in ``columns`` (a linear scan per lookup made a
    # 20,000-column table cost 19 s). Columns are appended, replaced in place under the same
    # name, or the list is reassigned (drop, primary key): the index follows all three.
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    _indexed: list[Column] | None = field(default=None, repr=False, compare=False)
    _indexed_len: int = field(default=0, repr=False, compare=False)

    def column_index(self, name: str) -> int:
        cols = self.columns
        if self._indexed is not cols:
            self._index, self._indexed, self._indexed_len = {}, cols, 0
        for k in range(self._indexed_len, len(cols)):
            self._index.setdefault(cols[k].name, k)
        self._indexed_len = len(cols)
        i = self._index.get(name, -1)
        if i >= 0 and cols[i].name != name:  # renamed in place after all: read it again
            self._indexed = None
            return next((k for k, c in enumerate(cols) if c.name == name), -1)
        return i

    def freeze(self) -> Table:
        return Table(
            self.qname,
            tuple(self.columns),
            self.primary_key,
            tuple(self.uniques),
            tuple(self.checks),
            tuple(self.foreign_keys),
            tuple(self.indexes),
            self.comment,
            self.partition_by,
            self.partition_of,
            self.inherits,
            self.unlogged,
            self.with_options,
            self.position,
            self.span,
        )


# Schemas every database has.
_BUILTIN_SCHEMAS = ("public", "pg_catalog", "information_schema")


class WorkingCatalog:
    def __init__(self, files: tuple[str, ...]) -> None:
        self.files = files
        self.known_schemas: set[str] = set(_BUILTIN_SCHEMAS)
        self.schemas: dict[str, SchemaDef] = {}
        self.extensions: dict[str, Extension] = {}
        self.enums: dict[QName, EnumType] = {}
        self.domains: dict[QName, Domain] = {}
        self.composites: dict[QName, CompositeType] = {}
        self.other_types: set[QName] = set()  # CREATE TYPE forms carried verbatim
        self.sequences: dict[QName, Sequence] = {}
        self.tables: dict[QName, WorkingTable] = {}
        self.index_table: dict[QName, QName] = {}  # index -> its table
        self.raw: list[RawStatement] = []
        self.ns = Namespaces()
        self.public_dropped = False  # DROP SCHEMA public: a CREATE SCHEMA public restores it

    def freeze(self) -> Catalog:
        return Catalog(
            schemas=tuple(self.schemas.values()),
            extensions=tuple(self.extensions.values()),
            enums=tuple(self.enums.values()),
            domains=tuple(self.domains.values()),
            composites=tuple(self.composites.values()),
            sequences=tuple(self.sequences.values()),
            tables=tuple(t.freeze() for t in self.tables.values()),
            raw=tuple(self.raw),
            files=self.files,
        )

    # -- removing objects, with what depends on them ---------------------------------------------
    def drop_constraint(self, table: WorkingTable, name: str) -> bool:
        q = table.qname
        found = False
        if table.primary_key is not None and table.primary_key.name == name:
            table.primary_key = None
            found = True
        kept_uniques = [c for c in table.uniques if c.name != name]
        kept_checks = [c for c in table.checks if c.name != name]
        kept_fks = [c for c in table.foreign_keys if c.name != name]
        if (len(kept_uniques), len(kept_checks), len(kept_fks)) != (
            len(table.uniques),
            len(table.checks),
            len(table.foreign_keys),
        ):
            found = True
            table.uniques, table.checks, table.foreign_keys = kept_uniques, kept_checks, kept_fks
        if found:
            self.ns.discard_constraint(q.schema, name)
            self.ns.discard_relation(q.schema, name)
        return found

    def drop_column(self, table: WorkingTable, name: str) -> None:
        q = table.qname
        table.columns = [c for c in table.columns if c.name != name]
        pk = table.primary_key
        if pk is not None and (name in pk.columns or name in pk.include):
            self.drop_constraint(table, pk.name)
        for u in list(table.uniques):
            if name in u.columns or name in u.include:
                self.drop_constraint(table, u.name)
        for fk in list(table.foreign_keys):
            if name in fk.columns:
                self.drop_constraint(table, fk.name)
        for ck in list(table.checks):
            if mentions(ck.expression, name):
                self.drop_constraint(table, ck.name)
        kept = []
        for ix in table.indexes:
            if (
                any(
                    e.column == name or (e.column is None and mentions(e.expression, name))
                    for e in ix.elements
                )
                or name in ix.include
            ):
                self.ns.discard_relation(q.schema, ix.name)
                continue
            kept.append(ix)
        table.indexes = kept
        self.drop_owned_sequences(lambda owner: owner == (q, name))

    def drop_table(self, q: QName) -> None:
        """The table and what goes with it: its indexes and constraints, its owned sequences,
        the statements carried on it (ALTER TABLE, triggers ...), and the foreign keys of other
        tables that reference it (the server refuses the drop without CASCADE)."""
        t = self.tables.pop(q)
        self.raw = [r for r in self.raw if r.table != q]
        for other in self.tables.values():
            for fk in [fk for fk in other.foreign_keys if fk.ref_table == q]:
                self.drop_constraint(other, fk.name)
        self.ns.discard_relation(q.schema, q.name)
        for ix in t.indexes:
            self.ns.discard_relation(q.schema, ix.name)
        for c in [t.primary_key, *t.uniques]:
            if c is not None:
                self.ns.discard_relation(q.schema, c.name)
                self.ns.discard_constraint(q.schema, c.name)
        for name in [c.name for c in t.checks] + [c.name for c in t.foreign_keys]:
            self.ns.discard_constraint(q.schema, name)
        self.drop_owned_sequences(lambda owner: owner[0] == q)

    def drop_type(self, q: QName) -> None:
        """An enum, domain, composite or carried type, and the columns typed with it (the server
        refuses the drop without CASCADE)."""
        for reg in (self.enums, self.domains, self.composites):
            reg.pop(q, None)
        self.other_types.discard(q)
        for t in list(self.tables.values()):
            for c in [c for c in t.columns if c.type.ref == q]:
                self.drop_column(t, c.name)

    def drop_schema(self, name: str) -> None:
        """DROP SCHEMA ... CASCADE: the schema and every object in it, with what those take."""
        for q in [q for q in self.tables if q.schema == name]:
            self.drop_table(q)
        for q in [q for q in self.sequences if q.schema == name]:
            del self.sequences[q]
        for q in [
            q
            for reg in (self.enums, self.domains, self.composites, self.other_types)
            for q in reg
            if q.schema == name
        ]:
            self.drop_type(q)
        for x in [x for x in self.extensions.values() if x.schema == name]:
            del self.extensions[x.name]
        self.raw = [
            r for r in self.raw if r.schema != name and (r.table is None or r.table.schema != name)
        ]
        self.index_table = {i: t for i, t in self.index_table.items() if i.schema != name}
        self.ns.drop_schema(name)
        self.schemas.pop(name, None)
        self.known_schemas.discard(name)

    def holds(self, name: str) -> bool:
        """True when schema ``name`` holds an object of the catalog."""
        return any(
            q.schema == name
            for reg in (
                self.tables,
                self.sequences,
                self.enums,
                self.domains,
                self.composites,
                self.other_types,
            )
            for q in reg
        ) or any(r.schema == name for r in self.raw)

    def drop_owned_sequences(self, owned: Callable[[tuple[QName, str]], bool]) -> None:
        for sq, seq in list(self.sequences.items()):
            if seq.owned_by is not None and owned(seq.owned_by):
                del self.sequences[sq]
                self.ns.discard_relation(sq.schema, sq.name)


def mentions(expression: str, name: str) -> bool:
    """True when an expression names the column (a whole word, quoted or not)."""
    return re.search(r'(?<![\w"])' + re.escape(name) + r'(?![\w"])', expression) is not None
