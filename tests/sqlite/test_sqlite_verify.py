"""`dbgen verify` on a SQLite spec: no server; the schema loaded as written and the migrated
file compared through sqlite_master and the pragmas."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

FEATURES = Path(__file__).with_name("features.sql")


def dbgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DBGEN_VERIFY_URL")}
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_verify_finds_the_rebuild_exact_and_a_missing_index_missing(tmp_path: Path) -> None:
    shutil.copy(FEATURES, tmp_path / "schema.sql")
    (tmp_path / "dbgen.toml").write_text('dialect = "sqlite"\n')
    assert dbgen("scaffold", "schema.sql", "--out", "crud.yaml", cwd=tmp_path).returncode == 0
    proc = dbgen("verify", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "the migration rebuilds . exactly" in proc.stdout
    # A revision that lost a step (edited by hand, say) is caught, by name.
    assert dbgen("build", ".", cwd=tmp_path).returncode == 0
    (revision,) = (tmp_path / "generated").glob("*/migrations/versions/*_initial.py")
    text = revision.read_text()
    start = text.index("    # index kinds_lower_name\n")
    end = text.index("\n    #", start + 5) + 1
    revision.write_text(text[:start] + text[end:])
    proc = dbgen("verify", ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "missing: index kinds_lower_name" in proc.stdout
    assert "differs: table Kinds index kinds_lower_name: source \"(0, 'c', 0)\"" in proc.stdout


def test_a_schema_sqlite_cannot_load_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text(
        "CREATE TABLE t (id INTEGER PRIMARY KEY);\nCREATE VIEW v AS SELECT nope FROM t;\n"
    )
    (tmp_path / "dbgen.toml").write_text('dialect = "sqlite"\n')
    assert dbgen("scaffold", "schema.sql", "--out", "crud.yaml", cwd=tmp_path).returncode == 0
    proc = dbgen("verify", ".", cwd=tmp_path)
    # SQLite checks a view's columns when it is used, not made: the load passes, and so does
    # the migration, which replays the same text.
    assert proc.returncode == 0, proc.stderr
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);\n" * 2)
    proc = dbgen("verify", ".", cwd=tmp_path)
    assert proc.returncode == 2 and "error[duplicate-object]" in proc.stderr
