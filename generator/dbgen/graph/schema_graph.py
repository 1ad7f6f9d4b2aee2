"""The schema graph: what the catalog becomes on the Python side, computed once per build.

``build_graph(catalog)`` decides, each in one place:
- which tables are mapped (ORM classes) and which stay Core tables (relations.is_mapped);
- which tables are pure associations, and every relationship (relations.discover_links);
- module names, unit-of-work attributes, Core table variables, column attributes and enum
  class names (naming.py's rules, made unique here);
- class names, given crud.yaml's overrides (``class_names``), and what conflicts with them.

Spec binding (spec/load.py), scaffold.py and planning (plan/) all read it; none re-derives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from dbgen.graph import naming
from dbgen.graph.bindings import CLASS_NAMES_RESERVED, REPOSITORY_CLASS_NAMES, UOW_KEYS_RESERVED
from dbgen.graph.relations import Link, Relation, discover_links, is_mapped, is_pure_association
from dbgen.ir import Catalog, QName, Table

# Class names the generated package defines itself, besides the schema's enums.
_PACKAGE_CLASSES = frozenset({"Base", "RawType"})


@dataclass(frozen=True, slots=True)
class SchemaGraph:
    catalog: Catalog
    mapped: frozenset[QName]  # tables that become ORM classes
    associations: frozenset[QName]  # pure association tables (many-to-many through them)
    links: tuple[Link, ...]  # every relationship, in catalog order
    modules: Mapping[QName, str]  # module name under models/, schemas/, repositories/
    uow_keys: Mapping[QName, str]  # unit-of-work attribute (crud-spec: ``uow.<table>``)
    table_vars: Mapping[QName, str]  # the Core Table variable of an unmapped table
    attributes: Mapping[QName, Mapping[str, str]]  # column (SQL name) -> Python attribute
    enum_classes: Mapping[QName, str]
    _tables: Mapping[QName, Table] = field(repr=False, compare=False)
    _ends: Mapping[QName, tuple[Relation, ...]] = field(repr=False, compare=False)
    _related: Mapping[QName, tuple[QName, ...]] = field(repr=False, compare=False)
    _keys_between: Mapping[frozenset[QName], int] = field(repr=False, compare=False)

    def table(self, qname: QName) -> Table | None:
        return self._tables.get(qname)

    def is_mapped(self, qname: QName) -> bool:
        return qname in self.mapped

    def relations(self, qname: QName) -> tuple[Relation, ...]:
        """Every relationship end on ``qname``, in the order its class lists them."""
        return self._ends.get(qname, ())

    def relations_between(self, qname: QName, target: QName) -> tuple[Relation, ...]:
        return tuple(r for r in self.relations(qname) if r.target == target)

    def related(self, qname: QName) -> tuple[QName, ...]:
        """The tables ``qname`` has a relationship with, in catalog order."""
        return self._related.get(qname, ())

    def keys_between(self, a: QName, b: QName) -> int:
        """Foreign keys linking two different tables, in either direction (several: the mapper
        needs to be told which one a relationship uses)."""
        return self._keys_between.get(frozenset((a, b)), 0)

    def class_names(self, overrides: Mapping[QName, str] | None = None) -> dict[QName, str]:
        """Unique class names: crud.yaml's class_name where given, else singular PascalCase,
        schema-qualified only where two tables would clash."""
        overrides = overrides or {}
        tables = self.catalog.tables
        reserved = frozenset(self.enum_classes.values()) | _PACKAGE_CLASSES | CLASS_NAMES_RESERVED
        plain = {t.qname: overrides.get(t.qname) or naming.class_name(t.qname) for t in tables}
        # A class name and its repositories share the repositories facade and the unit of work's
        # imports: table sync_widget's SyncWidgetRepository would shadow widget's sync one.
        counts = Counter(n for name in plain.values() for n in _names_of(name))
        out: dict[QName, str] = {}
        used: set[str] = set(reserved)
        for t in tables:
            name = plain[t.qname]
            taken = any(counts[n] > 1 or n in reserved for n in _names_of(name))
            if t.qname not in overrides and taken:
                name = naming.class_name(t.qname, qualify=True)
            while not used.isdisjoint(_names_of(name)):
                name += "_"
            used.update(_names_of(name))
            out[t.qname] = name
        return out


def _names_of(class_name: str) -> tuple[str, ...]:
    """A class name and the repository classes named after it (bindings.REPOSITORY_CLASS_NAMES).

    The schema classes (``{}Read``...) live in another namespace than the models and are not
    counted: tables ``users`` and ``user_filters`` keep ``User`` and ``UserFilter``."""
    return (class_name, *(pattern.format(class_name) for pattern in REPOSITORY_CLASS_NAMES))


def build_graph(catalog: Catalog) -> SchemaGraph:
    tables = catalog.tables
    mapped = frozenset(t.qname for t in tables if is_mapped(t))
    associations = frozenset(
        t.qname for t in tables if t.qname in mapped and is_pure_association(t, mapped)
    )
    links = discover_links(tables, mapped, associations)
    ends: dict[QName, list[Relation]] = {}
    for link in links:
        ends.setdefault(link.forward.source, []).append(link.forward)
        ends.setdefault(link.inverse.source, []).append(link.inverse)
    keys_between: Counter[frozenset[QName]] = Counter()
    for t in tables:
        for fk in t.foreign_keys:
            if fk.ref_table != t.qname:
                keys_between[frozenset((t.qname, fk.ref_table))] += 1
    order = {t.qname: i for i, t in enumerate(tables)}
    related = {
        q: tuple(sorted({r.target for r in rs}, key=order.__getitem__)) for q, rs in ends.items()
    }
    modules = _module_names(tables)
    return SchemaGraph(
        catalog=catalog,
        mapped=mapped,
        associations=associations,
        links=links,
        modules=modules,
        uow_keys=_uow_keys(modules),
        table_vars={q: f"{m}_table" for q, m in modules.items() if q not in mapped},
        attributes={t.qname: _attributes(t) for t in tables},
        enum_classes=_enum_classes(catalog),
        _tables={t.qname: t for t in tables},
        _ends={q: tuple(rs) for q, rs in ends.items()},
        _related=related,
        _keys_between=dict(keys_between),
    )


def _module_names(tables: tuple[Table, ...]) -> dict[QName, str]:
    out: dict[QName, str] = {}
    used: set[str] = {"__init__"}
    for t in tables:
        name = naming.module_name(t.qname)
        while name in used:
            name += "_"
        used.add(name)
        out[t.qname] = name
    return out


def _uow_keys(modules: Mapping[QName, str]) -> dict[QName, str]:
    """``uow.<key>``: the module name, unless the unit of work has that name already
    (``session``, ``commit``...: bindings.UOW_KEYS_RESERVED): then a trailing ``_``, kept unique
    among the other keys."""
    out: dict[QName, str] = {}
    used = set(modules.values())
    for q, m in modules.items():
        key = m
        if key in UOW_KEYS_RESERVED:
            key += "_"
            while key in UOW_KEYS_RESERVED or key in used:
                key += "_"
            used.add(key)
        out[q] = key
    return out


def _attributes(t: Table) -> dict[str, str]:
    out: dict[str, str] = {}
    taken: set[str] = set()
    for c in t.columns:
        attr = naming.attribute_name(c.name, taken=frozenset(taken))
        taken.add(attr)
        out[c.name] = attr
    return out


def _enum_classes(catalog: Catalog) -> dict[QName, str]:
    counts = Counter(naming.pascal(e.qname.name) for e in catalog.enums)
    out: dict[QName, str] = {}
    for e in catalog.enums:
        cls = naming.pascal(e.qname.name)
        if counts[cls] > 1 and e.qname.schema != "public":
            cls = naming.pascal(e.qname.schema) + cls
        while cls in CLASS_NAMES_RESERVED or cls in _PACKAGE_CLASSES:  # an enum named "any"
            cls += "_"
        out[e.qname] = cls
    return out
