"""docs/examples/ run as the README says: migrate a fresh database, then run the program."""

from __future__ import annotations

import os
import subprocess
import sys

from support import REPO_ROOT, FreshDb

GENERATED = REPO_ROOT / "generated"  # the committed demo package (`make check` keeps it current)


def user_env(db: FreshDb) -> dict[str, str]:
    """A user's shell after ``pip install -e generated/`` and ``export DATABASE_URL=...``
    (tests/unit/test_distribution.py installs it for real; here it is on PYTHONPATH)."""
    return dict(os.environ, DATABASE_URL=db.async_url, PYTHONPATH=str(GENERATED))


def migrate(db: FreshDb) -> None:
    alembic = [sys.executable, "-m", "alembic", "-c", str(GENERATED / "alembic.ini")]
    proc = subprocess.run(
        [*alembic, "upgrade", "head"], env=user_env(db), capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_the_tour_runs_on_a_migrated_database(fresh_db: FreshDb) -> None:
    migrate(fresh_db)
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "docs/examples/tour.py")],
        env=user_env(fresh_db),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "docs-1: Write docs",
        "docs-2: Review docs",
        "1 todo",
        "2 todo",
    ]
