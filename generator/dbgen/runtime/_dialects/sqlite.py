"""SQLite's part of the runtime: aiosqlite and sqlite3, and what every connection needs.

Every connection the engines open gets ``PRAGMA foreign_keys=ON`` (SQLite enforces no foreign key
without it, per connection) and leaves transactions to SQLAlchemy: the driver's own implicit
BEGIN is turned off and SQLAlchemy's BEGIN is sent instead, so SAVEPOINTs (nested units of work,
the test fixtures) and transactional DDL (the migrations) behave as they do on a server.
"""

import sqlite3
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


def scratch_url(directory: str) -> URL | None:
    """The test fixtures' database: a new file in ``directory`` (no server needed)."""
    return URL.create(ASYNC_DRIVER, database=f"{directory}/test.db")


# SQLITE_MAX_VARIABLE_NUMBER's default: 32766 since SQLite 3.32, 999 before.
MAX_BIND_PARAMS = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


def key_in(column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
    """``column`` equal to any of the list bound as ``name``: an expanding IN (one parameter
    per element, which the caller keeps under MAX_BIND_PARAMS)."""
    return column.in_(sa.bindparam(name, expanding=True))


# SQLite's extended result codes (``sqlite_errorcode``; the primary code is the low byte) ->
# the SQLSTATE of that failure, so the typed errors follow (errors.py): a unique or primary key
# is AlreadyExistsError, a foreign key RelatedNotFoundError, CHECK, NOT NULL and a STRICT
# table's type ConstraintViolationError, a lock not granted within the busy timeout
# QueryTimeoutError, a stale WAL snapshot RetryableError, a read-only database
# InvalidQueryError. By number: Python's sqlite3 knows no name for the newer codes.
_STATES = {
    2067: "23505",  # SQLITE_CONSTRAINT_UNIQUE
    1555: "23505",  # SQLITE_CONSTRAINT_PRIMARYKEY
    2579: "23505",  # SQLITE_CONSTRAINT_ROWID
    787: "23503",  # SQLITE_CONSTRAINT_FOREIGNKEY
    275: "23514",  # SQLITE_CONSTRAINT_CHECK
    1299: "23502",  # SQLITE_CONSTRAINT_NOTNULL
    3091: "22000",  # SQLITE_CONSTRAINT_DATATYPE (a STRICT table's column type)
    19: "23000",  # SQLITE_CONSTRAINT (another constraint: a trigger's RAISE, ...)
    18: "54000",  # SQLITE_TOOBIG
    5: "55P03",  # SQLITE_BUSY (and BUSY_TIMEOUT, 773)
    6: "55P03",  # SQLITE_LOCKED
    517: "40001",  # SQLITE_BUSY_SNAPSHOT
    8: "25006",  # SQLITE_READONLY
    13: "53100",  # SQLITE_FULL
    9: "57014",  # SQLITE_INTERRUPT
}
_CHECK_FAILED = "CHECK constraint failed: "


def error_state(exc: BaseException) -> tuple[str | None, str | None]:
    """(SQLSTATE, constraint name) of a sqlite3 error: the state by its extended result code;
    the name where SQLite's message gives one (a CHECK's; UNIQUE and FOREIGN KEY failures name
    columns, not constraints: the typed error's detail carries the message)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None, None
    state = _STATES.get(code) or _STATES.get(code & 0xFF)
    text = str(exc)
    constraint = text[len(_CHECK_FAILED) :] if text.startswith(_CHECK_FAILED) else None
    return state, constraint


def error_detail(exc: BaseException) -> str | None:
    """sqlite3's message (``UNIQUE constraint failed: artist.name``): SQLite has no detail
    apart from it, and it names the table and columns of the key, not the values."""
    if not isinstance(getattr(exc, "sqlite_errorcode", None), int):
        return None
    return str(exc) or None


def values_source(values: sa.Values) -> Any:
    """What an UPDATE ... FROM reads a VALUES list through: a CTE (``WITH v(k_id, ...) AS
    (VALUES ...) UPDATE ... FROM v``), as SQLite names no columns of a subquery's alias."""
    return values.cte(values.name)


def integer_bits(type_: Any) -> int | None:
    """How many bits an integer column holds: 64 whatever its declared type (SQLite stores
    every integer in up to 8 bytes; SMALLINT or INT is only a name)."""
    return 64 if isinstance(type_, sa.Integer) else None
