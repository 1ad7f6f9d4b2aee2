"""A generated module's imports, computed from the names its body uses.

A template writes ``IMPORTS`` where the import block goes and uses whatever names it needs; the
view hands over the imports the file *may* need (``Import`` pairs: everything its namespace can
offer, whether used or not). ``with_imports`` parses the rendered module, collects the names it
reads that nothing in it binds, and writes exactly the imports that provide them: no unused
import, and a name nothing provides is a dbgen bug reported here rather than a ``NameError`` in
the user's package. Lines are grouped and sorted the way ruff's isort rules expect.
"""

from __future__ import annotations

import _symtable
import builtins
import sys
from _symtable import DEF_IMPORT, DEF_LOCAL, DEF_PARAM, FREE, SCOPE_MASK, SCOPE_OFF, USE
from collections.abc import Iterable
from typing import Any

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
    for name in sorted(free_names(path, text)):
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
    imports: Iterable[Import], package: str, *, line_length: int | None = None, depth: int = 0
) -> tuple[list[str], list[str], list[str]]:
    """(stdlib, third-party, first-party) import lines, sorted the way ruff's isort expects.

    A ``from`` line longer than isort's 88 columns is exploded with a trailing comma (black and
    isort both keep that); with ``line_length``, lines are instead wrapped the way black wraps
    them at that length (the models' layout). ``depth``: the lines' indentation (an ``if
    TYPE_CHECKING:`` block), counted in the 88 columns.
    """
    pad = "    " * depth
    groups: dict[str, list[tuple[str, str]]] = {"std": [], "third": [], "first": []}
    froms: dict[str, set[str]] = {}
    for module, name in imports:
        if name is None:
            alias = _ALIASES.get(module)
            text = f"{pad}import {module}" + (f" as {alias}" if alias else "")
            groups[_group(module, package)].append((f"0{module}", text))
        else:
            froms.setdefault(module, set()).add(name)
    for module, names in froms.items():
        # isort's force-sort-within-sections is off: "import x" lines come before "from x".
        ordered = sorted(names, key=_name_key)
        if line_length is not None:
            line = pad + import_from(module, ordered, depth, line_length)
        else:
            line = f"{pad}from {module} import {', '.join(ordered)}"
            if len(line) > _ISORT_LINE_LENGTH:
                line = (
                    f"{pad}from {module} import (\n"
                    + "".join(f"{pad}    {n},\n" for n in ordered)
                    + f"{pad})"
                )
        groups[_group(module, package)].append((f"1{module}", line))
    std, third, first = ([t for _, t in sorted(groups[g])] for g in ("std", "third", "first"))
    return std, third, first


def _name_key(name: str) -> tuple[int, str, str]:
    # ruff sorts CONSTANTS, then Classes, then functions (order-by-type), each case-insensitively
    # (UpdatedAtMixin before UUIDPrimaryKeyMixin).
    if name.isupper() and len(name) > 1:
        return (0, name.lower(), name)
    if name[:1].isupper():
        return (1, name.lower(), name)
    return (2, name.lower(), name)


def _group(module: str, package: str) -> str:
    root = module.split(".")[0]
    if root in sys.stdlib_module_names:
        return "std"
    return "first" if root == package else "third"


# -- which names a module reads that nothing in it binds ------------------------------------

_FUTURE = "from __future__ import annotations\n"


def free_names(path: str, text: str) -> set[str]:
    """Names read somewhere in the module that no scope around the read binds, builtins aside.

    Python's own symbol tables decide (module, class, function, lambda and comprehension
    scopes, a class's names unseen by its methods). Annotations count as reads: the symbol
    table only records them when they are evaluated, so it is built without the module's
    ``from __future__ import annotations`` (the line stays, blank, so positions hold).
    """
    # The C tables behind the symtable module: each name's flags, without a Symbol object per
    # name (which costs more than building the tables).
    top: Any = _symtable.symtable(text.replace(_FUTURE, "\n", 1), path, "exec")
    bound = {name for name, flags in top.symbols.items() if flags & (DEF_LOCAL | DEF_IMPORT)}
    read: set[str] = set()
    tables = [top]
    while tables:
        table = tables.pop()
        tables.extend(table.children)
        for name, flags in table.symbols.items():
            # Read here, not bound here, and not a closure's variable of an enclosing function.
            if (
                flags & USE
                and not flags & (DEF_LOCAL | DEF_IMPORT | DEF_PARAM)
                and (flags >> SCOPE_OFF) & SCOPE_MASK != FREE
            ):
                read.add(name)
    return read - bound - _BUILTINS
