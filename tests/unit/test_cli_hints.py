"""The command line says what to run next as the user ran it, and finds the server the way
the generated package does (DATABASE_URL)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from support import REPO_ROOT, PgServer

CASE = REPO_ROOT / "tests" / "golden" / "cases" / "minimal"


def dbgen(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _spec(tmp_path: Path) -> Path:
    spec = tmp_path / "my specs"
    spec.mkdir()
    for name in ("schema.sql", "crud.yaml"):
        shutil.copy(CASE / name, spec / name)
    return spec


def test_check_hint_repeats_the_command_with_its_out(tmp_path: Path) -> None:
    _spec(tmp_path)
    assert dbgen("build", "my specs", "--out", "build/pkg", cwd=tmp_path).returncode == 0
    (tmp_path / "build" / "pkg" / "alembic.ini").write_text("changed\n")
    proc = dbgen("check", "my specs", "--out", "build/pkg", cwd=tmp_path)
    assert proc.returncode == 1
    assert "run `dbgen build 'my specs' --out build/pkg`" in proc.stderr, proc.stderr
    # The hint, run as printed, makes check pass.
    assert dbgen("build", "my specs", "--out", "build/pkg", cwd=tmp_path).returncode == 0
    assert dbgen("check", "my specs", "--out", "build/pkg", cwd=tmp_path).returncode == 0

    # Without --out the hint has none either (the default or dbgen.toml's applies again).
    assert dbgen("build", "my specs", cwd=tmp_path).returncode == 0
    (tmp_path / "generated" / "alembic.ini").write_text("changed\n")
    proc = dbgen("check", "my specs", cwd=tmp_path)
    assert proc.returncode == 1
    assert "run `dbgen build 'my specs'`" in proc.stderr, proc.stderr


def test_verify_falls_back_to_database_url(pg_server: PgServer, tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("DBGEN_VERIFY_URL", "DATABASE_URL")}
    # The generated package's form of the URL (asyncpg driver) works as well.
    env["DATABASE_URL"] = pg_server.url(pg_server.maintenance_db, "postgresql+asyncpg")
    ok = dbgen("verify", str(spec), cwd=tmp_path, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "rebuilds" in ok.stdout

    del env["DATABASE_URL"]
    missing = dbgen("verify", str(spec), cwd=tmp_path, env=env)
    assert missing.returncode == 2
    assert "--database-url" in missing.stderr
