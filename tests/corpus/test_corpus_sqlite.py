"""The real-world SQLite corpus (../shared/corpus-sqlite): every schema scaffolds, builds,
imports and configures its mappers, and its initial revision rebuilds it exactly in an empty
SQLite file (../shared/tools/sqlite-roundtrip: nothing missing, nothing extra), with the
downgrade leaving nothing behind; `alembic check` on a file at head finds nothing to do.

Found through ``$DBGEN_SHARED_DIR`` (default ``../shared``); absent, the tests skip with that
reason, and under ``CI=true`` they fail instead. No server is needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dbgen.diagnostics import Severity
from dbgen.graph import build_graph
from dbgen.sqlite import read_schema
from support import require_shared
from support.sqlite_roundtrip import run

pytestmark = pytest.mark.corpus

SCHEMAS = ["chinook", "powerdns", "roundcube", "sakila", "synapse", "syncthing"]

# Per schema, what the reader must find (the README's catalog counts): tables, and the
# statements the migration replays (tables, indexes, views, triggers, virtual tables).
COUNTS = {
    "chinook": (11, 22),
    "powerdns": (7, 18),
    "roundcube": (18, 36),
    "sakila": (16, 75),
    "synapse": (134, 285),
    "syncthing": (12, 21),
}


def test_the_list_is_the_corpus() -> None:
    root = require_shared("corpus-sqlite")
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == sorted(SCHEMAS)


@pytest.mark.parametrize("name", SCHEMAS)
def test_reader_models_the_whole_schema(name: str) -> None:
    path = require_shared(f"corpus-sqlite/{name}/schema.sql")
    catalog, diags = read_schema([(str(path), path.read_text(encoding="utf-8"))])
    assert not [d for d in diags if d.severity is not Severity.NOTE], [str(d) for d in diags]
    assert (len(catalog.tables), len(catalog.raw)) == COUNTS[name]
    build_graph(catalog)  # every foreign key resolves to a table and its columns


@pytest.mark.parametrize("name", SCHEMAS)
def test_corpus_schema_round_trips(name: str, tmp_path: Path) -> None:
    sql = require_shared(f"corpus-sqlite/{name}/schema.sql").read_text(encoding="utf-8")
    outcome = run(sql, tmp_path, package=f"{name}_db")
    assert outcome.exact, outcome.explain()
    assert "error" not in outcome.diagnostics and "warning" not in outcome.diagnostics
    # `alembic check` on a file at head: the models agree with what the migration built
    assert outcome.models_agree, outcome.check[-3000:]
