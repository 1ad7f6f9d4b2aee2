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


_COLLECTOR = """
import gc, json, sys
sys.path.insert(0, sys.argv[1])
frozen_before = sys.argv[3] == "frozen"
if frozen_before:
    gc.freeze()  # an application that froze its objects itself (a pre-fork server)
if sys.argv[4] == "off":
    gc.disable()
before = gc.get_freeze_count()
import importlib
importlib.import_module(sys.argv[2] + ".models")
print(json.dumps({
    "enabled": gc.isenabled(),
    "frozen_before": before,
    "frozen_after": gc.get_freeze_count(),
    "young": len(gc.get_objects(0)) + len(gc.get_objects(1)),
    "old": len(gc.get_objects(2)),
}))
"""


@pytest.mark.parametrize(("frozen", "collector"), [("no", "on"), ("no", "off"), ("frozen", "on")])
def test_the_models_leave_the_collector_as_they_found_it(frozen: str, collector: str) -> None:
    """models/__init__ pauses the collector for the import and, unless the application froze
    objects itself, moves what the pause built to the oldest generation without walking it
    (freeze, unfreeze): nothing is left frozen, the young generations do not start out holding
    the whole import, and the collector is on or off as before."""
    import json
    import subprocess
    import sys

    tree = CASES / "realworld" / "expected"
    name = _package(tree)
    out = subprocess.run(
        [sys.executable, "-c", _COLLECTOR, str(tree), name, frozen, collector],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    got = json.loads(out)
    assert got["enabled"] is (collector == "on")
    if frozen == "no":
        assert got["frozen_before"] == got["frozen_after"] == 0, got
        assert got["young"] < 2_000 < got["old"], got
    else:
        # The application's frozen objects stay frozen (fewer only by those freed since), and
        # the import's objects are left where the pause put them.
        assert got["frozen_after"] > got["frozen_before"] // 2 > 0, got
        assert got["young"] > 2_000, got
