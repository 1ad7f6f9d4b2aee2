"""MySQL/MariaDB's part of the runtime: aiomysql and PyMySQL, and how their engines are set up.

Connections use utf8mb4 (the whole of Unicode; MySQL's "utf8" is three bytes at most) unless
DATABASE_URL's query names a charset. MySQL DDL is not transactional: the migration environment
runs each revision's statements as they come (docs/mysql.md).
"""

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
    """Pooled connections are checked before use (a server drops idle ones after
    wait_timeout); the charset is utf8mb4 unless the URL says otherwise."""
    out = {"pool_pre_ping": True, **options}
    if "charset" not in url.query:
        connect_args = dict(out.get("connect_args", {}))
        connect_args.setdefault("charset", "utf8mb4")
        out["connect_args"] = connect_args
    return out


def configure_engine(engine: sa.Engine) -> None:
    """What every connection of ``engine`` gets: nothing beyond the connect arguments."""


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


def error_state(exc: BaseException) -> tuple[str | None, str | None]:
    """(SQLSTATE, constraint name) of a driver error that has no SQLSTATE of its own, or
    (None, None): errors.py reads the driver's SQLSTATE and constraint itself."""
    return None, None


def values_source(values: sa.Values) -> Any:
    """What an UPDATE ... FROM reads a VALUES list through: the list itself, aliased
    (``FROM (VALUES ...) AS v (k_id, ...)``)."""
    return values
