"""SQLite's part of the runtime: aiosqlite and sqlite3, and what every connection needs.

Every connection the engines open gets ``PRAGMA foreign_keys=ON`` (SQLite enforces no foreign key
without it, per connection) and leaves transactions to SQLAlchemy: the driver's own implicit
BEGIN is turned off and SQLAlchemy's BEGIN is sent instead, so SAVEPOINTs (nested units of work,
the test fixtures) and transactional DDL (the migrations) behave as they do on a server.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL

NAME = "sqlite"
ASYNC_DRIVER = "sqlite+aiosqlite"
SYNC_DRIVER = "sqlite+pysqlite"
EXAMPLE_URL = "sqlite+aiosqlite:///path/to/app.db"
BACKENDS: tuple[str, ...] = ("sqlite",)
POOLER_AWARE = False

# Pool settings an in-memory database's single-connection pool does not take.
_QUEUE_ONLY = ("pool_size", "max_overflow", "pool_timeout")


def _in_memory(url: URL) -> bool:
    database = url.database or ""
    return (
        database in ("", ":memory:")
        or database.startswith("file::memory:")
        or (url.query.get("mode") == "memory")
    )


def engine_options(url: URL, options: dict[str, Any]) -> dict[str, Any]:
    """An in-memory database lives in one connection that SQLAlchemy's pool keeps: the queue
    pool's size settings do not apply to it (nor to a pool class given by the caller)."""
    if _in_memory(url) or "poolclass" in options:
        return {k: v for k, v in options.items() if k not in _QUEUE_ONLY}
    return options


def configure_engine(engine: sa.Engine) -> None:
    """Foreign keys on, and SQLAlchemy's BEGIN instead of the driver's, on every connection."""

    def connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # autocommit at the driver: SQLAlchemy begins
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    def begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    sa.event.listen(engine, "connect", connect)
    sa.event.listen(engine, "begin", begin)


def connect_timeout_args(seconds: float, *, sync: bool) -> dict[str, Any]:
    """How long a connection waits for another's lock (sqlite3's timeout, in seconds)."""
    return {"timeout": seconds}
