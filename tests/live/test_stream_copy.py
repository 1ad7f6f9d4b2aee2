"""`stream` (server-side cursor, batch by batch) and bulk_create's COPY path on asyncpg."""

from __future__ import annotations

import datetime
import decimal
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from test_repo import Api, db, demo_out, mod, pkg, run, sync_engine

from support import FreshDb

__all__ = ["db", "demo_out", "pkg"]  # fixtures shared with test_repo


def _task(api: Api, project_id: int, n: int) -> Any:
    statuses = list(api.enums.TaskStatus)
    extra: dict[str, Any] = {}
    if n % 3 == 0:  # a second shape of rows: more columns set
        extra = dict(
            labels=[f"l{n}", "x"],
            estimate=decimal.Decimal(n) / 4,
            due_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
        )
    return api.tasks.TaskCreate(
        project_id=project_id,
        number=n,
        title=f"task {n}",
        status=statuses[n % len(statuses)],
        priority=n % 5 + 1,
        **extra,
    )


async def _project(uow: Any, api: Api) -> int:
    owner = await uow.users.create(api.users.UserCreate(email="o@x.org", display_name="O"))
    project = await uow.projects.create(
        api.projects.ProjectCreate(slug="p", name="P", owner_id=owner.id)
    )
    return int(project.id)


def test_stream_async(pkg: ModuleType, db: FreshDb) -> None:
    async def main() -> None:
        api = Api()
        engine = create_async_engine(db.async_url, poolclass=NullPool)
        try:
            factory = mod("db").async_session_factory(engine)
            async with api.uow.UnitOfWork(factory) as uow:
                pid = await _project(uow, api)
                await uow.tasks.bulk_create([_task(api, pid, n) for n in range(1, 26)])
                first = await uow.tasks.get_by_project_id_number(pid, 5)
                await uow.tasks.delete(first.id)  # soft-deleted rows are not streamed
            async with api.uow.UnitOfWork(factory) as uow:
                seen = [t.number async for t in uow.tasks.stream(order_by=["number"], batch_size=4)]
                assert seen == [n for n in range(1, 26) if n != 5]
                desc = [
                    t.number async for t in uow.tasks.stream(order_by=["-number"], batch_size=7)
                ]
                assert desc == seen[::-1]
                done = api.enums.TaskStatus.DONE
                filtered = [
                    t
                    async for t in uow.tasks.stream(
                        where=api.tasks.TaskFilter(status__eq=done),
                        search="task 1",
                        order_by=["number"],
                        batch_size=2,
                    )
                ]
                expected = (
                    await uow.tasks.list(
                        where=api.tasks.TaskFilter(status__eq=done),
                        search="task 1",
                        order_by=["number"],
                    )
                ).items
                assert filtered == expected and filtered  # the same instances, the same rows
                async for _t in uow.tasks.stream(batch_size=3):
                    break  # leaving early closes the cursor; the transaction goes on
                assert await uow.tasks.count() == 24
                with pytest.raises(api.errors.InvalidQueryError):
                    async for _t in uow.tasks.stream(batch_size=0):
                        pass
                with pytest.raises(api.errors.InvalidQueryError):
                    async for _t in uow.tasks.stream(order_by=["description"]):  # not sortable
                        pass
        finally:
            await engine.dispose()

    run(main())


def test_stream_sync(pkg: ModuleType, db: FreshDb) -> None:
    api = Api()
    engine = sync_engine(db)
    try:
        factory = mod("db").sync_session_factory(engine)
        with api.uow.SyncUnitOfWork(factory) as uow:
            owner = uow.users.create(api.users.UserCreate(email="o@x.org", display_name="O"))
            pid = uow.projects.create(
                api.projects.ProjectCreate(slug="p", name="P", owner_id=owner.id)
            ).id
            uow.tasks.bulk_create([_task(api, pid, n) for n in range(1, 12)])
        with api.uow.SyncUnitOfWork(factory) as uow:
            assert [t.number for t in uow.tasks.stream(order_by=["number"], batch_size=3)] == list(
                range(1, 12)
            )
    finally:
        engine.dispose()


def test_stream_holds_only_what_the_caller_keeps(pkg: ModuleType, db: FreshDb) -> None:
    """A stream hydrates one row at a time: an instance the caller let go of is gone from the
    session before the next one is made, even inside one batch (a batch hydrated up front
    would hold all of it: the garbage collector's work for a large stream). An instance the
    caller keeps stays the session's, and a row the session already holds comes back as the
    same object."""

    def held(session: Any) -> int:
        return len(session.identity_map)

    async def main() -> None:
        api = Api()
        engine = create_async_engine(db.async_url, poolclass=NullPool)
        try:
            factory = mod("db").async_session_factory(engine)
            async with api.uow.UnitOfWork(factory) as uow:
                pid = await _project(uow, api)
                await uow.tasks.bulk_create([_task(api, pid, n) for n in range(1, 31)])
            async with api.uow.UnitOfWork(factory) as uow:
                kept = await uow.tasks.get_by_project_id_number(pid, 7)
                base = held(uow.session.sync_session)
                peak = 0
                numbers = []
                async for t in uow.tasks.stream(order_by=["number"], batch_size=100):
                    numbers.append(t.number)
                    if t.number == 7:
                        assert t is kept
                    peak = max(peak, held(uow.session.sync_session) - base)
                    del t
                assert numbers == list(range(1, 31))
                assert peak <= 1
        finally:
            await engine.dispose()

    run(main())
    engine = sync_engine(db)
    try:
        factory = mod("db").sync_session_factory(engine)
        with api_uow(factory) as uow:
            peak = 0
            count = 0
            for t in uow.tasks.stream(order_by=["number"], batch_size=100):
                count += 1
                peak = max(peak, held(uow.session))
                del t
            assert count == 30
            assert peak <= 1
    finally:
        engine.dispose()


def api_uow(factory: Any) -> Any:
    return Api().uow.SyncUnitOfWork(factory)


def test_bulk_create_copies_async(pkg: ModuleType, db: FreshDb) -> None:
    """From COPY_MIN_ROWS rows on, bulk_create writes with COPY: same rows, same defaults, same
    errors and the same transaction as the INSERT path."""
    rows = int(mod("repositories._base").COPY_MIN_ROWS) + 500

    async def main() -> None:
        api = Api()
        engine = create_async_engine(db.async_url, poolclass=NullPool)
        try:
            factory = mod("db").async_session_factory(engine)
            async with api.uow.UnitOfWork(factory) as uow:
                pid = await _project(uow, api)
                assert (
                    await uow.tasks.bulk_create([_task(api, pid, n) for n in range(1, rows + 1)])
                    == rows
                )
                # The same data through INSERT (below the threshold), for comparison.
                small = [_task(api, pid, n) for n in range(rows + 1, rows + 31)]
                assert await uow.tasks.bulk_create(small) == 30
            async with api.uow.UnitOfWork(factory) as uow:
                assert await uow.tasks.count() == rows + 30
                copied = {t.number: t async for t in uow.tasks.stream()}
                for n in (1, 3, rows - 1, rows, rows + 1, rows + 3):
                    t, want = copied[n], _task(api, pid, n)
                    assert (t.title, t.status, t.priority) == (
                        want.title,
                        want.status,
                        want.priority,
                    )
                    assert t.labels == (want.labels or [])  # the column default '{}'
                    assert (t.estimate, t.due_date) == (want.estimate, want.due_date)
                    assert t.version == 1 and t.created_at is not None and t.id is not None
                # A duplicate key inside COPY is the same typed error, and a savepoint undoes it.
                again = [_task(api, pid, n) for n in range(rows - 10, 2 * rows - 10)]
                with pytest.raises(api.errors.AlreadyExistsError) as info:
                    async with uow.savepoint():
                        await uow.tasks.bulk_create(again)
                assert info.value.constraint == "tasks_project_number_key"
                assert await uow.tasks.count() == rows + 30
                # The COPY path was the one taken (and is not below the threshold).
                more = [uow.tasks._values(_task(api, pid, n)) for n in range(10**4, 10**4 + rows)]
                assert await uow.tasks._copy(more) is True
                assert await uow.tasks._copy(more[:10]) is False
                await uow.rollback()
            async with api.uow.UnitOfWork(factory) as uow:
                assert await uow.tasks.count() == rows + 30  # the rollback undid the COPY
        finally:
            await engine.dispose()

    run(main())
