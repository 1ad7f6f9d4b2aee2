"""Raw psycopg2: the baseline for the generated sync repositories.

The same statements as raw asyncpg (``impl_raw.SQL``) on one psycopg2 connection, as a
programmer would write them with the driver alone: ``cursor.execute`` with the parameters
(psycopg2 interpolates them client-side; it has no prepared statements), then ``fetchone`` or
``fetchall``. psycopg2's default type casters apply (it returns UUIDs as text; the generated
layer's SQLAlchemy processors turn them into ``uuid.UUID``). Reads run inside one open
transaction; every write is a whole transaction (``COMMIT``).
"""

from __future__ import annotations

import re
from typing import Any

import psycopg2

from bench.impl_base import Case, Implementation
from bench.impl_raw import SQL
from bench.workload import LIST_STATUSES, SEARCH, Operation, Workload, calls

OPS = frozenset(k for k in SQL if k != "bulk")


def pyformat(sql: str) -> str:
    """asyncpg's ``$n`` placeholders as psycopg2's ``%(pn)s`` (they may come out of order)."""
    return re.sub(r"\$(\d+)", r"%(p\1)s", sql)


def named(*values: Any) -> dict[str, Any]:
    return {f"p{i}": v for i, v in enumerate(values, 1)}


class RawPsycopg2(Implementation):
    name = "psycopg2"
    ops = OPS

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: Any = None

    async def open(self) -> None:
        self.conn = psycopg2.connect(self.url)

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    async def case(self, op: Operation, w: Workload) -> Case:
        conn = self.conn
        sql = pyformat(SQL[op.key])
        cur = conn.cursor()
        if op.kind == "read":
            conn.rollback()  # the reads' transaction starts with their first statement

            async def close() -> None:
                cur.close()
                conn.rollback()

            return Case(self._read(op.key, cur, sql, w), False, close=close)
        step = self._write(op.key, cur, sql, w, op)

        def in_transaction(i: int) -> None:
            try:
                step(i)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

        async def close_writes() -> None:
            cur.close()

        return Case(in_transaction, False, close=close_writes)

    def _read(self, key: str, cur: Any, sql: str, w: Workload) -> Any:
        statuses = list(LIST_STATUSES)
        pattern = f"%{SEARCH}%"
        if key in ("get_pk", "get_rel"):

            def get(i: int) -> None:
                cur.execute(sql, named(w.get_ids[i % len(w.get_ids)]))
                cur.fetchone()

            return get
        params: dict[str, Any] | None
        if key == "list_filter":
            return lambda i: _fetch(cur, sql, named(w.pick(w.project_picks, i), statuses))
        if key == "list_search":
            return lambda i: _fetch(cur, sql, named(w.pick(w.project_picks, i), statuses, pattern))
        if key == "count":

            def count(i: int) -> None:
                cur.execute(sql, named(w.pick(w.project_picks, i)))
                cur.fetchone()

            return count
        if key == "list_500_rel":
            params = named(501)
        elif key == "cursor_p1":
            params = None
        elif key == "cursor_deep":
            params = named(w.cursor_boundary_id)
        elif key == "offset_deep":
            params = named(w.offset_deep)
        else:
            raise KeyError(key)
        return lambda i: _fetch(cur, sql, params)

    def _write(self, key: str, cur: Any, sql: str, w: Workload, op: Operation) -> Any:
        if key == "create":

            def create(i: int) -> None:
                cur.execute(sql, named(*w.new_task(i)))
                cur.fetchone()

            return create
        if key == "update":
            ids = w.take("tasks", f"update/{self.name}", calls(op))

            def update(i: int) -> None:
                cur.execute(sql, named(ids[i], f"Renamed {i}", 1))
                assert cur.fetchone() is not None

            return update
        if key in ("delete", "soft_delete"):
            ids = w.take(
                "comments" if key == "delete" else "tasks", f"{key}/{self.name}", calls(op)
            )

            def delete(i: int) -> None:
                cur.execute(sql, named(ids[i]))

            return delete
        raise KeyError(key)


def _fetch(cur: Any, sql: str, params: dict[str, Any] | None) -> None:
    cur.execute(sql, params)
    cur.fetchall()
