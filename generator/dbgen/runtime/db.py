"""Engines and sessions, configured from the environment.

DATABASE_URL            postgresql+asyncpg://user:pass@host/db (the sync engine swaps in psycopg2)
DATABASE_POOL_SIZE      default 5
DATABASE_MAX_OVERFLOW   default 10
DATABASE_POOL_TIMEOUT   seconds, default 30
DATABASE_POOL_RECYCLE   seconds, default 1800
DATABASE_POOL_PRE_PING  "1"/"true" to test each pooled connection before use (off by default:
                        with asyncpg it costs three round trips per checkout; pool_recycle
                        already retires old connections)
SQL_ECHO                "1"/"true" to log every statement
"""

import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

ASYNC_DRIVER = "postgresql+asyncpg"
SYNC_DRIVER = "postgresql+psycopg2"


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError(
            "DATABASE_URL is not set (postgresql+asyncpg://user:password@host:5432/db)"
        )
    return url


def _with_driver(url: str | URL, driver: str) -> URL:
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise ValueError(f"not a PostgreSQL URL: {parsed.render_as_string(hide_password=True)}")
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


def create_async_engine_from_env(url: str | URL | None = None, **overrides: Any) -> AsyncEngine:
    return create_async_engine(async_url(url), **{**pool_options(), **overrides})


def create_sync_engine_from_env(url: str | URL | None = None, **overrides: Any) -> Engine:
    return sa.create_engine(sync_url(url), **{**pool_options(), **overrides})


def async_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after the unit of work commits.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def sync_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


_default_engine: AsyncEngine | None = None
_default_factory: async_sessionmaker[AsyncSession] | None = None


def default_async_engine() -> AsyncEngine:
    """One process-wide engine from DATABASE_URL, created on first use."""
    global _default_engine, _default_factory
    if _default_engine is None:
        _default_engine = create_async_engine_from_env()
        _default_factory = async_session_factory(_default_engine)
    return _default_engine


async def get_db_session() -> AsyncIterator[AsyncSession]:
    """FastAPI-style dependency: a session per request, rolled back if the request fails."""
    default_async_engine()
    assert _default_factory is not None
    async with _default_factory() as session:
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
