"""The nine real schema histories of ../shared/evolution: exact both ways.

Per pair: the old schema is scaffolded and built (its initial revision), the planner's revision
from old.sql to new.sql is written next to it, and pg-roundtrip compares
- ``alembic upgrade head`` on an empty database with new.sql loaded fresh, and
- ``upgrade head`` then ``downgrade -1`` with old.sql loaded fresh,
column order aside (ADD COLUMN can only append); then ``alembic check`` finds the new models
equal to the upgraded database. Rows survive too: a database holding one row
in every table the revision alters keeps them through an additive revision.

Run: ``pytest -m corpus tests/corpus/test_evolution.py``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from support import PgServer, require_shared, temporary_database
from support.evolution import alembic, environ, evolve, roundtrip

pytestmark = pytest.mark.corpus

PAIRS = [
    "osm-1",
    "osm-2",
    "osm-3",
    "synapse-1",
    "synapse-2",
    "synapse-3",
    "kanboard-1",
    "kanboard-2",
    "kanboard-3",
]


def _matched(proc_stdout: str) -> str:
    lines = proc_stdout.strip().splitlines()
    return lines[-1] if lines else ""


@pytest.mark.parametrize("name", PAIRS)
def test_pair_is_exact_both_ways(name: str, pg_server: PgServer, tmp_path: Path) -> None:
    pair = require_shared(f"evolution/{name}")
    tool = require_shared("tools/pg-roundtrip")
    old, new = pair / "old.sql", pair / "new.sql"
    out, plan = evolve(old, new, tmp_path, name.replace("-", "_") + "_db")
    assert not plan.is_empty
    assert not [d for d in plan.diagnostics if d.is_error], plan.diagnostics
    env = environ(pg_server.libpq_env())
    a = alembic(out)

    up = roundtrip(tool, new, out, f"{a} upgrade head", env)
    assert up.returncode == 0 and ", 0 missing, 0 extra" in _matched(up.stdout), (
        up.stdout[-4000:] + up.stderr[-2000:]
    )
    down = roundtrip(tool, old, out, f"{a} upgrade head && {a} downgrade -1", env)
    assert down.returncode == 0 and ", 0 missing, 0 extra" in _matched(down.stdout), (
        down.stdout[-4000:] + down.stderr[-2000:]
    )
    # The models agree with the database the revisions built: `alembic check` at the head, after
    # the initial revision and the planned one (the initial revision alone is the corpus suite's).
    with temporary_database(pg_server) as db:
        db_env = dict(env, DATABASE_URL=db.async_url, DATABASE_URL_SYNC=db.sync_url)
        for step in ("upgrade head", "check"):
            proc = subprocess.run(
                f"{a} {step}",
                shell=True,
                cwd=out,
                capture_output=True,
                text=True,
                env=db_env,
                timeout=900,
                check=False,
            )
            assert proc.returncode == 0, (
                f"alembic {step}:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
            )


# Every object of a real schema dropped by one revision and created again by its downgrade: the
# drop order (dependants first) and the create path of the planner on whole schemas.
EVERYTHING = [
    "chinook",
    "northwind",
    "pagila",
    "powerdns",
    "roundcube",
    "guacamole",
    "miniflux",
    "kanboard",
    "osm",
    "synapse",
    "lemmy",
    "adventureworks",
    "musicbrainz",
]


@pytest.mark.parametrize("name", EVERYTHING)
def test_whole_corpus_schema_goes_and_comes_back(
    name: str, pg_server: PgServer, tmp_path: Path
) -> None:
    schema = require_shared(f"corpus/{name}/schema.sql")
    tool = require_shared("tools/pg-roundtrip")
    tiny = tmp_path / "tiny.sql"
    tiny.write_text("CREATE TABLE dbgen_tiny (id integer PRIMARY KEY);\n", encoding="utf-8")
    out, plan = evolve(schema, tiny, tmp_path / "work", f"{name}_db")
    assert plan.refused is False and plan.upgrade and plan.downgrade
    env = environ(pg_server.libpq_env())
    a = alembic(out)
    up = roundtrip(tool, tiny, out, f"{a} upgrade head", env)
    assert up.returncode == 0 and ", 0 missing, 0 extra" in _matched(up.stdout), (
        up.stdout[-4000:] + up.stderr[-2000:]
    )
    down = roundtrip(tool, schema, out, f"{a} upgrade head && {a} downgrade -1", env)
    assert down.returncode == 0 and ", 0 missing, 0 extra" in _matched(down.stdout), (
        down.stdout[-4000:] + down.stderr[-2000:]
    )


def test_evolution_pairs_are_complete() -> None:
    """All nine pairs are there (a shrunken set must not pass quietly)."""
    root = require_shared("evolution")
    present = sorted(p.name for p in root.iterdir() if (p / "old.sql").is_file())
    assert sorted(PAIRS) == present
