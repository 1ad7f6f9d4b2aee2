"""The MySQL corpus (../shared/corpus-mysql, 8 real-world schemas): each one scaffolds, builds
with ``dialect = "mysql"``, imports and configures its mappers, and its initial revision
rebuilds the schema on MariaDB so that ../shared/tools/mysql-roundtrip reports nothing missing
or extra, and its downgrade leaves nothing behind.

The corpus and the tool are found through ``$DBGEN_SHARED_DIR`` (skip without them, fail under
CI=true), the server as in support/mariadb.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dbgen.core import Inputs, generate
from dbgen.dialects import get_dialect
from dbgen.graph import build_graph
from dbgen.scaffold import scaffold
from support import REPO_ROOT, require_shared
from support.mariadb import require_mariadb

pytestmark = pytest.mark.corpus

SCHEMAS = [
    "chinook",
    "employees",
    "friendica",
    "guacamole",
    "kanboard",
    "powerdns",
    "roundcube",
    "sakila",
]

_IMPORT_ALL = """
import importlib, pkgutil, sys, warnings
warnings.simplefilter("error")
import sqlalchemy.orm
pkg = importlib.import_module(sys.argv[1])
names = [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
         if ".migrations" not in m.name]
for name in names:
    importlib.import_module(name)
sqlalchemy.orm.configure_mappers()
print(len(names))
"""


def build(schema: Path, out: Path, package: str) -> Path:
    """Scaffold and build ``schema`` as the mysql dialect into ``out``; the initial revision."""
    sources = ((schema.name, schema.read_text(encoding="utf-8")),)
    catalog, diags = get_dialect("mysql").read_schema(sources)
    assert not [d for d in diags if d.is_error], "\n".join(map(str, diags))
    crud = scaffold(build_graph(catalog), package, [schema.name])
    result = generate(Inputs(sources, ("crud.yaml", crud)), dialect="mysql")
    assert result.ok, "\n".join(str(d) for d in result.diagnostics if d.is_error)
    for rel, text in result.files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (initial,) = (out / package / "migrations" / "versions").glob("*_initial.py")
    return initial


@pytest.mark.parametrize("name", SCHEMAS)
def test_mysql_corpus_schema(name: str, tmp_path: Path) -> None:
    check_schema(require_shared(f"corpus-mysql/{name}/schema.sql"), tmp_path, f"{name}_db")


def test_mysql_feature_case(tmp_path: Path) -> None:
    """Our own schema with what the corpus lacks: generated columns, SPATIAL, CHECK (column and
    table, named and not), partitions (inline and by ALTER), INVISIBLE, ON UPDATE without a
    default, prefix and DESC keys, index comments, unnamed keys added later, a MEMORY table, a
    trigger in version comments, a function and a procedure in DELIMITER blocks, views over
    views."""
    check_schema(CASES / "features.sql", tmp_path, "features_db")


CASES = Path(__file__).parent / "cases"


def check_schema(schema: Path, tmp_path: Path, package: str) -> None:
    roundtrip = require_shared("tools/mysql-roundtrip")
    server = require_mariadb()
    initial = build(schema, tmp_path, package)

    imported = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, package],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert imported.returncode == 0, imported.stderr[-4000:]

    runner = [sys.executable, "-m", "support.mysql_migrate"]
    proc = subprocess.run(
        [
            sys.executable,
            str(roundtrip),
            "--downgrade",
            " ".join([*runner, "downgrade", str(initial)]),
            str(schema),
            "--",
            *runner,
            "upgrade",
            str(initial),
        ],
        cwd=REPO_ROOT / "tests",
        env=server.env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert proc.returncode == 0 and " 0 missing, 0 extra" in last and "FAILED" not in last, (
        f"{last}\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    )
