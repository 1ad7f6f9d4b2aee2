"""What ``<package>/queries.py`` holds: a frozen row class per query that returns rows, a
prebuilt ``sa.text()`` statement with typed bind parameters and result columns, and a method on
``Queries`` (async) and ``SyncQueries`` (sync), which the unit of work exposes as
``uow.queries``.

Every name and type is decided here; templates/queries.py.j2 loops and prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from dbgen.core import QUERY_DIR
from dbgen.graph.naming import attribute_name, pascal
from dbgen.layout.imports import Import
from dbgen.plan.models import ProjectPlan
from dbgen.plan.pyexpr import pystr
from dbgen.plan.typemap import TypeRef, map_type
from dbgen.spec.queries import QuerySpec
from dbgen.sqltype import text_for_sqlalchemy

# Locals and parameters of the generated methods: a query parameter of that name gets a "_".
_METHOD_NAMES = frozenset({"self", "rows", "row", "batch_size"})
STREAM_BATCH = 1000


@dataclass(frozen=True, slots=True)
class FieldView:
    attr: str
    annotation: str


@dataclass(frozen=True, slots=True)
class ParamView:
    arg: str  # the Python keyword argument
    bind: str  # the SQL parameter name
    annotation: str
    optional: bool  # may be None: defaults to None


@dataclass(frozen=True, slots=True)
class QueryView:
    name: str
    kind: str  # one, many, stream, exec, rows
    doc: str
    const: str  # the module constant holding the statement
    statement: str  # ``_statement(...)``, one source line (laid out by the template)
    row: str | None  # the row class (None for exec and rows)
    fields: tuple[FieldView, ...]
    params: tuple[ParamView, ...]

    @property
    def signature(self) -> list[str]:
        out = ["self"]
        if self.params or self.kind == "stream":
            out.append("*")
        out += [f"{p.arg}: {p.annotation}" for p in self.params if not p.optional]
        out += [f"{p.arg}: {p.annotation} = None" for p in self.params if p.optional]
        if self.kind == "stream":
            out.append(f"batch_size: int = {STREAM_BATCH}")
        return out

    @property
    def args(self) -> str:
        return "{" + ", ".join(f"{pystr(p.bind)}: {p.arg}" for p in self.params) + "}"

    def returns(self, async_: bool) -> str:
        row = self.row or ""
        return {
            "one": f"{row} | None",
            "many": f"list[{row}]",
            "stream": f"{'AsyncIterator' if async_ else 'Iterator'}[{row}]",
            "exec": "None",
            "rows": "int",
        }[self.kind]


@dataclass(frozen=True, slots=True)
class QueriesView:
    queries: tuple[QueryView, ...]
    imports: frozenset[Import]
    kinds: frozenset[str]
    files: tuple[str, ...]  # the query files, for the module docstring


def _source(path: str) -> str:
    """A query file as the spec directory names it (``queries/reports.sql``), whatever the
    working directory: generated text does not depend on where the build ran."""
    return f"{QUERY_DIR}/{PurePath(path).name}"


def plan_queries(plan: ProjectPlan, queries: Sequence[QuerySpec]) -> QueriesView | None:
    if not queries:
        return None
    ctx = plan.type_context
    imports: set[Import] = set()
    enum_classes = set(ctx.enum_classes.values())
    taken_classes = set(enum_classes) | {"Queries", "SyncQueries"}
    views: list[QueryView] = []

    def typed(ref: TypeRef) -> str:
        imports.update(ref.imports)
        return ref.expr

    for q in queries:
        row: str | None = None
        fields: list[FieldView] = []
        columns: list[str] = []
        if q.kind not in ("exec", "rows"):
            row = pascal(q.name) + "Row"
            while row in taken_classes:
                row += "_"
            taken_classes.add(row)
            used: set[str] = set()
            for c in q.typed.columns:
                mapped = map_type(c.type, ctx)
                attr = attribute_name(c.name, taken=frozenset(used))
                used.add(attr)
                py = typed(mapped.python)
                fields.append(FieldView(attr, f"{py} | None" if c.nullable else py))
                columns.append(f"sa.column({pystr(c.name)}, {typed(mapped.sqlalchemy)})")
        params: list[ParamView] = []
        binds: list[str] = []
        used_args: set[str] = set(_METHOD_NAMES)
        for p in q.typed.params:
            mapped = map_type(p.type, ctx)
            arg = attribute_name(p.name, taken=frozenset(used_args))
            used_args.add(arg)
            py = typed(mapped.python)
            params.append(ParamView(arg, p.name, f"{py} | None" if p.nullable else py, p.nullable))
            binds.append(f"{pystr(p.name)}: {typed(mapped.sqlalchemy)}")
        const = "_" + q.name.upper()
        sql = pystr(text_for_sqlalchemy(q.sql))
        params_dict = "{" + ", ".join(binds) + "}"
        if row is None:
            statement = f"_statement({sql}, {params_dict})"
        else:
            trailing = "," if len(columns) == 1 else ""
            statement = f"_select({sql}, {params_dict}, ({', '.join(columns)}{trailing}))"
        doc = q.doc or f"The query {q.name} ({_source(q.span.file)}:{q.span.line})."
        views.append(
            QueryView(q.name, q.kind, doc, const, statement, row, tuple(fields), tuple(params))
        )
    return QueriesView(
        tuple(views),
        frozenset(imports),
        frozenset(q.kind for q in queries),
        tuple(sorted({_source(q.span.file) for q in queries})),
    )


def queries_imports(package: str, view: QueriesView) -> frozenset[Import]:
    """Every import queries.py may use (layout/imports.py keeps those it reads)."""
    return view.imports | {
        ("dataclasses", "dataclass"),
        ("collections.abc", "AsyncIterator"),
        ("collections.abc", "Iterator"),
        ("typing", "Any"),
        ("sqlalchemy", None),
        (f"{package}.repositories._named", "AsyncQueriesBase"),
        (f"{package}.repositories._named", "SyncQueriesBase"),
        (f"{package}.repositories._operation", "operation"),
    }
