"""Render the CRUD layer: schemas/, repositories/, uow.py, and the runtime (render/runtime.py).

``render_crud(plan, env)`` is what the core calls. All decisions live in plan/crud.py.

The templates write black's layout directly, so the build does not run black on these files (on
a 500-table schema black over the CRUD layer cost ~200 s of CPU). Their fixed lines are written
as black formats them at the default line length; the lines whose length depends on names go
through plan/pretty.py (``lay``/``item``/``sig`` below). A file where pretty.py meets syntax it
cannot lay out exactly like black, or any file at another line length, is left out of
``preformatted`` and goes through black as before. The tests hold black to that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jinja2

from dbgen.plan.crud import RepoView, SortColumnView, plan_crud
from dbgen.plan.models import ProjectPlan
from dbgen.plan.pretty import INDENT, Unsupported, item, layout
from dbgen.plan.pyexpr import pystr
from dbgen.render.package import Rendered
from dbgen.render.runtime import render_runtime

# The fixed templates name the package in a few lines; short names keep those under 100 columns.
_MAX_STATIC_PACKAGE = 30
_DEFAULT_LINE_LENGTH = 100


class _Layout:
    """Layout helpers for one file; records whether everything stayed within pretty.py's subset."""

    def __init__(self, line_length: int) -> None:
        self.line_length = line_length
        self.exact = line_length == _DEFAULT_LINE_LENGTH

    def _checked(self, text: str, depth: int) -> str:
        # pretty.py leaves a line it cannot split as it is, where black might still wrap it in
        # parentheses (a long annotation, say): a line left too long goes to black instead.
        if len(INDENT) * depth + len(text.split("\n", 1)[0]) > self.line_length or any(
            len(line) > self.line_length for line in text.split("\n")[1:]
        ):
            self.exact = False
        return text

    def lay(self, source: str, depth: int) -> str:
        try:
            return layout(source, depth, self.line_length)
        except Unsupported:
            self.exact = False
            return source

    def field(self, source: str, depth: int) -> str:
        """An annotated class attribute (a schema field): black may wrap a long annotation."""
        return self._checked(self.lay(source, depth), depth)

    def item(self, source: str, depth: int) -> str:
        try:
            return item(source, depth, self.line_length)
        except Unsupported:
            self.exact = False
            return source + ","

    def sig(self, head: str, params: Sequence[str], returns: str, depth: int) -> str:
        """``def`` with its parameters on one line if it fits, else one per line with a trailing
        comma (black keeps that exploded: the "magic trailing comma")."""
        one = f"{head}({', '.join(params)}) -> {returns}:"
        if len(INDENT) * depth + len(one) <= self.line_length:
            return one
        inner = INDENT * (depth + 1)
        lines = [
            f"{head}(",
            *(inner + p + "," for p in params),
            INDENT * depth + f") -> {returns}:",
        ]
        if any(len(line) > self.line_length for line in lines[1:]):
            # black would split a parameter that is still too long (at its subscript, say).
            self.exact = False
        return "\n".join(lines)

    def assign(self, target: str, value: str, depth: int) -> str:
        """``target = value`` for a flat value; black wraps a value whose line does not fit in
        parentheses of its own when ``target = value(`` would not fit either."""
        one = f"{target} = {value}"
        if len(INDENT) * depth + len(one) <= self.line_length:
            return one
        head = f"{target} = {value[: value.index('(') + 1]}" if "(" in value else one
        if (
            len(INDENT) * depth + len(head) > self.line_length
            and len(INDENT) * (depth + 1) + len(value) <= self.line_length
        ):
            return f"{target} = (\n{INDENT * (depth + 1)}{value}\n{INDENT * depth})"
        return self.lay(one, depth)

    def annotate(self, name: str, annotation: str, depth: int) -> str:
        """``name: annotation``; black puts an annotation that does not fit in parentheses."""
        one = f"{name}: {annotation}"
        if len(INDENT) * depth + len(one) <= self.line_length:
            return one
        if (
            len(INDENT) * (depth + 1) + len(annotation) > self.line_length
            or not annotation.isidentifier()
        ):
            self.exact = False
        return f"{name}: (\n{INDENT * (depth + 1)}{annotation}\n{INDENT * depth})"

    def class_head(self, name: str, base: str) -> str:
        """``class name(base):``; black moves a base that does not fit onto its own line."""
        one = f"class {name}({base}):"
        if len(one) <= self.line_length:
            return one
        if len(INDENT) + len(base) > self.line_length:
            self.exact = False  # black would split inside the base's subscript
        return f"class {name}(\n{INDENT}{base}\n):"

    def literal(self, alias: str, members: Sequence[str]) -> str:
        """``Alias = Literal[...]``: one line, or one member per line with a trailing comma."""
        one = f"{alias} = Literal[{', '.join(members)}]"
        if len(one) <= self.line_length:
            return one
        if len(members) < 2:
            self.exact = False  # a one-element subscript's trailing comma is not magic
            return one
        return "\n".join([f"{alias} = Literal[", *(f"{INDENT}{m}," for m in members), "]"])

    def context(self) -> dict[str, Callable[..., str]]:
        return {
            "lay": self.lay,
            "item": self.item,
            "sig": self.sig,
            "literal": self.literal,
            "class_head": self.class_head,
            "assign": self.assign,
            "annotate": self.annotate,
            "field": self.field,
            "info_block": lambda r: _info_block(r, self),
            "tup": _tuple,
        }


def render_crud(plan: ProjectPlan, env: jinja2.Environment, line_length: int = 100) -> Rendered:
    crud = plan_crud(plan)
    pkg = crud.package
    files: dict[str, str] = {}
    preformatted: set[str] = set()

    def render(path: str, template: str, static: bool = False, **context: object) -> None:
        fmt = _Layout(line_length)
        text = env.get_template(template).render(package=pkg, **fmt.context(), **context)
        # Files built from macros end in the macro's own newline plus the template's.
        files[path] = text.rstrip("\n") + "\n"
        if fmt.exact and not (static and len(pkg) > _MAX_STATIC_PACKAGE):
            preformatted.add(path)

    runtime = render_runtime(pkg, env, line_length)
    files.update(runtime.files)
    preformatted |= runtime.preformatted
    render(f"{pkg}/uow.py", "uow.py.j2", static=True, u=crud.uow)
    render(f"{pkg}/schemas/__init__.py", "schemas/__init__.py.j2")
    render(f"{pkg}/repositories/__init__.py", "repositories/__init__.py.j2")
    for schema in crud.schemas:
        render(schema.path, "schemas/schema.py.j2", s=schema)
    for repo in crud.repos:
        render(repo.path, "repositories/repository.py.j2", r=repo)
    return Rendered(files, frozenset(preformatted))


def _sort_call(c: SortColumnView) -> str:
    return f"_sort({pystr(c.key)}, {c.column}, {c.nullable}, {c.kind})"


def _tuple(items: Sequence[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _info_block(r: RepoView, fmt: _Layout) -> str:
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
