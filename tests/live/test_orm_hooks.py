"""SQLAlchemy's usual hooks see the generated repositories: ``do_orm_execute`` listeners and
``with_loader_criteria`` (the documented multi-tenant filter), ``load`` events, the
``sqlalchemy.engine`` logger, and the repositories' own operation records.

The multi-tenant scenario hides every task whose title starts with "secret" through a
``do_orm_execute`` listener, then drives every generated operation of ``tasks`` (and a relation
load from ``projects``), async and sync, and proves that no hidden row is read or written.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Iterator
from types import ModuleType
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.pool import NullPool
from test_repo import Api, db, demo_out, mod, pkg, run, sync_engine

from support import FreshDb, psql

__all__ = ["db", "demo_out", "pkg"]  # fixtures shared with test_repo

T = TypeVar("T")
SECRET = "secret%"


async def aw(value: Awaitable[T] | T) -> T:
    """Await the async repositories' results; pass the sync ones through."""
    if inspect.isawaitable(value):
        return await value
    return value


async def collect(stream: Any) -> list[Any]:
    if hasattr(stream, "__aiter__"):
        return [item async for item in stream]
    return list(stream)


def hide_secrets(state: ORMExecuteState) -> None:
    """The multi-tenant pattern of SQLAlchemy's docs: criteria on every ORM statement."""
    if state.is_select or state.is_update or state.is_delete:
        task = mod("models.tasks").Task
        state.statement = state.statement.options(
            with_loader_criteria(task, task.title.not_like(SECRET), include_aliases=True)
        )


def _seed(db: FreshDb) -> dict[str, int]:
    """Two projects, each with one visible and one secret task; returns the task ids."""
    psql(
        db.dsn,
        "-qc",
        """
        INSERT INTO users (id, email, display_name)
            VALUES ('00000000-0000-0000-0000-000000000001', 'o@x.org', 'O');
        INSERT INTO projects (id, slug, name, owner_id) OVERRIDING SYSTEM VALUE VALUES
            (1, 'p1', 'P1', '00000000-0000-0000-0000-000000000001'),
            (2, 'p2', 'P2', '00000000-0000-0000-0000-000000000001');
        INSERT INTO tasks (id, project_id, number, title) VALUES
            (11, 1, 1, 'visible one'), (12, 1, 2, 'secret one'),
            (21, 2, 1, 'secret two'), (22, 2, 2, 'visible two');
        INSERT INTO comments (task_id, body) VALUES (11, 'on visible'), (12, 'on secret');
        """,
    )
    return {"v1": 11, "s1": 12, "s2": 21, "v2": 22}


def _secrets_untouched(db: FreshDb) -> None:
    rows = psql(
        db.dsn,
        "-Atc",
        "SELECT id, title, version, deleted_at IS NULL FROM tasks "
        "WHERE title LIKE 'secret%' ORDER BY id",
    ).stdout.splitlines()
    assert rows == ["12|secret one|1|t", "21|secret two|1|t"], rows


async def _every_operation(uow: Any, api: Api, ids: dict[str, int]) -> None:
    """Each generated operation of tasks, with the listener attached to ``uow.session``."""
    errors, schemas, status = api.errors, api.tasks, api.enums.TaskStatus
    visible = {ids["v1"], ids["v2"]}
    # reads
    assert await aw(uow.tasks.get(ids["s1"])) is None
    assert (await aw(uow.tasks.get(ids["v1"]))).title == "visible one"
    assert await aw(uow.tasks.get(ids["s2"], load=["projects"])) is None
    assert (await aw(uow.tasks.get(ids["v1"], load=["projects", "comments"]))).project.id == 1
    assert await aw(uow.tasks.get_by_project_id_number(2, 1)) is None
    assert await aw(uow.tasks.exists(ids["s1"])) is False
    assert await aw(uow.tasks.exists(ids["v1"])) is True
    page = await aw(uow.tasks.list(order_by=["id"], with_total=True))
    assert {t.id for t in page.items} == visible and page.total == 2
    page = await aw(uow.tasks.list(order_by=["id"], limit=1))
    second = await aw(uow.tasks.list(order_by=["id"], limit=1, after=page.next_cursor))
    assert [t.id for t in page.items + second.items] == sorted(visible)
    assert second.next_cursor is None
    loaded = await aw(uow.tasks.list(order_by=["id"], load=["comments", "projects"]))
    assert {t.id for t in loaded.items} == visible
    assert await aw(uow.tasks.count()) == 2
    assert await aw(uow.tasks.count(where=schemas.TaskFilter(project_id__eq=1))) == 1
    assert [t.id for t in (await aw(uow.tasks.list_by_project_id(1))).items] == [ids["v1"]]
    todo = await aw(uow.tasks.list_by_status(status.TODO, order_by=["id"]))
    assert {t.id for t in todo.items} == visible
    found = await aw(uow.tasks.list(search="one"))
    assert [t.id for t in found.items] == [ids["v1"]]
    assert {t.id for t in await collect(uow.tasks.stream(order_by=["id"]))} == visible
    project = await aw(uow.projects.get(1, load=["tasks"]))
    assert [t.id for t in project.tasks] == [ids["v1"]]
    # writes: none lands on a hidden row
    with pytest.raises(errors.NotFoundError):
        await aw(uow.tasks.update(ids["s1"], schemas.TaskUpdate(version=1, title="leaked")))
    with pytest.raises(errors.NotFoundError):
        await aw(uow.tasks.delete(ids["s2"]))
    async with _savepoint(uow):
        with pytest.raises(errors.NotFoundError):
            await aw(uow.tasks.bulk_update([(ids["s1"], schemas.TaskUpdate(version=1, title="x"))]))
    assert await aw(uow.tasks.bulk_delete([ids["s1"], ids["s2"]])) == 0
    with pytest.raises(errors.AlreadyExistsError):
        await aw(uow.tasks.upsert(schemas.TaskCreate(project_id=2, number=1, title="overwrite")))
    # and the visible rows are written as usual
    updated = await aw(uow.tasks.update(ids["v1"], schemas.TaskUpdate(version=1, title="v1b")))
    assert updated.version == 2
    assert await aw(uow.tasks.bulk_update([(ids["v2"], schemas.TaskUpdate(version=1))])) == 1
    again = await aw(uow.tasks.upsert(schemas.TaskCreate(project_id=1, number=1, title="v1c")))
    assert again.id == ids["v1"] and again.title == "v1c"
    made = await aw(uow.tasks.create(schemas.TaskCreate(project_id=1, number=3, title="new")))
    create = schemas.TaskCreate
    assert await aw(uow.tasks.bulk_create([create(project_id=2, number=9, title="bulk")])) == 1
    assert await aw(uow.tasks.bulk_delete([made.id, ids["s1"]])) == 1
    await aw(uow.tasks.delete(ids["v2"]))
    # the ORM itself, in the same unit of work, agrees
    orm = await aw(uow.session.scalars(sa.select(type(made))))
    assert all(not t.title.startswith("secret") for t in orm)


class _savepoint:
    """``uow.savepoint()`` as an async context manager for both flavours."""

    def __init__(self, uow: Any) -> None:
        self.tx = uow.savepoint()

    async def __aenter__(self) -> None:
        enter = getattr(self.tx, "__aenter__", None)
        await aw(enter() if enter is not None else self.tx.__enter__())

    async def __aexit__(self, *exc: Any) -> None:
        leave = getattr(self.tx, "__aexit__", None)
        await aw(leave(*exc) if leave is not None else self.tx.__exit__(*exc))


def test_loader_criteria_hide_rows_from_every_operation_async(pkg: ModuleType, db: FreshDb) -> None:
    """The listener on the session instance; the fast path checks for it on every call."""
    ids = _seed(db)

    async def main() -> None:
        api = Api()
        engine = create_async_engine(db.async_url, poolclass=NullPool)
        try:
            async with api.uow.UnitOfWork(mod("db").async_session_factory(engine)) as uow:
                assert await uow.tasks.get(ids["s1"]) is not None  # no listener yet
                assert uow.tasks._watching is False and uow.tasks._driver is not None
                uow.session.expunge_all()
                sa.event.listen(uow.session.sync_session, "do_orm_execute", hide_secrets)
                await _every_operation(uow, api, ids)
                assert uow.tasks._watching is True
        finally:
            await engine.dispose()

    run(main())
    _secrets_untouched(db)


def test_loader_criteria_hide_rows_from_every_operation_sync(pkg: ModuleType, db: FreshDb) -> None:
    """The listener on the sessionmaker."""
    ids = _seed(db)
    api = Api()
    engine = sync_engine(db)
    try:
        factory = mod("db").sync_session_factory(engine)
        sa.event.listen(factory, "do_orm_execute", hide_secrets)
        with api.uow.SyncUnitOfWork(factory) as uow:
            run(_every_operation(uow, api, ids))
    finally:
        engine.dispose()
    _secrets_untouched(db)


def test_loader_criteria_on_the_session_class(pkg: ModuleType, db: FreshDb) -> None:
    """The listener on ``Session`` itself reaches async sessions too."""
    ids = _seed(db)

    async def main() -> None:
        api = Api()
        engine = create_async_engine(db.async_url, poolclass=NullPool)
        try:
            async with api.uow.UnitOfWork(mod("db").async_session_factory(engine)) as uow:
                assert await uow.tasks.get(ids["s1"]) is None
                assert (await uow.tasks.list()).total is None
                assert await uow.tasks.count() == 2
        finally:
            await engine.dispose()

    sa.event.listen(Session, "do_orm_execute", hide_secrets)
    try:
        run(main())
    finally:
        sa.event.remove(Session, "do_orm_execute", hide_secrets)


def test_load_events_see_every_instance(pkg: ModuleType, db: FreshDb) -> None:
    ids = _seed(db)
    seen: list[int] = []

    def on_load(target: Any, context: Any) -> None:
        seen.append(target.id)

    async def main() -> None:
        api = Api()
        engine = create_async_engine(db.async_url, poolclass=NullPool)
        task = mod("models.tasks").Task
        try:
            async with api.uow.UnitOfWork(mod("db").async_session_factory(engine)) as uow:
                await uow.tasks.get(ids["v1"])
                assert seen == [] and uow.tasks._driver is not None  # fast path, no listener
                uow.session.expunge_all()
                sa.event.listen(task, "load", on_load)
                try:
                    held = [await uow.tasks.get(ids["v1"])]
                    held.append(await uow.tasks.list(order_by=["id"]))
                    uow.session.expunge_all()
                    held.append(await uow.projects.get(1, load=["tasks"]))  # a relation
                finally:
                    sa.event.remove(task, "load", on_load)
        finally:
            await engine.dispose()

    run(main())
    # An instance the session already holds is not loaded again.
    v1, s1, s2, v2 = ids["v1"], ids["s1"], ids["s2"], ids["v2"]
    assert seen == [v1, s1, s2, v2, v1, s1]


def test_engine_logger_sees_the_repositories_statements(
    pkg: ModuleType, db: FreshDb, caplog: pytest.LogCaptureFixture
) -> None:
    ids = _seed(db)
    api = Api()
    engine = sync_engine(db)
    factory = mod("db").sync_session_factory(engine)
    try:
        with api.uow.SyncUnitOfWork(factory) as uow:
            uow.tasks.get(ids["v1"])
            assert uow.tasks._driver is not None and not uow.tasks._watching
        # SQLAlchemy decides whether to log when a connection is made: configure logging first,
        # as an application does.
        with (
            caplog.at_level(logging.INFO, logger="sqlalchemy.engine"),
            api.uow.SyncUnitOfWork(factory) as uow,
        ):
            uow.tasks.get(ids["v2"])
            uow.tasks.list(order_by=["id"])
            uow.tasks.count()
            assert uow.tasks._watching
        statements = [r.getMessage() for r in caplog.records if r.name.startswith("sqlalchemy")]
        assert sum("FROM tasks" in s for s in statements) == 3, statements
        with api.uow.SyncUnitOfWork(factory) as uow:
            uow.tasks.get(ids["v1"])
            assert not uow.tasks._watching  # logging is off again: the fast path is back
    finally:
        engine.dispose()


@pytest.fixture
def oplog(pkg: ModuleType) -> Iterator[Any]:
    operation = mod("repositories._operation")
    yield operation
    operation.configure_logging()  # back to the environment's settings


def test_one_record_per_operation(
    pkg: ModuleType,
    db: FreshDb,
    oplog: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = _seed(db)

    def records() -> list[logging.LogRecord]:
        out = [r for r in caplog.records if r.name == "app_db.repositories"]
        caplog.clear()
        return out

    async def main() -> None:
        api = Api()
        engine = create_async_engine(db.async_url, poolclass=NullPool)
        try:
            async with api.uow.UnitOfWork(mod("db").async_session_factory(engine)) as uow:
                with caplog.at_level(logging.DEBUG, logger="app_db.repositories"):
                    await uow.tasks.get(ids["v1"])
                    await uow.tasks.list(order_by=["id"], limit=3)
                    streamed = [t async for t in uow.tasks.stream(order_by=["id"])]
                    with pytest.raises(api.errors.NotFoundError):
                        await uow.tasks.delete(10**9)
                    got = records()
                    assert [(r.entity, r.operation, r.rows) for r in got] == [  # type: ignore[attr-defined]
                        ("Task", "get", 1),
                        ("Task", "list", 3),
                        ("Task", "stream", len(streamed)),
                        ("Task", "delete", None),
                    ]
                    assert all(r.levelno == logging.DEBUG for r in got)
                    assert all(r.duration_ms >= 0 for r in got)  # type: ignore[attr-defined]
                    assert got[3].error == "NotFoundError"  # type: ignore[attr-defined]
                    # The parameters' form, as the parameters=True record below shows it: a bare
                    # "11" would also match a duration such as "116.21 ms".
                    assert not any(f"({ids['v1']},)" in r.getMessage() for r in got)
                    oplog.configure_logging(oplog.LogSettings(slow_ms=None, parameters=True))
                    await uow.tasks.get(ids["v1"])
                    (record,) = records()
                    assert f"({ids['v1']},)" in record.getMessage()
                    monkeypatch.setenv("DATABASE_SLOW_OPERATION_MS", "0")
                    oplog.configure_logging()
                with caplog.at_level(logging.WARNING, logger="app_db.repositories"):
                    await uow.tasks.count()
                    (slow,) = records()
                    assert slow.levelno == logging.WARNING and "slow operation" in slow.getMessage()
        finally:
            await engine.dispose()

    run(main())
