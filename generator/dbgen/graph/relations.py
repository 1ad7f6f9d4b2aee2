"""Relationship discovery: which foreign keys and association tables become relationships.

Rules, in catalog order:
- Only mapped tables take part (a table with a primary key that is not a partition).
- A *pure association table* (its columns are exactly those of two disjoint foreign keys to
  other mapped tables) links its two ends many-to-many; it takes part in no other relationship.
- Every other foreign key between mapped tables links the referencing table (many-to-one) and
  the referenced one (one-to-many, or one-to-one when the key columns are themselves unique).
- A foreign key of a table to itself that pairs every column with itself (``id REFERENCES
  t (id)``) links each row to that same row: it gets no relationship (the mapper could not tell
  its two ends apart). The constraint itself is kept.

What the relationships are called is decided in graph/relationships.py, from these links.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from dbgen.ir import ForeignKey, QName, Table


class RelationKind(StrEnum):
    MANY_TO_ONE = "many_to_one"
    ONE_TO_MANY = "one_to_many"
    ONE_TO_ONE = "one_to_one"
    MANY_TO_MANY = "many_to_many"

    @property
    def uselist(self) -> bool:
        return self in (RelationKind.ONE_TO_MANY, RelationKind.MANY_TO_MANY)


@dataclass(frozen=True, slots=True)
class Relation:
    """One end of a relationship, seen from ``source``.

    ``fk`` is the foreign key behind it; for a many-to-many, the association's key to
    ``source``, and ``fk_other`` its key to ``target``.
    """

    kind: RelationKind
    source: QName
    target: QName
    fk: ForeignKey
    association: QName | None = None
    fk_other: ForeignKey | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """One relationship and its two ends.

    For a foreign key, ``forward`` is the many-to-one on the referencing table and ``inverse``
    the one-to-many (or one-to-one) on the referenced one. For an association table, both ends
    are many-to-many: ``forward`` from the table its first key references.
    """

    forward: Relation
    inverse: Relation

    @property
    def association(self) -> QName | None:
        return self.forward.association

    @property
    def self_referential(self) -> bool:
        return self.forward.source == self.forward.target

    @property
    def overlapping(self) -> bool:
        """A key of a table to itself that shares columns with the key it references, as in
        ``(a, b) REFERENCES t (b, c)``: the join must say which side each column is on."""
        fk = self.forward.fk
        return (
            self.association is None
            and self.self_referential
            and bool(set(fk.columns) & set(fk.ref_columns))
        )


def is_mapped(t: Table) -> bool:
    """Tables with a primary key become ORM classes; partitions are reached via their parent."""
    return t.primary_key is not None and t.partition_of is None


def is_pure_association(t: Table, mapped: Mapping[QName, bool] | frozenset[QName]) -> bool:
    if len(t.foreign_keys) != 2:
        return False
    a, b = t.foreign_keys
    if set(a.columns) & set(b.columns) or t.qname in (a.ref_table, b.ref_table):
        return False
    if not (_in(mapped, a.ref_table) and _in(mapped, b.ref_table)):
        return False
    return {c.name for c in t.columns} == set(a.columns) | set(b.columns)


def _in(mapped: Mapping[QName, bool] | frozenset[QName], q: QName) -> bool:
    return bool(mapped.get(q)) if isinstance(mapped, Mapping) else q in mapped


def is_unique(t: Table, cols: tuple[str, ...]) -> bool:
    """The columns are exactly the primary key, a unique constraint or a plain unique index."""
    keys = [u.columns for u in t.uniques]
    if t.primary_key:
        keys.append(t.primary_key.columns)
    keys += [
        tuple(e.column or "" for e in i.elements) for i in t.indexes if i.unique and not i.where
    ]
    return any(set(k) == set(cols) for k in keys)


def links_to_itself_only(fk: ForeignKey, table: QName) -> bool:
    """Every row references itself: ``id REFERENCES t (id)``, ``(a, b) REFERENCES t (a, b)``."""
    return fk.ref_table == table and fk.columns == fk.ref_columns


def discover_links(
    tables: tuple[Table, ...], mapped: frozenset[QName], associations: frozenset[QName]
) -> tuple[Link, ...]:
    links: list[Link] = []
    for t in tables:
        if t.qname not in mapped:
            continue
        if t.qname in associations:
            a, b = t.foreign_keys
            links.append(
                Link(
                    Relation(RelationKind.MANY_TO_MANY, a.ref_table, b.ref_table, a, t.qname, b),
                    Relation(RelationKind.MANY_TO_MANY, b.ref_table, a.ref_table, b, t.qname, a),
                )
            )
            continue
        for fk in t.foreign_keys:
            if fk.ref_table not in mapped or links_to_itself_only(fk, t.qname):
                continue
            inverse = (
                RelationKind.ONE_TO_ONE if is_unique(t, fk.columns) else RelationKind.ONE_TO_MANY
            )
            links.append(
                Link(
                    Relation(RelationKind.MANY_TO_ONE, t.qname, fk.ref_table, fk),
                    Relation(inverse, fk.ref_table, t.qname, fk),
                )
            )
    return tuple(links)
