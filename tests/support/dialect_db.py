"""One throwaway database per test on any of the three dialects, loaded from a schema file.

The contract suite (tests/acceptance) runs the same scenarios on PostgreSQL, MariaDB and SQLite;
what it needs from the database around the generated package is the same on all three: a URL
for ``DATABASE_URL``, a way to start again from the schema, and a connection of its own (not the
package's) to see what was committed. ``LiveDb`` is that; ``live_db`` makes one.

Servers are found as the other live tests find them (``support.pg``, ``support.mariadb``):
missing, a test skips, and under ``CI=true`` it fails.
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.mariadb import MariaDb, require_mariadb
from support.pg import PgServer, drop_database, psql, temporary_database

DIALECTS = ("postgresql", "mysql", "sqlite")


@dataclass
class LiveDb:
    dialect: str
    async_url: str  # what DATABASE_URL is set to (the package's async driver)
    schema: Path
    _recreate: Callable[[], None]  # an empty database under the same name
    _load: Callable[[Path], None]  # run a schema file in it
    _query: Callable[[str], list[tuple[Any, ...]]]  # rows, on a connection of our own

    def reset(self) -> None:
        """Start again: an empty database with the schema loaded, as the test first had it."""
        self._recreate()
        self._load(self.schema)

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        """Rows of ``query`` as another client sees them (only what is committed)."""
        return self._query(query)

    def scalar(self, query: str) -> Any:
        rows = self._query(query)
        assert len(rows) == 1 and len(rows[0]) == 1, rows
        return rows[0][0]


@contextlib.contextmanager
def live_db(
    dialect: str, schema: Path, *, pg: Callable[[], PgServer], tmp: Path
) -> Iterator[LiveDb]:
    """A database of ``dialect`` with ``schema`` loaded; dropped (or deleted) afterwards.

    ``pg`` gives the session's PostgreSQL server; it is only called for PostgreSQL, so the other
    dialects run where no PostgreSQL is.
    """
    if dialect == "postgresql":
        with _postgresql(pg(), schema) as db:
            yield db
    elif dialect == "mysql":
        with _mysql(require_mariadb(), schema) as db:
            yield db
    elif dialect == "sqlite":
        yield _sqlite(tmp / f"music_{uuid.uuid4().hex[:8]}.db", schema)
    else:
        raise ValueError(f"not a dialect: {dialect}")


@contextlib.contextmanager
def _postgresql(server: PgServer, schema: Path) -> Iterator[LiveDb]:
    import psycopg2
    from psycopg2 import sql

    with temporary_database(server) as fresh:

        def recreate() -> None:
            drop_database(server, fresh.name)
            conn = psycopg2.connect(server.admin_dsn)
            try:
                conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(fresh.name)))
            finally:
                conn.close()

        def query(text: str) -> list[tuple[Any, ...]]:
            conn = psycopg2.connect(fresh.dsn)
            try:
                with conn.cursor() as cur:
                    cur.execute(text)
                    return list(cur.fetchall())
            finally:
                conn.close()

        def load(path: Path) -> None:
            psql(fresh.dsn, "-q", "-f", str(path))

        db = LiveDb("postgresql", fresh.async_url, schema, recreate, load, query)
        load(schema)
        yield db


@contextlib.contextmanager
def _mysql(server: MariaDb, schema: Path) -> Iterator[LiveDb]:
    import pymysql
    from pymysql.constants import CLIENT

    name = f"dbgen_acc_{uuid.uuid4().hex[:12]}"

    def admin(statement: str) -> None:
        conn = server.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()

    def recreate() -> None:
        admin(f"DROP DATABASE IF EXISTS `{name}`")
        admin(f"CREATE DATABASE `{name}`")

    def load(path: Path) -> None:
        # The file is one script of plain statements (no DELIMITER): the server splits it.
        conn = pymysql.connect(
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            database=name,
            autocommit=True,
            client_flag=CLIENT.MULTI_STATEMENTS,
        )
        try:
            with conn.cursor() as cur:
                cur.execute(path.read_text(encoding="utf-8"))
                while cur.nextset():  # each result set in turn: an error in any one raises
                    pass
        finally:
            conn.close()

    def query(text: str) -> list[tuple[Any, ...]]:
        conn = server.connect(name)
        try:
            with conn.cursor() as cur:
                cur.execute(text)
                return list(cur.fetchall())
        finally:
            conn.close()

    admin(f"CREATE DATABASE `{name}`")
    try:
        db = LiveDb("mysql", server.url(name, "aiomysql"), schema, recreate, load, query)
        load(schema)
        yield db
    finally:
        admin(f"DROP DATABASE IF EXISTS `{name}`")


def _sqlite(path: Path, schema: Path) -> LiveDb:
    def recreate() -> None:
        path.unlink(missing_ok=True)

    def load(source: Path) -> None:
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.executescript(source.read_text(encoding="utf-8"))
        finally:
            conn.close()

    def query(text: str) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(path)
        try:
            return list(conn.execute(text).fetchall())
        finally:
            conn.close()

    db = LiveDb("sqlite", f"sqlite+aiosqlite:///{path.resolve()}", schema, recreate, load, query)
    load(schema)
    return db
