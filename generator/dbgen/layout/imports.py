"""A generated module's imports, computed from the names its body uses.

A template writes ``IMPORTS`` where the import block goes and uses whatever names it needs; the
view hands over the imports the file *may* need (``Import`` pairs: everything its namespace can
offer, whether used or not). ``with_imports`` parses the rendered module, collects the names it
reads that nothing in it binds, and writes exactly the imports that provide them: no unused
import, and a name nothing provides is a dbgen bug reported here rather than a ``NameError`` in
the user's package. Lines are grouped and sorted the way ruff's isort rules expect.
"""

from __future__ import annotations

import ast
import builtins
import sys
from collections.abc import Iterable, Iterator

from dbgen.layout.statement import import_from

# (module, name): ``from module import name``, or ``import module`` when name is None.
Import = tuple[str, str | None]

# Where the import block goes: a comment, so the module parses before the block is known.
IMPORTS = "#<dbgen:imports>"

# Modules imported under a conventional alias.
_ALIASES = {"sqlalchemy": "sa"}
_BUILTINS = frozenset(dir(builtins))
# ruff's isort wraps at its default line length unless configured otherwise.
_ISORT_LINE_LENGTH = 88


class UnresolvedName(Exception):
    """The module reads a name that no import on offer provides (a dbgen bug)."""


def bound_name(imp: Import) -> str:
    """The name an import binds: ``Any`` for ``from typing import Any``, ``sa`` for sqlalchemy."""
    module, name = imp
    if name is not None:
        return name
    return _ALIASES.get(module, module.split(".")[0])


def with_imports(
    path: str,
    text: str,
    offered: Iterable[Import],
    package: str,
    *,
    line_length: int | None = None,
) -> str:
    """``text`` with its ``IMPORTS`` line replaced by the imports its body uses (``line_length``:
    see ``import_lines``)."""
    block = import_block(needed_imports(path, text, offered), package, line_length=line_length)
    return text.replace(IMPORTS, block, 1)


def needed_imports(path: str, text: str, offered: Iterable[Import]) -> set[Import]:
    by_name: dict[str, set[Import]] = {}
    for imp in offered:
        by_name.setdefault(bound_name(imp), set()).add(imp)
    chosen: set[Import] = set()
    for name in sorted(free_names(ast.parse(text, path))):
        options = by_name.get(name, set())
        if len(options) != 1:
            what = "nothing provides it" if not options else f"several imports bind it: {options}"
            raise UnresolvedName(f"{path}: the generated code reads {name!r} but {what}")
        chosen |= options
    return chosen


def import_block(imports: Iterable[Import], package: str, *, line_length: int | None = None) -> str:
    """The stdlib, third-party and first-party groups, a blank line between them."""
    groups = import_lines(imports, package, line_length=line_length)
    return "\n\n".join("\n".join(group) for group in groups if group)


def import_lines(
    imports: Iterable[Import], package: str, *, line_length: int | None = None
) -> tuple[list[str], list[str], list[str]]:
    """(stdlib, third-party, first-party) import lines, sorted the way ruff's isort expects.

    A ``from`` line longer than isort's 88 columns is exploded with a trailing comma (black and
    isort both keep that); with ``line_length``, lines are instead wrapped the way black wraps
    them at that length (the models' layout).
    """
    groups: dict[str, list[tuple[str, str]]] = {"std": [], "third": [], "first": []}
    froms: dict[str, set[str]] = {}
    for module, name in imports:
        if name is None:
            alias = _ALIASES.get(module)
            text = f"import {module}" + (f" as {alias}" if alias else "")
            groups[_group(module, package)].append((f"0{module}", text))
        else:
            froms.setdefault(module, set()).add(name)
    for module, names in froms.items():
        # isort's force-sort-within-sections is off: "import x" lines come before "from x".
        ordered = sorted(names, key=_name_key)
        if line_length is not None:
            line = import_from(module, ordered, 0, line_length)
        else:
            line = f"from {module} import {', '.join(ordered)}"
            if len(line) > _ISORT_LINE_LENGTH:
                line = f"from {module} import (\n" + "".join(f"    {n},\n" for n in ordered) + ")"
        groups[_group(module, package)].append((f"1{module}", line))
    std, third, first = ([t for _, t in sorted(groups[g])] for g in ("std", "third", "first"))
    return std, third, first


def _name_key(name: str) -> tuple[int, str]:
    # ruff sorts CONSTANTS, then Classes, then functions (order-by-type).
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def _group(module: str, package: str) -> str:
    root = module.split(".")[0]
    if root in sys.stdlib_module_names:
        return "std"
    return "first" if root == package else "third"


# -- which names a module reads that nothing in it binds ------------------------------------

_Function = ast.FunctionDef | ast.AsyncFunctionDef
_Comprehension = ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp


def free_names(tree: ast.Module) -> set[str]:
    """Names read somewhere in the module that no scope around the read binds, builtins aside.

    Python's scoping for what generated code uses: module, class (not seen by its methods),
    function (parameters and every name bound in its body), lambda and comprehension scopes;
    decorators, defaults and annotations are read in the enclosing scope.
    """
    free: set[str] = set()
    visible = _bound_in(tree.body)
    for node in tree.body:
        _reads(node, visible, free)
    return free - _BUILTINS


def _reads(node: ast.AST, visible: frozenset[str], free: set[str]) -> None:
    if isinstance(node, ast.Name):
        if isinstance(node.ctx, ast.Load) and node.id not in visible:
            free.add(node.id)
    elif isinstance(node, _Function):
        _function(node, visible, visible, free)
    elif isinstance(node, ast.ClassDef):
        for outer in (*node.decorator_list, *node.bases, *node.keywords):
            _reads(outer, visible, free)
        inside = visible | _bound_in(node.body)
        for stmt in node.body:
            if isinstance(stmt, _Function):
                # A method's head is read in the class scope, its body does not see it.
                _function(stmt, inside, visible, free)
            else:
                _reads(stmt, inside, free)
    elif isinstance(node, ast.Lambda):
        for default in _defaults(node.args):
            _reads(default, visible, free)
        _reads(node.body, visible | _parameters(node.args), free)
    elif isinstance(node, _Comprehension):
        targets = frozenset(
            n.id for gen in node.generators for n in ast.walk(gen.target) if isinstance(n, ast.Name)
        )
        for child in ast.iter_child_nodes(node):
            _reads(child, visible | targets, free)
    else:
        for child in ast.iter_child_nodes(node):
            _reads(child, visible, free)


def _function(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    head: frozenset[str],
    outer: frozenset[str],
    free: set[str],
) -> None:
    for expr in (*node.decorator_list, *_defaults(node.args), *_annotations(node)):
        _reads(expr, head, free)
    inside = outer | _parameters(node.args) | _bound_in(node.body)
    for stmt in node.body:
        _reads(stmt, inside, free)


def _all_args(args: ast.arguments) -> Iterator[ast.arg]:
    yield from (*args.posonlyargs, *args.args, *args.kwonlyargs)
    if args.vararg is not None:
        yield args.vararg
    if args.kwarg is not None:
        yield args.kwarg


def _parameters(args: ast.arguments) -> frozenset[str]:
    return frozenset(a.arg for a in _all_args(args))


def _defaults(args: ast.arguments) -> list[ast.expr]:
    return [*args.defaults, *(d for d in args.kw_defaults if d is not None)]


def _annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    found = [a.annotation for a in _all_args(node.args) if a.annotation is not None]
    return found + ([node.returns] if node.returns is not None else [])


def _bound_in(body: list[ast.stmt]) -> frozenset[str]:
    """Names the statements bind in their own scope (not inside nested functions or classes)."""
    bound: set[str] = set()
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                bound.add(node.id)
            continue
        if isinstance(node, _Function | ast.ClassDef):
            bound.add(node.name)
            continue
        if isinstance(node, ast.Lambda | _Comprehension):
            continue
        if isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        stack.extend(ast.iter_child_nodes(node))
    return frozenset(bound)
