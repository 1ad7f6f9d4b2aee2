"""View objects for the CRUD layer: repositories/, uow.py; schemas/ through plan/crud_schemas.py.

Every decision about the generated CRUD code is made here or in crud_schemas.py (which fields
each schema has and how they are typed): which operations and finders each repository defines, which statements the
module pre-builds, which loader options each relation name maps to. The templates only loop and
print. Class names, attribute names and relationships come from the model plan (plan/models.py)
and are never re-derived.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from dbgen.graph.bindings import FINDER_PARAMETERS_RESERVED
from dbgen.graph.relations import RelationKind
from dbgen.ir import QName
from dbgen.plan.crud_schemas import (
    SchemaModule,
    column_attr,
    insertable,
    nested_name,
    schema_module,
)
from dbgen.plan.models import ColumnPlan, EntityPlan, ProjectPlan
from dbgen.plan.pyexpr import pystr
from dbgen.plan.typemap import Import
from dbgen.spec.model import BoundEntity, BoundSpec, BoundTransaction, Operation
from dbgen.spec.types import is_orderable, resolve, soft_delete_kind

# The schema classes a repository module may name (schemas/<module>.py defines them).
_SCHEMA_KINDS = ("Create", "Update", "Filter", "OrderKey", "Relation", "Read")

# Python annotation -> what a decoded cursor value must be an instance of.
_CURSOR_KINDS = {
    "int": "int",
    "str": "str",
    "float": "(int, float)",
    "bool": "bool",
    "bytes": "bytes",
    "datetime.datetime": "datetime.datetime",
    "datetime.date": "datetime.date",
    "datetime.time": "datetime.time",
    "datetime.timedelta": "datetime.timedelta",
    "decimal.Decimal": "decimal.Decimal",
    "uuid.UUID": "uuid.UUID",
}


@dataclass(frozen=True, slots=True)
class SortColumnView:
    key: str
    column: str  # expression of the Core column
    nullable: bool
    kind: str  # isinstance target for a decoded cursor value


@dataclass(frozen=True, slots=True)
class FinderView:
    method: str
    unique: bool
    params: tuple[tuple[str, str], ...]  # (parameter name, annotation)
    clauses: tuple[str, ...]  # expressions comparing the column to the parameter
    exists: str | None = None  # the exists_by_... method, when the finder asks for one


@dataclass(frozen=True, slots=True)
class RepoView:
    # The prefix of the module's constants and helpers (``_T``, ``_INFO``, ``_insert_values``):
    # "" alone in its file, ``TASKS_`` where a feature's repository.py holds several entities.
    ns: str
    path: str
    doc: str
    table_sql: str  # the table, as SQL names it (a feature's docstring lists its tables)
    entity: str  # class name, used in errors and messages
    mapped: bool  # False: a Core table (no primary key); rows come back as the Read schema
    core_reads: bool  # a Core repository that returns rows (and so defines _read)
    model: str  # what rows come back as: the mapped class, or <Class>Read for a Core table
    table: str  # expression of the Core Table (`cast(sa.Table, X.__table__)` or `x_table`)
    key_type: str  # annotation of a primary key value
    composite: bool
    pk_columns: tuple[str, ...]  # Core column expressions
    pk_attrs: tuple[str, ...]
    pk_sort: tuple[SortColumnView, ...]
    tie_break: tuple[SortColumnView, ...]  # appended to every order to make it total
    needs_page: bool  # list or a non-unique finder: the shared _page method
    needs_insert: bool  # _insert (create, or the root of a transaction)
    needs_insert_many: bool  # _insert_many (bulk_create, or a child of a transaction)
    needs_values: bool  # _values: Create schema -> insert values
    ops: frozenset[str]
    # Every import the module may use; layout/imports.py keeps those its body reads.
    imports: frozenset[Import]
    create_schema: str
    update_schema: str
    filter_schema: str
    order_alias: str
    relation_alias: str | None
    scope: str  # cursor scope
    filters: tuple[tuple[str, str, str], ...]  # (field, column expr, operator)
    sort: tuple[SortColumnView, ...]  # allowed keys
    order_columns: tuple[SortColumnView, ...]  # every column the order may use (sort+default+pk)
    default_order: tuple[tuple[str, bool], ...]
    search: tuple[str, ...]
    alive: str | None  # clause that keeps live rows
    soft_delete: tuple[str, str] | None  # (Core column expression, stamp expression)
    version: str | None  # attribute of the version column
    version_col: str | None  # its Core column expression
    touch: tuple[str, ...]  # attributes every update sets to now()
    columns: tuple[tuple[str, str], ...]  # (attribute, Core column expression), every column
    renamed: tuple[tuple[str, str], ...]  # (attribute, column key) where they differ
    loads: tuple[tuple[str, tuple[str, ...]], ...]  # relation name -> loader option expressions
    # relation name -> (attribute, criterion on the target or "None"): the fast path's loads
    relations: tuple[tuple[str, tuple[str, ...]], ...]
    max_page_size: int
    offset: bool
    cursor: bool
    create_drop_none: tuple[str, ...]  # NOT NULL server-default attrs: None means "use default"
    upsert_on: tuple[str, ...]  # attributes of the conflict target
    upsert_undelete: bool
    insert_chunk_cols: int  # columns a bulk insert binds per row at most
    finders: tuple[FinderView, ...]
    refresh: str | None = None  # a materialized view's name, as SQL writes it: refresh()

    @property
    def list_finders(self) -> tuple[FinderView, ...]:
        return tuple(f for f in self.finders if not f.unique)


@dataclass(frozen=True, slots=True)
class TxChild:
    param: str
    nested_schema: str
    repo_attr: str  # unit-of-work attribute of the child repository
    fills: tuple[tuple[str, str], ...]  # (child attr, root attr)


@dataclass(frozen=True, slots=True)
class TxView:
    name: str
    doc: str
    root_schema: str
    root_model: str  # what the method returns: the root's class (or Read schema if unmapped)
    root_repo: str
    children: tuple[TxChild, ...]


@dataclass(frozen=True, slots=True)
class UowView:
    doc: str
    repos: tuple[tuple[str, str, str], ...]  # (attribute, repository module, class base name)
    transactions: tuple[TxView, ...]
    # Every import the module may use; layout/imports.py keeps those its body reads.
    imports: frozenset[Import]
    # The repository classes, imported under TYPE_CHECKING (for the attributes' annotations).
    type_imports: frozenset[Import] = frozenset()
    queries: bool = False  # the package has named queries: uow.queries (plan/queries.py)


@dataclass(frozen=True, slots=True)
class CrudPlan:
    package: str
    secret_env: str
    schemas: tuple[SchemaModule, ...]
    repos: tuple[RepoView, ...]
    uow: UowView
    modules: tuple[str, ...] = field(default=())


def _kind(c: ColumnPlan, plan: ProjectPlan) -> tuple[str, set[Import]]:
    py = c.type.python.expr
    if py in _CURSOR_KINDS:
        kind = _CURSOR_KINDS[py]
        mod = kind.split(".")[0]
        return kind, ({(mod, None)} if "." in kind else set())
    if py in plan.type_context.enum_classes.values():
        return "str", set()  # enums travel as their label
    return "object", set()


def _col(ent: EntityPlan, c: ColumnPlan, ns: str) -> str:
    """The Core column of ``c``, by its key in the Table: the SQL name for a mapped class (the
    attribute may differ, e.g. ``uuid_`` for ``uuid``), the attribute for a Core table (which
    declares ``key=``). Subscripted, so a column called ``keys`` cannot hit a method. ``ns``:
    the prefix of the module's constants (``_T`` is ``_TASKS_T`` in a file of several)."""
    return f"_{ns}T.c[{pystr(c.name if ent.mapped else c.attr)}]"


def _sort_view(
    ent: EntityPlan, c: ColumnPlan, plan: ProjectPlan, imports: set[Import], ns: str
) -> SortColumnView:
    kind, imps = _kind(c, plan)
    imports |= imps
    return SortColumnView(c.attr, _col(ent, c, ns), c.nullable, kind)


_BULK = frozenset({Operation.BULK_CREATE, Operation.BULK_UPDATE, Operation.BULK_DELETE})


def _repo(
    plan: ProjectPlan,
    spec: BoundSpec,
    ent: EntityPlan,
    b: BoundEntity,
    *,
    tx_root: bool,
    tx_child: bool,
    ns: str = "",
) -> RepoView:
    pkg = plan.package
    cls = ent.class_name
    imports: set[Import] = {
        ("sqlalchemy", None),
        ("typing", "Any"),
        (f"{pkg}.repositories._base", "AsyncRepository"),
        (f"{pkg}.repositories._base", "SyncRepository"),
        (f"{pkg}.repositories._base", "EntityInfo"),
        (f"{pkg}.repositories._base", "SortColumn"),
    }
    if ent.mapped:
        imports |= {("typing", "cast"), (plan.layout.module_of("models", ent.module), cls)}
        model, table = cls, f"cast(sa.Table, {cls}.__table__)"
    else:
        # No primary key, no mapped class: Core statements on the Table, rows validated into
        # the Read schema (a typed, immutable-by-convention value instead of a bare Row).
        imports.add((plan.layout.module_of("models", ent.module), ent.table_var))
        model, table = f"{cls}Read", ent.table_var
    pk = ent.pk_columns
    for c in pk:
        imports |= c.type.python.imports
    if not pk:
        key_type = "None"  # never used: every operation that takes a key needs a primary key
    elif len(pk) == 1:
        key_type = pk[0].type.python.expr
    else:
        key_type = "tuple[" + ", ".join(c.type.python.expr for c in pk) + "]"

    filters = tuple(
        (f"{column_attr(ent, f.column)}__{op}", _col(ent, ent.column(f.column), ns), op)
        for f in b.filters
        for op in f.operators
    )
    sort = tuple(_sort_view(ent, ent.column(s), plan, imports, ns) for s in b.sort)
    order_cols: dict[str, SortColumnView] = {s.key: s for s in sort}
    for sk in b.default_sort:
        c = ent.column(sk.column)
        order_cols.setdefault(c.attr, _sort_view(ent, c, plan, imports, ns))
    tie_cols = _tie_break(plan, ent, b)
    for c in tie_cols:
        order_cols.setdefault(c.attr, _sort_view(ent, c, plan, imports, ns))
    default_order = tuple(
        (column_attr(ent, sk.column), sk.descending) for sk in b.default_sort
    ) or tuple((c.attr, False) for c in tie_cols)

    alive: str | None = None
    soft: tuple[str, str] | None = None
    if b.soft_delete is not None:
        sc = ent.column(b.soft_delete)
        kind = soft_delete_kind(resolve(sc.column.type, plan.catalog))
        if kind == "boolean":
            alive, soft = f"{_col(ent, sc, ns)}.is_not(True)", (_col(ent, sc, ns), "sa.true()")
        else:
            alive, soft = f"{_col(ent, sc, ns)}.is_(None)", (_col(ent, sc, ns), "sa.func.now()")

    loads: list[tuple[str, tuple[str, ...]]] = []
    relations: list[tuple[str, tuple[str, ...]]] = []
    for r in b.relations:
        options: list[str] = []
        fast: list[str] = []  # (attribute, criterion on the target) for the driver's fast path
        for rel in ent.relationships:
            if rel.target != r.target or (r.attrs and rel.attr not in r.attrs):
                continue
            target_spec = spec.entity(rel.target)
            target_ent = plan.entity(rel.target)
            attr = f"{cls}.{rel.attr}"
            criterion = "None"
            if target_spec is not None and target_spec.soft_delete is not None:
                # Soft-deleted rows stay hidden when reached through a relationship too.
                sd = target_ent.column(target_spec.soft_delete)
                kind = soft_delete_kind(resolve(sd.column.type, plan.catalog))
                test = "is_not(True)" if kind == "boolean" else "is_(None)"
                if target_ent.class_name != cls:
                    imports.add(
                        (plan.layout.module_of("models", target_ent.module), target_ent.class_name)
                    )
                criterion = f"{target_ent.class_name}.{sd.attr}.{test}"
                attr = f"{attr}.and_({criterion})"
            fast.append(f"({pystr(rel.attr)}, {criterion})")
            if rel.uselist:
                options.append(f"selectinload({attr})")
                imports.add(("sqlalchemy.orm", "selectinload"))
                continue
            # A scalar relation joins into the same statement: one round trip, no IN list of
            # keys to render per call, and the row count cannot grow. INNER only where the key
            # is NOT NULL and no soft-delete criterion may hide the target (an outer join keeps
            # the row with the relation None, as a separate load would).
            inner = (
                rel.kind is RelationKind.MANY_TO_ONE
                and rel.foreign_key is not None
                and attr == f"{cls}.{rel.attr}"
                and all(not ent.column(c).nullable for c in rel.foreign_key.columns)
            )
            options.append(
                f"joinedload({attr}, innerjoin=True)" if inner else f"joinedload({attr})"
            )
            imports.add(("sqlalchemy.orm", "joinedload"))
        loads.append((r.name, tuple(options)))
        relations.append((r.name, tuple(fast)))

    finders: list[FinderView] = []
    for f in b.finders:
        cols = [ent.column(c) for c in f.columns]
        for c in cols:
            imports |= c.type.python.imports
        method = ("get_by_" if f.unique else "list_by_") + "_".join(c.attr for c in cols)
        names = [_finder_parameter(c.attr) for c in cols]
        finders.append(
            FinderView(
                method,
                f.unique,
                tuple((n, c.type.python.expr) for n, c in zip(names, cols, strict=True)),
                tuple(
                    f'matches({_col(ent, c, ns)}, "x_{n}")'
                    for n, c in zip(names, cols, strict=True)
                ),
                "exists_by_" + "_".join(c.attr for c in cols) if f.exists else None,
            )
        )

    create_drop_none = tuple(
        c.attr
        for c in ent.columns
        if not c.nullable and c.server_generated and insertable(c.column)
    )
    n_insert = sum(1 for c in ent.columns if insertable(c.column))
    ops = set(b.operations)
    needs_page = Operation.LIST in ops or any(not f.unique for f in finders)
    needs_insert = Operation.CREATE in ops or tx_root
    needs_insert_many = Operation.BULK_CREATE in ops or tx_child
    needs_values = needs_insert or needs_insert_many or Operation.UPSERT in ops
    # A Core repository turns rows into the Read schema wherever it returns any.
    core_reads = not ent.mapped and (
        needs_page or needs_insert or Operation.UPSERT in ops or any(f.unique for f in finders)
    )
    relation_alias = (
        f"{cls}Relation"
        if b.relations and (Operation.GET in ops or Operation.LIST in ops or finders)
        else None
    )

    base = f"{pkg}.repositories._base"
    schemas = plan.layout.module_of("schemas", ent.module)
    imports |= {
        ("collections.abc", "AsyncIterator"),
        ("collections.abc", "Iterator"),
        ("collections.abc", "Sequence"),
        ("pydantic", "BaseModel"),
        (f"{pkg}.pagination", "Page"),
        *((base, name) for name in ("Writes", "key_params", "matches", "operation", "row_map")),
        *((schemas, f"{cls}{kind}") for kind in _SCHEMA_KINDS),
    }
    pk_sort = tuple(_sort_view(ent, c, plan, imports, ns) for c in pk)
    tie_break = tuple(_sort_view(ent, c, plan, imports, ns) for c in tie_cols)
    return RepoView(
        ns=ns,
        path=plan.layout.path_of("repositories", ent.module),
        doc=f"Repositories for {ent.qname.sql}: {', '.join(b.operations) or 'no operations'}.",
        table_sql=ent.qname.sql,
        entity=cls,
        mapped=ent.mapped,
        core_reads=core_reads,
        model=model,
        table=table,
        key_type=key_type,
        composite=len(pk) > 1,
        pk_columns=tuple(_col(ent, c, ns) for c in pk),
        pk_attrs=tuple(c.attr for c in pk),
        columns=tuple((c.attr, _col(ent, c, ns)) for c in ent.columns),
        renamed=tuple((c.attr, c.name) for c in ent.columns if ent.mapped and c.attr != c.name),
        version_col=_col(ent, ent.column(b.version_column), ns) if b.version_column else None,
        touch=tuple(ent.column(c).attr for c in b.touch),
        pk_sort=pk_sort,
        tie_break=tie_break,
        needs_page=needs_page,
        needs_insert=needs_insert,
        needs_insert_many=needs_insert_many,
        needs_values=needs_values,
        ops=frozenset(b.operations),
        imports=frozenset(imports),
        create_schema=f"{cls}Create",
        update_schema=f"{cls}Update",
        filter_schema=f"{cls}Filter",
        order_alias=f"{cls}OrderKey",
        relation_alias=relation_alias,
        scope=f"{pkg}.{ent.key}",
        filters=filters,
        sort=sort,
        order_columns=tuple(order_cols.values()),
        default_order=default_order,
        search=tuple(_col(ent, ent.column(s), ns) for s in b.search),
        alive=alive,
        soft_delete=soft,
        version=column_attr(ent, b.version_column) if b.version_column else None,
        loads=tuple(loads),
        relations=tuple(relations),
        max_page_size=b.max_page_size,
        offset="offset" in b.pagination,
        cursor="cursor" in b.pagination,
        create_drop_none=create_drop_none,
        upsert_on=tuple(column_attr(ent, c) for c in b.upsert_on),
        upsert_undelete=soft is not None,
        insert_chunk_cols=max(1, n_insert),
        finders=tuple(finders),
        refresh=ent.qname.sql if ent.table.view == "materialized view" else None,
    )


def _tie_break(plan: ProjectPlan, ent: EntityPlan, b: BoundEntity) -> tuple[ColumnPlan, ...]:
    """The columns every order ends with. A key when the table has one (the bound spec found
    the PK or a unique NOT NULL key); otherwise every orderable column, which makes offset pages
    deterministic for all rows except exact duplicates (that differ in nothing one can sort
    by, so no caller can tell them apart either)."""
    if b.tie_break:
        return tuple(ent.column(c) for c in b.tie_break)
    return tuple(c for c in ent.columns if is_orderable(resolve(c.column.type, plan.catalog)))


# The longest module name a shared repository module's constants are prefixed with; a longer one
# would push the prefixed statements past the line length (``_<NS>VERSION = _<NS>T.c[...]``).
_MAX_NAMESPACE = 16


def _namespace(module: str, position: int) -> str:
    """The prefix of an entity's constants in a repository module it shares (feature layout):
    its module name (``TASKS_``: ``_TASKS_T``), or, for a long one, its position in the file
    (``2_``: ``_2_T``; no module name starts with a digit, so the two never meet)."""
    return f"{module.upper()}_" if len(module) <= _MAX_NAMESPACE else f"{position}_"


def _finder_parameter(attr: str) -> str:
    """A finder's parameter for a key column: its attribute, unless the method already binds
    that name (``limit``, ``params``, ``self``...: bindings.FINDER_PARAMETERS_RESERVED)."""
    while attr in FINDER_PARAMETERS_RESERVED:
        attr += "_"
    return attr


def _transaction(
    plan: ProjectPlan, tx: BoundTransaction, nested_names: dict[tuple[QName, QName], str]
) -> TxView:
    root = plan.entity(tx.root)
    children: list[TxChild] = []
    for ch in tx.children:
        child = plan.entity(ch.table)
        fills = tuple(
            (child.column(col).attr, root.column(ref).attr)
            for col, ref in zip(ch.fk.columns, ch.fk.ref_columns, strict=True)
        )
        children.append(
            TxChild(child.key, nested_names[(child.qname, root.qname)], child.key, fills)
        )
    return TxView(
        name=tx.name,
        doc=(
            f"Create a {root.class_name} and its {', '.join(c.param for c in children)} in one "
            "transaction (a savepoint): all rows are written or none."
            if children
            else f"Create a {root.class_name} in a transaction of its own (a savepoint)."
        ),
        root_schema=f"{root.class_name}Create",
        root_model=root.class_name if root.mapped else f"{root.class_name}Read",
        root_repo=root.key,
        children=tuple(children),
    )


def plan_crud(plan: ProjectPlan) -> CrudPlan:
    spec = plan.spec
    if spec is None:
        raise ValueError("plan_crud needs a project plan built with the bound crud spec")
    pkg = plan.package
    # Nested create schemas, one per (child, root) pair the transactions use.
    nested: dict[QName, list[tuple[str, EntityPlan]]] = {}
    nested_names: dict[tuple[QName, QName], str] = {}
    for tx in spec.transactions:
        root = plan.entity(tx.root)
        for ch in tx.children:
            child = plan.entity(ch.table)
            if (child.qname, root.qname) in nested_names:
                continue
            name = nested_name(child, root, clash=child.qname in nested)
            nested_names[(child.qname, root.qname)] = name
            nested.setdefault(child.qname, []).append((name, root))

    schemas: list[SchemaModule] = []
    repos: list[RepoView] = []
    per_file = Counter(
        plan.layout.path_of("repositories", plan.entity(b.qname).module) for b in spec.entities
    )
    placed: Counter[str] = Counter()
    for b in spec.entities:
        ent = plan.entity(b.qname)
        path = plan.layout.path_of("repositories", ent.module)
        placed[path] += 1
        ns = _namespace(ent.module, placed[path]) if per_file[path] > 1 else ""
        schemas.append(schema_module(plan, ent, b, nested.get(ent.qname, [])))
        repos.append(
            _repo(
                plan,
                spec,
                ent,
                b,
                tx_root=any(tx.root == b.qname for tx in spec.transactions),
                tx_child=any(ch.table == b.qname for tx in spec.transactions for ch in tx.children),
                ns=ns,
            )
        )

    uow_imports: set[Import] = {
        ("functools", None),
        ("collections.abc", "AsyncIterator"),
        ("collections.abc", "Awaitable"),
        ("collections.abc", "Callable"),
        ("collections.abc", "Coroutine"),
        ("collections.abc", "Iterator"),
        ("typing", "Any"),
        ("typing", "Concatenate"),
        ("typing", "ParamSpec"),
        ("typing", "TypeVar"),
        ("sqlalchemy.ext.asyncio", "AsyncSession"),
        ("sqlalchemy.orm", "Session"),
        (f"{pkg}._uow", "AsyncUnitOfWorkBase"),
        (f"{pkg}._uow", "SyncUnitOfWorkBase"),
        (f"{pkg}._uow", "run_async"),
        (f"{pkg}._uow", "run_sync"),
    }
    repo_refs: list[tuple[str, str, str]] = []
    type_only: set[Import] = set()
    if spec.entities:
        uow_imports |= {("typing", "TYPE_CHECKING"), (f"{pkg}._uow", "repository")}
    for b in spec.entities:
        ent = plan.entity(b.qname)
        # Named by the attributes' annotations only: the module is imported at first use.
        module = plan.layout.module_of("repositories", ent.module)
        type_only.add((module, f"{ent.class_name}Repository"))
        type_only.add((module, f"Sync{ent.class_name}Repository"))
        repo_refs.append((ent.key, module, ent.class_name))
    txs = tuple(_transaction(plan, tx, nested_names) for tx in spec.transactions)
    for tx in spec.transactions:
        root = plan.entity(tx.root)
        uow_imports.add(("collections.abc", "Sequence"))
        if root.mapped:
            uow_imports.add((plan.layout.module_of("models", root.module), root.class_name))
        else:
            uow_imports.add(
                (plan.layout.module_of("schemas", root.module), f"{root.class_name}Read")
            )
        uow_imports.add((plan.layout.module_of("schemas", root.module), f"{root.class_name}Create"))
        for ch in tx.children:
            child = plan.entity(ch.table)
            uow_imports.add(
                (
                    plan.layout.module_of("schemas", child.module),
                    nested_names[(child.qname, root.qname)],
                )
            )
    uow = UowView(
        doc=f"Units of work for {pkg}: one session, every repository, commit or roll back.",
        repos=tuple(repo_refs),
        transactions=txs,
        imports=frozenset(uow_imports),
        type_imports=frozenset(type_only),
    )
    return CrudPlan(
        package=pkg,
        secret_env=f"{pkg.upper()}_CURSOR_SECRET",
        schemas=tuple(schemas),
        repos=tuple(repos),
        uow=uow,
    )
