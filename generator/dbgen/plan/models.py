"""The project plan: every Python-side decision about the generated package, made once.

Templates receive these view objects and only loop and print. Names and relationships come
from the schema graph (dbgen.graph), column types from plan/typemap.py; the CRUD planner
(plan/crud.py) builds on ``ProjectPlan`` and never re-derives them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from dbgen.graph import SchemaGraph, naming
from dbgen.graph.bindings import PACKAGE_MODULES
from dbgen.graph.relationships import RelationshipPlan, plan_relationships
from dbgen.ir import (
    Catalog,
    Column,
    Domain,
    EnumType,
    ForeignKey,
    PrimaryKey,
    QName,
    Table,
    TypeKind,
)
from dbgen.plan import constraints as cx
from dbgen.plan.typemap import MappedType, TypeContext, TypeMapper, map_type
from dbgen.spec.model import BoundSpec

# A table -> its ``__table_args__`` options in the models, (name, Python literal) pairs.
TableKwargs = Callable[[Table], list[tuple[str, str]]]


def no_table_kwargs(t: Table) -> list[tuple[str, str]]:
    """PostgreSQL's (and the default): none beyond schema and comment."""
    return []


def no_key_kwargs(pk: PrimaryKey) -> dict[str, str | None]:
    return {}


def never(c: Column) -> bool:
    return False


def all_named(t: Table) -> frozenset[str]:
    """PostgreSQL's (and the default): the database keeps every constraint's name."""
    return frozenset()


# The models' naming convention, for a constraint or index without a name of its own:
# PostgreSQL's own default names, so one added later matches what the database would choose.
# Check constraints are left to the database.
PG_NAMING: tuple[tuple[str, str], ...] = (
    ("pk", "%(table_name)s_pkey"),
    ("uq", "%(table_name)s_%(column_0_N_name)s_key"),
    ("fk", "%(table_name)s_%(column_0_N_name)s_fkey"),
    ("ix", "%(table_name)s_%(column_0_N_name)s_idx"),
)
PG_NAMING_NOTE = (
    "PostgreSQL's own default names, so constraints added later without a name match what the",
    "database would have chosen. Check constraints are left to PostgreSQL.",
)


@dataclass(frozen=True, slots=True)
class ModelDialect:
    """How a dialect's models spell a table, so that the metadata is what SQLAlchemy reflects
    from the migrated database (what `alembic check` compares)."""

    # ``__table_args__`` options, and an index's keyword arguments
    table_kwargs: TableKwargs = no_table_kwargs
    index_kwargs: cx.IndexKwargs = cx.index_options
    # a primary key's keyword arguments (MySQL's mysql_using)
    primary_key_kwargs: Callable[[PrimaryKey], dict[str, str | None]] = no_key_kwargs
    # An index key that is a column with a sort order or a collation as a column expression
    # (``sa.desc(sa.column(key))``), not as text: the dialect's reflection reads it back as
    # that column.
    column_elements: bool = False
    # The constraint names of a table the database keeps no name for (SQLite's, where the
    # source left them out): the models leave those constraints unnamed.
    nameless: Callable[[Table], frozenset[str]] = all_named
    # A primary-key column the database lets hold NULL (SQLite's rowid tables): the model says
    # ``nullable=True`` (the attribute stays non-optional: the application never writes NULL).
    nullable_key: Callable[[Column], bool] = never
    # Whether a column the models type as RawType is one the dialect's reflection names no type
    # for (SQLite's BLOB affinity: NullType, or through a foreign key the referenced column's
    # type): the Alembic environment then does not compare its type (env.py's compare_type).
    raw_unreflected: bool = False
    # base.py's NAMING_CONVENTION as (key, template) pairs, and the comment above it (lines)
    naming: tuple[tuple[str, str], ...] = PG_NAMING
    naming_note: tuple[str, ...] = PG_NAMING_NOTE


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
    module: str  # module name under models/ (and schemas/, repositories/): Layout places it
    key: str  # unit-of-work attribute (the graph's uow_keys)
    columns: tuple[ColumnPlan, ...]
    relationships: tuple[RelationshipPlan, ...]
    mapped: bool  # False for tables without a primary key: exposed as a Core Table
    table_var: str = ""  # name of the Core Table object of an unmapped table

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


# What the per-entity module of each kind is called inside a feature package (feature layout).
_FEATURE_FILES = {"models": "models", "schemas": "schemas", "repositories": "repository"}


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each entity's code lives: the one place the package's layout is decided.

    ``layer`` (the default): ``<package>/<kind>/<module>.py`` for kind models, schemas and
    repositories. ``feature``: ``<package>/<feature>/{models,schemas,repository}.py``, where
    ``features`` maps each entity module to its feature (several entities may share one)."""

    package: str
    features: Mapping[str, str] | None = None  # entity module -> feature; None: layer layout

    @property
    def name(self) -> str:
        return "layer" if self.features is None else "feature"

    def module_of(self, kind: str, module: str) -> str:
        """The dotted module that holds ``kind`` ("models", "schemas" or "repositories") of
        the entity whose module name is ``module``."""
        if self.features is None:
            return f"{self.package}.{kind}.{module}"
        return f"{self.package}.{self.features[module]}.{_FEATURE_FILES[kind]}"

    def path_of(self, kind: str, module: str) -> str:
        """``module_of`` as a path relative to the output directory."""
        return self.module_of(kind, module).replace(".", "/") + ".py"

    def feature_packages(self) -> dict[str, tuple[str, ...]]:
        """feature -> the entity modules in it, both sorted (empty for the layer layout)."""
        out: dict[str, list[str]] = {}
        for module, feature in (self.features or {}).items():
            out.setdefault(feature, []).append(module)
        return {f: tuple(sorted(out[f])) for f in sorted(out)}


def plan_layout(
    package: str, name: str, modules: Mapping[QName, str], spec: BoundSpec | None
) -> Layout:
    """The layout ``name`` ("layer" or "feature") of a package whose tables have these entity
    modules. A feature is crud.yaml's ``feature:`` of the entity, else the entity's module; a
    default one that is a module of the package itself (a table called ``errors``) gains an
    underscore (``errors_``)."""
    if name == "layer":
        return Layout(package)
    explicit = {e.qname: e.feature for e in spec.entities if e.feature} if spec else {}
    taken = set(explicit.values()) | set(modules.values())
    features: dict[str, str] = {}
    for qname, module in modules.items():
        feature = explicit.get(qname)
        if feature is None:
            feature = module
            while feature in PACKAGE_MODULES or (feature != module and feature in taken):
                feature += "_"
        features[module] = feature
    return Layout(package, features)


@dataclass(frozen=True, slots=True)
class ProjectPlan:
    package: str
    catalog: Catalog
    enums: tuple[EnumPlan, ...]
    entities: tuple[EntityPlan, ...]
    type_context: TypeContext
    layout: Layout  # where each entity's code lives
    spec: BoundSpec | None = None  # the bound crud.yaml (None when building models only)
    # How the dialect spells what the models say (dialects.base.Dialect.models).
    models: ModelDialect = ModelDialect()
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


def plan_enums(graph: SchemaGraph) -> tuple[EnumPlan, ...]:
    return tuple(
        EnumPlan(e.qname, graph.enum_classes[e.qname], _members(e)) for e in graph.catalog.enums
    )


def _members(e: EnumType) -> tuple[tuple[str, str], ...]:
    taken: set[str] = set()
    out = []
    for label in e.labels:
        member = naming.enum_member(label, taken=frozenset(taken))
        taken.add(member)
        out.append((member, label))
    return tuple(out)


def plan_project(
    graph: SchemaGraph,
    package: str,
    spec: BoundSpec | None = None,
    map_type: TypeMapper = map_type,
    layout: str = "layer",
    models: ModelDialect | None = None,
) -> ProjectPlan:
    catalog = graph.catalog
    enums = plan_enums(graph)
    ctx = TypeContext(
        package=package,
        enum_classes={e.qname: e.class_name for e in enums},
        domain_bases={d.qname: d.base for d in catalog.domains},
    )
    domains = {d.qname: d for d in catalog.domains}
    classes = graph.class_names(spec.class_names if spec else None)
    relationships = plan_relationships(graph, classes)
    entities = tuple(
        EntityPlan(
            table=t,
            class_name=classes[t.qname],
            module=graph.modules[t.qname],
            key=graph.uow_keys[t.qname],
            columns=_plan_columns(t, graph.attributes[t.qname], ctx, map_type, domains),
            relationships=relationships.get(t.qname, ()),
            mapped=graph.is_mapped(t.qname),
            table_var=graph.table_vars.get(t.qname, ""),
        )
        for t in catalog.tables
        if t.partition_of is None  # partitions are reached through their parent
    )
    modules = {e.qname: e.module for e in entities}
    return ProjectPlan(
        package,
        catalog,
        enums,
        entities,
        ctx,
        plan_layout(package, layout, modules, spec),
        spec,
        models=models or ModelDialect(),
    )


def _plan_columns(
    t: Table,
    attributes: Mapping[str, str],
    ctx: TypeContext,
    map_type: TypeMapper,
    domains: Mapping[QName, Domain],
) -> tuple[ColumnPlan, ...]:
    pk = set(t.primary_key.columns) if t.primary_key else set()
    single_fk = {fk.columns[0]: fk for fk in t.foreign_keys if len(fk.columns) == 1}
    out: list[ColumnPlan] = []
    for c in t.columns:
        # A column of a NOT NULL domain (not an array of it) holds no NULL, as the database
        # reports it; a domain's DEFAULT fills it when omitted.
        domain = (
            domains.get(c.type.ref)
            if c.type.kind is TypeKind.DOMAIN and c.type.ref and not c.type.array_dims
            else None
        )
        out.append(
            ColumnPlan(
                column=c,
                attr=attributes[c.name],
                type=map_type(c.type, ctx),
                primary_key=c.name in pk,
                nullable=c.nullable and c.name not in pk and (domain is None or domain.nullable),
                server_generated=bool(
                    c.default or c.identity or c.generated or (domain and domain.has_default)
                ),
                foreign_key=single_fk.get(c.name),
            )
        )
    return tuple(out)
