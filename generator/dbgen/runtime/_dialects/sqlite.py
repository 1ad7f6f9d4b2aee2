"""SQLite's part of the runtime: aiosqlite and sqlite3, and what every connection needs.

Every connection the engines open gets ``PRAGMA foreign_keys=ON`` (SQLite enforces no foreign key
without it, per connection) and leaves transactions to SQLAlchemy: the driver's own implicit
BEGIN is turned off and SQLAlchemy's BEGIN is sent instead, so SAVEPOINTs (nested units of work,
the test fixtures) and transactional DDL (the migrations) behave as they do on a server.
"""

import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.engine.interfaces import (
    ReflectedForeignKeyConstraint,
    ReflectedUniqueConstraint,
    TableKey,
)
from sqlalchemy.engine.reflection import Inspector, ObjectKind, ObjectScope

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
    # sa.inspect() of the engine (Alembic's comparison among others) builds this class: the
    # attribute is SQLAlchemy's hook for a dialect's own inspector.
    setattr(engine.dialect, "inspector", _PragmaInspector)  # noqa: B010


# The pool's own reset (a ROLLBACK the driver skips when no transaction is open) is right here.
reset_returned: Callable[[Any, Any, Any], None] | None = None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _PragmaInspector(Inspector):
    """Reflection completed from SQLite's pragmas. SQLAlchemy parses the CREATE TABLE text for
    what the pragmas do not name, and its patterns miss two things `alembic check` then reports
    as differences: the ON DELETE / ON UPDATE of an inline ``REFERENCES`` (only table-level
    FOREIGN KEY clauses are read), and an inline ``UNIQUE`` after a type with parentheses or a
    quoted default (``Lock CHAR(1) NOT NULL DEFAULT 'X' UNIQUE``). ``foreign_key_list`` has
    every key's actions and ``index_list`` every UNIQUE constraint (origin "u"): filled in."""

    def get_foreign_keys(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedForeignKeyConstraint]:
        return self._with_actions(
            table_name, schema, super().get_foreign_keys(table_name, schema, **kw)
        )

    def get_multi_foreign_keys(
        self,
        schema: str | None = None,
        filter_names: Sequence[str] | None = None,
        kind: ObjectKind = ObjectKind.TABLE,
        scope: ObjectScope = ObjectScope.DEFAULT,
        **kw: Any,
    ) -> dict[TableKey, list[ReflectedForeignKeyConstraint]]:
        # Alembic reads every table's constraints at once through the get_multi_ methods.
        found = super().get_multi_foreign_keys(schema, filter_names, kind, scope, **kw)
        return {k: self._with_actions(k[1], k[0], v) for k, v in found.items()}

    def get_unique_constraints(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedUniqueConstraint]:
        return self._with_uniques(
            table_name, schema, super().get_unique_constraints(table_name, schema, **kw)
        )

    def get_multi_unique_constraints(
        self,
        schema: str | None = None,
        filter_names: Sequence[str] | None = None,
        kind: ObjectKind = ObjectKind.TABLE,
        scope: ObjectScope = ObjectScope.DEFAULT,
        **kw: Any,
    ) -> dict[TableKey, list[ReflectedUniqueConstraint]]:
        found = super().get_multi_unique_constraints(schema, filter_names, kind, scope, **kw)
        return {k: self._with_uniques(k[1], k[0], v) for k, v in found.items()}

    def _pragma(self, pragma: str, schema: str | None, name: str) -> list[Any]:
        prefix = f"{_quote(schema)}." if schema else ""
        with self._operation_context() as conn:
            return list(conn.exec_driver_sql(f"PRAGMA {prefix}{pragma}({_quote(name)})"))

    def _with_actions(
        self, table_name: str, schema: str | None, keys: list[ReflectedForeignKeyConstraint]
    ) -> list[ReflectedForeignKeyConstraint]:
        if not keys:
            return keys
        # id -> (local columns in order, referenced table, ON UPDATE, ON DELETE)
        pragma: dict[int, tuple[list[str], str, str, str]] = {}
        rows = self._pragma("foreign_key_list", schema, table_name)
        for row in sorted(rows, key=lambda r: (r[0], r[1])):
            local, _, on_update, on_delete = pragma.setdefault(row[0], ([], row[2], row[5], row[6]))
            local.append(row[3])
        for key in keys:
            found = {
                (on_update, on_delete)
                for local, target, on_update, on_delete in pragma.values()
                if local == key["constrained_columns"]
                and target.lower() == key["referred_table"].lower()
            }
            if len(found) != 1:
                continue  # not found, or keys alike but for their actions: left as read
            ((on_update, on_delete),) = found
            options = dict(key.get("options") or {})
            for option, action in (("onupdate", on_update), ("ondelete", on_delete)):
                if action and action.upper() != "NO ACTION":
                    options.setdefault(option, action.upper())
            key["options"] = options
        return keys

    def _with_uniques(
        self, table_name: str, schema: str | None, uniques: list[ReflectedUniqueConstraint]
    ) -> list[ReflectedUniqueConstraint]:
        # SQLite's names ignore case: the text may spell a column unlike its declaration
        read = Counter(tuple(c.lower() for c in u["column_names"]) for u in uniques)
        out = list(uniques)
        for row in self._pragma("index_list", schema, table_name):
            if row[3] != "u":  # origin: "u" is a UNIQUE constraint's index
                continue
            info = sorted(self._pragma("index_info", schema, row[1]))
            columns = tuple(str(r[2]) for r in info)
            folded = tuple(c.lower() for c in columns)
            if read[folded] > 0:
                read[folded] -= 1
            else:  # SQLite keeps no name for it but in the CREATE text
                out.append({"name": None, "column_names": list(columns)})
        return out


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
