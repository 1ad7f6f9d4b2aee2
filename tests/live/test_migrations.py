"""The demo's generated package against a real PostgreSQL: migrations, round-trip, mappers, lint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from support import REPO_ROOT, FreshDb, import_generated, require_shared

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", "specs", "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def alembic(out: Path, db: FreshDb, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=db.async_url)
    return subprocess.run(
        [str(BIN / "alembic"), "-c", str(out / "alembic.ini"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def relations(db: FreshDb) -> set[str]:
    engine = sa.create_engine(db.sync_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relname NOT LIKE 'alembic_version%' "
                    "UNION ALL SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')"
                )
            )
            return {r[0] for r in rows}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(demo_out: Path, fresh_db: FreshDb) -> None:
    up = alembic(demo_out, fresh_db, "upgrade", "head")
    assert up.returncode == 0, up.stderr
    created = relations(fresh_db)
    assert {"users", "tasks", "task_tags", "task_status", "user_role"} <= created
    down = alembic(demo_out, fresh_db, "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert relations(fresh_db) == set(), "downgrade left objects behind (enum types included)"
    again = alembic(demo_out, fresh_db, "upgrade", "head")
    assert again.returncode == 0, again.stderr
    assert relations(fresh_db) == created


def test_pg_roundtrip_is_exact(demo_out: Path, fresh_db: FreshDb) -> None:
    tool = require_shared("tools/pg-roundtrip")
    env = dict(os.environ, **fresh_db.server.libpq_env())
    alembic_bin = f"{BIN / 'alembic'} -c {demo_out / 'alembic.ini'}"
    proc = subprocess.run(
        [
            sys.executable,
            str(tool),
            "--downgrade",
            f"{alembic_bin} downgrade base",
            str(REPO_ROOT / "specs" / "schema.sql"),
            "--",
            *alembic_bin.split(),
            "upgrade",
            "head",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " 0 missing, 0 extra" in last, last


def test_models_import_and_configure(demo_out: Path) -> None:
    with import_generated(demo_out, "app_db") as pkg:
        import importlib
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # relationship overlap warnings are bugs here
            models = importlib.import_module("app_db.models")
            sa.orm.configure_mappers()
        assert pkg.__name__ == "app_db"
        task = models.Task
        rels = {r.key: r.direction.name for r in sa.inspect(task).relationships}
        assert rels["project"] == "MANYTOONE"
        assert rels["tags"] == "MANYTOMANY"
        assert rels["comments"] == "ONETOMANY"
        comment_rels = {r.key: r for r in sa.inspect(models.Comment).relationships}
        self_ref = [r for r in comment_rels.values() if r.mapper.class_ is models.Comment]
        assert len(self_ref) == 2, "threaded comments: parent and replies"
        profile = {r.key: r for r in sa.inspect(models.User).relationships}
        one_to_one = [r for r in profile.values() if r.mapper.class_ is models.UserProfile]
        assert one_to_one and not one_to_one[0].uselist
        member = sa.inspect(models.ProjectMember)
        assert [c.name for c in member.primary_key] == ["project_id", "user_id"]


def test_health_check(demo_out: Path, fresh_db: FreshDb) -> None:
    import asyncio

    with import_generated(demo_out, "app_db"):
        import importlib

        db = importlib.import_module("app_db.db")

        async def probe() -> tuple[bool, bool]:
            good = db.create_async_engine_from_env(fresh_db.async_url)
            bad = db.create_async_engine_from_env(
                fresh_db.async_url.replace(fresh_db.name, "no_such_db_x")
            )
            try:
                return (await db.health_check(good)).ok, (await db.health_check(bad)).ok
            finally:
                await good.dispose()
                await bad.dispose()

        assert asyncio.run(probe()) == (True, False)


@pytest.mark.parametrize("tool", ["mypy", "ruff"])
def test_generated_code_passes_strict_checks(demo_out: Path, tool: str, tmp_path: Path) -> None:
    if tool == "mypy":
        cmd = [
            str(BIN / "mypy"),
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "mc"),
            "-p",
            "app_db",
        ]
        env = dict(os.environ, MYPYPATH=str(demo_out))
    else:
        cmd = [
            str(BIN / "ruff"),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "E,F,W,I,B,UP,SIM,RUF",
            "--ignore",
            "E501",
            "--line-length",
            "100",
            str(demo_out),
        ]
        env = dict(os.environ)
    if shutil.which(cmd[0]) is None:
        pytest.fail(f"{tool} is not installed in the test environment")
    proc = subprocess.run(cmd, cwd=demo_out, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
