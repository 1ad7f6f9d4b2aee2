"""Import lines for generated modules, sorted the way ruff's isort rules expect."""

from __future__ import annotations

from collections.abc import Iterable

from dbgen.plan.typemap import Import

# Modules imported under a conventional alias.
_ALIASES = {"sqlalchemy": "sa"}
_STDLIB = frozenset(
    {
        "collections.abc",
        "dataclasses",
        "datetime",
        "decimal",
        "enum",
        "functools",
        "os",
        "types",
        "typing",
        "uuid",
    }
)


def _name_key(name: str) -> tuple[int, str]:
    # isort's order-by-type, as ruff applies it: CONSTANTS, then Classes, then functions.
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name


def _line(module: str, names: list[str]) -> str:
    return f"from {module} import {', '.join(sorted(set(names), key=_name_key))}"


def import_lines(imports: Iterable[Import], package: str) -> tuple[list[str], list[str], list[str]]:
    """(stdlib, third-party, first-party) import lines."""
    plain: set[str] = set()
    froms: dict[str, list[str]] = {}
    for module, name in imports:
        if name is None:
            plain.add(module)
        else:
            froms.setdefault(module, []).append(name)
    groups: dict[str, list[tuple[str, str]]] = {"std": [], "third": [], "first": []}

    def group(module: str) -> str:
        root = module.split(".")[0]
        if module in _STDLIB or root in _STDLIB:
            return "std"
        return "first" if root == package else "third"

    for module in plain:
        alias = _ALIASES.get(module)
        text = f"import {module}" + (f" as {alias}" if alias else "")
        groups[group(module)].append((f"0{module}", text))
    for module, names in froms.items():
        groups[group(module)].append((f"1{module}", _line(module, names)))
    std, third, first = ([text for _, text in sorted(groups[g])] for g in ("std", "third", "first"))
    return std, third, first
