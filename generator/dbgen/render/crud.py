"""Render the CRUD layer: schemas/, repositories/, uow.py, and the runtime (render/runtime.py).

``render_crud(plan, env)`` is what the core calls. All decisions live in plan/crud.py.

The templates write the final layout: their fixed lines as black formats them, the lines whose
length depends on names through the file's ``layout.Printer`` (``lay``/``item``/``sig``...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import partial
from typing import TypeVar

import jinja2

from dbgen.dialects.base import DriverFacts
from dbgen.dialects.postgresql import POSTGRESQL
from dbgen.layout.imports import IMPORTS, Import, import_lines, with_imports
from dbgen.layout.printer import Printer
from dbgen.layout.statement import INDENT, import_from
from dbgen.plan.crud import RepoView, SortColumnView, plan_crud
from dbgen.plan.crud_schemas import SchemaModule
from dbgen.plan.models import ProjectPlan
from dbgen.plan.pyexpr import pystr
from dbgen.plan.queries import plan_queries, queries_imports
from dbgen.render.package import Rendered
from dbgen.render.runtime import render_runtime
from dbgen.spec.queries import QuerySpec


def render_crud(
    plan: ProjectPlan,
    env: jinja2.Environment,
    line_length: int = 100,
    *,
    driver: DriverFacts = POSTGRESQL.driver,
    queries: Sequence[QuerySpec] = (),
) -> Rendered:
    crud = plan_crud(plan)
    pkg = crud.package
    named = plan_queries(plan, queries)
    files: dict[str, str] = {}

    def render(
        path: str, template: str, offered: frozenset[Import] | None = None, **context: object
    ) -> None:
        fmt = Printer(line_length)
        helpers = {**fmt.context(), "info_block": lambda r: _info_block(r, fmt), "tup": _tuple}
        text = env.get_template(template).render(package=pkg, imports=IMPORTS, **helpers, **context)
        if offered is not None:
            text = with_imports(path, text, offered, pkg)
        # Files built from macros end in the macro's own newline plus the template's.
        files[path] = text.rstrip("\n") + "\n"

    runtime = render_runtime(pkg, env, driver.runtime)
    files.update(runtime.files)
    uow = crud.uow
    if named is not None:
        render(f"{pkg}/queries.py", "queries.py.j2", queries_imports(pkg, named), q=named)
        uow = dataclasses.replace(
            uow,
            queries=True,
            imports=uow.imports
            | {(f"{pkg}.queries", "Queries"), (f"{pkg}.queries", "SyncQueries")},
        )
    render(
        f"{pkg}/uow.py",
        "uow.py.j2",
        uow.imports,
        u=uow,
        type_imports=_type_checking_block(uow.type_imports, pkg),
    )
    schema_names = [(s.path, name) for s in crud.schemas for name in _schema_names(s)]
    repo_names = [
        (r.path, f"{prefix}{r.entity}Repository") for r in crud.repos for prefix in ("", "Sync")
    ]
    for kind, doc, names in (
        ("schemas", "Pydantic schemas: the module of each entity of crud.yaml.", schema_names),
        (
            "repositories",
            "Repositories: an async and a sync class for each entity of crud.yaml.",
            repo_names,
        ),
    ):
        files[f"{pkg}/{kind}/__init__.py"] = _facade(
            env, pkg, kind, doc, names, Printer(line_length), line_length
        )
    # One file per entity in the layer layout; a feature's file holds all of its entities.
    for path, group in _by_path(crud.schemas).items():
        schema = group[0] if len(group) == 1 else _merged_schemas(path, group)
        render(path, "schemas/schema.py.j2", schema.imports, s=schema)
    for path, repos in _by_path(crud.repos).items():
        fmt = Printer(line_length)
        helpers = {**fmt.context(), "info_block": partial(_info_block, fmt=fmt), "tup": _tuple}
        entity = env.get_template("repositories/_entity.py.j2")
        bodies = [
            entity.render(package=pkg, r=r, N=r.ns, n=r.ns.lower(), first=i == 0, **helpers).rstrip(
                "\n"
            )
            for i, r in enumerate(repos)
        ]
        doc = repos[0].doc if len(repos) == 1 else _feature_doc("Repositories", repos)
        render(
            path,
            "repositories/repository.py.j2",
            frozenset().union(*(r.imports for r in repos)),
            doc=doc,
            bodies="\n\n\n".join(bodies),
        )
    return Rendered(files)


_Placed = TypeVar("_Placed", SchemaModule, RepoView)


def _by_path(items: Sequence[_Placed]) -> dict[str, list[_Placed]]:
    out: dict[str, list[_Placed]] = {}
    for item in items:
        out.setdefault(item.path, []).append(item)
    return out


def _feature_doc(what: str, items: Sequence[SchemaModule | RepoView]) -> str:
    return f"{what} for {', '.join(i.table_sql for i in items)}."


def _merged_schemas(path: str, group: Sequence[SchemaModule]) -> SchemaModule:
    """The schemas of several entities in one module (a feature's schemas.py)."""
    return SchemaModule(
        path=path,
        doc=_feature_doc("Pydantic schemas", group),
        table_sql=", ".join(s.table_sql for s in group),
        imports=frozenset().union(*(s.imports for s in group)),
        literals=tuple(lit for s in group for lit in s.literals),
        classes=tuple(c for s in group for c in s.classes),
        filter_class=None,
        constants=tuple(c for s in group for c in s.constants),
    )


def _sort_call(c: SortColumnView) -> str:
    return f"_sort({pystr(c.key)}, {c.column}, {c.nullable}, {c.kind})"


def _tuple(items: Sequence[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _info_block(r: RepoView, fmt: Printer) -> str:
    """``_INFO = EntityInfo(...)``, one keyword per line (black keeps a call it had to split
    exploded when the arguments carry a trailing comma)."""
    lines = [f"_{r.ns}INFO = EntityInfo("]

    def kw(name: str, value: str) -> None:
        lines.append(INDENT + fmt.item(f"{name}={value}", 1))

    def seq(name: str, items: Sequence[str]) -> None:
        if len(items) < 2:
            kw(name, _tuple(items) if items else "()")
            return
        lines.append(f"{INDENT}{name}=(")
        lines.extend(INDENT * 2 + fmt.item(i, 2) for i in items)
        lines.append(INDENT + "),")

    def mapping(name: str, items: Sequence[str]) -> None:
        if not items:
            kw(name, "{}")
            return
        lines.append(f"{INDENT}{name}={{")
        lines.extend(INDENT * 2 + fmt.item(i, 2) for i in items)
        lines.append(INDENT + "},")

    kw("entity", pystr(r.entity))
    kw("scope", pystr(r.scope))
    kw("table", f"_{r.ns}T")
    seq("pk", [_sort_call(c) for c in r.pk_sort])
    seq("tie_break", [_sort_call(c) for c in r.tie_break])
    mapping("filters", [f"{pystr(n)}: ({col}, {pystr(op)})" for n, col, op in r.filters])
    mapping("sort", [f"{pystr(c.key)}: {_sort_call(c)}" for c in r.sort])
    mapping("order_columns", [f"{pystr(c.key)}: {_sort_call(c)}" for c in r.order_columns])
    seq("default_order", [f"({pystr(k)}, {d})" for k, d in r.default_order])
    seq("search", list(r.search))
    kw("alive", r.alive or "None")
    mapping("loads", [f"{pystr(n)}: {_tuple(opts) if opts else '()'}" for n, opts in r.loads])
    if r.relations:
        mapping("relations", [f"{pystr(n)}: {_tuple(items)}" for n, items in r.relations])
    kw("max_page_size", str(r.max_page_size))
    kw("offset", str(r.offset))
    kw("cursor", str(r.cursor))
    mapping("columns", [f"{pystr(a)}: {col}" for a, col in r.columns])
    if not r.mapped and r.needs_page:
        kw("read", r.model)  # the shared _page validates rows into the Read schema
    if r.list_finders:
        mapping("finders", [f"{pystr(f.method)}: {_tuple(f.clauses)}" for f in r.list_finders])
    lines.append(")")
    return "\n".join(lines)


def _schema_names(s: SchemaModule) -> list[str]:
    return [alias for alias, _ in s.literals if not alias.startswith("_")] + [
        c.name for c in s.classes
    ]


def _facade(
    env: jinja2.Environment,
    pkg: str,
    kind: str,
    doc: str,
    names: Sequence[tuple[str, str]],
    fmt: Printer,
    line_length: int,
) -> str:
    """``<package>/<kind>/__init__.py``: every schema (or repository) class by name, each
    imported from its module on first use (a feature's repository module imports
    ``repositories._base``, so an eager import here would be circular)."""
    by_module: dict[str, list[str]] = {}
    for path, name in names:
        by_module.setdefault(path.removesuffix(".py").replace("/", "."), []).append(name)
    where = {name: module for module, ns in by_module.items() for name in ns}
    return env.get_template("package/facade.py.j2").render(
        doc=doc,
        example=f"{pkg}.{kind}",
        type_checking_lines=[
            import_from(m, sorted(by_module[m]), 1, line_length) for m in sorted(by_module)
        ],
        module_lines=[fmt.item(f"{pystr(n)}: {pystr(where[n])}", 1) for n in sorted(where)],
        names=sorted(where),
    )


def _type_checking_block(imports: frozenset[Import], package: str) -> str:
    """``if TYPE_CHECKING:`` with ``imports`` inside it, after a blank line; "" for none."""
    if not imports:
        return ""
    groups = import_lines(imports, package, depth=1)
    return "\nif TYPE_CHECKING:\n" + "\n\n".join("\n".join(g) for g in groups if g) + "\n"
