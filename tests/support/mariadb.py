"""The MariaDB server the MySQL tests use: $DBGEN_TEST_MYSQL_URL, else 127.0.0.1:3306 as root
without a password (what .ci/run starts). Each test creates its own database and drops it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from support.pg import unavailable


@dataclass(frozen=True)
class MariaDb:
    host: str
    port: int
    user: str
    password: str

    def url(self, database: str, driver: str = "pymysql") -> str:
        from urllib.parse import quote

        auth = quote(self.user, safe="") + (
            ":" + quote(self.password, safe="") if self.password else ""
        )
        return f"mysql+{driver}://{auth}@{self.host}:{self.port}/{database}"

    def connect(self, database: str | None = None):  # type: ignore[no-untyped-def]
        import pymysql

        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=database,
            autocommit=True,
        )

    def env(self) -> dict[str, str]:
        """The variables the shared mysql-roundtrip tool reads."""
        return {
            **os.environ,
            "MYSQL_HOST": self.host,
            "MYSQL_PORT": str(self.port),
            "MYSQL_USER": self.user,
            "MYSQL_PASSWORD": self.password,
        }


def discover_mariadb() -> MariaDb | None:
    from urllib.parse import unquote, urlsplit

    raw = os.environ.get("DBGEN_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/")
    parts = urlsplit(raw)
    server = MariaDb(
        parts.hostname or "127.0.0.1",
        parts.port or 3306,
        unquote(parts.username or "root"),
        unquote(parts.password or ""),
    )
    try:
        conn = server.connect()
    except Exception:
        return None
    conn.close()
    return server


def require_mariadb() -> MariaDb:
    try:
        import pymysql  # noqa: F401
    except ImportError:
        unavailable("PyMySQL is not installed (pip install -e '.[test]')")
    server = discover_mariadb()
    if server is None:
        unavailable("no MariaDB/MySQL server on 127.0.0.1:3306 (set DBGEN_TEST_MYSQL_URL)")
    return server


@contextmanager
def mysql_database(server: MariaDb, prefix: str = "dbgen_test") -> Iterator[str]:
    """A fresh, uniquely named database, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}`")
        yield name
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()
