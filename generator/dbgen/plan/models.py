"""The project plan: every Python-side decision about the generated package, made once.

Templates receive these view objects and only loop and print. The CRUD planner
(plan/crud.py) builds on ``ProjectPlan`` too, so class names, attribute names and
relationship names are decided here and nowhere else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from dbgen.ir import Catalog, Column, EnumType, ForeignKey, QName, Table
from dbgen.plan import naming
from dbgen.plan.relationships import RelationshipPlan, plan_relationships
from dbgen.plan.typemap import MappedType, TypeContext, map_type
from dbgen.spec.model import BoundSpec


@dataclass(frozen=True, slots=True)
class EnumPlan:
    qname: QName
    class_name: str
    members: tuple[tuple[str, str], ...]  # (python member name, SQL label)


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    column: Column
    attr: str  # Python attribute name
    type: MappedType
    primary_key: bool
    nullable: bool
    server_generated: bool  # the database fills it when omitted (default, identity, generated)
    foreign_key: ForeignKey | None  # set when this column alone is a single-column FK

    @property
    def name(self) -> str:
        return self.column.name


@dataclass(frozen=True, slots=True)
class EntityPlan:
    table: Table
    class_name: str
    module: str  # module name under models/ (and schemas/, repositories/)
    key: str  # unit-of-work attribute (naming.entity_key)
    columns: tuple[ColumnPlan, ...]
    relationships: tuple[RelationshipPlan, ...]
    mapped: bool  # False for tables without a primary key: exposed as a Core Table

    @property
    def qname(self) -> QName:
        return self.table.qname

    @property
    def pk_columns(self) -> tuple[ColumnPlan, ...]:
        return tuple(c for c in self.columns if c.primary_key)

    def column(self, sql_name: str) -> ColumnPlan:
        for c in self.columns:
            if c.name == sql_name:
                return c
        raise KeyError(sql_name)

    @property
    def table_var(self) -> str:
        """Name of the Core Table object for unmapped tables."""
        return f"{self.module}_table"


@dataclass(frozen=True, slots=True)
class ProjectPlan:
    package: str
    catalog: Catalog
    enums: tuple[EnumPlan, ...]
    entities: tuple[EntityPlan, ...]
    type_context: TypeContext
    spec: BoundSpec | None = None  # the bound crud.yaml (None when building models only)
    # entity() by dict: the CRUD planner asks once per relation, and a linear scan made that
    # quadratic (seconds on a 500-table schema).
    _by_qname: dict[QName, EntityPlan] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._by_qname.update((e.qname, e) for e in self.entities)

    def entity(self, qname: QName) -> EntityPlan:
        try:
            return self._by_qname[qname]
        except KeyError:
            raise KeyError(str(qname)) from None


def plan_enums(catalog: Catalog) -> tuple[EnumPlan, ...]:
    names = Counter(naming.pascal(e.qname.name) for e in catalog.enums)
    out = []
    for e in catalog.enums:
        cls = naming.pascal(e.qname.name)
        if names[cls] > 1 and e.qname.schema != "public":
            cls = naming.pascal(e.qname.schema) + cls
        out.append(EnumPlan(e.qname, cls, _members(e)))
    return tuple(out)


def _members(e: EnumType) -> tuple[tuple[str, str], ...]:
    taken: set[str] = set()
    out = []
    for label in e.labels:
        member = naming.enum_member(label, taken=frozenset(taken))
        taken.add(member)
        out.append((member, label))
    return tuple(out)


def class_names(
    catalog: Catalog,
    reserved: frozenset[str] = frozenset(),
    overrides: Mapping[QName, str] | None = None,
) -> dict[QName, str]:
    """Unique class names: crud.yaml's class_name where given, else singular PascalCase,
    schema-qualified only where two tables would clash."""
    overrides = overrides or {}
    plain = {t.qname: overrides.get(t.qname) or naming.class_name(t.qname) for t in catalog.tables}
    counts = Counter(plain.values())
    out: dict[QName, str] = {}
    used: set[str] = set(reserved)
    for t in catalog.tables:
        name = plain[t.qname]
        if t.qname not in overrides and (counts[name] > 1 or name in reserved):
            name = naming.class_name(t.qname, qualify=True)
        while name in used:
            name += "_"
        used.add(name)
        out[t.qname] = name
    return out


def _module_names(catalog: Catalog) -> dict[QName, str]:
    out: dict[QName, str] = {}
    used: set[str] = {"__init__"}
    for t in catalog.tables:
        name = naming.module_name(t.qname)
        while name in used:
            name += "_"
        used.add(name)
        out[t.qname] = name
    return out


def plan_project(catalog: Catalog, package: str, spec: BoundSpec | None = None) -> ProjectPlan:
    enums = plan_enums(catalog)
    ctx = TypeContext(
        package=package,
        enum_classes={e.qname: e.class_name for e in enums},
        domain_bases={d.qname: d.base for d in catalog.domains},
    )
    reserved = frozenset(e.class_name for e in enums) | {"Base", "RawType"}
    classes = class_names(catalog, reserved, spec.class_names if spec else None)
    modules = _module_names(catalog)
    columns = {t.qname: _plan_columns(t, ctx) for t in catalog.tables}
    relationships = plan_relationships(catalog, classes, modules, columns)
    entities = tuple(
        EntityPlan(
            table=t,
            class_name=classes[t.qname],
            module=modules[t.qname],
            key=modules[t.qname],
            columns=columns[t.qname],
            relationships=relationships.get(t.qname, ()),
            mapped=t.primary_key is not None,
        )
        for t in catalog.tables
        if t.partition_of is None  # partitions are reached through their parent
    )
    return ProjectPlan(package, catalog, enums, entities, ctx, spec)


def _plan_columns(t: Table, ctx: TypeContext) -> tuple[ColumnPlan, ...]:
    pk = set(t.primary_key.columns) if t.primary_key else set()
    single_fk = {fk.columns[0]: fk for fk in t.foreign_keys if len(fk.columns) == 1}
    out: list[ColumnPlan] = []
    taken: set[str] = set()
    for c in t.columns:
        attr = naming.attribute_name(c.name, taken=frozenset(taken))
        taken.add(attr)
        out.append(
            ColumnPlan(
                column=c,
                attr=attr,
                type=map_type(c.type, ctx),
                primary_key=c.name in pk,
                nullable=c.nullable and c.name not in pk,
                server_generated=bool(c.default or c.identity or c.generated),
                foreign_key=single_fk.get(c.name),
            )
        )
    return tuple(out)
