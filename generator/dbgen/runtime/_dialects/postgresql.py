"""PostgreSQL's part of the runtime: driver names and how its engines are set up.

Every dialect's piece defines the same names (tests/unit/runtime checks it); a generated package
gets its dialect's piece as ``_dialect.py`` (dbgen/render/runtime.py), which ``db.py`` and the
migration environment import. The piece imports nothing of the package: it is copied as it is.
"""

from typing import Any

import sqlalchemy as sa
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


def connect_timeout_args(seconds: float, *, sync: bool) -> dict[str, Any]:
    """connect_args that bound how long connecting may take (read replicas)."""
    if sync:
        return {"connect_timeout": max(1, round(seconds))}  # libpq takes whole seconds
    return {"timeout": seconds}
