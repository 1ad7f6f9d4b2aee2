"""Raw asyncpg: prepared statements on one connection, the practical limit."""

from __future__ import annotations

from typing import Any

import asyncpg

from bench.impl_base import Case, Implementation
from bench.workload import (
    BULK_COLUMNS,
    LIST_STATUSES,
    SEARCH,
    TASK_COLUMNS,
    Operation,
    Workload,
    calls,
)

T = TASK_COLUMNS
TJ = ", ".join(f"t.{c.strip()}" for c in TASK_COLUMNS.split(","))
PROJECT = (
    "p.id, p.slug, p.name, p.description, p.owner_id, p.is_archived, p.created_at, p.updated_at"
)
AUDIT = "a.id, a.actor_id, a.action, a.entity_type, a.entity_id, a.payload, a.occurred_at"
USER = (
    "u.id, u.email, u.display_name, u.role, u.is_active, u.last_login_at, u.created_at, "
    "u.updated_at"
)
LIST = (
    f"SELECT {T} FROM tasks WHERE deleted_at IS NULL AND project_id = $1 "
    "AND status = ANY($2::task_status[]) {extra}"
    "ORDER BY priority ASC, created_at DESC, id ASC LIMIT 51"
)
SQL = {
    "get_pk": f"SELECT {T} FROM tasks WHERE id = $1 AND deleted_at IS NULL",
    "get_rel": f"SELECT {TJ}, {PROJECT} FROM tasks t JOIN projects p ON p.id = t.project_id "
    "WHERE t.id = $1 AND t.deleted_at IS NULL",
    "list_filter": LIST.format(extra=""),
    "list_search": LIST.format(
        extra="AND (title ILIKE $3 ESCAPE '\\' OR description ILIKE $3 ESCAPE '\\') "
    ),
    "count": "SELECT count(*) FROM tasks WHERE deleted_at IS NULL AND project_id = $1",
    "list_500_rel": f"SELECT {AUDIT}, {USER} FROM audit_log a LEFT JOIN users u "
    "ON u.id = a.actor_id ORDER BY a.occurred_at DESC, a.id DESC LIMIT $1",
    "cursor_p1": f"SELECT {T} FROM tasks WHERE deleted_at IS NULL ORDER BY id LIMIT 51",
    "cursor_deep": f"SELECT {T} FROM tasks WHERE deleted_at IS NULL AND id > $1 "
    "ORDER BY id LIMIT 51",
    "offset_deep": f"SELECT {T} FROM tasks WHERE deleted_at IS NULL ORDER BY id LIMIT 51 OFFSET $1",
    "create": "INSERT INTO tasks (project_id, number, title, description, status, priority) "
    f"VALUES ($1, $2, $3, $4, $5, $6) RETURNING {T}",
    "update": "UPDATE tasks SET title = $2, version = version + 1 "
    f"WHERE id = $1 AND version = $3 AND deleted_at IS NULL RETURNING {T}",
    "delete": "DELETE FROM comments WHERE id = $1",
    "soft_delete": "UPDATE tasks SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL",
    "bulk": f"INSERT INTO tasks ({', '.join(BULK_COLUMNS)}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(BULK_COLUMNS) + 1))})",
}


class RawAsyncpg(Implementation):
    name = "asyncpg"
    ops = frozenset(k for k in SQL if k != "bulk") | {"bulk_small", "bulk_large"}

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: asyncpg.Connection | None = None

    async def open(self) -> None:
        self.conn = await asyncpg.connect(self.url)

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()

    async def statements(self, limit: int) -> int:
        return 1  # one JOIN, whatever the page size

    async def bulk_once(self, op: Operation, w: Workload) -> None:
        assert self.conn is not None
        async with self.conn.transaction():
            await self.conn.executemany(SQL["bulk"], w.bulk_rows[op.rows])

    async def case(self, op: Operation, w: Workload) -> Case:
        conn = self.conn
        assert conn is not None
        ps = await conn.prepare(SQL[op.key])
        if op.kind == "read":
            tr = conn.transaction()
            await tr.start()
            return Case(self._read(op.key, ps, w), True, close=tr.rollback)
        step = self._write(op.key, ps, w, op)

        async def in_transaction(i: int) -> None:
            async with conn.transaction():
                await step(i)

        return Case(in_transaction, True)

    def _read(self, key: str, ps: asyncpg.prepared_stmt.PreparedStatement, w: Workload) -> Any:
        statuses = list(LIST_STATUSES)
        pattern = f"%{SEARCH}%"
        if key in ("get_pk", "get_rel"):

            async def get(i: int) -> None:
                await ps.fetchrow(w.get_ids[i % len(w.get_ids)])

            return get
        if key == "list_filter":

            async def page(i: int) -> None:
                await ps.fetch(w.pick(w.project_picks, i), statuses)

            return page
        if key == "list_search":

            async def search(i: int) -> None:
                await ps.fetch(w.pick(w.project_picks, i), statuses, pattern)

            return search
        if key == "count":

            async def count(i: int) -> None:
                await ps.fetchval(w.pick(w.project_picks, i))

            return count
        if key == "list_500_rel":

            async def big(i: int) -> None:
                await ps.fetch(501)

            return big
        if key == "cursor_p1":

            async def first(i: int) -> None:
                await ps.fetch()

            return first
        if key == "cursor_deep":

            async def deep(i: int) -> None:
                await ps.fetch(w.cursor_boundary_id)

            return deep
        if key == "offset_deep":

            async def offset(i: int) -> None:
                await ps.fetch(w.offset_deep)

            return offset
        raise KeyError(key)

    def _write(
        self, key: str, ps: asyncpg.prepared_stmt.PreparedStatement, w: Workload, op: Operation
    ) -> Any:
        if key == "create":

            async def create(i: int) -> None:
                await ps.fetchrow(*w.new_task(i))

            return create
        if key == "update":
            ids = w.take("tasks", f"update/{self.name}", calls(op))

            async def update(i: int) -> None:
                row = await ps.fetchrow(ids[i], f"Renamed {i}", 1)
                assert row is not None

            return update
        if key in ("delete", "soft_delete"):
            ids = w.take(
                "comments" if key == "delete" else "tasks", f"{key}/{self.name}", calls(op)
            )

            async def delete(i: int) -> None:
                await ps.fetch(ids[i])

            return delete
        raise KeyError(key)


class AsyncpgCopy(Implementation):
    """asyncpg COPY (copy_records_to_table): the bulk path when RETURNING is not needed."""

    name = "asyncpg COPY"
    ops = frozenset({"bulk_small", "bulk_large"})

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: asyncpg.Connection | None = None

    async def open(self) -> None:
        self.conn = await asyncpg.connect(self.url)

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()

    async def case(self, op: Operation, w: Workload) -> Case:
        raise KeyError(op.key)  # bulk only: see bulk_once

    async def bulk_once(self, op: Operation, w: Workload) -> None:
        assert self.conn is not None
        async with self.conn.transaction():
            await self.conn.copy_records_to_table(
                "tasks", records=w.bulk_rows[op.rows], columns=BULK_COLUMNS
            )
