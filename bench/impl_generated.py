"""The generated repositories, through the generated unit of work, async and sync.

Reads run inside one open unit of work (the session's transaction, like the asyncpg baseline's);
the identity map is emptied, untimed, every 100 calls. Each write is a whole unit of work:
session, statement(s), COMMIT, as an application would run it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.generated import Package
from bench.impl_base import Case, Implementation
from bench.workload import (
    BULK_COLUMNS,
    LIST_ORDER,
    LIST_STATUSES,
    SEARCH,
    Operation,
    Workload,
    calls,
)

OPS = frozenset(
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
        "soft_delete",
        "bulk_small",
        "bulk_large",
        "stream",
    }
)
EXPUNGE_EVERY = 100


class _Api:
    """The generated names the benchmark uses."""

    def __init__(self, pkg: Package) -> None:
        self.db = pkg.module("db")
        self.uow = pkg.module("uow")
        tasks = pkg.module("schemas.tasks")
        self.TaskCreate = tasks.TaskCreate
        self.TaskUpdate = tasks.TaskUpdate
        self.TaskFilter = tasks.TaskFilter
        # PostgreSQL's enum type is a Python enum; the other dialects' CHECK or ENUM columns
        # take the labels as strings.
        status = getattr(pkg.module("enums"), "TaskStatus", str)
        self.statuses = [status(s) for s in LIST_STATUSES]

    def filter(self, project_id: int) -> Any:
        return self.TaskFilter(project_id__eq=project_id, status__in=self.statuses)

    def creates(
        self, rows: list[tuple[object, ...]], columns: list[str] = BULK_COLUMNS
    ) -> list[Any]:
        return [self.TaskCreate(**dict(zip(columns, row, strict=True))) for row in rows]


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, *args: Any) -> None:
        self.n += 1


def _reader(api: _Api, op: Operation, w: Workload, repo: Callable[[], Any]) -> Callable[[int], Any]:
    """The call for a read operation; async or sync depending on the repository."""
    key = op.key
    order = list(LIST_ORDER)
    if key == "get_pk":
        return lambda i: repo().tasks.get(w.get_ids[i % len(w.get_ids)])
    if key == "get_rel":
        return lambda i: repo().tasks.get(w.get_ids[i % len(w.get_ids)], load=["projects"])
    if key == "list_filter":
        return lambda i: repo().tasks.list(
            where=api.filter(w.pick(w.project_picks, i)), order_by=order, limit=50
        )
    if key == "list_search":
        return lambda i: repo().tasks.list(
            where=api.filter(w.pick(w.project_picks, i)), search=SEARCH, order_by=order, limit=50
        )
    if key == "count":
        return lambda i: repo().tasks.count(
            where=api.TaskFilter(project_id__eq=w.pick(w.project_picks, i))
        )
    if key == "list_500_rel":
        return lambda i: repo().audit_log.list(limit=500, load=["users"])
    if key == "cursor_p1":
        return lambda i: repo().tasks.list(order_by=["id"], limit=50)
    if key == "cursor_deep":
        cursor = w.extra["cursor_deep"]
        return lambda i: repo().tasks.list(order_by=["id"], limit=50, after=cursor)
    if key == "offset_deep":
        return lambda i: repo().tasks.list(order_by=["id"], limit=50, offset=w.offset_deep)
    raise KeyError(key)


class GeneratedAsync(Implementation):
    name = "generated async"
    ops = OPS

    def __init__(self, pkg: Package, url: str, setup: Callable[[Any], None] | None = None) -> None:
        self.api = _Api(pkg)
        self.url = url
        self.setup = setup  # called with the (sync) engine, before its first connection
        self.engine: Any = None
        self.factory: Any = None

    async def open(self) -> None:
        self.engine = self.api.db.create_async_engine_from_env(self.url)
        if self.setup is not None:
            self.setup(self.engine.sync_engine)
        self.factory = self.api.db.async_session_factory(self.engine)

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()

    def unit(self) -> Any:
        return self.api.uow.UnitOfWork(self.factory)

    async def cursor_for(self, w: Workload) -> str:
        """The opaque cursor that starts page `depth` (taken from the page before it)."""
        async with self.unit() as uow:
            page = await uow.tasks.list(order_by=["id"], limit=50, offset=w.offset_deep - 50)
        assert page.items[-1].id == w.cursor_boundary_id, "cursor boundary mismatch"
        assert page.next_cursor is not None
        return str(page.next_cursor)

    async def statements(self, limit: int) -> int:
        # Counted where the repository sends each statement (_run), so that the driver's fast
        # path, which a cursor-execute listener would switch off, is the path measured.
        async with self.unit() as uow:
            repo = uow.audit_log
            page = await repo.list(limit=limit, load=["users"])
            assert len(page.items) == limit
            counter = _Counter()
            sent = repo._run

            async def counted(*args: Any, **kwargs: Any) -> Any:
                counter()
                return await sent(*args, **kwargs)

            repo._run = counted
            uow.session.expunge_all()
            page = await repo.list(limit=limit, load=["users"])
            assert all(item.actor is None or item.actor.id for item in page.items)
            return counter.n

    async def case(self, op: Operation, w: Workload) -> Case:
        if op.kind == "read":
            uow = self.unit()
            await uow.__aenter__()

            def between(i: int) -> None:
                if i % EXPUNGE_EVERY == 0:
                    uow.session.expunge_all()

            async def close() -> None:
                await uow.__aexit__(None, None, None)

            return Case(_reader(self.api, op, w, lambda: uow), True, between, close)
        return Case(self._writer(op, w), True)

    def _writer(self, op: Operation, w: Workload) -> Callable[[int], Any]:
        api = self.api
        if op.key == "create":

            async def create(i: int) -> None:
                p, number, title, description, status, priority = w.new_task(i)
                async with self.unit() as uow:
                    await uow.tasks.create(
                        api.TaskCreate(
                            project_id=p,
                            number=number,
                            title=title,
                            description=description,
                            status=status,
                            priority=priority,
                        )
                    )

            return create
        if op.key == "update":
            ids = w.take("tasks", f"update/{self.name}", calls(op))

            async def update(i: int) -> None:
                async with self.unit() as uow:
                    await uow.tasks.update(ids[i], api.TaskUpdate(version=1, title=f"Renamed {i}"))

            return update
        if op.key == "delete":
            cids = w.take("comments", f"delete/{self.name}", calls(op))

            async def delete(i: int) -> None:
                async with self.unit() as uow:
                    await uow.comments.delete(cids[i])

            return delete
        if op.key == "soft_delete":
            tids = w.take("tasks", f"soft_delete/{self.name}", calls(op))

            async def soft_delete(i: int) -> None:
                async with self.unit() as uow:
                    await uow.tasks.delete(tids[i])

            return soft_delete
        raise KeyError(op.key)

    async def bulk_once(self, op: Operation, w: Workload) -> None:
        items = w.extra_creates[op.rows]
        async with self.unit() as uow:
            n = await uow.tasks.bulk_create(items)
        assert n == op.rows

    async def stream_once(self, w: Workload) -> tuple[int, int]:
        n = total = 0
        async with self.unit() as uow:
            async for entry in uow.audit_log.stream(order_by=["id"], batch_size=1000):
                n += 1
                total += entry.id
        return n, total


class GeneratedSync(Implementation):
    name = "generated sync"
    ops = OPS

    def __init__(self, pkg: Package, url: str, setup: Callable[[Any], None] | None = None) -> None:
        self.api = _Api(pkg)
        self.url = url
        self.setup = setup  # called with the engine, before its first connection
        self.engine: Any = None
        self.factory: Any = None

    async def open(self) -> None:
        self.engine = self.api.db.create_sync_engine_from_env(self.url)
        if self.setup is not None:
            self.setup(self.engine)
        self.factory = self.api.db.sync_session_factory(self.engine)

    async def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def unit(self) -> Any:
        return self.api.uow.SyncUnitOfWork(self.factory)

    async def statements(self, limit: int) -> int:
        with self.unit() as uow:  # counted as in GeneratedAsync.statements
            repo = uow.audit_log
            repo.list(limit=limit, load=["users"])
            counter = _Counter()
            sent = repo._run

            def counted(*args: Any, **kwargs: Any) -> Any:
                counter()
                return sent(*args, **kwargs)

            repo._run = counted
            uow.session.expunge_all()
            page = repo.list(limit=limit, load=["users"])
            assert len(page.items) == limit
            assert all(item.actor is None or item.actor.id for item in page.items)
            return counter.n

    async def case(self, op: Operation, w: Workload) -> Case:
        if op.kind == "read":
            uow = self.unit()
            uow.__enter__()

            def between(i: int) -> None:
                if i % EXPUNGE_EVERY == 0:
                    uow.session.expunge_all()

            async def close() -> None:
                uow.__exit__(None, None, None)

            return Case(_reader(self.api, op, w, lambda: uow), False, between, close)
        return Case(self._writer(op, w), False)

    def _writer(self, op: Operation, w: Workload) -> Callable[[int], Any]:
        api = self.api
        if op.key == "create":

            def create(i: int) -> None:
                p, number, title, description, status, priority = w.new_task(i)
                with self.unit() as uow:
                    uow.tasks.create(
                        api.TaskCreate(
                            project_id=p,
                            number=number,
                            title=title,
                            description=description,
                            status=status,
                            priority=priority,
                        )
                    )

            return create
        if op.key == "update":
            ids = w.take("tasks", f"update/{self.name}", calls(op))

            def update(i: int) -> None:
                with self.unit() as uow:
                    uow.tasks.update(ids[i], api.TaskUpdate(version=1, title=f"Renamed {i}"))

            return update
        if op.key == "delete":
            cids = w.take("comments", f"delete/{self.name}", calls(op))

            def delete(i: int) -> None:
                with self.unit() as uow:
                    uow.comments.delete(cids[i])

            return delete
        if op.key == "soft_delete":
            tids = w.take("tasks", f"soft_delete/{self.name}", calls(op))

            def soft_delete(i: int) -> None:
                with self.unit() as uow:
                    uow.tasks.delete(tids[i])

            return soft_delete
        raise KeyError(op.key)

    async def bulk_once(self, op: Operation, w: Workload) -> None:
        items = w.extra_creates[op.rows]
        with self.unit() as uow:
            n = uow.tasks.bulk_create(items)
        assert n == op.rows

    async def stream_once(self, w: Workload) -> tuple[int, int]:
        n = total = 0
        with self.unit() as uow:
            for entry in uow.audit_log.stream(order_by=["id"], batch_size=1000):
                n += 1
                total += entry.id
        return n, total
