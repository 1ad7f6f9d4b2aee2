"""MySQL/MariaDB's part of the runtime: aiomysql and PyMySQL, and how their engines are set up.

Connections use utf8mb4 (the whole of Unicode; MySQL's "utf8" is three bytes at most) unless
DATABASE_URL's query names a charset. MySQL DDL is not transactional: the migration environment
runs each revision's statements as they come (docs/mysql.md).
"""

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL

NAME = "mysql"
ASYNC_DRIVER = "mysql+aiomysql"
SYNC_DRIVER = "mysql+pymysql"
EXAMPLE_URL = "mysql+aiomysql://user:password@host:3306/db"
BACKENDS: tuple[str, ...] = ("mysql", "mariadb")
POOLER_AWARE = False


def engine_options(url: URL, options: dict[str, Any]) -> dict[str, Any]:
    """The charset is utf8mb4 unless the URL says otherwise. A returned connection is rolled
    back only when a transaction is still open on it (``configure_engine``), unless the caller
    chose ``pool_reset_on_return`` (``reset_returned``)."""
    out = {"pool_reset_on_return": None, **options}
    if "charset" not in url.query:
        connect_args = dict(out.get("connect_args", {}))
        connect_args.setdefault("charset", "utf8mb4")
        out["connect_args"] = connect_args
    return out


def configure_engine(engine: sa.Engine) -> None:
    """What every connection of ``engine`` gets: nothing beyond the connect arguments."""


# PyMySQL's copy of the server status flags that every OK and EOF packet carries
# (SERVER_STATUS_IN_TRANS: a transaction is open on the connection).
_IN_TRANSACTION = 1


def reset_returned(dbapi_connection: Any, record: Any, state: Any) -> None:
    """The pool's reset of a returned connection (a ``reset`` listener, installed by db.py where
    the pool does not reset by itself): ROLLBACK only when the server reports a transaction
    open. SQLAlchemy's own reset rolls back every connection that comes back, even after a
    COMMIT, and unlike the other drivers PyMySQL sends that ROLLBACK: a round trip more for
    every unit of work."""
    if state.terminate_only or not state.asyncio_safe or state.transaction_was_reset:
        return  # being closed, or SQLAlchemy already ended the transaction
    driver = getattr(dbapi_connection, "driver_connection", dbapi_connection)
    status = getattr(driver, "server_status", None)
    if not isinstance(status, int) or status & _IN_TRANSACTION:
        dbapi_connection.rollback()


def connect_timeout_args(seconds: float, *, sync: bool) -> dict[str, Any]:
    """connect_args that bound how long connecting may take (read replicas)."""
    return {"connect_timeout": max(1, round(seconds))}


def scratch_url(directory: str) -> URL | None:
    """A database of its own in ``directory`` for the test fixtures (testing.py), or None:
    they create one on a server instead (_testing.py)."""
    return None


# The client/server protocol's 16-bit parameter count.
MAX_BIND_PARAMS = 65535


def key_in(column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
    """``column`` equal to any of the list bound as ``name``: an expanding IN (one parameter
    per element, which the caller keeps under MAX_BIND_PARAMS)."""
    return column.in_(sa.bindparam(name, expanding=True))


# MySQL/MariaDB error numbers (PyMySQL's exceptions, which aiomysql raises too, carry them as
# args[0]) and the SQLSTATE each stands for in errors.py: the server's own SQLSTATE is too
# coarse (23000 for every integrity error, HY000 for most others).
_STATES = {
    1022: "23505",  # duplicate key
    1062: "23505",  # duplicate entry for a key
    1586: "23505",  # duplicate entry for a key (its name given)
    1216: "23503",  # a referenced row is missing
    1217: "23503",  # the row is still referenced
    1451: "23503",  # the row is still referenced
    1452: "23503",  # a referenced row is missing
    1048: "23502",  # column cannot be null
    1364: "23502",  # field has no default value
    3819: "23514",  # check constraint violated (MySQL)
    4025: "23514",  # CONSTRAINT ... failed (MariaDB's CHECK)
    1264: "22003",  # out of range
    1265: "22001",  # data truncated
    1292: "22007",  # incorrect date/time value
    1366: "22007",  # incorrect value for the column
    1406: "22001",  # data too long
    1213: "40P01",  # deadlock
    1205: "55P03",  # lock wait timeout
    1969: "57014",  # max_statement_time exceeded (MariaDB)
    3024: "57014",  # max_execution_time exceeded (MySQL)
    1290: "25006",  # the server runs read-only
    1792: "25006",  # a read-only transaction
    1927: "08006",  # connection killed
    2003: "08001",  # cannot connect
    2006: "08006",  # server has gone away
    2013: "08006",  # lost connection during a query
    4031: "08006",  # disconnected for inactivity
}
# Where the message names the constraint: FOREIGN KEY and MariaDB's CHECK (CONSTRAINT `x`),
# a duplicate (for key 'x', or 'table.x' on MySQL 8), MySQL's CHECK (constraint 'x').
_CONSTRAINT = re.compile(r"CONSTRAINT `((?:[^`]|``)+)`|for key '([^']+)'|constraint '([^']+)'")


def error_state(exc: BaseException) -> tuple[str | None, str | None]:
    """(SQLSTATE, constraint name) of a PyMySQL error, by its error number; (None, None) for
    anything else."""
    if not type(exc).__module__.startswith("pymysql"):
        return None, None
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    if len(args) < 2 or not isinstance(args[0], int):
        return None, None
    found = _CONSTRAINT.search(str(args[1]))
    constraint = None
    if found is not None:
        name = next(g for g in found.groups() if g is not None)
        constraint = name.replace("``", "`").rsplit(".", 1)[-1]
    return _STATES.get(args[0]), constraint


def error_detail(exc: BaseException) -> str | None:
    """The server's message of a PyMySQL error (``Duplicate entry 'x' for key 'k'``): MySQL has
    no detail apart from it, and it names the values as PostgreSQL's detail does."""
    if not type(exc).__module__.startswith("pymysql"):
        return None
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    if len(args) < 2 or not isinstance(args[0], int) or not isinstance(args[1], str):
        return None
    return args[1]


def values_source(values: sa.Values) -> Any:
    """What an UPDATE ... FROM reads a VALUES list through: the list itself, aliased
    (``FROM (VALUES ...) AS v (k_id, ...)``)."""
    return values


def integer_bits(type_: Any) -> int | None:
    """How many bits an integer column of this SQLAlchemy type holds (None: not an integer)."""
    if isinstance(type_, sa.SmallInteger):
        return 16
    if isinstance(type_, sa.BigInteger):
        return 64
    if isinstance(type_, sa.Integer):
        return 32
    return None
