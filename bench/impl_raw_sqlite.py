"""Raw sqlite3 and aiosqlite: the baselines for the generated repositories on SQLite.

What a programmer writes with the driver alone, on one connection to the same file: the
statements of ``dialect_sql`` with ``?`` parameters (sqlite3 caches each prepared statement per
connection), ``execute(...).fetchall()`` for sqlite3 and ``execute_fetchall`` for aiosqlite (one
trip to its worker thread per statement), the driver's own transaction handling (an implicit
BEGIN before a write, ``commit()``). Like the generated engines' connections, each has
``PRAGMA foreign_keys=ON`` and ``synchronous=NORMAL`` (see ``dialects``). Reads run
inside one open transaction, as the generated layer's unit of work does; every write is a whole
transaction.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from bench.dialect_sql import SQLITE, params, statements
from bench.impl_base import Case, Implementation
from bench.workload import Operation, Workload

SQL = statements(SQLITE)
OPS = frozenset(k for k in SQL if k not in ("bulk", "reread", "stream")) | {"bulk_small"}
# What every connection of the run gets (the generated engines' too, by a connect listener).
PRAGMAS = ("PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL")


class RawSqlite3(Implementation):
    name = "sqlite3"
    ops = OPS | {"stream"}

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        self.conn = sqlite3.connect(self.path, cached_statements=256)
        for pragma in PRAGMAS:
            self.conn.execute(pragma)

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    async def case(self, op: Operation, w: Workload) -> Case:
        conn = self.conn
        assert conn is not None
        sql, args = SQL[op.key], params(op.key, w, op, self.name)
        if op.kind == "read":
            conn.execute("BEGIN")

            def read(i: int) -> None:
                conn.execute(sql, args(i)).fetchall()

            async def rollback() -> None:
                conn.rollback()

            return Case(read, False, close=rollback)
        returns = "RETURNING" in sql
        check = op.key != "create"

        def write(i: int) -> None:
            cur = conn.execute(sql, args(i))
            changed = len(cur.fetchall()) if returns else cur.rowcount
            if check and changed != 1:
                raise AssertionError(f"{op.key}: {changed} rows changed")
            conn.commit()

        return Case(write, False)

    async def bulk_once(self, op: Operation, w: Workload) -> None:
        assert self.conn is not None
        self.conn.executemany(SQL["bulk"], w.extra["raw_bulk"][op.rows])
        self.conn.commit()

    async def stream_once(self, w: Workload) -> tuple[int, int]:
        assert self.conn is not None
        n = total = 0
        for row in self.conn.execute(SQL["stream"]):
            n += 1
            total += row[0]
        return n, total


class RawAiosqlite(Implementation):
    name = "aiosqlite"
    ops = OPS | {"stream"}

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn: aiosqlite.Connection | None = None

    async def open(self) -> None:
        self.conn = await aiosqlite.connect(self.path, cached_statements=256)
        for pragma in PRAGMAS:
            await self.conn.execute(pragma)

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()

    async def case(self, op: Operation, w: Workload) -> Case:
        conn = self.conn
        assert conn is not None
        sql, args = SQL[op.key], params(op.key, w, op, self.name)
        if op.kind == "read":
            await conn.execute("BEGIN")

            async def read(i: int) -> None:
                await conn.execute_fetchall(sql, args(i))

            return Case(read, True, close=conn.rollback)
        returns = "RETURNING" in sql
        check = op.key != "create"

        async def write(i: int) -> None:
            # one trip to the driver's thread for the statement (with its rows), one to commit
            if returns:
                changed = len(await conn.execute_fetchall(sql, args(i)))
            else:
                changed = (await conn.execute(sql, args(i))).rowcount
            if check and changed != 1:
                raise AssertionError(f"{op.key}: {changed} rows changed")
            await conn.commit()

        return Case(write, True)

    async def bulk_once(self, op: Operation, w: Workload) -> None:
        assert self.conn is not None
        await self.conn.executemany(SQL["bulk"], w.extra["raw_bulk"][op.rows])
        await self.conn.commit()

    async def stream_once(self, w: Workload) -> tuple[int, int]:
        assert self.conn is not None
        n = total = 0
        async with self.conn.execute(SQL["stream"]) as cur:
            cur.arraysize = 1000  # rows per trip to the worker thread
            async for row in cur:
                n += 1
                total += row[0]
        return n, total
