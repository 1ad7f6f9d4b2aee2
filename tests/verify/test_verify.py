"""dbgen verify, and the live round-trip of the golden case outside the corpus (realworld)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dbgen.core import generate, read_inputs
from dbgen.verify import Difference, Server, compare, verify
from support import REPO_ROOT, PgServer, require_shared

CASE = REPO_ROOT / "tests" / "golden" / "cases" / "realworld"


def test_compare_reports_missing_extra_and_changed() -> None:
    source = {
        ("relation", "public.t"): {"kind": "r"},
        ("column", "public.t.a"): {"type": "integer"},
        ("index", "public.i"): {"definition": "CREATE INDEX i ON public.t USING btree (a)"},
    }
    migrated = {
        ("relation", "public.t"): {"kind": "r", "comment": "x"},
        ("column", "public.t.a"): {"type": "bigint"},
        ("trigger", "public.t.g"): {},
    }
    diffs = compare(source, migrated)
    assert [str(d) for d in diffs] == [
        "differs: column public.t.a type: source 'integer', migration 'bigint'",
        "missing: index public.i",
        "differs: relation public.t comment: source (unset), migration 'x'",
        "extra: trigger public.t.g",
    ]
    assert compare(source, source) == []
    assert str(Difference("type", "public.mood", "labels", "'a'", None)).endswith(
        "migration (unset)"
    )


def _scratch(pg_server: PgServer) -> set[str]:
    import psycopg2  # type: ignore[import-untyped]

    conn = psycopg2.connect(pg_server.admin_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT datname FROM pg_database WHERE datname LIKE 'dbgen_verify_%'")
            return {r[0] for r in cur.fetchall()}
    finally:
        conn.close()


def _files(spec: Path) -> dict[str, str]:
    cwd = os.getcwd()
    os.chdir(spec)
    try:
        inputs, _ = read_inputs(Path("."))
        assert inputs is not None
        result = generate(inputs)
    finally:
        os.chdir(cwd)
    assert result.ok, result.diagnostics
    return result.files


def test_realworld_case_verifies_and_tampering_is_caught(pg_server: PgServer) -> None:
    server = Server(pg_server.admin_dsn)
    files = _files(CASE)
    assert verify(server, [CASE / "schema.sql"], files) == []

    # Drop one column default and one index from the migration: verify must say so.
    [migration] = [p for p in files if "/versions/" in p and p.endswith(".py")]
    text = files[migration]
    tampered = text.replace("server_default=sa.text(\"'ok'\"),", "", 1)
    tampered = tampered.replace(
        'op.create_index("users_search_idx"', 'op.create_index("renamed_idx"', 1
    )
    assert tampered.count("renamed_idx") == 1 and "\"'ok'\"" not in tampered, "tamper targets moved"
    diffs = [str(d) for d in verify(server, [CASE / "schema.sql"], {**files, migration: tampered})]
    assert (
        "differs: column app.users.mood default: source \"'ok'::mood\", migration (unset)" in diffs
    )
    assert (
        "missing: index app.users_search_idx" in diffs and "extra: index app.renamed_idx" in diffs
    )


def test_cli_exit_codes_and_cleanup(pg_server: PgServer, tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    shutil.copytree(CASE, spec, ignore=shutil.ignore_patterns("expected"))
    before = _scratch(pg_server)
    env = dict(os.environ, **pg_server.libpq_env())
    ok = subprocess.run(
        [sys.executable, "-m", "dbgen", "verify", str(spec), "--database-url", pg_server.admin_dsn],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "rebuilds" in ok.stdout
    # A schema that does not load is bad input (exit 2), and no scratch database survives.
    (spec / "schema.sql").write_text(
        (spec / "schema.sql").read_text() + "\nCREATE TABLE app.users (x int);\n"
    )
    bad = subprocess.run(
        [sys.executable, "-m", "dbgen", "verify", str(spec), "--database-url", pg_server.admin_dsn],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert bad.returncode == 2, bad.stdout + bad.stderr
    usage = subprocess.run(
        [sys.executable, "-m", "dbgen", "verify", str(spec), "--database-url", "mysql://x/y"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert usage.returncode == 2
    assert _scratch(pg_server) <= before, "verify left a scratch database behind"


def test_realworld_roundtrip_with_pg_roundtrip(pg_server: PgServer, tmp_path: Path) -> None:
    """The independent cross-check: pg_dump comparison, then `downgrade base` leaves nothing."""
    roundtrip = require_shared("tools/pg-roundtrip")
    out = tmp_path / "out"
    built = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", ".", "--out", str(out)],
        cwd=CASE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    alembic = [sys.executable, "-m", "alembic", "-c", str(out / "alembic.ini")]
    rt = subprocess.run(
        [
            sys.executable,
            str(roundtrip),
            "--downgrade",
            " ".join([*alembic, "downgrade", "base"]),
            str(CASE / "schema.sql"),
            "--",
            *alembic,
            "upgrade",
            "head",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, **pg_server.libpq_env()),
        check=False,
    )
    assert rt.returncode == 0, rt.stdout[-3000:] + rt.stderr[-2000:]
    assert rt.stdout.strip().splitlines()[-1].endswith(", 0 missing, 0 extra")


@pytest.fixture(autouse=True)
def _no_leftover_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Format cache in the test's own directory: tests must not depend on a warm user cache.
    monkeypatch.setenv("DBGEN_CACHE_DIR", str(tmp_path / "cache"))
