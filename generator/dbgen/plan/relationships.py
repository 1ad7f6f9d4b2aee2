"""Relationships from foreign keys: many-to-one, one-to-many, one-to-one, many-to-many.

Rules, in order:
- A *pure association table* (its columns are exactly those of two foreign keys to mapped
  tables) becomes a many-to-many between the two ends, through ``secondary``; the association
  class itself gets no relationships, so nothing overlaps.
- Every other foreign key between mapped tables gives a many-to-one on the referencing class and
  its inverse on the referenced class: one-to-many, or one-to-one (``uselist=False``) when the
  foreign-key columns are themselves unique.
- ``foreign_keys`` is spelled out on the class that holds the key columns (as the column
  attributes themselves, nothing to evaluate when the mappers are configured); on the referenced
  class only when several keys link the two tables (``single_path`` False), as a string.
  Self-references get ``remote_side``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from dbgen.ir import Catalog, ForeignKey, QName, Table
from dbgen.plan import naming

if TYPE_CHECKING:
    from dbgen.plan.models import ColumnPlan

Kind = Literal["many_to_one", "one_to_many", "one_to_one", "many_to_many"]


@dataclass(frozen=True, slots=True)
class RelationshipPlan:
    attr: str
    kind: Kind
    target: QName  # the related table; ``load=[...]`` names it (crud-spec)
    target_class: str
    target_module: str
    back_populates: str
    foreign_keys: tuple[str, ...]  # "Class.attr" expressions for relationship(foreign_keys=)
    remote_side: tuple[str, ...] = ()  # "Class.attr" for self-referential many-to-one
    secondary: str | None = None  # metadata key of the association table (many-to-many)
    primaryjoin: str | None = None  # only for self-referential many-to-many
    secondaryjoin: str | None = None
    foreign_key: ForeignKey | None = None  # the key behind it (None for many-to-many)
    via: QName | None = None  # association table of a many-to-many
    overlaps: tuple[str, ...] = ()
    # The only foreign key between the two tables (either direction): the mapper finds the join
    # by itself, so the referenced side needs no foreign_keys.
    single_path: bool = False

    @property
    def uselist(self) -> bool:
        return self.kind in ("one_to_many", "many_to_many")


def table_key(q: QName) -> str:
    """The key of a table in SQLAlchemy's MetaData (schema.name outside public)."""
    return q.name if q.schema == "public" else f"{q.schema}.{q.name}"


def _plural(word: str) -> str:
    if naming.singular(word) != word:
        return word
    if word.endswith("y") and not word.endswith(("ay", "ey", "oy", "uy")):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh", "z")):
        return word + "es"
    return word + "s"


def is_pure_association(t: Table, mapped: Mapping[QName, bool]) -> bool:
    if len(t.foreign_keys) != 2:
        return False
    a, b = t.foreign_keys
    if set(a.columns) & set(b.columns):
        return False
    if not (mapped.get(a.ref_table) and mapped.get(b.ref_table)):
        return False
    return {c.name for c in t.columns} == set(a.columns) | set(b.columns)


def _is_unique(t: Table, cols: tuple[str, ...]) -> bool:
    keys = [u.columns for u in t.uniques]
    if t.primary_key:
        keys.append(t.primary_key.columns)
    keys += [
        tuple(e.column or "" for e in i.elements) for i in t.indexes if i.unique and not i.where
    ]
    return any(set(k) == set(cols) for k in keys)


class _Names:
    """Attribute names taken per class, so relationship names never collide."""

    def __init__(self, columns: Mapping[QName, tuple[ColumnPlan, ...]]) -> None:
        self._taken = {q: {c.attr for c in cols} for q, cols in columns.items()}

    def claim(self, q: QName, wanted: str, fallback: str) -> str:
        taken = self._taken.setdefault(q, set())
        name = naming.attribute_name(wanted)
        if name in taken:
            name = naming.attribute_name(fallback)
        while name in taken:
            name += "_"
        taken.add(name)
        return name


def plan_relationships(
    catalog: Catalog,
    classes: Mapping[QName, str],
    modules: Mapping[QName, str],
    columns: Mapping[QName, tuple[ColumnPlan, ...]],
) -> dict[QName, tuple[RelationshipPlan, ...]]:
    mapped = {t.qname: t.primary_key is not None and t.partition_of is None for t in catalog.tables}
    attrs = {q: {c.name: c.attr for c in cols} for q, cols in columns.items()}
    names = _Names(columns)
    out: dict[QName, list[RelationshipPlan]] = {}
    by_name = {t.qname: t for t in catalog.tables}

    def col_exprs(q: QName, cols: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(f"{classes[q]}.{attrs[q][c]}" for c in cols)

    def add(q: QName, rel: RelationshipPlan) -> None:
        out.setdefault(q, []).append(rel)

    for t in catalog.tables:
        if not mapped[t.qname]:
            continue
        if is_pure_association(t, mapped):
            _many_to_many(t, classes, modules, names, add, col_exprs)
            continue
        pairs_per_target: dict[QName, int] = {}
        for fk in t.foreign_keys:
            pairs_per_target[fk.ref_table] = pairs_per_target.get(fk.ref_table, 0) + 1
        # Keys the other way (target -> this table) make the join ambiguous too.
        paths = {
            q: n + sum(1 for b in by_name[q].foreign_keys if b.ref_table == t.qname)
            for q, n in pairs_per_target.items()
            if q in by_name
        }
        for fk in t.foreign_keys:
            target = fk.ref_table
            if not mapped.get(target):
                continue
            src, dst = t.qname, target
            self_ref = src == dst
            col_attr = attrs[src][fk.columns[0]]
            single = len(fk.columns) == 1
            stem = (
                col_attr[:-3] if single and col_attr.endswith("_id") and len(col_attr) > 3 else None
            )
            target_snake = naming.snake(classes[dst])
            m2o_name = names.claim(
                src,
                stem or (f"{col_attr}_{target_snake}" if self_ref else target_snake),
                f"{target_snake}_by_{'_'.join(attrs[src][c] for c in fk.columns)}",
            )
            unique = _is_unique(t, fk.columns)
            several = pairs_per_target[dst] > 1 or self_ref
            if unique:
                inverse_wanted = naming.snake(classes[src])
            elif self_ref and stem == "parent":
                inverse_wanted = "children"
            else:
                inverse_wanted = _plural(naming.snake(t.qname.name))
                if several:
                    inverse_wanted = f"{m2o_name}_{inverse_wanted}"
            inverse_name = names.claim(dst, inverse_wanted, f"{inverse_wanted}_by_{m2o_name}")
            fks = col_exprs(src, fk.columns)
            add(
                src,
                RelationshipPlan(
                    attr=m2o_name,
                    kind="many_to_one",
                    target=dst,
                    target_class=classes[dst],
                    target_module=modules[dst],
                    back_populates=inverse_name,
                    foreign_keys=fks,
                    remote_side=col_exprs(dst, fk.ref_columns) if self_ref else (),
                    foreign_key=fk,
                ),
            )
            add(
                dst,
                RelationshipPlan(
                    attr=inverse_name,
                    kind="one_to_one" if unique else "one_to_many",
                    target=src,
                    target_class=classes[src],
                    target_module=modules[src],
                    back_populates=m2o_name,
                    foreign_keys=fks,
                    foreign_key=fk,
                    single_path=not self_ref and paths.get(dst) == 1,
                ),
            )
    overlapping = _overlapping(catalog, out)
    return {q: tuple(_with_overlaps(rels, overlapping)) for q, rels in out.items()}


def _many_to_many(t, classes, modules, names, add, col_exprs) -> None:  # type: ignore[no-untyped-def]
    a, b = t.foreign_keys
    ends = ((a, b), (b, a))
    self_ref = a.ref_table == b.ref_table

    def stem(fk: ForeignKey) -> str:
        return "_".join(fk.columns).removesuffix("_id")

    if self_ref:
        # person_id -> friend_id: a.friends are the people I list; b.friend_of list me.
        wanted = {id(a): _plural(stem(b)), id(b): f"{stem(b)}_of"}
    else:
        wanted = {id(fk): _plural(naming.snake(other.ref_table.name)) for fk, other in ends}
    claimed = {
        id(fk): names.claim(
            fk.ref_table, wanted[id(fk)], f"{wanted[id(fk)]}_via_{naming.snake(t.qname.name)}"
        )
        for fk, _ in ends
    }

    def join(fk: ForeignKey) -> str:
        # Self-referential many-to-many needs the join spelled out: which column is "self".
        pairs = zip(
            col_exprs(fk.ref_table, fk.ref_columns), col_exprs(t.qname, fk.columns), strict=True
        )
        terms = [f"{ref} == {assoc}" for ref, assoc in pairs]
        return terms[0] if len(terms) == 1 else f"and_({', '.join(terms)})"

    for fk, other in ends:
        add(
            fk.ref_table,
            RelationshipPlan(
                attr=claimed[id(fk)],
                kind="many_to_many",
                target=other.ref_table,
                target_class=classes[other.ref_table],
                target_module=modules[other.ref_table],
                back_populates=claimed[id(other)],
                foreign_keys=(),
                secondary=table_key(t.qname),
                primaryjoin=join(fk) if self_ref else None,
                secondaryjoin=join(other) if self_ref else None,
                via=t.qname,
            ),
        )


def _with_overlaps(
    rels: list[RelationshipPlan], overlapping: Mapping[int, tuple[str, ...]]
) -> list[RelationshipPlan]:
    return [
        replace(r, overlaps=overlapping[id(r.foreign_key)])
        if r.foreign_key is not None and id(r.foreign_key) in overlapping
        else r
        for r in rels
    ]


def _overlapping(
    catalog: Catalog, out: Mapping[QName, list[RelationshipPlan]]
) -> dict[int, tuple[str, ...]]:
    """Per foreign key, the relationships that write a column it writes too (the mapper warns
    about such pairs unless told with ``overlaps``)."""
    attrs_of: dict[int, list[str]] = {}
    for group in out.values():
        for r in group:
            if r.foreign_key is not None:
                attrs_of.setdefault(id(r.foreign_key), []).append(r.attr)
    result: dict[int, tuple[str, ...]] = {}
    for t in catalog.tables:
        fks = [fk for fk in t.foreign_keys if id(fk) in attrs_of]
        for fk in fks:
            names_ = {
                a
                for other in fks
                if other is not fk and set(other.columns) & set(fk.columns)
                for a in attrs_of[id(other)]
            }
            if names_:
                result[id(fk)] = tuple(sorted(names_))
    return result
