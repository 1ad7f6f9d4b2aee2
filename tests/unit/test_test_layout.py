"""The suite's own layout: pytest imports test modules by their file name (rootdir-relative
"prepend" mode), so two test files of one name outside a package cannot both be collected, and
the whole run stops at collection (as tests/verify/test_verify.py and tests/sqlite's once did)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SKIPPED = {"cases", "expected", "__pycache__"}


def _module_name(path: Path) -> str:
    """The name pytest imports ``path`` under: its file name, prefixed by the packages
    (directories with __init__.py) it sits in."""
    parts = [path.stem]
    parent = path.parent
    while (parent / "__init__.py").exists():
        parts.insert(0, parent.name)
        parent = parent.parent
    return ".".join(parts)


def test_every_test_module_has_a_name_of_its_own() -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        if SKIPPED & set(path.relative_to(TESTS).parts) or any(
            part.startswith(".") for part in path.parts
        ):
            continue
        by_name[_module_name(path)].append(str(path.relative_to(TESTS)))
    clashes = {name: paths for name, paths in by_name.items() if len(paths) > 1}
    assert not clashes, clashes
