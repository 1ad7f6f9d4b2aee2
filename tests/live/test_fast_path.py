"""The repositories' driver fast path (repositories/_base.py): statements that return a table's
columns run on the driver under the session's transaction, and the rows become persistent ORM
instances. These tests hold it to what the ORM itself would have done: the same values and
types, the same identity-map behaviour, the same transaction (savepoints included), and it
steps aside when someone listens to the engine's statements.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from test_repo import Api, db, demo_out, mod, pkg, run, sync_engine

from support import FreshDb

__all__ = ["db", "demo_out", "pkg"]  # fixtures shared with test_repo


def _columns(obj: Any) -> dict[str, Any]:
    mapper = sa.inspect(type(obj))
    return {attr.key: getattr(obj, attr.key) for attr in mapper.column_attrs}


def _same(fast: Any, orm: Any) -> None:
    """Equal values of equal types, column by column."""
    a, b = _columns(fast), _columns(orm)
    assert a == b
    for key in a:
        assert type(a[key]) is type(b[key]), key


def _seed(api: Api) -> tuple[list[Any], list[Any]]:
    """Rows whose columns cover the demo's types: enum, uuid, jsonb, text[], numeric, date."""
    users = [
        api.users.UserCreate(email="ann@x.org", display_name="Ann", role=api.enums.UserRole.ADMIN),
        api.users.UserCreate(email="bob@x.org", display_name="Bob"),
    ]
    tasks = [
        dict(
            number=1,
            title="first",
            labels=["a", "b"],
            estimate=decimal.Decimal("1.50"),
            due_date=datetime.date(2026, 1, 2),
            status=api.enums.TaskStatus.DONE,
        ),
        dict(number=2, title="second", description="d"),
    ]
    return users, tasks


async def _fill_async(uow: Any, api: Api) -> tuple[Any, Any, Any]:
    users, tasks = _seed(api)
    ann = await uow.users.create(users[0])
    await uow.users.create(users[1])
    profile = mod("schemas.user_profiles").UserProfileCreate
    await uow.user_profiles.create(
        profile(user_id=ann.id, preferences={"theme": "dark", "n": [1, 2]})
    )
    project = await uow.projects.create(
        api.projects.ProjectCreate(slug="p", name="P", owner_id=ann.id)
    )
    for t in tasks:
        await uow.tasks.create(api.tasks.TaskCreate(project_id=project.id, assignee_id=ann.id, **t))
    return ann, project, tasks


def _orm_rows(engine: sa.Engine, model: type) -> dict[Any, Any]:
    with Session(engine) as session:
        rows = session.scalars(sa.select(model)).all()
        return {sa.inspect(r).identity: r for r in rows}


async def _orm_rows_async(engine: AsyncEngine, model: type) -> dict[Any, Any]:
    async with AsyncSession(engine) as session:
        rows = (await session.scalars(sa.select(model))).all()
        return {sa.inspect(r).identity: r for r in rows}


def test_fast_rows_equal_orm_rows_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(engine: AsyncEngine, api: Api) -> None:
        factory = mod("db").async_session_factory(engine)
        async with api.uow.UnitOfWork(factory) as uow:
            await _fill_async(uow, api)
        async with api.uow.UnitOfWork(factory) as uow:
            await uow.users.count()  # the transaction's first statement goes through SQLAlchemy
            users = (await uow.users.list_by_role(api.enums.UserRole.ADMIN)).items
            tasks = (await uow.tasks.list(order_by=["number"])).items
            profile = await uow.user_profiles.get(users[0].id)
            task = await uow.tasks.get(tasks[0].id)
            by_unique = await uow.tasks.get_by_project_id_number(tasks[0].project_id, 2)
            assert uow.tasks._driver is not None, "the fast path was not taken"
            assert uow.user_profiles._driver is not None
        # The oracle: the ORM on the same driver (asyncpg's UUID class differs from psycopg2's).
        orm_users = await _orm_rows_async(engine, type(users[0]))
        orm_tasks = await _orm_rows_async(engine, type(task))
        orm_profiles = await _orm_rows_async(engine, type(profile))
        _same(users[0], orm_users[(users[0].id,)])
        for t in (*tasks, task, by_unique):
            _same(t, orm_tasks[(t.id,)])
        _same(profile, orm_profiles[(profile.user_id,)])
        assert profile.preferences == {"theme": "dark", "n": [1, 2]}
        assert task.labels == ["a", "b"] and task.status is api.enums.TaskStatus.DONE

    async def main() -> None:
        engine = create_async_engine(db.async_url, poolclass=NullPool)
        try:
            await body(engine, Api())
        finally:
            await engine.dispose()

    run(main())


def test_fast_rows_equal_orm_rows_sync(pkg: ModuleType, db: FreshDb) -> None:
    api = Api()
    engine = sync_engine(db)
    try:
        factory = mod("db").sync_session_factory(engine)
        users, tasks = _seed(api)
        with api.uow.SyncUnitOfWork(factory) as uow:
            ann = uow.users.create(users[0])
            profile_create = mod("schemas.user_profiles").UserProfileCreate
            uow.user_profiles.create(profile_create(user_id=ann.id, preferences={"k": [True]}))
            project = uow.projects.create(
                api.projects.ProjectCreate(slug="p", name="P", owner_id=ann.id)
            )
            for t in tasks:
                uow.tasks.create(api.tasks.TaskCreate(project_id=project.id, **t))
        with api.uow.SyncUnitOfWork(factory) as uow:
            uow.users.count()
            fetched = (uow.tasks.list(order_by=["number"])).items
            profile = uow.user_profiles.get(ann.id)
            assert uow.tasks._driver is not None, "the fast path was not taken"
        orm_tasks = _orm_rows(engine, type(fetched[0]))
        for t in fetched:
            _same(t, orm_tasks[(t.id,)])
        _same(profile, _orm_rows(engine, type(profile))[(ann.id,)])
        assert profile.preferences == {"k": [True]}
    finally:
        engine.dispose()


def test_identity_map_and_unit_of_work_async(pkg: ModuleType, db: FreshDb) -> None:
    async def main() -> None:
        api = Api()
        engine = create_async_engine(db.async_url, poolclass=NullPool)
        try:
            factory = mod("db").async_session_factory(engine)
            async with api.uow.UnitOfWork(factory) as uow:
                _, project, _ = await _fill_async(uow, api)
            async with api.uow.UnitOfWork(factory) as uow:
                await uow.users.count()
                first = (await uow.tasks.list(order_by=["number"])).items[0]
                assert await uow.tasks.get(first.id) is first
                assert first in uow.session and not uow.session.dirty
                first.title = "changed here"
                assert (await uow.tasks.get(first.id)).title == "changed here"
                await uow.session.flush()
                updated = await uow.tasks.update(
                    first.id, api.tasks.TaskUpdate(version=first.version, title="updated")
                )
                assert updated is first and first.title == "updated" and first.version == 2
                key = first.id
                uow.session.expire(first)
                assert (await uow.tasks.get(key)) is first and first.title == "updated"
                with pytest.raises(sa.exc.InvalidRequestError, match="lazy='raise'"):
                    _ = first.project
                loaded = await uow.tasks.get(first.id, load=["projects"])
                assert loaded is first and first.project.id == project.id
                assert uow.tasks._driver is not None
            async with api.uow.UnitOfWork(factory) as uow:
                task = await uow.tasks.get(first.id)
                assert task.title == "updated" and task.version == 2  # committed as the ORM would
        finally:
            await engine.dispose()

    run(main())


def test_steps_aside_for_statement_listeners(pkg: ModuleType, db: FreshDb) -> None:
    """Instrumentation that listens to the engine sees every statement: no fast path then."""

    async def main() -> None:
        api = Api()
        engine = create_async_engine(db.async_url, poolclass=NullPool)
        seen: list[str] = []
        try:
            factory = mod("db").async_session_factory(engine)
            async with api.uow.UnitOfWork(factory) as uow:
                await _fill_async(uow, api)

            def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
                seen.append(statement)

            sa.event.listen(engine.sync_engine, "before_cursor_execute", listen)
            async with api.uow.UnitOfWork(factory) as uow:
                await uow.users.count()
                page = await uow.tasks.list(order_by=["number"])
                task = await uow.tasks.get(page.items[0].id)
                assert task is page.items[0] and await uow.tasks._connection() is None
            assert sum("FROM tasks" in s for s in seen) == 2
        finally:
            await engine.dispose()

    run(main())


def test_errors_inside_savepoints_sync(pkg: ModuleType, db: FreshDb) -> None:
    """A failed fast-path write inside a savepoint leaves the outer transaction usable."""
    api = Api()
    engine = sync_engine(db)
    try:
        factory = mod("db").sync_session_factory(engine)
        with api.uow.SyncUnitOfWork(factory) as uow:
            uow.users.create(api.users.UserCreate(email="a@x.org", display_name="A"))
            for _ in range(2):
                with pytest.raises(api.errors.AlreadyExistsError), uow.savepoint():
                    uow.users.create(api.users.UserCreate(email="a@x.org", display_name="B"))
            with pytest.raises(api.errors.ConstraintViolationError), uow.savepoint():
                uow.users.create(api.users.UserCreate(email="no-at", display_name="C"))
            assert uow.users.count() == 1
            assert uow.users._driver is not None
    finally:
        engine.dispose()


def test_random_key_is_absent(pkg: ModuleType, db: FreshDb) -> None:
    async def body(engine: AsyncEngine) -> None:
        api = Api()
        factory = mod("db").async_session_factory(engine)
        async with api.uow.UnitOfWork(factory) as uow:
            await uow.users.count()
            assert await uow.users.get(uuid.uuid4()) is None
            assert await uow.tasks.get(10**12) is None

    async def main() -> None:
        engine = create_async_engine(db.async_url, poolclass=NullPool)
        try:
            await body(engine)
        finally:
            await engine.dispose()

    run(main())


def _shape(obj: Any, attrs: tuple[str, ...]) -> tuple[Any, ...]:
    """An instance and its loaded relations as primary keys (collections sorted)."""
    out: list[Any] = [sa.inspect(obj).identity]
    for attr in attrs:
        value = getattr(obj, attr)
        if isinstance(value, list):
            out.append(sorted(sa.inspect(v).identity for v in value))
        else:
            out.append(None if value is None else sa.inspect(value).identity)
    return tuple(out)


# (repository, relation names to load, the attributes they fill)
_LOADS: list[tuple[str, list[str], tuple[str, ...]]] = [
    ("users", ["user_profiles", "projects", "tasks"], ("user_profile", "projects", "tasks")),
    ("projects", ["users", "tasks", "project_members"], ("owner", "tasks", "project_members")),
    ("tasks", ["projects", "users", "comments"], ("project", "assignee", "comments")),
    ("comments", ["tasks", "users", "comments"], ("task", "author", "parent", "children")),
    ("tags", ["tasks"], ("tasks",)),  # many-to-many: the ORM's selectinload
]


def test_relation_loads_equal_orm_async(pkg: ModuleType, db: FreshDb) -> None:
    """load=[...] on the fast path (one statement per relationship, constant SQL) gives the
    same objects as the ORM's eager loaders, soft-deleted targets hidden alike."""

    async def fill(uow: Any, api: Api) -> None:
        ann, _, _ = await _fill_async(uow, api)
        tasks = (await uow.tasks.list(order_by=["number"])).items
        comment = mod("schemas.comments").CommentCreate
        root = await uow.comments.create(comment(task_id=tasks[0].id, author_id=ann.id, body="r"))
        for i in range(3):
            await uow.comments.create(
                comment(
                    task_id=tasks[0].id,
                    parent_id=root.id,
                    body=f"c{i}",
                    author_id=ann.id if i else None,
                )
            )
        await uow.comments.create(comment(task_id=tasks[1].id, body="on the deleted task"))
        tag = mod("schemas.tags").TagCreate
        t1 = await uow.tags.create(tag(name="t1"))
        await uow.tags.create(tag(name="t2"))
        link = mod("schemas.task_tags").TaskTagCreate
        await uow.task_tags.bulk_create([link(task_id=tasks[0].id, tag_id=t1.id)])
        await uow.tasks.delete(tasks[1].id)  # soft-deleted: hidden behind relations too

    async def shapes(engine: AsyncEngine, api: Api) -> list[Any]:
        factory = mod("db").async_session_factory(engine)
        out: list[Any] = []
        async with api.uow.UnitOfWork(factory) as uow:
            for repo_name, load, attrs in _LOADS:
                repo = getattr(uow, repo_name)
                page = await repo.list(load=load)
                out.append([_shape(o, attrs) for o in page.items])
                first = await repo.get(sa.inspect(page.items[0]).identity[0], load=load)
                out.append(_shape(first, attrs))
                out.append(repo._fast_loadable(load) and await repo._connection() is not None)
                uow.session.expunge_all()
        return out

    async def main() -> None:
        api = Api()
        fast = create_async_engine(db.async_url, poolclass=NullPool)
        orm = create_async_engine(db.async_url, poolclass=NullPool)
        sa.event.listen(orm.sync_engine, "before_cursor_execute", lambda *a: None)
        try:
            async with api.uow.UnitOfWork(mod("db").async_session_factory(fast)) as uow:
                await fill(uow, api)
            got, want = await shapes(fast, api), await shapes(orm, api)
            used_fast = got[2::3]
            assert used_fast == [True, True, True, True, False]  # tags.tasks is many-to-many
            assert want[2::3] == [False] * 5
            del got[2::3], want[2::3]
            assert got == want
            tasks = got[4]
            assert any(t[3] for t in tasks) and all(t[1] is not None for t in tasks)
        finally:
            await fast.dispose()
            await orm.dispose()

    run(main())


def _exact(text: str) -> Any:
    """An engine's own JSON deserializer: numbers with a fraction as Decimal."""
    return json.loads(text, parse_float=decimal.Decimal)


_PAYLOAD = '{"amount": 1.25, "who": "Zoë", "n": [1, {"deep": 0.5}], "none": null}'


def _payloads_decoded_by_the_engine(found: list[Any]) -> None:
    want = {
        "amount": decimal.Decimal("1.25"),
        "who": "Zoë",
        "n": [1, {"deep": decimal.Decimal("0.5")}],
        "none": None,
    }
    for payload in found:
        assert payload == want and type(payload["amount"]) is decimal.Decimal


def test_json_columns_decode_with_the_engines_deserializer(pkg: ModuleType, db: FreshDb) -> None:
    """The fast path reads json/jsonb as text and decodes it itself: with the deserializer the
    engine was given, as the driver's codec (the ORM's reads) does, through get, list, a joined
    relation and stream, async and sync."""
    insert = sa.text(
        "INSERT INTO audit_log (action, entity_type, entity_id, payload) "
        "VALUES ('a', 't', '1', CAST(:p AS jsonb)), ('b', 't', '2', CAST(:p AS jsonb))"
    )

    async def main() -> None:
        api = Api()
        engine = create_async_engine(db.async_url, poolclass=NullPool, json_deserializer=_exact)
        try:
            factory = mod("db").async_session_factory(engine)
            async with api.uow.UnitOfWork(factory) as uow:
                await uow.session.execute(insert, {"p": _PAYLOAD})
            async with api.uow.UnitOfWork(factory) as uow:
                await uow.audit_log.count()
                page = (await uow.audit_log.list(order_by=["id"], load=["users"])).items
                one = await uow.audit_log.get(page[0].id)
                uow.session.expunge_all()
                streamed = [e.payload async for e in uow.audit_log.stream(order_by=["id"])]
                assert uow.audit_log._driver is not None, "the fast path was not taken"
                orm = (await uow.session.scalars(sa.select(type(one)))).all()
            _payloads_decoded_by_the_engine(
                [*(e.payload for e in page), one.payload, *streamed, *(e.payload for e in orm)]
            )
        finally:
            await engine.dispose()

    run(main())
    api = Api()
    engine = sa.create_engine(db.sync_url, poolclass=NullPool, json_deserializer=_exact)
    try:
        with api.uow.SyncUnitOfWork(mod("db").sync_session_factory(engine)) as uow:
            uow.audit_log.count()
            page = uow.audit_log.list(order_by=["id"]).items
            streamed = [e.payload for e in uow.audit_log.stream(order_by=["id"])]
            assert uow.audit_log._driver is not None, "the fast path was not taken"
        _payloads_decoded_by_the_engine([*(e.payload for e in page), *streamed])
    finally:
        engine.dispose()
