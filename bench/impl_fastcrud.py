"""FastCRUD (installed from the registry) on the generated models, with its own usual calls.

FastCRUD returns dicts; its writes commit themselves (commit=True, its default), and create
refreshes the new row afterwards. It has no bulk insert and no opaque cursor: its
get_multi_by_cursor pages by one column's value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import event

from bench.generated import Package
from bench.impl_base import Case, Implementation
from bench.workload import LIST_STATUSES, SEARCH, Operation, Workload, calls

EXPUNGE_EVERY = 100


def fastcrud_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("fastcrud")
    except Exception:
        return None


class _TaskCreate(BaseModel):
    project_id: int
    number: int
    title: str
    description: str | None
    status: Any  # the generated TaskStatus enum
    priority: int


class FastCrud(Implementation):
    name = "FastCRUD"
    ops = frozenset(
        {
            "get_pk",
            "get_rel",
            "list_filter",
            "list_search",
            "count",
            "list_500_rel",
            "cursor_p1",
            "cursor_deep",
            "offset_deep",
            "create",
            "update",
            "delete",
        }
    )

    def __init__(self, pkg: Package, url: str) -> None:
        from fastcrud import FastCRUD

        self.db = pkg.module("db")
        models = pkg.module("models")
        self.Task = models.Task
        self.Project = models.Project
        self.User = models.User
        self.tasks: Any = FastCRUD(models.Task)
        self.comments: Any = FastCRUD(models.Comment)
        self.audit: Any = FastCRUD(models.AuditEntry)
        self.TaskStatus = pkg.module("enums").TaskStatus
        self.url = url
        self.engine: Any = None
        self.factory: Any = None

    async def open(self) -> None:
        self.engine = self.db.create_async_engine_from_env(self.url)
        self.factory = self.db.async_session_factory(self.engine)

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()

    async def _list_500(self, session: Any, limit: int) -> Any:
        return await self.audit.get_multi_joined(
            session,
            join_model=self.User,
            join_prefix="user_",
            offset=0,
            limit=limit,
            sort_columns="occurred_at",
            sort_orders="desc",
            return_total_count=False,
        )

    async def statements(self, limit: int) -> int:
        counter_n = [0]

        def count(*args: Any) -> None:
            counter_n[0] += 1

        event.listen(self.engine.sync_engine, "before_cursor_execute", count)
        try:
            async with self.factory() as session:
                await self._list_500(session, limit)
                counter_n[0] = 0
                result = await self._list_500(session, limit)
                assert len(result["data"]) == limit
                return counter_n[0]
        finally:
            event.remove(self.engine.sync_engine, "before_cursor_execute", count)

    async def case(self, op: Operation, w: Workload) -> Case:
        if op.kind == "read":
            session = self.factory()
            await session.begin()

            async def close() -> None:
                await session.rollback()
                await session.close()

            return Case(self._reader(op, w, session), True, close=close)
        return Case(self._writer(op, w), True)

    def _reader(self, op: Operation, w: Workload, s: Any) -> Callable[[int], Any]:
        t = self.tasks
        statuses = [self.TaskStatus(x) for x in LIST_STATUSES]
        order: dict[str, Any] = {
            "sort_columns": ["priority", "created_at"],
            "sort_orders": ["asc", "desc"],
        }
        pattern = f"%{SEARCH}%"
        key = op.key
        if key == "get_pk":
            return lambda i: t.get(s, id=w.get_ids[i % len(w.get_ids)], deleted_at=None)
        if key == "get_rel":
            return lambda i: t.get_joined(
                s,
                join_model=self.Project,
                join_prefix="project_",
                id=w.get_ids[i % len(w.get_ids)],
                deleted_at=None,
            )
        if key == "list_filter":
            return lambda i: t.get_multi(
                s,
                offset=0,
                limit=50,
                return_total_count=False,
                **order,
                project_id=w.pick(w.project_picks, i),
                status__in=statuses,
                deleted_at=None,
            )
        if key == "list_search":
            return lambda i: t.get_multi(
                s,
                offset=0,
                limit=50,
                return_total_count=False,
                **order,
                project_id=w.pick(w.project_picks, i),
                status__in=statuses,
                deleted_at=None,
                _or={"title__ilike": pattern, "description__ilike": pattern},
            )
        if key == "count":
            return lambda i: t.count(s, project_id=w.pick(w.project_picks, i), deleted_at=None)
        if key == "list_500_rel":
            return lambda i: self._list_500(s, 500)
        if key == "cursor_p1":
            return lambda i: t.get_multi_by_cursor(
                s, cursor=None, limit=50, sort_column="id", sort_order="asc", deleted_at=None
            )
        if key == "cursor_deep":
            return lambda i: t.get_multi_by_cursor(
                s,
                cursor=w.cursor_boundary_id,
                limit=50,
                sort_column="id",
                sort_order="asc",
                deleted_at=None,
            )
        if key == "offset_deep":
            return lambda i: t.get_multi(
                s,
                offset=w.offset_deep,
                limit=50,
                return_total_count=False,
                sort_columns="id",
                sort_orders="asc",
                deleted_at=None,
            )
        raise KeyError(key)

    def _writer(self, op: Operation, w: Workload) -> Callable[[int], Any]:
        if op.key == "create":

            async def create(i: int) -> None:
                p, number, title, description, status, priority = w.new_task(i)
                async with self.factory() as s:
                    await self.tasks.create(
                        s,
                        _TaskCreate(
                            project_id=p,
                            number=number,
                            title=title,
                            description=description,
                            status=self.TaskStatus(status),
                            priority=priority,
                        ),
                    )

            return create
        if op.key == "update":
            ids = w.take("tasks", f"update/{self.name}", calls(op))

            async def update(i: int) -> None:
                async with self.factory() as s:
                    await self.tasks.update(s, {"title": f"Renamed {i}"}, id=ids[i])

            return update
        if op.key == "delete":
            cids = w.take("comments", f"delete/{self.name}", calls(op))

            async def delete(i: int) -> None:
                async with self.factory() as s:
                    await self.comments.delete(s, id=cids[i])

            return delete
        raise KeyError(op.key)
