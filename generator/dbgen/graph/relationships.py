"""Relationship attributes: what each relationship the schema graph found is called, and how.

Which relationships exist is decided in dbgen.graph.relations; this module names them (for the
planner, and for crud.yaml's ``relations:``, which may name them by attribute) and spells what
the mapper needs:
- Many-to-one on the class holding the key, its inverse (one-to-many, or one-to-one with
  ``uselist=False``) on the referenced class; many-to-many on both ends of a pure association
  table, through ``secondary`` (the association class itself gets no relationships).
- ``foreign_keys`` is spelled out on the class that holds the key columns (as the column
  attributes themselves, nothing to evaluate when the mappers are configured); on the referenced
  class only when several keys link the two tables (``single_path`` False), as a string.
  Self-references get ``remote_side``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from dbgen.graph import naming
from dbgen.graph.relations import Link, RelationKind
from dbgen.graph.schema_graph import SchemaGraph
from dbgen.ir import ForeignKey, QName


@dataclass(frozen=True, slots=True)
class RelationshipPlan:
    attr: str
    kind: RelationKind
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
        return self.kind.uselist


def link_of(rel: RelationshipPlan) -> object:
    """What a relationship comes from: its association table, or its foreign key (both ends of
    a self-reference come from the same one)."""
    return rel.via if rel.via is not None else id(rel.foreign_key)


def load_names(rels: Sequence[RelationshipPlan], targets: Sequence[QName]) -> list[str]:
    """How crud.yaml's ``relations:`` names the relationships of one class towards ``targets``
    (in that order): a table reached by one link by its name (``schema.table`` outside
    public), each relationship towards a table reached by several by its attribute (the
    table's name would be ambiguous)."""
    out: list[str] = []
    for target in targets:
        towards = [r for r in rels if r.target == target]
        if len({link_of(r) for r in towards}) > 1:
            out += [r.attr for r in towards]
        elif towards:
            out.append(str(target))
    return out


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


class _Names:
    """Attribute names taken per class, so relationship names never collide."""

    def __init__(self, attributes: Mapping[QName, Mapping[str, str]]) -> None:
        self._taken = {q: set(attrs.values()) for q, attrs in attributes.items()}

    def claim(self, q: QName, wanted: str, fallback: str) -> str:
        taken = self._taken.setdefault(q, set())
        name = naming.attribute_name(wanted)
        if name in taken:
            name = naming.attribute_name(fallback)
        while name in taken:
            name += "_"
        taken.add(name)
        return name


_Add = Callable[[QName, RelationshipPlan], None]
_ColExprs = Callable[[QName, tuple[str, ...]], tuple[str, ...]]


def plan_relationships(
    graph: SchemaGraph, classes: Mapping[QName, str]
) -> dict[QName, tuple[RelationshipPlan, ...]]:
    attrs = graph.attributes
    names = _Names(attrs)
    out: dict[QName, list[RelationshipPlan]] = {}

    def col_exprs(q: QName, cols: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(f"{classes[q]}.{attrs[q][c]}" for c in cols)

    def add(q: QName, rel: RelationshipPlan) -> None:
        out.setdefault(q, []).append(rel)

    for link in graph.links:
        if link.association is not None:
            _many_to_many(link, graph, classes, names, add, col_exprs)
        else:
            _foreign_key(link, graph, classes, names, add, col_exprs)
    overlapping = _overlapping(graph, out)
    return {q: tuple(_with_overlaps(rels, overlapping)) for q, rels in out.items()}


def _foreign_key(
    link: Link,
    graph: SchemaGraph,
    classes: Mapping[QName, str],
    names: _Names,
    add: _Add,
    col_exprs: _ColExprs,
) -> None:
    fk = link.forward.fk
    src, dst = link.forward.source, link.forward.target
    table = graph.table(src)
    assert table is not None
    self_ref = link.self_referential
    col_attr = graph.attributes[src][fk.columns[0]]
    single = len(fk.columns) == 1
    stem = col_attr[:-3] if single and col_attr.endswith("_id") and len(col_attr) > 3 else None
    target_snake = naming.snake(classes[dst])
    m2o_name = names.claim(
        src,
        stem or (f"{col_attr}_{target_snake}" if self_ref else target_snake),
        f"{target_snake}_by_{'_'.join(graph.attributes[src][c] for c in fk.columns)}",
    )
    unique = link.inverse.kind is RelationKind.ONE_TO_ONE
    several = sum(1 for k in table.foreign_keys if k.ref_table == dst) > 1 or self_ref
    if unique:
        inverse_wanted = naming.snake(classes[src])
    elif self_ref and stem == "parent":
        inverse_wanted = "children"
    else:
        inverse_wanted = _plural(naming.snake(src.name))
        if several:
            inverse_wanted = f"{m2o_name}_{inverse_wanted}"
    inverse_name = names.claim(dst, inverse_wanted, f"{inverse_wanted}_by_{m2o_name}")
    fks = col_exprs(src, fk.columns)
    add(
        src,
        RelationshipPlan(
            attr=m2o_name,
            kind=RelationKind.MANY_TO_ONE,
            target=dst,
            target_class=classes[dst],
            target_module=graph.modules[dst],
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
            kind=link.inverse.kind,
            target=src,
            target_class=classes[src],
            target_module=graph.modules[src],
            back_populates=m2o_name,
            foreign_keys=fks,
            foreign_key=fk,
            single_path=not self_ref and graph.keys_between(src, dst) == 1,
        ),
    )


def _many_to_many(
    link: Link,
    graph: SchemaGraph,
    classes: Mapping[QName, str],
    names: _Names,
    add: _Add,
    col_exprs: _ColExprs,
) -> None:
    assoc = link.association
    assert assoc is not None
    a, b = link.forward.fk, link.inverse.fk
    ends = ((a, b), (b, a))
    self_ref = link.self_referential

    def stem(fk: ForeignKey) -> str:
        return "_".join(fk.columns).removesuffix("_id")

    if self_ref:
        # person_id -> friend_id: a.friends are the people I list; b.friend_of list me.
        wanted = {id(a): _plural(stem(b)), id(b): f"{stem(b)}_of"}
    else:
        wanted = {id(fk): _plural(naming.snake(other.ref_table.name)) for fk, other in ends}
    claimed = {
        id(fk): names.claim(
            fk.ref_table, wanted[id(fk)], f"{wanted[id(fk)]}_via_{naming.snake(assoc.name)}"
        )
        for fk, _ in ends
    }

    def join(fk: ForeignKey) -> str:
        # Self-referential many-to-many needs the join spelled out: which column is "self".
        pairs = zip(
            col_exprs(fk.ref_table, fk.ref_columns), col_exprs(assoc, fk.columns), strict=True
        )
        terms = [f"{ref} == {col}" for ref, col in pairs]
        return terms[0] if len(terms) == 1 else f"and_({', '.join(terms)})"

    for fk, other in ends:
        add(
            fk.ref_table,
            RelationshipPlan(
                attr=claimed[id(fk)],
                kind=RelationKind.MANY_TO_MANY,
                target=other.ref_table,
                target_class=classes[other.ref_table],
                target_module=graph.modules[other.ref_table],
                back_populates=claimed[id(other)],
                foreign_keys=(),
                secondary=table_key(assoc),
                primaryjoin=join(fk) if self_ref else None,
                secondaryjoin=join(other) if self_ref else None,
                via=assoc,
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
    graph: SchemaGraph, out: Mapping[QName, list[RelationshipPlan]]
) -> dict[int, tuple[str, ...]]:
    """Per foreign key, the relationships that write a column it writes too (the mapper warns
    about such pairs unless told with ``overlaps``)."""
    attrs_of: dict[int, list[str]] = {}
    for group in out.values():
        for r in group:
            if r.foreign_key is not None:
                attrs_of.setdefault(id(r.foreign_key), []).append(r.attr)
    result: dict[int, tuple[str, ...]] = {}
    for t in graph.catalog.tables:
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
