"""The test plumbing itself: if these fail, every live and golden test result is suspect."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import asyncpg
import psycopg2
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine

from support import (
    REPO_ROOT,
    FreshDb,
    PgServer,
    database_exists,
    import_generated,
    psql,
    require_shared,
    shared_dir,
    temporary_database,
    unavailable,
)
from support.pg import installed_pg_ctl, probe, server_from_url, start_throwaway

# --- PostgreSQL fixtures -----------------------------------------------------------------------


def test_fresh_db_is_empty_and_named_uniquely(fresh_db: FreshDb) -> None:
    assert fresh_db.name.startswith("dbgen_t_")
    assert fresh_db.dsn.startswith("postgresql://")
    assert fresh_db.async_url.startswith("postgresql+asyncpg://")
    assert fresh_db.sync_url.startswith("postgresql+psycopg2://")
    assert database_exists(fresh_db.server, fresh_db.name)
    out = psql(
        fresh_db.dsn,
        "-Atc",
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public'",
    )
    assert out.stdout.strip() == "0"


def test_psycopg2_and_sync_engine_connect(fresh_db: FreshDb) -> None:
    conn = psycopg2.connect(fresh_db.dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_database()")
            assert cur.fetchone() == (fresh_db.name,)
    finally:
        conn.close()

    engine = create_engine(fresh_db.sync_url)
    try:
        with engine.connect() as c:
            assert c.execute(text("SELECT current_database()")).scalar_one() == fresh_db.name
    finally:
        engine.dispose()


@pytest.mark.asyncio
async def test_asyncpg_and_async_engine_connect(fresh_db: FreshDb) -> None:
    conn = await asyncpg.connect(fresh_db.dsn)
    try:
        assert await conn.fetchval("SELECT current_database()") == fresh_db.name
    finally:
        await conn.close()

    engine = create_async_engine(fresh_db.async_url)
    try:
        async with engine.connect() as c:
            result = await c.execute(text("SELECT current_database()"))
            assert result.scalar_one() == fresh_db.name
    finally:
        await engine.dispose()


def test_psql_loads_the_demo_schema(fresh_db: FreshDb) -> None:
    psql(fresh_db.dsn, "-q", "-f", str(REPO_ROOT / "specs" / "schema.sql"))
    out = psql(
        fresh_db.sync_url, "-Atc", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    )
    assert int(out.stdout) >= 8
    with pytest.raises(AssertionError, match="syntax error"):
        psql(fresh_db.dsn, "-c", "SELEC 1")
    assert psql(fresh_db.dsn, "-c", "SELEC 1", check=False).returncode != 0


def test_temporary_database_is_dropped_even_when_the_body_fails(pg_server: PgServer) -> None:
    with pytest.raises(RuntimeError, match="boom"), temporary_database(pg_server) as db:
        name = db.name
        # An open session must not keep the database alive: the drop uses WITH (FORCE).
        conn = psycopg2.connect(db.dsn)
        assert database_exists(pg_server, name)
        raise RuntimeError("boom")
    assert not database_exists(pg_server, name)
    conn.close()


def test_two_fresh_databases_differ(pg_server: PgServer) -> None:
    with temporary_database(pg_server) as a, temporary_database(pg_server) as b:
        assert a.name != b.name
    assert not database_exists(pg_server, a.name)
    assert not database_exists(pg_server, b.name)


def test_live_marker_is_added_automatically(
    request: pytest.FixtureRequest, pg_server: PgServer
) -> None:
    assert request.node.get_closest_marker("live") is not None
    assert pg_server.libpq_env()["PGPORT"] == str(pg_server.port)


def test_server_from_url_accepts_sqlalchemy_and_libpq_forms() -> None:
    s = server_from_url("postgresql+asyncpg://alice:p%40ss@db.example:6543/admin")
    assert (s.host, s.port, s.user, s.password, s.maintenance_db) == (
        "db.example",
        6543,
        "alice",
        "p@ss",
        "admin",
    )
    assert (
        s.url("x", "postgresql+psycopg2") == "postgresql+psycopg2://alice:p%40ss@db.example:6543/x"
    )
    d = server_from_url("postgresql://db.example")
    assert (d.port, d.user, d.maintenance_db, d.password) == (5432, "postgres", "postgres", None)
    with pytest.raises(ValueError, match="postgresql"):
        server_from_url("mysql://root@localhost/x")


def test_unavailable_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no server"):
        unavailable("no server")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"no server.*CI=true"):
        unavailable("no server")


# --- import_generated ----------------------------------------------------------------------------


def _write_package(root: Path, package: str, value: str) -> None:
    (root / package / "sub").mkdir(parents=True)
    (root / package / "__init__.py").write_text(f"VALUE = {value!r}\n")
    (root / package / "sub" / "__init__.py").write_text("")
    (root / package / "sub" / "mod.py").write_text(f"VALUE = {value!r}\n")


def test_import_generated_isolates_same_named_trees(tmp_path: Path) -> None:
    pkg = "dbgen_support_probe_pkg"
    _write_package(tmp_path / "one", pkg, "one")
    _write_package(tmp_path / "two", pkg, "two")
    path_before = list(sys.path)

    with import_generated(tmp_path / "one", pkg) as mod:
        from dbgen_support_probe_pkg.sub import mod as sub  # type: ignore[import-not-found]

        assert mod.VALUE == "one"
        assert sub.VALUE == "one"
    assert not [m for m in sys.modules if m.startswith(pkg)]
    assert sys.path == path_before

    with import_generated(tmp_path / "two", pkg) as mod:
        from dbgen_support_probe_pkg.sub import mod as sub

        assert mod.VALUE == "two"
        assert sub.VALUE == "two"
    assert not [m for m in sys.modules if m.startswith(pkg)]
    assert sys.path == path_before


def test_import_generated_cleans_up_after_a_failing_import(tmp_path: Path) -> None:
    pkg = "dbgen_support_broken_pkg"
    (tmp_path / pkg).mkdir()
    (tmp_path / pkg / "__init__.py").write_text("raise ImportError('generated code is broken')\n")
    path_before = list(sys.path)
    with pytest.raises(ImportError, match="broken"), import_generated(tmp_path, pkg):
        pass
    assert sys.path == path_before
    assert pkg not in sys.modules


# --- shared material and options -----------------------------------------------------------------


def test_shared_dir_default_and_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DBGEN_SHARED_DIR", raising=False)
    assert shared_dir() == REPO_ROOT.parent / "shared"
    monkeypatch.setenv("DBGEN_SHARED_DIR", str(tmp_path))
    assert shared_dir() == tmp_path
    (tmp_path / "corpus").mkdir()
    assert require_shared("corpus") == tmp_path / "corpus"


def test_require_shared_skips_or_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DBGEN_SHARED_DIR", str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="absent"):
        require_shared("no-such-thing")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="absent"):
        require_shared("no-such-thing")


def test_update_goldens_option(update_goldens: bool, request: pytest.FixtureRequest) -> None:
    assert update_goldens is request.config.getoption("--update-goldens")
    assert isinstance(update_goldens, bool)


@pytest.mark.live
def test_throwaway_server_fallback_starts_and_stops(tmp_path: Path) -> None:
    # Normally a server answers on 5432 and this path never runs; prove it works before the day
    # it is needed (root included: pg_ctl then runs as the postgres OS user).
    if installed_pg_ctl() is None:
        unavailable("no PostgreSQL binaries installed for the throwaway-server fallback")
    workdir = Path(tempfile.mkdtemp(prefix="dbgen-pg-"))
    try:
        server, executor = start_throwaway(workdir)
        try:
            assert probe(server) is None
            with temporary_database(server) as db:
                assert psql(db.dsn, "-Atc", "SELECT current_database()").stdout.strip() == db.name
        finally:
            executor.stop()
        assert probe(server) is not None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
