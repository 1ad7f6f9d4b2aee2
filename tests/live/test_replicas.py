"""Read replicas against a real streaming replica (tests/support/replica.py): read-only units of
work read from it, units of work that write stay on the primary and read their own writes, a
replica that does not answer is left out with a WARNING and the primary serves. Async and sync,
on the default engines (DATABASE_URL, DATABASE_REPLICA_URLS)."""

from __future__ import annotations

import asyncio
import importlib
import logging
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import psycopg2
import pytest
import sqlalchemy as sa

from support import REPO_ROOT, FreshDb, import_generated, psql, temporary_database
from support.replica import ReplicaPair

FLAVOURS = ("async", "sync")


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    out = tmp_path_factory.mktemp("replicas") / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", "specs", "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    with import_generated(out, "app_db") as module:
        yield module


@pytest.fixture
def primary_db(replica_pair: ReplicaPair) -> Iterator[FreshDb]:
    """A database on the test primary, with the demo schema, replayed on the replica."""
    with temporary_database(replica_pair.primary) as db:
        psql(db.dsn, "-q", "-f", str(REPO_ROOT / "specs" / "schema.sql"))
        replica_pair.wait_replayed()
        yield db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(
    monkeypatch: pytest.MonkeyPatch, db: FreshDb, pair: ReplicaPair, replicas: list[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", db.async_url)
    urls = [
        pair.replica.url(db.name, "postgresql+asyncpg") if r == "replica" else r for r in replicas
    ]
    monkeypatch.setenv("DATABASE_REPLICA_URLS", ",".join(urls))
    monkeypatch.setenv("DATABASE_REPLICA_CONNECT_TIMEOUT", "2")


class App:
    def __init__(self) -> None:
        self.uow = importlib.import_module("app_db.uow")
        self.db = importlib.import_module("app_db.db")
        self.errors = importlib.import_module("app_db.errors")
        self.users = importlib.import_module("app_db.schemas.users")


IN_RECOVERY = sa.text("SELECT pg_is_in_recovery()")


def steps(flavour: str, body: Callable[[App, Callable[..., Any]], Any]) -> Any:
    """Run ``body(app, unit_of_work)`` on the default engines of ``flavour``: ``unit_of_work(**kw)``
    is an async or sync context manager factory; disposes the engines afterwards."""
    app = App()
    if flavour == "sync":
        try:
            return body(app, app.uow.SyncUnitOfWork)
        finally:
            app.db.dispose_engines_sync()

    async def main() -> Any:
        try:
            return await body(app, app.uow.UnitOfWork)
        finally:
            await app.db.dispose_engines()

    return asyncio.run(main())


def _scalar(session: Any, statement: Any) -> Any:
    result = session.execute(statement)
    if asyncio.iscoroutine(result):

        async def wait() -> Any:
            return (await result).scalar()

        return wait()
    return result.scalar()


def _sync_or_async(
    flavour: str, sync_body: Callable[..., Any], async_body: Callable[..., Any]
) -> Any:
    return sync_body if flavour == "sync" else async_body


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_read_only_units_of_work_read_from_the_replica(
    pkg: ModuleType,
    primary_db: FreshDb,
    replica_pair: ReplicaPair,
    flavour: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _env(monkeypatch, primary_db, replica_pair, ["replica"])

    def sync_body(app: App, uow: Any) -> Any:
        with uow() as w:  # writes: the primary, which reads its own write at once
            made = w.users.create(app.users.UserCreate(email="a@x.org", display_name="A"))
            assert w.session.execute(IN_RECOVERY).scalar() is False
            assert w.users.get(made.id) is not None
        replica_pair.wait_replayed()
        with uow(read_only=True) as r:
            assert r.session.execute(IN_RECOVERY).scalar() is True
            assert r.users.get_by_email("a@x.org").id == made.id
            assert r.users.count() == 1
        with pytest.raises(app.errors.InvalidQueryError) as raised, uow(read_only=True) as r:
            r.users.create(app.users.UserCreate(email="b@x.org", display_name="B"))
        assert raised.value.sqlstate == "25006"

    async def async_body(app: App, uow: Any) -> Any:
        async with uow() as w:
            made = await w.users.create(app.users.UserCreate(email="a@x.org", display_name="A"))
            assert (await w.session.execute(IN_RECOVERY)).scalar() is False
            assert await w.users.get(made.id) is not None
        await asyncio.to_thread(replica_pair.wait_replayed)
        async with uow(read_only=True) as r:
            assert (await r.session.execute(IN_RECOVERY)).scalar() is True
            assert (await r.users.get_by_email("a@x.org")).id == made.id
            assert await r.users.count() == 1
        with pytest.raises(app.errors.InvalidQueryError) as raised:
            async with uow(read_only=True) as r:
                await r.users.create(app.users.UserCreate(email="b@x.org", display_name="B"))
        assert raised.value.sqlstate == "25006"

    steps(flavour, _sync_or_async(flavour, sync_body, async_body))


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_an_unreachable_replica_falls_back_to_the_primary_with_a_warning(
    pkg: ModuleType,
    primary_db: FreshDb,
    replica_pair: ReplicaPair,
    flavour: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dead = f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/{primary_db.name}"
    _env(monkeypatch, primary_db, replica_pair, [dead])

    def sync_body(app: App, uow: Any) -> Any:
        for _ in range(3):
            with uow(read_only=True) as r:
                assert r.session.execute(IN_RECOVERY).scalar() is False
                assert r.users.count() == 0

    async def async_body(app: App, uow: Any) -> Any:
        for _ in range(3):
            async with uow(read_only=True) as r:
                assert (await r.session.execute(IN_RECOVERY)).scalar() is False
                assert await r.users.count() == 0

    with caplog.at_level(logging.WARNING, logger="app_db.db"):
        steps(flavour, _sync_or_async(flavour, sync_body, async_body))
    warnings = [r for r in caplog.records if "does not answer" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]  # once per outage
    assert dead.split("@")[1].split("/")[0] in warnings[0].getMessage()


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_dead_replica_is_skipped_for_a_live_one(
    pkg: ModuleType,
    primary_db: FreshDb,
    replica_pair: ReplicaPair,
    flavour: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dead = f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/{primary_db.name}"
    _env(monkeypatch, primary_db, replica_pair, [dead, "replica"])

    def sync_body(app: App, uow: Any) -> Any:
        for _ in range(4):
            with uow(read_only=True) as r:
                assert r.session.execute(IN_RECOVERY).scalar() is True

    async def async_body(app: App, uow: Any) -> Any:
        for _ in range(4):
            async with uow(read_only=True) as r:
                assert (await r.session.execute(IN_RECOVERY)).scalar() is True

    steps(flavour, _sync_or_async(flavour, sync_body, async_body))


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_replica_lost_mid_work_is_left_out_and_the_retry_reads_the_primary(
    pkg: ModuleType,
    primary_db: FreshDb,
    replica_pair: ReplicaPair,
    flavour: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The replica's backend is killed during a read-only unit of work: ConnectionLostError,
    the replica is left out, and run_in_transaction's retry reads from the primary."""
    _env(monkeypatch, primary_db, replica_pair, ["replica"])
    attempts: list[bool] = []

    def kill(pid: int) -> None:
        conn = psycopg2.connect(replica_pair.replica.url(primary_db.name))
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
        finally:
            conn.close()

    backend = sa.text("SELECT pg_backend_pid(), pg_is_in_recovery()")

    def sync_body(app: App, uow: Any) -> Any:
        def fn(r: Any) -> int:
            pid, on_replica = r.session.execute(backend).one()
            attempts.append(on_replica)
            if on_replica:
                kill(pid)
            return int(r.users.count())

        return app.uow.run_in_sync_transaction(fn, read_only=True, retries=2, backoff=0.01)

    async def async_body(app: App, uow: Any) -> Any:
        async def fn(r: Any) -> int:
            pid, on_replica = (await r.session.execute(backend)).one()
            attempts.append(on_replica)
            if on_replica:
                await asyncio.to_thread(kill, pid)
            return int(await r.users.count())

        return await app.uow.run_in_transaction(fn, read_only=True, retries=2, backoff=0.01)

    assert steps(flavour, _sync_or_async(flavour, sync_body, async_body)) == 0
    assert attempts == [True, False]
