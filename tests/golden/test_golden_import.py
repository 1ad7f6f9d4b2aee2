"""Every golden tree's package imports, with its schemas and repositories, and its mappers
configure: the goldens are compared as text, and text can read well and still not run (a
schema annotation naming its class before the class exists, say)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
import sqlalchemy.orm

from support import import_generated

CASES = Path(__file__).parent / "cases"
TREES = sorted(
    p / "expected" for p in CASES.iterdir() if (p / "expected" / "dbgen-manifest.txt").is_file()
)


def _package(tree: Path) -> str:
    (init,) = [p for p in tree.glob("*/__init__.py")]
    return init.parent.name


@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.parent.name)
def test_the_golden_package_imports(tree: Path) -> None:
    name = _package(tree)
    with import_generated(tree, name) as pkg:
        for m in pkgutil.walk_packages(pkg.__path__, name + "."):
            if ".migrations" not in m.name:
                importlib.import_module(m.name)
        sqlalchemy.orm.configure_mappers()
        uow = importlib.import_module(name + ".uow")
        assert uow.UnitOfWork and uow.SyncUnitOfWork
