"""What a caller meets when the database fails under it: typed errors with the driver's
exception as ``__cause__`` (never the unit of work's own failed rollback), and
``run_in_transaction`` running the work again after a real serialization failure and a killed
backend. Async and sync."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
import uuid
import warnings
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import psycopg2
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from support import REPO_ROOT, FreshDb, import_generated, psql

FLAVOURS = ("async", "sync")


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    out = tmp_path_factory.mktemp("faults") / "out"
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
def db(fresh_db: FreshDb) -> FreshDb:
    psql(fresh_db.dsn, "-q", "-f", str(REPO_ROOT / "specs" / "schema.sql"))
    psql(
        fresh_db.dsn,
        "-q",
        "-c",
        "INSERT INTO users (email, display_name) VALUES ('a@x.org', 'A'), ('b@x.org', 'B')",
    )
    return fresh_db


class App:
    def __init__(self) -> None:
        self.uow = importlib.import_module("app_db.uow")
        self.db = importlib.import_module("app_db.db")
        self.errors = importlib.import_module("app_db.errors")
        self.users = importlib.import_module("app_db.schemas.users")


def admin(db: FreshDb, statement: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(db.dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(statement, args)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def kill_others(db: FreshDb) -> int:
    rows = admin(
        db,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    return len(rows)


def run(coro: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return asyncio.run(coro)


def in_uow(
    db: FreshDb, flavour: str, fn: Callable[[Any, App], Any], url: str | None = None, **kw: Any
) -> Any:
    """``fn(uow, app)`` in one unit of work (keyword arguments go to the engine)."""
    app = App()
    if flavour == "sync":
        engine = sa.create_engine(url or db.sync_url, **({"poolclass": NullPool} | kw))
        try:
            with app.uow.SyncUnitOfWork(app.db.sync_session_factory(engine)) as uow:
                return fn(uow, app)
        finally:
            engine.dispose()

    async def body() -> Any:
        engine = create_async_engine(url or db.async_url, **({"poolclass": NullPool} | kw))
        try:
            async with app.uow.UnitOfWork(app.db.async_session_factory(engine)) as uow:
                return await fn(uow, app)
        finally:
            await engine.dispose()

    return run(body())


def maybe_await(value: Any, then: Callable[[Any], Any]) -> Any:
    if asyncio.iscoroutine(value):

        async def chain() -> Any:
            result = then(await value)
            return await result if asyncio.iscoroutine(result) else result

        return chain()
    return then(value)


def assert_lost(exc: BaseException, app: App, *, during_commit: bool) -> None:
    assert type(exc) is app.errors.ConnectionLostError, repr(exc)
    assert exc.during_commit is during_commit
    driver = type(exc.__cause__).__module__.split(".")[0]
    assert driver in ("asyncpg", "psycopg2"), repr(exc.__cause__)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_killed_backend_mid_unit_of_work_is_connection_lost(
    pkg: ModuleType, db: FreshDb, flavour: str
) -> None:
    app = App()

    def body(uow: Any, _: App) -> Any:
        def then(_count: Any) -> Any:
            assert kill_others(db) == 1
            return uow.users.count()

        return maybe_await(uow.users.count(), then)

    with pytest.raises(app.errors.DataLayerError) as raised:
        in_uow(db, flavour, body)
    assert_lost(raised.value, app, during_commit=False)
    # Nothing of the failed rollback is in the way: the driver error is the cause.
    assert "rollback" not in str(raised.value).lower()


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_killed_backend_before_commit_is_connection_lost_during_commit(
    pkg: ModuleType, db: FreshDb, flavour: str
) -> None:
    app = App()

    def body(uow: Any, a: App) -> Any:
        made = uow.users.create(a.users.UserCreate(email="c@x.org", display_name="C"))
        return maybe_await(made, lambda _u: kill_others(db))

    with pytest.raises(app.errors.DataLayerError) as raised:
        in_uow(db, flavour, body)
    assert_lost(raised.value, app, during_commit=True)
    assert admin(db, "SELECT count(*) FROM users WHERE email = 'c@x.org'") == [(0,)]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_statement_timeout_is_query_timeout(pkg: ModuleType, db: FreshDb, flavour: str) -> None:
    """A row lock held elsewhere makes the update wait past statement_timeout (57014)."""
    app = App()
    holder = psycopg2.connect(db.dsn)
    try:
        with holder.cursor() as cur:
            cur.execute("SELECT id FROM users WHERE email = 'a@x.org' FOR UPDATE")
            (key,) = cur.fetchone()
        key = uuid.UUID(str(key))
        if flavour == "sync":
            kw: dict[str, Any] = {"connect_args": {"options": "-c statement_timeout=200"}}
        else:
            kw = {"connect_args": {"server_settings": {"statement_timeout": "200"}}}

        def body(uow: Any, a: App) -> Any:
            return uow.users.update(key, a.users.UserUpdate(display_name="late"))

        with pytest.raises(app.errors.DataLayerError) as raised:
            in_uow(db, flavour, body, **kw)
    finally:
        holder.close()
    assert type(raised.value) is app.errors.QueryTimeoutError, repr(raised.value)
    assert raised.value.sqlstate == "57014"
    assert raised.value.__cause__ is not None


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_pool_exhaustion_is_pool_timeout(pkg: ModuleType, db: FreshDb, flavour: str) -> None:
    app = App()
    kw: dict[str, Any] = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2}
    if flavour == "sync":
        engine = sa.create_engine(db.sync_url, **kw)
        factory = app.db.sync_session_factory(engine)
        try:
            with app.uow.SyncUnitOfWork(factory) as first:
                first.users.count()
                with (
                    pytest.raises(app.errors.PoolTimeoutError) as raised,
                    app.uow.SyncUnitOfWork(factory) as second,
                ):
                    second.users.count()
        finally:
            engine.dispose()
    else:

        async def body() -> Any:
            engine = create_async_engine(db.async_url, **kw)
            factory = app.db.async_session_factory(engine)
            try:
                async with app.uow.UnitOfWork(factory) as first:
                    await first.users.count()
                    with pytest.raises(app.errors.PoolTimeoutError) as caught:
                        async with app.uow.UnitOfWork(factory) as second:
                            await second.users.count()
                    return caught
            finally:
                await engine.dispose()

        raised = run(body())
    assert isinstance(raised.value.__cause__, sa.exc.TimeoutError)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_unreachable_server_is_connection_lost(pkg: ModuleType, db: FreshDb, flavour: str) -> None:
    """Nothing listens on the port: the unit of work's first connection (made at entry for an
    isolation level) fails typed."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = App()
    scheme = "postgresql+psycopg2" if flavour == "sync" else "postgresql+asyncpg"
    url = f"{scheme}://postgres@127.0.0.1:{port}/nowhere"
    with pytest.raises(app.errors.ConnectionLostError) as raised:
        if flavour == "sync":
            engine = sa.create_engine(url, poolclass=NullPool)
            try:
                factory = app.db.sync_session_factory(engine)
                with app.uow.SyncUnitOfWork(factory, isolation_level="SERIALIZABLE") as uow:
                    uow.users.count()
            finally:
                engine.dispose()
        else:

            async def body() -> None:
                engine = create_async_engine(url, poolclass=NullPool)
                try:
                    factory = app.db.async_session_factory(engine)
                    async with app.uow.UnitOfWork(factory, isolation_level="SERIALIZABLE") as u:
                        await u.users.count()
                finally:
                    await engine.dispose()

            run(body())
    assert raised.value.__cause__ is not None


# -- run_in_transaction ---------------------------------------------------------------------------


def _retry(
    db: FreshDb, flavour: str, fn: Callable[[Any, App, int], Any], **options: Any
) -> tuple[Any, int]:
    """run_in_transaction(fn) on a fresh engine; the result and how many attempts ran."""
    app = App()
    attempts = [0]

    if flavour == "sync":
        engine = sa.create_engine(db.sync_url)
        factory = app.db.sync_session_factory(engine)

        def step(uow: Any) -> Any:
            attempts[0] += 1
            return fn(uow, app, attempts[0])

        try:
            result = app.uow.run_in_sync_transaction(step, session_factory=factory, **options)
        finally:
            engine.dispose()
        return result, attempts[0]

    async def body() -> Any:
        engine = create_async_engine(db.async_url)
        factory = app.db.async_session_factory(engine)

        async def step(uow: Any) -> Any:
            attempts[0] += 1
            return await fn(uow, app, attempts[0])

        try:
            return await app.uow.run_in_transaction(step, session_factory=factory, **options)
        finally:
            await engine.dispose()

    return run(body()), attempts[0]


def _rename_after_a_concurrent_write(db: FreshDb, flavour: str) -> Callable[[Any, App, int], Any]:
    """Read a user, let another connection change it (first attempt only), then write it: under
    SERIALIZABLE the write fails with 40001."""

    def concurrent(attempt: int) -> None:
        if attempt == 1:
            admin(db, "UPDATE users SET display_name = 'other' WHERE email = 'a@x.org'")

    if flavour == "sync":

        def fn(uow: Any, app: App, attempt: int) -> Any:
            user = uow.users.get_by_email("a@x.org")
            concurrent(attempt)
            return uow.users.update(user.id, app.users.UserUpdate(display_name=f"try{attempt}"))

        return fn

    async def afn(uow: Any, app: App, attempt: int) -> Any:
        user = await uow.users.get_by_email("a@x.org")
        # (in a thread: a blocking call on the loop would be a debug-mode complaint)
        await asyncio.to_thread(concurrent, attempt)
        return await uow.users.update(user.id, app.users.UserUpdate(display_name=f"try{attempt}"))

    return afn


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_serialization_failure_is_retryable_and_retried(
    pkg: ModuleType, db: FreshDb, flavour: str
) -> None:
    app = App()
    fn = _rename_after_a_concurrent_write(db, flavour)
    # Without retries the caller sees the typed error.
    with pytest.raises(app.errors.RetryableError) as raised:
        _retry(db, flavour, fn, isolation_level="SERIALIZABLE")
    assert raised.value.sqlstate == "40001"
    admin(db, "UPDATE users SET display_name = 'A' WHERE email = 'a@x.org'")
    user, attempts = _retry(db, flavour, fn, isolation_level="SERIALIZABLE", retries=3)
    assert attempts == 2 and user.display_name == "try2"
    assert admin(db, "SELECT display_name FROM users WHERE email = 'a@x.org'") == [("try2",)]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_killed_backend_before_commit_is_retried(
    pkg: ModuleType, db: FreshDb, flavour: str
) -> None:
    """The first attempt writes, then its backend is killed: nothing of it was committed, so
    the unit of work runs again and the row exists exactly once."""

    def kill_self(uow: Any) -> Any:
        def pid_of(result: Any) -> None:
            (pid,) = result.one()
            admin(db, "SELECT pg_terminate_backend(%s)", pid)

        return maybe_await(uow.session.execute(sa.text("SELECT pg_backend_pid()")), pid_of)

    if flavour == "sync":

        def fn(uow: Any, app: App, attempt: int) -> Any:
            made = uow.users.create(app.users.UserCreate(email="new@x.org", display_name="N"))
            if attempt == 1:
                kill_self(uow)
                uow.users.count()  # the connection is gone: ConnectionLostError
            return made

    else:

        async def fn(uow: Any, app: App, attempt: int) -> Any:
            made = await uow.users.create(app.users.UserCreate(email="new@x.org", display_name="N"))
            if attempt == 1:
                await kill_self(uow)
                await uow.users.count()
            return made

    made, attempts = _retry(db, flavour, fn, retries=2, backoff=0.01)
    assert attempts == 2 and made.email == "new@x.org"
    assert admin(db, "SELECT count(*) FROM users WHERE email = 'new@x.org'") == [(1,)]
