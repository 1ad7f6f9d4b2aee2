"""Raw PyMySQL and aiomysql: the baselines for the generated repositories on MySQL/MariaDB.

What a programmer writes with the driver alone, on one connection: the statements of
``dialect_sql`` with ``%s`` parameters (both drivers interpolate them client-side; neither has
server-side prepared statements), ``execute`` then ``fetchall``, ``commit()``. One round trip
per statement where the server allows: ``INSERT ... RETURNING`` (MariaDB 10.5+); an update reads
its row back with a second statement, since MariaDB has no ``UPDATE ... RETURNING``. Reads run
inside one open transaction, as the generated layer's unit of work does; every write is a whole
transaction. The stream reads through an unbuffered cursor (``SSCursor``), 1,000 rows a fetch.
"""

from __future__ import annotations

from typing import Any

import aiomysql
import pymysql
import pymysql.cursors

from bench.dialect_sql import MYSQL, params, statements
from bench.impl_base import Case, Implementation
from bench.workload import Operation, Workload

SQL = statements(MYSQL)
OPS = frozenset(k for k in SQL if k not in ("bulk", "reread", "stream")) | {"bulk_small", "stream"}


class RawPyMySQL(Implementation):
    name = "PyMySQL"
    ops = OPS

    def __init__(self, connect: dict[str, Any]) -> None:
        self.connect = connect  # pymysql.connect's arguments
        self.conn: Any = None

    async def open(self) -> None:
        self.conn = pymysql.connect(**self.connect)

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    async def case(self, op: Operation, w: Workload) -> Case:
        conn = self.conn
        sql, args = SQL[op.key], params(op.key, w, op, self.name)
        cur = conn.cursor()
        if op.kind == "read":
            conn.rollback()  # the reads' transaction starts with their first statement

            def read(i: int) -> None:
                cur.execute(sql, args(i))
                cur.fetchall()

            async def close() -> None:
                cur.close()
                conn.rollback()

            return Case(read, False, close=close)
        reread = SQL["reread"] if op.key == "update" else None
        check = op.key != "create"

        def write(i: int) -> None:
            a = args(i)
            changed = cur.execute(sql, a)
            cur.fetchall()
            if check and changed != 1:
                conn.rollback()
                raise AssertionError(f"{op.key}: {changed} rows changed")
            if reread is not None:
                cur.execute(reread, (a[1],))
                cur.fetchall()
            conn.commit()

        async def close_writes() -> None:
            cur.close()

        return Case(write, False, close=close_writes)

    async def bulk_once(self, op: Operation, w: Workload) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(SQL["bulk"], w.extra["raw_bulk"][op.rows])
        self.conn.commit()

    async def stream_once(self, w: Workload) -> tuple[int, int]:
        n = total = 0
        with self.conn.cursor(pymysql.cursors.SSCursor) as cur:
            cur.execute(SQL["stream"])
            while rows := cur.fetchmany(1000):
                for row in rows:
                    n += 1
                    total += row[0]
        self.conn.rollback()
        return n, total


class RawAiomysql(Implementation):
    name = "aiomysql"
    ops = OPS

    def __init__(self, connect: dict[str, Any]) -> None:
        self.connect = connect  # aiomysql.connect's arguments (the same as PyMySQL's)
        self.conn: Any = None

    async def open(self) -> None:
        self.conn = await aiomysql.connect(**self.connect)

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    async def case(self, op: Operation, w: Workload) -> Case:
        conn = self.conn
        sql, args = SQL[op.key], params(op.key, w, op, self.name)
        cur = await conn.cursor()
        if op.kind == "read":
            await conn.rollback()

            async def read(i: int) -> None:
                await cur.execute(sql, args(i))
                await cur.fetchall()

            async def close() -> None:
                await cur.close()
                await conn.rollback()

            return Case(read, True, close=close)
        reread = SQL["reread"] if op.key == "update" else None
        check = op.key != "create"

        async def write(i: int) -> None:
            a = args(i)
            changed = await cur.execute(sql, a)
            await cur.fetchall()
            if check and changed != 1:
                await conn.rollback()
                raise AssertionError(f"{op.key}: {changed} rows changed")
            if reread is not None:
                await cur.execute(reread, (a[1],))
                await cur.fetchall()
            await conn.commit()

        async def close_writes() -> None:
            await cur.close()

        return Case(write, True, close=close_writes)

    async def bulk_once(self, op: Operation, w: Workload) -> None:
        async with self.conn.cursor() as cur:
            await cur.executemany(SQL["bulk"], w.extra["raw_bulk"][op.rows])
        await self.conn.commit()

    async def stream_once(self, w: Workload) -> tuple[int, int]:
        n = total = 0
        async with self.conn.cursor(aiomysql.SSCursor) as cur:
            await cur.execute(SQL["stream"])
            while rows := await cur.fetchmany(1000):
                for row in rows:
                    n += 1
                    total += row[0]
        await self.conn.rollback()
        return n, total
