"""Render the CRUD layer: schemas/, repositories/, uow.py, and the runtime (render/runtime.py).

``render_crud(plan, env)`` is what the core calls. All decisions live in plan/crud.py.

The templates write the final layout: their fixed lines as black formats them, the lines whose
length depends on names through the file's ``layout.Printer`` (``lay``/``item``/``sig``...).
"""

from __future__ import annotations

from collections.abc import Sequence

import jinja2

from dbgen.dialects.base import DriverFacts
from dbgen.dialects.postgresql import POSTGRESQL
from dbgen.layout.imports import IMPORTS, Import, with_imports
from dbgen.layout.printer import Printer
from dbgen.layout.statement import INDENT
from dbgen.plan.crud import RepoView, SortColumnView, plan_crud
from dbgen.plan.models import ProjectPlan
from dbgen.plan.pyexpr import pystr
from dbgen.render.package import Rendered
from dbgen.render.runtime import render_runtime


def render_crud(
    plan: ProjectPlan,
    env: jinja2.Environment,
    line_length: int = 100,
    *,
    driver: DriverFacts = POSTGRESQL.driver,
) -> Rendered:
    crud = plan_crud(plan)
    pkg = crud.package
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
    render(f"{pkg}/uow.py", "uow.py.j2", crud.uow.imports, u=crud.uow)
    render(f"{pkg}/schemas/__init__.py", "schemas/__init__.py.j2")
    render(f"{pkg}/repositories/__init__.py", "repositories/__init__.py.j2")
    for schema in crud.schemas:
        render(schema.path, "schemas/schema.py.j2", schema.imports, s=schema)
    for repo in crud.repos:
        render(repo.path, "repositories/repository.py.j2", repo.imports, r=repo)
    return Rendered(files)


def _sort_call(c: SortColumnView) -> str:
    return f"_sort({pystr(c.key)}, {c.column}, {c.nullable}, {c.kind})"


def _tuple(items: Sequence[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _info_block(r: RepoView, fmt: Printer) -> str:
    """``_INFO = EntityInfo(...)``, one keyword per line (black keeps a call it had to split
    exploded when the arguments carry a trailing comma)."""
    lines = ["_INFO = EntityInfo("]

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
    kw("table", "_T")
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
