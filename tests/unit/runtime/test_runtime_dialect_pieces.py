"""The dialects' runtime pieces (runtime/_dialects/*.py) on their own: SQLite's engines get
foreign keys and SQLAlchemy-driven transactions on every connection, sync and async."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

import dbgen.runtime.db as runtime_db
from dbgen.runtime._dialects import postgresql, sqlite

POOL = {"pool_size": 5, "max_overflow": 10, "pool_timeout": 30, "pool_recycle": 1800, "echo": False}
DDL = (
    "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
    "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))",
)


def exercise(conn: sa.Connection) -> dict[str, Any]:
    """Foreign keys enforced, and a savepoint rolled back inside the transaction."""
    seen: dict[str, Any] = {"fk": conn.exec_driver_sql("PRAGMA foreign_keys").scalar()}
    for ddl in DDL:
        conn.exec_driver_sql(ddl)
    conn.exec_driver_sql("INSERT INTO parent (id) VALUES (1)")
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("INSERT INTO child (id, parent_id) VALUES (1, 2)")
    except sa.exc.IntegrityError as exc:
        seen["refused"] = str(exc.orig)
    nested = conn.begin_nested()
    conn.exec_driver_sql("INSERT INTO parent (id) VALUES (2)")
    nested.rollback()
    seen["parents"] = conn.exec_driver_sql("SELECT count(*) FROM parent").scalar()
    return seen


def test_sqlite_sync_engine_enforces_foreign_keys_and_savepoints(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}", poolclass=NullPool)
    sqlite.configure_engine(engine)
    with engine.connect() as conn, conn.begin():
        seen = exercise(conn)
    assert seen == {"fk": 1, "refused": "FOREIGN KEY constraint failed", "parents": 1}
    # The DDL was transactional: rolled back with its transaction.
    with engine.connect() as conn:
        trans = conn.begin()
        conn.exec_driver_sql("CREATE TABLE gone (id INTEGER)")
        trans.rollback()
        names = conn.exec_driver_sql("SELECT name FROM sqlite_master").scalars().all()
    assert "gone" not in names
    engine.dispose()


def test_sqlite_async_engine_too(tmp_path: Path) -> None:
    async def main() -> dict[str, Any]:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'y.db'}")
        sqlite.configure_engine(engine.sync_engine)
        try:
            async with engine.connect() as conn, conn.begin():
                return await conn.run_sync(exercise)
        finally:
            await engine.dispose()

    seen = asyncio.run(main())
    assert seen == {"fk": 1, "refused": "FOREIGN KEY constraint failed", "parents": 1}


@pytest.mark.parametrize(
    "url", ["sqlite+aiosqlite://", "sqlite:///:memory:", "sqlite:///file::memory:?uri=true"]
)
def test_an_in_memory_database_takes_no_queue_pool_sizes(url: str) -> None:
    options = sqlite.engine_options(make_url(url), dict(POOL))
    assert options == {"pool_recycle": 1800, "echo": False}
    engine = sa.create_engine(url.replace("+aiosqlite", ""), **options)  # accepted as they are
    engine.dispose()


def test_a_file_database_keeps_them_unless_a_pool_class_is_given() -> None:
    url = make_url("sqlite+aiosqlite:////tmp/app.db")
    assert sqlite.engine_options(url, dict(POOL)) == POOL
    assert "pool_size" not in sqlite.engine_options(url, {**POOL, "poolclass": NullPool})
    assert postgresql.engine_options(url, dict(POOL)) == POOL


def test_a_url_of_another_dialect_is_refused_naming_the_packages() -> None:
    with pytest.raises(ValueError, match=r"not a postgresql URL \(this package was generated"):
        runtime_db.async_url("sqlite+aiosqlite:///x.db")
    assert runtime_db.sync_url("postgresql://u@h/d").drivername == "postgresql+psycopg2"


def test_connect_timeouts_as_each_driver_takes_them() -> None:
    assert postgresql.connect_timeout_args(2.4, sync=True) == {"connect_timeout": 2}
    assert postgresql.connect_timeout_args(2.4, sync=False) == {"timeout": 2.4}
    assert sqlite.connect_timeout_args(3, sync=True) == {"timeout": 3}


def _sqlite_error(*statements: str) -> sqlite3.Error:
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, u TEXT UNIQUE, n TEXT NOT NULL DEFAULT 'x',"
        " CONSTRAINT positive CHECK (id > 0));"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id));"
        "CREATE TABLE s (i INTEGER) STRICT;"
        "INSERT INTO p (id, u) VALUES (1, 'a');"
    )
    try:
        for statement in statements:
            conn.execute(statement)
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError("no error")


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("INSERT INTO p (id, u) VALUES (2, 'a')", ("23505", None)),
        ("INSERT INTO p (id, u) VALUES (1, 'b')", ("23505", None)),
        ("INSERT INTO c (p_id) VALUES (9)", ("23503", None)),
        ("INSERT INTO p (id, u) VALUES (-1, 'c')", ("23514", "positive")),
        ("INSERT INTO p (id, u, n) VALUES (3, 'd', NULL)", ("23502", None)),
        ("INSERT INTO s (i) VALUES ('not a number')", ("22000", None)),
        ("SELECT * FROM missing", (None, None)),
    ],
)
def test_sqlite_error_codes_map_to_sqlstates(statement: str, expected: tuple[Any, Any]) -> None:
    assert sqlite.error_state(_sqlite_error(statement)) == expected
    assert postgresql.error_state(_sqlite_error(statement)) == (None, None)


def test_error_detail_is_the_message_of_drivers_without_a_detail_field() -> None:
    """The typed errors' .detail (and message) carry what the server said: PostgreSQL's drivers
    have a detail field (errors.py reads it), sqlite3 and PyMySQL only the message."""
    import pymysql

    from dbgen.runtime._dialects import mysql

    duplicate = _sqlite_error("INSERT INTO p (id, u) VALUES (2, 'a')")
    assert sqlite.error_detail(duplicate) == "UNIQUE constraint failed: p.u"
    assert sqlite.error_detail(ValueError("x")) is None
    assert postgresql.error_detail(duplicate) is None
    entry = pymysql.err.IntegrityError(1062, "Duplicate entry 'AC/DC' for key 'artist_name_key'")
    assert mysql.error_detail(entry) == "Duplicate entry 'AC/DC' for key 'artist_name_key'"
    assert mysql.error_detail(duplicate) is None and sqlite.error_detail(entry) is None


def test_key_in_and_values_as_each_dialect_spells_them() -> None:
    from sqlalchemy.dialects import postgresql as pg_dialect
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    t = sa.table("t", sa.column("id", sa.Integer), sa.column("x", sa.Text))
    any_of = sa.select(t).where(postgresql.key_in(t.c.id, "keys"))
    assert "= ANY (%(keys)s" in str(any_of.compile(dialect=pg_dialect.dialect()))
    in_list = sa.select(t).where(sqlite.key_in(t.c.id, "keys"))
    assert "IN (__[POSTCOMPILE_keys])" in str(in_list.compile(dialect=sqlite_dialect.dialect()))
    values = sa.values(sa.column("k", sa.Integer), name="v").data([(1,)])
    update = sa.update(t).where(t.c.id == sqlite.values_source(values).c.k).values(x="y")
    assert str(update.compile(dialect=sqlite_dialect.dialect())).startswith("WITH v(k) AS")
    assert postgresql.values_source(values) is values


def test_limits_and_scratch_databases() -> None:
    assert postgresql.MAX_BIND_PARAMS == 32767
    assert (32766 if sqlite3.sqlite_version_info >= (3, 32) else 999) == sqlite.MAX_BIND_PARAMS
    assert postgresql.scratch_url("/tmp/x") is None
    url = sqlite.scratch_url("/tmp/x")
    assert url is not None and url.render_as_string() == "sqlite+aiosqlite:////tmp/x/test.db"
