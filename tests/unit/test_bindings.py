"""graph/bindings.py is the one list of names the generated files bind and the builtins they use
(the conflict checks of naming, schema_graph and the spec read it). Every generated file of the
golden trees is parsed here: a module-level name or a builtin a template starts using without
adding it to bindings.py fails this test, so the checks can never fall behind the templates."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

from dbgen.graph.bindings import BUILTINS_USED, DERIVED_CLASS_NAMES, MODULE_NAMES, FileKind

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "cases"
TREES = [
    *sorted(p / "expected" for p in GOLDEN.iterdir() if (p / "expected" / "alembic.ini").is_file()),
    GOLDEN.parents[2] / "generated",  # the demo
]
_BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("_"))


def _kind(rel: str) -> FileKind | None:
    """The kind of a generated file, by its path inside the package (runtime copies: None)."""
    parts = rel.split("/")[1:]
    fixed = {
        ("base.py",): FileKind.BASE,
        ("types.py",): FileKind.TYPES,
        ("enums.py",): FileKind.ENUMS,
        ("uow.py",): FileKind.UOW,
        ("models", "__init__.py"): FileKind.MODELS_INIT,
        ("migrations", "env.py"): FileKind.MIGRATION_ENV,
    }
    if tuple(parts) in fixed:
        return fixed[tuple(parts)]
    if len(parts) == 2 and not parts[1].startswith("_") and parts[1] != "__init__.py":
        layer = {
            "models": FileKind.MODEL,
            "schemas": FileKind.SCHEMA,
            "repositories": FileKind.REPOSITORY,
        }.get(parts[0])
        # The feature layout: <package>/<feature>/{models,schemas,repository}.py
        feature = {
            "models.py": FileKind.MODEL,
            "schemas.py": FileKind.SCHEMA,
            "repository.py": FileKind.REPOSITORY,
        }.get(parts[1])
        return layer or feature
    return None


def _derived(tree: Path) -> set[str]:
    """Names made from the schema: every class the models, schemas, enums and repositories
    define, their Core table variables, the Literal aliases and what DERIVED_CLASS_NAMES makes."""
    out: set[str] = set()
    for path in tree.rglob("*.py"):
        rel = path.relative_to(tree).as_posix()
        if _kind(rel) in (FileKind.MODEL, FileKind.SCHEMA, FileKind.REPOSITORY, FileKind.ENUMS):
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.ClassDef):
                    out.add(node.name)
                elif isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    out |= {
                        t.id
                        for t in targets
                        if isinstance(t, ast.Name)
                        and (t.id.endswith("_table") or t.id.endswith(("OrderKey", "Relation")))
                    }
    bases = {
        n
        for n in out
        if not any(
            n.endswith(p.replace("{}", "")) and n != p.replace("{}", "")
            for p in DERIVED_CLASS_NAMES
        )
    }
    out |= {p.format(b) for b in bases for p in DERIVED_CLASS_NAMES}
    return out


def _module_bindings(module: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import | ast.ImportFrom) and _top_level(module, node):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
    for node in module.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _top_level(module: ast.Module, node: ast.AST) -> bool:
    """An import at module level, or under a module-level ``if TYPE_CHECKING:``."""
    for stmt in module.body:
        if stmt is node:
            return True
        if isinstance(stmt, ast.If) and any(s is node for s in stmt.body):
            return True
    return False


def _builtins_used(module: ast.Module) -> set[str]:
    """Builtins the file reads and never binds itself (at any level)."""
    loads: set[str] = set()
    stores: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else stores).add(node.id)
        elif isinstance(node, ast.arg):
            stores.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stores.add(node.name)
        elif isinstance(node, ast.alias):
            stores.add((node.asname or node.name).split(".")[0])
    return (loads & _BUILTINS) - stores


@pytest.mark.parametrize(
    "tree", TREES, ids=lambda p: p.parent.name if p.name == "expected" else p.name
)
def test_every_generated_name_is_listed_in_bindings(tree: Path) -> None:
    derived = _derived(tree) | {p.parent.name for p in tree.glob("*/__init__.py")}  # the package
    problems: list[str] = []
    for path in sorted(tree.rglob("*.py")):
        rel = path.relative_to(tree).as_posix()
        kind = _kind(rel)
        if kind is None:
            continue
        module = ast.parse(path.read_text())
        bound = _module_bindings(module)
        unlisted = {n for n in bound - derived - MODULE_NAMES[kind] if not n.startswith("_")}
        if unlisted:
            problems.append(f"{rel}: binds {sorted(unlisted)}, not in MODULE_NAMES[{kind.name}]")
        builtins_unlisted = _builtins_used(module) - BUILTINS_USED[kind]
        if builtins_unlisted:
            problems.append(
                f"{rel}: uses {sorted(builtins_unlisted)}, not in BUILTINS_USED[{kind.name}]"
            )
    assert not problems, "\n".join(problems)
