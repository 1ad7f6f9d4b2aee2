"""Engines and sessions, configured from the environment.

DATABASE_URL            the database, in the package's dialect (``_dialect.py``): for PostgreSQL
                        postgresql+asyncpg://user:pass@host/db (the sync engine swaps in
                        psycopg2), for SQLite sqlite+aiosqlite:///path/app.db (sqlite3)
DATABASE_POOL_SIZE      default 5
DATABASE_MAX_OVERFLOW   default 10
DATABASE_POOL_TIMEOUT   seconds, default 30
DATABASE_POOL_RECYCLE   seconds, default 1800
DATABASE_POOL_PRE_PING  "1"/"true" to test each pooled connection before use (off by default:
                        with asyncpg it costs three round trips per checkout; pool_recycle
                        already retires old connections)
DATABASE_PGBOUNCER      "1"/"true": a pooler in transaction mode (PgBouncer's pool_mode =
                        transaction, as many hosted offerings run) is in front of the server,
                        so asyncpg must not keep named prepared statements (they stay on one
                        server connection, the next transaction may get another): asyncpg's
                        and SQLAlchemy's statement caches are turned off (PGBOUNCER_CONNECT_ARGS)
                        and statements are unnamed. "0"/"false": never. Unset: on when the URL's
                        port is 6432, PgBouncer's default. psycopg2 prepares nothing; it needs
                        no setting.
DATABASE_REPLICA_URLS   comma-separated URLs of read replicas: read-only units of work made
                        without a session factory read from them in turn, falling back to the
                        primary (with a WARNING) when none answers (see _replicas.py)
DATABASE_REPLICA_CONNECT_TIMEOUT  seconds before a replica counts as not answering, default 3
DATABASE_REPLICA_RETRY_SECONDS    how long a replica that did not answer is left out, default 30
SQL_ECHO                "1"/"true" to log every statement
DATABASE_SLOW_OPERATION_MS  a repository operation slower than this is logged as a WARNING
DATABASE_LOG_PARAMETERS "1"/"true": operation log records include the call's arguments

The default engines (``default_async_engine()``, ``default_sync_engine()``, the units of work made
without a session factory, ``get_db_session``, ``get_uow``) are created from the environment on
first use. An asyncpg engine belongs to the event loop it was first used on, so there is one
default async engine per event loop: a second loop in the same process (a test framework's loop
per test, a TestClient and then an AsyncClient) gets its own. End each loop's use with
``await dispose_engines()`` (FastAPI: ``FastAPI(lifespan=lifespan)`` does it at shutdown; pytest:
in the fixture's teardown), which closes its engine's connections; sync code calls
``dispose_engines_sync()``.
"""

import asyncio
import contextlib
import functools
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic_core import from_json
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

from . import _compat, _dialect
from ._replicas import ReplicaSet, connect_timeout
from .errors import ConnectionLostError, QueryTimeoutError, map_error

ASYNC_DRIVER = _dialect.ASYNC_DRIVER
SYNC_DRIVER = _dialect.SYNC_DRIVER


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError(f"DATABASE_URL is not set ({_dialect.EXAMPLE_URL})")
    return url


def _with_driver(url: str | URL, driver: str) -> URL:
    parsed = make_url(url)
    if parsed.get_backend_name() not in _dialect.BACKENDS:
        raise ValueError(
            f"not a {_dialect.NAME} URL (this package was generated for {_dialect.NAME}: "
            f"{_dialect.EXAMPLE_URL}): {parsed.render_as_string(hide_password=True)}"
        )
    return parsed.set(drivername=driver)


def async_url(url: str | URL | None = None) -> URL:
    return _with_driver(url or database_url(), ASYNC_DRIVER)


def sync_url(url: str | URL | None = None) -> URL:
    return _with_driver(url or database_url(), SYNC_DRIVER)


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from None


def _flag_env(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def pool_options() -> dict[str, Any]:
    return {
        "pool_size": _int_env("DATABASE_POOL_SIZE", 5),
        "max_overflow": _int_env("DATABASE_MAX_OVERFLOW", 10),
        "pool_timeout": _int_env("DATABASE_POOL_TIMEOUT", 30),
        "pool_recycle": _int_env("DATABASE_POOL_RECYCLE", 1800),
        "pool_pre_ping": _flag_env("DATABASE_POOL_PRE_PING"),
        "echo": _flag_env("SQL_ECHO"),
    }


# asyncpg's statement cache and SQLAlchemy's off: every statement is unnamed, parsed in the
# transaction that runs it (a round trip more per statement, the price of transaction pooling).
PGBOUNCER_CONNECT_ARGS: dict[str, Any] = {
    "statement_cache_size": 0,
    "prepared_statement_cache_size": 0,
}
PGBOUNCER_PORT = 6432


def behind_pgbouncer(url: str | URL | None = None) -> bool:
    """Whether the async engine must work through a transaction-pooling PgBouncer (see
    DATABASE_PGBOUNCER)."""
    if not _dialect.POOLER_AWARE:
        return False
    raw = os.environ.get("DATABASE_PGBOUNCER", "").strip().lower()
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    return async_url(url).port == PGBOUNCER_PORT


def _parser() -> Callable[[str | bytes], Any]:
    """pydantic-core's JSON parser, without its string cache (``cache_strings``, a flag of
    pydantic 2.7 on: on rows of distinct values the cache costs more than it saves)."""
    try:
        from_json("{}", cache_strings=False)
    except TypeError:
        return from_json
    return functools.partial(from_json, cache_strings=False)


_parse = _parser()


def json_loads(text: str | bytes) -> Any:
    """How the engines decode ``json`` and ``jsonb`` values (their ``json_deserializer``):
    pydantic-core's parser, three to four times faster than ``json.loads`` on the small
    documents rows usually hold, with the same result for every document PostgreSQL stores;
    where it refuses one (nesting deeper than 200, an unpaired surrogate escape in a ``json``
    value), ``json.loads`` decides. Pass ``json_deserializer=`` to the engine to use another."""
    try:
        return _parse(text)
    except ValueError:
        return json.loads(text)


def create_async_engine_from_env(url: str | URL | None = None, **overrides: Any) -> AsyncEngine:
    target = async_url(url)
    defaults = {**pool_options(), "json_deserializer": json_loads, **overrides}
    options = _dialect.engine_options(target, defaults)
    if behind_pgbouncer(url):
        options["connect_args"] = {**PGBOUNCER_CONNECT_ARGS, **options.get("connect_args", {})}
    engine = create_async_engine(target, **options)
    prepare_engine(engine.sync_engine)
    return engine


def create_sync_engine_from_env(url: str | URL | None = None, **overrides: Any) -> Engine:
    target = sync_url(url)
    defaults = {**pool_options(), "json_deserializer": json_loads, **overrides}
    engine = sa.create_engine(target, **_dialect.engine_options(target, defaults))
    prepare_engine(engine)
    return engine


def prepare_engine(engine: Engine) -> None:
    """What every engine of the package gets (the sync engine of an async one): the dialect's
    per-connection setup (SQLite: ``PRAGMA foreign_keys=ON``), its reset of returned connections
    where the pool leaves that to it (MySQL), and the closed-connection check. Engines made elsewhere on the package's database (the migration environment, the test
    fixtures) go through here too."""
    _dialect.configure_engine(engine)
    if _dialect.reset_returned is not None and not _compat.pool_resets_on_return(engine.pool):
        sa.event.listen(engine, "reset", _dialect.reset_returned)
    skip_closed_connections(engine)


def skip_closed_connections(engine: Engine) -> None:
    """Make the pool drop, at checkout, a connection its driver already knows is closed (the
    server or a pooler in front of it hung up while it sat in the pool) and hand out another,
    instead of one whose first statement fails. A local check: no round trip."""

    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", dbapi_connection)
        is_closed = getattr(driver, "is_closed", None)  # asyncpg
        closed = is_closed() if callable(is_closed) else bool(getattr(driver, "closed", 0))
        if closed:
            raise sa.exc.DisconnectionError("the pooled connection was closed")

    sa.event.listen(engine, "checkout", checkout)


def async_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after the unit of work commits.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def sync_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


@dataclass(frozen=True, slots=True)
class _AsyncDefaults:
    engine: AsyncEngine
    factory: async_sessionmaker[AsyncSession]
    replicas: ReplicaSet[async_sessionmaker[AsyncSession]]


@dataclass(frozen=True, slots=True)
class _SyncDefaults:
    engine: Engine
    factory: sessionmaker[Session]
    replicas: ReplicaSet[sessionmaker[Session]]


def _async_replica(url: str) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    connect_args = _dialect.connect_timeout_args(connect_timeout(), sync=False)
    engine = create_async_engine_from_env(url, connect_args=connect_args)
    return engine, async_session_factory(engine)


def _sync_replica(url: str) -> tuple[Engine, sessionmaker[Session]]:
    connect_args = _dialect.connect_timeout_args(connect_timeout(), sync=True)
    engine = create_sync_engine_from_env(url, connect_args=connect_args)
    return engine, sync_session_factory(engine)


# Event loop -> its default engine. Held strongly (a loop's engine refers to the loop anyway);
# engines of loops that have closed are dropped by the next dispose_engines().
_async_defaults: dict[asyncio.AbstractEventLoop, _AsyncDefaults] = {}
_sync_default: list[_SyncDefaults] = []
_lock = threading.Lock()


def _async_defaults_here() -> _AsyncDefaults:
    loop = asyncio.get_running_loop()
    found = _async_defaults.get(loop)
    if found is None:
        engine = create_async_engine_from_env()
        replicas = ReplicaSet.build(_async_replica)
        found = _AsyncDefaults(engine, async_session_factory(engine), replicas)
        _async_defaults[loop] = found
    return found


def _sync_defaults() -> _SyncDefaults:
    with _lock:
        if not _sync_default:
            engine = create_sync_engine_from_env()
            replicas = ReplicaSet.build(_sync_replica)
            _sync_default.append(_SyncDefaults(engine, sync_session_factory(engine), replicas))
        return _sync_default[0]


def default_async_engine() -> AsyncEngine:
    """The engine from DATABASE_URL for the running event loop, created on first use."""
    return _async_defaults_here().engine


def default_async_session_factory() -> async_sessionmaker[AsyncSession]:
    """Sessions on ``default_async_engine()``."""
    return _async_defaults_here().factory


def default_sync_engine() -> Engine:
    """One process-wide sync engine (psycopg2, sqlite3) from DATABASE_URL, created on first use."""
    return _sync_defaults().engine


def default_sync_session_factory() -> sessionmaker[Session]:
    """Sessions on ``default_sync_engine()``."""
    return _sync_defaults().factory


async def open_replica_session(
    execution_options: dict[str, Any],
) -> tuple[AsyncSession, Callable[[BaseException], None]] | None:
    """A session on the next replica that answers, its connection open with
    ``execution_options``, and what to call should the replica fail it later; None without
    replicas, or when none answers (each that did not is left out for a while, with a
    WARNING)."""
    replicas = _async_defaults_here().replicas
    for replica in replicas.candidates():
        session = replica.factory()
        try:
            await session.connection(execution_options=execution_options)
        except Exception as failure:
            with contextlib.suppress(Exception):
                await session.close()
            if not _unreachable(failure):
                raise
            replicas.mark_down(replica, map_error(failure, None))
            continue
        return session, functools.partial(replicas.mark_down, replica)
    return None


def open_sync_replica_session(
    execution_options: dict[str, Any],
) -> tuple[Session, Callable[[BaseException], None]] | None:
    """``open_replica_session`` for the sync engines."""
    replicas = _sync_defaults().replicas
    for replica in replicas.candidates():
        session = replica.factory()
        try:
            session.connection(execution_options=execution_options)
        except Exception as failure:
            with contextlib.suppress(Exception):
                session.close()
            if not _unreachable(failure):
                raise
            replicas.mark_down(replica, map_error(failure, None))
            continue
        return session, functools.partial(replicas.mark_down, replica)
    return None


def _unreachable(failure: BaseException) -> bool:
    """Whether connecting failed because the server does not answer (rather than, say, a
    wrong password, which falling back would hide)."""
    typed = map_error(failure, None)
    return isinstance(typed, ConnectionLostError | QueryTimeoutError) or isinstance(
        failure, OSError | TimeoutError
    )


async def dispose_engines() -> None:
    """Dispose the default engines: the running loop's (its pooled connections are closed),
    the sync engine, and those of event loops that have closed (their connections went with
    the loop: they are let go without I/O). The next use creates fresh ones."""
    loop = asyncio.get_running_loop()
    for owner, defaults in list(_async_defaults.items()):
        engines = [defaults.engine, *defaults.replicas.engines]
        if owner is loop:
            for engine in engines:
                await engine.dispose()
        elif owner.is_closed():
            for engine in engines:
                await engine.dispose(close=False)
        else:
            continue  # a loop still running elsewhere disposes its own engine
        del _async_defaults[owner]
    _dispose_sync_default()


def dispose_engines_sync() -> None:
    """``dispose_engines()`` for code outside an event loop: the sync engine, and the async
    engines of loops that are not running (closed properly where the loop is still open)."""
    for owner, defaults in list(_async_defaults.items()):
        if owner.is_running():
            continue
        engines = [defaults.engine, *defaults.replicas.engines]
        for engine in engines:
            if owner.is_closed():
                engine.sync_engine.dispose(close=False)
            else:
                owner.run_until_complete(engine.dispose())
        del _async_defaults[owner]
    _dispose_sync_default()


def _dispose_sync_default() -> None:
    with _lock:
        if _sync_default:
            defaults = _sync_default.pop()
            for engine in (defaults.engine, *defaults.replicas.engines):
                engine.dispose()


@contextlib.asynccontextmanager
async def lifespan(app: Any = None) -> AsyncIterator[None]:
    """An ASGI lifespan (``FastAPI(lifespan=lifespan)``): the default engines are disposed when
    the application shuts down. Inside a lifespan of your own: ``async with lifespan(app):``."""
    try:
        yield
    finally:
        await dispose_engines()


async def get_db_session() -> AsyncIterator[AsyncSession]:
    """FastAPI-style dependency: a session per request on the default engine, rolled back if
    the request fails. It never commits: for code that commits itself (``await
    session.commit()``). ``uow.get_uow`` commits on success and is what most routes want."""
    async with default_async_session_factory()() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    latency_ms: float
    error: str | None = None


async def health_check(engine: AsyncEngine | None = None) -> Health:
    """One cheap round trip (SELECT 1): does the database answer, and how fast."""
    start = time.perf_counter()
    try:
        async with (engine or default_async_engine()).connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # a health check reports failures, it does not raise them
        return Health(False, (time.perf_counter() - start) * 1000, f"{type(exc).__name__}: {exc}")
    return Health(True, (time.perf_counter() - start) * 1000)


def sync_health_check(engine: Engine) -> Health:
    start = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # a health check reports failures, it does not raise them
        return Health(False, (time.perf_counter() - start) * 1000, f"{type(exc).__name__}: {exc}")
    return Health(True, (time.perf_counter() - start) * 1000)
