"""PostgreSQL's part of the runtime: driver names and how its engines are set up.

Every dialect's piece defines the same names (tests/unit/runtime checks it); a generated package
gets its dialect's piece as ``_dialect.py`` (dbgen/render/runtime.py), which ``db.py`` and the
migration environment import. The piece imports nothing of the package: it is copied as it is.
"""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL

NAME = "postgresql"
ASYNC_DRIVER = "postgresql+asyncpg"
SYNC_DRIVER = "postgresql+psycopg2"
EXAMPLE_URL = "postgresql+asyncpg://user:password@host:5432/db"
# The URL backends (the drivername before "+") a DATABASE_URL of this dialect may name.
BACKENDS: tuple[str, ...] = ("postgresql",)
# Whether a transaction-pooling PgBouncer may stand in front (db.py's DATABASE_PGBOUNCER).
POOLER_AWARE = True


def engine_options(url: URL, options: dict[str, Any]) -> dict[str, Any]:
    """The engine options of db.py's pool settings, as this dialect's pools take them."""
    return options


def configure_engine(engine: sa.Engine) -> None:
    """What every connection of ``engine`` (the sync engine of an async one) gets: nothing here."""


# The pool's own reset (a ROLLBACK the driver skips when no transaction is open) is right here.
reset_returned: Callable[[Any, Any, Any], None] | None = None


def connect_timeout_args(seconds: float, *, sync: bool) -> dict[str, Any]:
    """connect_args that bound how long connecting may take (read replicas)."""
    if sync:
        return {"connect_timeout": max(1, round(seconds))}  # libpq takes whole seconds
    return {"timeout": seconds}


def scratch_url(directory: str) -> URL | None:
    """A database of its own in ``directory`` for the test fixtures (testing.py), or None:
    they create one on a server instead (_testing.py)."""
    return None


# The most bind parameters one statement may carry (the protocol's 16-bit count, less one).
MAX_BIND_PARAMS = 32767


def key_in(column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
    """``column`` equal to any of the list bound as ``name``: one array parameter (``= ANY``),
    so the statement compiles once whatever the list's length (the fast path needs that)."""
    return column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(column.type)))


def error_state(exc: BaseException) -> tuple[str | None, str | None]:
    """(SQLSTATE, constraint name) of a driver error that has no SQLSTATE of its own, or
    (None, None): errors.py reads the driver's SQLSTATE and constraint itself."""
    return None, None


def error_detail(exc: BaseException) -> str | None:
    """The server's words on a failed constraint, for drivers with no detail field of their
    own; None here: errors.py reads asyncpg's and psycopg2's detail (``Key (name)=(x)``)."""
    return None


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
