"""The MySQL engines' reset of returned connections, live on MariaDB: no ROLLBACK after a unit of
work that committed (SQLAlchemy's pool sends one for every returned connection, and PyMySQL,
unlike asyncpg, psycopg2 and sqlite3, puts it on the wire: a round trip per unit of work), a
rollback still for a connection returned inside a transaction, and the pool's own reset where
the caller chose ``pool_reset_on_return``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.mariadb import mysql_database, require_mariadb

CASE = Path(__file__).resolve().parents[1] / "golden" / "cases" / "demo_mysql"

# The drivers' rollback() is what SQLAlchemy's reset calls; each call is a ROLLBACK on the wire.
_SCRIPT = r"""
import asyncio
import aiomysql, pymysql
from sqlalchemy.util import greenlet_spawn
import app_db.schemas as S
from app_db import db
from app_db.uow import SyncUnitOfWork, UnitOfWork

sent = {"sync": 0, "async": 0}
sync_rollback = pymysql.connections.Connection.rollback
async_rollback = aiomysql.Connection.rollback


def counting_sync(self):
    sent["sync"] += 1
    return sync_rollback(self)


async def counting_async(self):
    sent["async"] += 1
    return await async_rollback(self)


pymysql.connections.Connection.rollback = counting_sync
aiomysql.Connection.rollback = counting_async


def insert_and_return(engine):
    raw = engine.raw_connection()
    raw.cursor().execute("INSERT INTO users (id, email, display_name) VALUES (UUID(), 'eve@x.org', 'Eve')")
    raw.close()


async def run_async():
    # SQLAlchemy rolls back once after the engine's first connect (its dialect's initialize)
    async with db.default_async_engine().connect():
        pass
    sent["async"] = 0
    async with UnitOfWork() as uow:
        user = await uow.users.create(S.UserCreate(email="ann@x.org", display_name="Ann"))
    async with UnitOfWork() as uow:
        assert (await uow.users.get(user.id)).display_name == "Ann"
    assert sent["async"] == 0, sent  # two units of work committed: no ROLLBACK after either
    try:
        async with UnitOfWork() as uow:
            await uow.users.create(S.UserCreate(email="bob@x.org", display_name="Bob"))
            raise LookupError("the route failed")
    except LookupError:
        pass
    assert sent["async"] == 1, sent  # the failed one is rolled back, once
    async with UnitOfWork() as uow:
        assert await uow.users.count() == 1
    # a connection handed back inside a transaction (no COMMIT) is rolled back by the reset
    await greenlet_spawn(insert_and_return, db.default_async_engine().sync_engine)
    async with UnitOfWork() as uow:  # the pool's one connection: Eve was never committed
        assert await uow.users.count() == 1
    await db.dispose_engines()


def run_sync():
    with db.default_sync_engine().connect():
        pass
    sent["sync"] = 0
    with SyncUnitOfWork() as uow:
        uow.users.create(S.UserCreate(email="cy@x.org", display_name="Cy"))
    with SyncUnitOfWork() as uow:
        assert uow.users.count() == 2
    assert sent["sync"] == 0, sent
    insert_and_return(db.default_sync_engine())
    with SyncUnitOfWork() as uow:
        assert uow.users.count() == 2
    # the caller's pool_reset_on_return: the pool resets by itself, as SQLAlchemy does
    chosen = db.create_sync_engine_from_env(pool_reset_on_return="rollback")
    with chosen.connect():
        pass
    sent["sync"] = 0
    with SyncUnitOfWork(db.sync_session_factory(chosen)) as uow:
        assert uow.users.count() == 2
    assert sent["sync"] == 1, sent
    chosen.dispose()


asyncio.run(run_async())
run_sync()
print("ok")
"""


def test_returned_connections_are_rolled_back_only_inside_a_transaction(tmp_path: Path) -> None:
    server = require_mariadb()
    out = tmp_path / "out"
    build = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", str(CASE), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    with mysql_database(server, "dbgen_reset") as name:
        env = {
            **server.env(),
            "DATABASE_URL": server.url(name, "aiomysql"),
            "DATABASE_POOL_SIZE": "1",
            "DATABASE_MAX_OVERFLOW": "0",
        }
        migrate = subprocess.run(
            [sys.executable, "-m", "alembic", "-c", str(out / "alembic.ini"), "upgrade", "head"],
            cwd=out,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        run = subprocess.run(
            [sys.executable, "-c", _SCRIPT],
            cwd=out,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert run.returncode == 0 and run.stdout.strip().endswith("ok"), (
            run.stdout[-3000:] + run.stderr[-5000:]
        )
