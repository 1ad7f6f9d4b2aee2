"""Where the dialect rows run (bench.dialects): a SQLite file in a scratch directory, removed
afterwards, or a uniquely named database on the MariaDB server ($DBGEN_BENCH_MYSQL_URL, else
root@127.0.0.1:3306), dropped afterwards; each loaded with the bench's seeded data, with the raw
implementations and the URLs the generated engines connect to."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import sqlalchemy as sa

from bench.data import Loaded
from bench.dialect_data import load_mysql, load_sqlite
from bench.dialect_sql import MYSQL, SQLITE
from bench.impl_base import Implementation
from bench.impl_raw_mysql import RawAiomysql, RawPyMySQL
from bench.impl_raw_sqlite import PRAGMAS, RawAiosqlite, RawSqlite3
from bench.settings import Settings

DEFAULT_MYSQL_URL = "mysql://root@127.0.0.1:3306/"


@dataclass(slots=True)
class Target:
    """One loaded database of a dialect and how each implementation reaches it."""

    admin: Any  # a sync DBAPI connection (sqlite3 / PyMySQL): ids, row counts, the cleaner
    raw: list[Implementation]  # [async driver, sync driver]
    async_url: str
    sync_url: str
    setup: Callable[[sa.Engine], None] | None
    server: str
    loaded: Loaded


def _sqlite_pragmas(engine: sa.Engine) -> None:
    """The raw connections' pragmas on every connection of a generated engine (after the
    package's own listener, which turns foreign keys on)."""

    @sa.event.listens_for(engine, "connect")
    def connect(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            for pragma in PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()


@contextlib.contextmanager
def sqlite_target(settings: Settings) -> Iterator[Target]:
    import sqlite3

    scratch = Path(tempfile.mkdtemp(prefix="dbgen-bench-sqlite-"))
    try:
        path = scratch / "bench.db"
        loaded = load_sqlite(path, SQLITE.spec / "schema.sql", settings.sizes, settings.seed)
        admin = sqlite3.connect(path, isolation_level=None)
        try:
            yield Target(
                admin,
                [RawAiosqlite(path), RawSqlite3(path)],
                f"sqlite+aiosqlite:///{path}",
                f"sqlite+pysqlite:///{path}",
                # synchronous=NORMAL: in WAL mode a commit does not wait for the disk (what
                # synchronous_commit=off does for the PostgreSQL bench), so the disk's fsync
                # latency does not drown the layers' differences in every write.
                _sqlite_pragmas,
                f"SQLite {sqlite3.sqlite_version}",
                loaded,
            )
        finally:
            admin.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def mysql_server() -> dict[str, Any]:
    parts = urlsplit(os.environ.get("DBGEN_BENCH_MYSQL_URL", DEFAULT_MYSQL_URL))
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "charset": "utf8mb4",
    }


@contextlib.contextmanager
def mysql_target(settings: Settings) -> Iterator[Target]:
    import pymysql
    from pymysql.constants import CLIENT

    server = mysql_server()
    name = f"dbgen_bench_{os.getpid()}_{secrets.token_hex(4)}"
    admin = pymysql.connect(**server, autocommit=True)
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT version()")
            version = str(cur.fetchone()[0])
            cur.execute(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        try:
            loader = pymysql.connect(**server, database=name, client_flag=CLIENT.MULTI_STATEMENTS)
            try:
                loaded = load_mysql(
                    loader, MYSQL.spec / "schema.sql", settings.sizes, settings.seed
                )
            finally:
                loader.close()
            admin.select_db(name)
            auth = quote(server["user"], safe="") + (
                ":" + quote(server["password"], safe="") if server["password"] else ""
            )
            where = f"{auth}@{server['host']}:{server['port']}/{name}?charset=utf8mb4"
            connect = {**server, "db": name}
            yield Target(
                admin,
                [RawAiomysql(connect), RawPyMySQL(connect)],
                f"mysql+aiomysql://{where}",
                f"mysql+pymysql://{where}",
                None,
                version,
                loaded,
            )
        finally:
            with admin.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.close()


TARGETS: dict[str, Callable[[Settings], contextlib.AbstractContextManager[Target]]] = {
    "sqlite": sqlite_target,
    "mysql": mysql_target,
}
