"""The demo's generated repositories against a real PostgreSQL, async and sync.

Async tests run under asyncio debug mode with every warning an error, so an unawaited
coroutine, a blocking call on the loop or an unclosed connection fails them.
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import sys
import uuid
import warnings
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from support import REPO_ROOT, FreshDb, import_generated, psql
from support.layouts import build_demo

T = TypeVar("T")


@pytest.fixture(scope="module", params=["layer", "feature"])
def layout(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory, layout: str) -> Path:
    """The demo built in each layout (feature: entities grouped into features as in
    support/layouts.py); the tests reach it through the package-level modules, which are the
    same in both."""
    return build_demo(tmp_path_factory.mktemp(f"repo-{layout}"), layout)


@pytest.fixture
def pkg(demo_out: Path, layout: str, route: str) -> Iterator[ModuleType]:
    if route == "pgbouncer" and layout == "feature":
        pytest.skip("the feature layout runs direct only: the pooler sees the same statements")
    with import_generated(demo_out, "app_db") as module:
        yield module


@pytest.fixture
def db(fresh_db: FreshDb) -> FreshDb:
    psql(fresh_db.dsn, "-q", "-f", str(REPO_ROOT / "specs" / "schema.sql"))
    return fresh_db


def run(coro: Coroutine[Any, Any, T]) -> T:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return asyncio.run(coro, debug=True)


def mod(name: str) -> Any:
    return (
        sys.modules[f"app_db.{name}"]
        if f"app_db.{name}" in sys.modules
        else __import__(f"app_db.{name}", fromlist=["x"])
    )


class Api:
    """The generated modules, looked up once the package is importable."""

    def __init__(self) -> None:
        self.uow = mod("uow")
        self.errors = mod("errors")
        # Every schema by its name, whichever module (layout) defines it.
        schemas = mod("schemas")
        self.users = self.projects = self.tasks = self.tags = self.comments = schemas
        self.members = self.task_tags = schemas
        self.enums = mod("enums")


async def with_uow(db: FreshDb, body: Callable[[Any, Api], Coroutine[Any, Any, T]]) -> T:
    api = Api()
    engine = create_async_engine(
        db.async_url, poolclass=NullPool, connect_args=db.async_connect_args
    )
    try:
        factory = mod("db").async_session_factory(engine)
        async with api.uow.UnitOfWork(factory) as uow:
            return await body(uow, api)
    finally:
        await engine.dispose()


def sync_engine(db: FreshDb) -> sa.Engine:
    return sa.create_engine(db.sync_url, poolclass=NullPool)


# -- basic operations ---------------------------------------------------------------------------


def test_crud_roundtrip_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        u = await uow.users.create(api.users.UserCreate(email="ann@x.org", display_name="Ann"))
        assert isinstance(u.id, uuid.UUID) and u.role == api.enums.UserRole.MEMBER
        assert u.is_active is True and u.created_at is not None  # server defaults came back
        assert (await uow.users.get(u.id)).email == "ann@x.org"
        assert await uow.users.get(uuid.uuid4()) is None
        assert await uow.users.exists(u.id) is True
        assert (await uow.users.get_by_email("ann@x.org")).id == u.id
        assert await uow.users.get_by_email("nobody@x.org") is None
        u2 = await uow.users.update(u.id, api.users.UserUpdate(display_name="Annie"))
        assert u2.display_name == "Annie" and u2.email == "ann@x.org"  # unset fields kept
        u3 = await uow.users.update(u.id, api.users.UserUpdate(last_login_at=None))
        assert u3.last_login_at is None
        assert await uow.users.count() == 1
        page = await uow.users.list_by_role(api.enums.UserRole.MEMBER)
        assert [x.id for x in page.items] == [u.id]
        await uow.users.delete(u.id)
        assert await uow.users.exists(u.id) is False
        with pytest.raises(api.errors.NotFoundError, match="User"):
            await uow.users.delete(u.id)
        with pytest.raises(api.errors.NotFoundError):
            await uow.users.update(u.id, api.users.UserUpdate(display_name="x"))

    run(with_uow(db, body))


def test_only_listed_operations_exist(pkg: ModuleType) -> None:
    repos = mod("repositories")
    for cls in (repos.AuditEntryRepository, repos.SyncAuditEntryRepository):
        assert {"get", "list", "count"} <= set(dir(cls))
        assert not {"create", "update", "delete", "upsert", "exists", "bulk_create"} & set(dir(cls))
    tt = repos.TaskTagRepository
    assert not hasattr(tt, "get") and hasattr(tt, "bulk_create") and hasattr(tt, "delete")
    assert hasattr(repos.TaskRepository, "get_by_project_id_number")


def test_error_mapping_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        await uow.users.create(api.users.UserCreate(email="a@x.org", display_name="A"))
        async with uow.savepoint():
            pass
        with pytest.raises(api.errors.AlreadyExistsError) as info:
            async with uow.savepoint():
                await uow.users.create(api.users.UserCreate(email="a@x.org", display_name="B"))
        assert info.value.entity == "User" and "a@x.org" in str(info.value)
        assert info.value.constraint == "users_email_key"
        with pytest.raises(api.errors.RelatedNotFoundError) as rel:
            async with uow.savepoint():
                await uow.projects.create(
                    api.projects.ProjectCreate(slug="p", name="P", owner_id=uuid.uuid4())
                )
        assert rel.value.entity == "Project" and rel.value.constraint == "projects_owner_id_fkey"
        with pytest.raises(api.errors.ConstraintViolationError):
            async with uow.savepoint():
                await uow.users.create(api.users.UserCreate(email="no-at-sign", display_name="C"))
        assert await uow.users.count() == 1  # the savepoints undid only the failed writes

    run(with_uow(db, body))


def test_version_and_soft_delete_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        owner = await uow.users.create(api.users.UserCreate(email="o@x.org", display_name="O"))
        p = await uow.projects.create(
            api.projects.ProjectCreate(slug="p", name="P", owner_id=owner.id)
        )
        t = await uow.tasks.create(api.tasks.TaskCreate(project_id=p.id, number=1, title="T"))
        assert t.version == 1 and t.status == api.enums.TaskStatus.TODO
        t2 = await uow.tasks.update(t.id, api.tasks.TaskUpdate(version=1, title="T2"))
        assert t2.version == 2 and t2.title == "T2"
        with pytest.raises(api.errors.ConflictError) as info:
            await uow.tasks.update(t.id, api.tasks.TaskUpdate(version=1, title="stale"))
        assert info.value.key == t.id and info.value.entity == "Task"
        with pytest.raises(api.errors.NotFoundError):
            await uow.tasks.update(10**9, api.tasks.TaskUpdate(version=1, title="x"))
        await uow.tasks.delete(t.id)
        assert await uow.tasks.get(t.id) is None
        assert await uow.tasks.exists(t.id) is False
        assert await uow.tasks.count() == 0
        assert (await uow.tasks.list()).items == []
        assert await uow.tasks.get_by_project_id_number(p.id, 1) is None
        with pytest.raises(api.errors.NotFoundError):
            await uow.tasks.delete(t.id)  # already deleted
        raw = await uow.session.scalar(sa.text("SELECT deleted_at IS NOT NULL FROM tasks"))
        assert raw is True  # the row is still there, stamped
        # Upsert on (project_id, number) brings the deleted task back with a new version.
        back = await uow.tasks.upsert(
            api.tasks.TaskCreate(project_id=p.id, number=1, title="again")
        )
        assert back.id == t.id and back.title == "again" and back.version == 3
        assert back.deleted_at is None
        # Loading the project's tasks hides soft-deleted ones.
        await uow.tasks.delete(t.id)
        proj = await uow.projects.get(p.id, load=["tasks"])
        assert proj.tasks == []

    run(with_uow(db, body))


def test_upsert_conflicts_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        a = await uow.users.upsert(api.users.UserCreate(email="u@x.org", display_name="First"))
        b = await uow.users.upsert(api.users.UserCreate(email="u@x.org", display_name="Second"))
        assert a.id == b.id and b.display_name == "Second"
        assert await uow.users.count() == 1
        t1 = await uow.tags.upsert(api.tags.TagCreate(name="red", color="#ff0000"))
        t2 = await uow.tags.upsert(api.tags.TagCreate(name="red"))  # only the key: no-op write
        assert t1.id == t2.id and t2.color == "#ff0000"
        # A conflict on a different unique key than the target is still an error.
        await uow.users.create(api.users.UserCreate(email="v@x.org", display_name="V"))
        with pytest.raises(api.errors.AlreadyExistsError):
            await uow.users.upsert(
                api.users.UserCreate(email="V@x.org", display_name="dup by lower()")
            )

    run(with_uow(db, body))


# -- filters ------------------------------------------------------------------------------------


async def _seed_tasks(uow: Any, api: Api, n: int = 40) -> tuple[Any, list[Any]]:
    owner = await uow.users.create(api.users.UserCreate(email="o@x.org", display_name="O"))
    other = await uow.users.create(api.users.UserCreate(email="p@x.org", display_name="P"))
    p = await uow.projects.create(api.projects.ProjectCreate(slug="p", name="P", owner_id=owner.id))
    statuses = list(api.enums.TaskStatus)
    created = []
    for i in range(n):
        created.append(
            await uow.tasks.create(
                api.tasks.TaskCreate(
                    project_id=p.id,
                    number=i + 1,
                    title=f"Task {i % 7} {'100%_done' if i % 9 == 0 else 'x'}",
                    status=statuses[i % len(statuses)],
                    priority=1 + i % 5,
                    assignee_id=(owner.id if i % 3 == 0 else other.id if i % 3 == 1 else None),
                    due_date=None if i % 4 == 0 else datetime.date(2024, 1, 1 + i % 6),
                    estimate=None if i % 5 == 0 else decimal.Decimal(i) / 2 + 1,
                    labels=["bug"] if i % 2 else ["bug", "ui"] if i % 3 else [],
                    created_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
                    + datetime.timedelta(hours=i % 10),
                )
            )
        )
    return p, created


def test_every_filter_operator_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        _, rows = await _seed_tasks(uow, api)
        F = api.tasks.TaskFilter
        S = api.enums.TaskStatus
        d = datetime.date

        async def ids(where: Any) -> set[int]:
            page = await uow.tasks.list(where=where, limit=200)
            assert await uow.tasks.count(where=where) == len(page.items)
            return {t.id for t in page.items}

        def expect(pred: Callable[[Any], bool]) -> set[int]:
            return {t.id for t in rows if pred(t)}

        cases: list[tuple[Any, Callable[[Any], bool]]] = [
            (F(id__eq=rows[3].id), lambda t: t.id == rows[3].id),
            (F(id__in=[rows[1].id, rows[2].id]), lambda t: t.id in (rows[1].id, rows[2].id)),
            (F(number__gte=10, number__lte=12), lambda t: 10 <= t.number <= 12),
            (F(title__eq="Task 1 x"), lambda t: t.title == "Task 1 x"),
            (F(title__like="Task 2%"), lambda t: t.title.startswith("Task 2")),
            (F(title__ilike="task 3%"), lambda t: t.title.startswith("Task 3")),
            (F(status__eq=S.DONE), lambda t: t.status == S.DONE),
            (F(status__ne=S.DONE), lambda t: t.status != S.DONE),
            (F(status__in=[S.TODO, S.BLOCKED]), lambda t: t.status in (S.TODO, S.BLOCKED)),
            (F(status__not_in=[S.TODO]), lambda t: t.status != S.TODO),
            (F(priority__lt=2), lambda t: t.priority < 2),
            (F(priority__lte=2), lambda t: t.priority <= 2),
            (F(priority__gt=4), lambda t: t.priority > 4),
            (F(priority__gte=4), lambda t: t.priority >= 4),
            (F(priority__between=(2, 3)), lambda t: 2 <= t.priority <= 3),
            (F(assignee_id__is_null=True), lambda t: t.assignee_id is None),
            (F(assignee_id__is_null=False), lambda t: t.assignee_id is not None),
            (
                F(assignee_id__eq=rows[0].assignee_id),
                lambda t: t.assignee_id == rows[0].assignee_id,
            ),
            (F(due_date__eq=d(2024, 1, 2)), lambda t: t.due_date == d(2024, 1, 2)),
            (
                F(due_date__lt=d(2024, 1, 3)),
                lambda t: t.due_date is not None and t.due_date < d(2024, 1, 3),
            ),
            (
                F(due_date__gt=d(2024, 1, 3)),
                lambda t: t.due_date is not None and t.due_date > d(2024, 1, 3),
            ),
            (
                F(due_date__between=(d(2024, 1, 2), d(2024, 1, 4))),
                lambda t: t.due_date is not None and d(2024, 1, 2) <= t.due_date <= d(2024, 1, 4),
            ),
            (F(due_date__is_null=True), lambda t: t.due_date is None),
            (
                F(estimate__gte=decimal.Decimal(10)),
                lambda t: t.estimate is not None and t.estimate >= 10,
            ),
            (F(estimate__is_null=True), lambda t: t.estimate is None),
            (F(labels__contains=["ui"]), lambda t: "ui" in t.labels),
            (F(labels__contains=["bug"]), lambda t: "bug" in t.labels),
            (
                F(created_at__gte=datetime.datetime(2024, 1, 1, 5, tzinfo=datetime.UTC)),
                lambda t: t.created_at.hour >= 5,
            ),
            (
                F(or_=[F(priority__eq=1), F(status__eq=S.DONE, priority__gte=4)]),
                lambda t: t.priority == 1 or (t.status == S.DONE and t.priority >= 4),
            ),
            (F(or_=[]), lambda t: False),
            (F(), lambda t: True),
        ]
        for where, pred in cases:
            want = expect(pred)
            assert await ids(where) == want, where
        # Search: case-insensitive, wildcards in the input are literal.
        found = await uow.tasks.list(search="100%_DONE", limit=200)
        assert {t.id for t in found.items} == expect(lambda t: "100%_done" in t.title)
        assert (await uow.tasks.list(search="%", limit=200)).items == [
            t for t in (await uow.tasks.list(search="100%", limit=200)).items
        ]
        assert await uow.tasks.count(search="_") == len(expect(lambda t: "_" in t.title))

    run(with_uow(db, body))


def test_invalid_queries_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        await _seed_tasks(uow, api, 5)
        with pytest.raises(api.errors.InvalidQueryError, match="cannot order by 'description'"):
            await uow.tasks.list(order_by=["description"])
        with pytest.raises(api.errors.InvalidQueryError, match="cannot load"):
            await uow.tasks.list(load=["audit_log"])
        with pytest.raises(api.errors.InvalidQueryError):
            await uow.tasks.list(limit=0)
        with pytest.raises(Exception, match="extra"):
            api.tasks.TaskFilter(description__eq="x")  # not an allowed (column, operator)
        page = await uow.tasks.list(limit=10**6)
        assert len(page.items) == 5  # capped, not rejected
        capped = await uow.audit_log.list(limit=10**6)
        assert capped.items == []

    run(with_uow(db, body))


# -- paging oracle ------------------------------------------------------------------------------


def _oracle(rows: list[Any], order: list[str]) -> list[int]:
    """Expected order: ASC puts NULLs last, DESC first; the id breaks ties in the first key's
    direction."""
    keys = list(order)
    first_desc = keys[0].startswith("-") if keys else False
    if "id" not in [k.lstrip("-") for k in keys]:
        keys.append("-id" if first_desc else "id")
    result = list(rows)
    for key in reversed(keys):  # stable sorts, least significant key first
        desc = key.startswith("-")
        attr = key.lstrip("-")

        def k(t: Any, attr: str = attr) -> tuple[int, Any]:
            v = getattr(t, attr)
            v = v.value if hasattr(v, "value") else v
            return (1, 0) if v is None else (0, v)

        result.sort(key=k, reverse=desc)
    return [t.id for t in result]


ORDERS = [
    ["due_date"],
    ["-due_date"],
    ["priority", "-due_date"],
    ["-priority", "title"],
    ["status", "due_date"],
    ["-created_at"],
    [],
]


def test_paging_oracle_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        _, rows = await _seed_tasks(uow, api, 53)
        status_order = list(api.enums.TaskStatus)
        for order in ORDERS:
            expected = _oracle(rows, order or ["-created_at"])  # crud.yaml's default_sort
            if order and order[0] == "status":  # enum order is declaration order, not alphabetic
                by_status = sorted(rows, key=lambda t: status_order.index(t.status))
                expected = _oracle_enum(rows, order, status_order)
                assert len(by_status) == len(expected)
            unpaged = await uow.tasks.list(order_by=order or None, limit=200)
            assert [t.id for t in unpaged.items] == expected, order
            assert unpaged.next_cursor is None and unpaged.prev_cursor is None
            # Forward with cursors.
            seen: list[int] = []
            pages = []
            page = await uow.tasks.list(order_by=order or None, limit=7)
            while True:
                pages.append(page)
                assert len(page.items) <= 7
                seen += [t.id for t in page.items]
                if page.next_cursor is None:
                    break
                page = await uow.tasks.list(order_by=order or None, limit=7, after=page.next_cursor)
            assert seen == expected, order
            assert pages[0].prev_cursor is None
            # Backward from the last page.
            back: list[int] = [t.id for t in pages[-1].items]
            page = pages[-1]
            while page.prev_cursor is not None:
                page = await uow.tasks.list(
                    order_by=order or None, limit=7, before=page.prev_cursor
                )
                back = [t.id for t in page.items] + back
            assert back == expected, order
            # Offset paging agrees too.
            via_offset: list[int] = []
            for start in range(0, len(rows), 10):
                p = await uow.tasks.list(order_by=order or None, limit=10, offset=start)
                via_offset += [t.id for t in p.items]
            assert via_offset == expected, order
        with_total = await uow.tasks.list(limit=5, with_total=True)
        assert with_total.total == 53

    run(with_uow(db, body))


def _oracle_enum(rows: list[Any], order: list[str], status_order: list[Any]) -> list[int]:
    class Wrap:
        def __init__(self, t: Any) -> None:
            self.t = t
            self.id = t.id
            self.status = status_order.index(t.status)
            self.due_date = t.due_date

    return _oracle([Wrap(t) for t in rows], order)


def test_cursor_tampering_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        await _seed_tasks(uow, api, 12)
        page = await uow.tasks.list(limit=5, order_by=["priority"])
        cursor = page.next_cursor
        assert cursor is not None
        bad = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
        for broken in (bad, "garbage", cursor + "x", "a.b.c", ""):
            with pytest.raises(api.errors.InvalidCursorError):
                await uow.tasks.list(limit=5, order_by=["priority"], after=broken)
        with pytest.raises(api.errors.InvalidCursorError, match="another order"):
            await uow.tasks.list(limit=5, order_by=["-priority"], after=cursor)
        comments_cursor = None
        users = await uow.users.list(limit=1)
        comments_cursor = users.next_cursor
        assert comments_cursor is not None
        with pytest.raises(api.errors.InvalidCursorError):
            await uow.tasks.list(limit=5, after=comments_cursor)
        with pytest.raises(api.errors.InvalidQueryError):
            await uow.tasks.list(limit=5, after=cursor, before=cursor, order_by=["priority"])

    run(with_uow(db, body))


# -- transactions -------------------------------------------------------------------------------


def test_transaction_atomic_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        owner = await uow.users.create(api.users.UserCreate(email="o@x.org", display_name="O"))
        p = await uow.projects.create(
            api.projects.ProjectCreate(slug="p", name="P", owner_id=owner.id)
        )
        N = api.comments.CommentCreateNested
        t = await uow.create_task_with_comments(
            api.tasks.TaskCreate(project_id=p.id, number=1, title="T"),
            comments=[N(body="one", author_id=owner.id), N(body="two")],
        )
        loaded = await uow.tasks.get(t.id, load=["comments"])
        assert sorted(c.body for c in loaded.comments) == ["one", "two"]
        with pytest.raises(api.errors.RelatedNotFoundError):
            await uow.create_task_with_comments(
                api.tasks.TaskCreate(project_id=p.id, number=2, title="T2"),
                comments=[N(body="ok"), N(body="bad author", author_id=uuid.uuid4())],
            )
        # The failed call left nothing behind, and the earlier work is intact.
        assert await uow.tasks.get_by_project_id_number(p.id, 2) is None
        assert await uow.session.scalar(sa.text("SELECT count(*) FROM comments")) == 2
        assert await uow.session.scalar(sa.text("SELECT count(*) FROM tasks")) == 1
        pm = await uow.create_project_with_members(
            api.projects.ProjectCreate(slug="q", name="Q", owner_id=owner.id),
            project_members=[api.members.ProjectMemberCreateNested(user_id=owner.id)],
        )
        members = await uow.project_members.list_by_project_id(pm.id)
        assert [m.user_id for m in members.items] == [owner.id]

    run(with_uow(db, body))


def test_failed_unit_of_work_rolls_back_everything(pkg: ModuleType, db: FreshDb) -> None:
    api_holder: list[Api] = []

    async def body(uow: Any, api: Api) -> None:
        api_holder.append(api)
        await uow.users.create(api.users.UserCreate(email="o@x.org", display_name="O"))
        await uow.users.create(api.users.UserCreate(email="o@x.org", display_name="dup"))

    with pytest.raises(Exception) as info:
        run(with_uow(db, body))
    assert type(info.value).__name__ == "AlreadyExistsError"
    assert psql(db.dsn, "-Atc", "SELECT count(*) FROM users").stdout.strip() == "0"


# -- bulk ---------------------------------------------------------------------------------------


def test_bulk_100k_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        owner = await uow.users.create(api.users.UserCreate(email="o@x.org", display_name="O"))
        p = await uow.projects.create(
            api.projects.ProjectCreate(slug="p", name="P", owner_id=owner.id)
        )
        n = 100_000
        C = api.tasks.TaskCreate
        made = await uow.tasks.bulk_create(
            [
                C(project_id=p.id, number=i, title=f"t{i}", labels=["a"] if i % 2 else [])
                for i in range(n)
            ]
        )
        assert made == n and await uow.tasks.count() == n
        ids = list(await uow.session.scalars(sa.text("SELECT id FROM tasks ORDER BY id")))
        U = api.tasks.TaskUpdate
        updated = await uow.tasks.bulk_update(
            [(i, U(version=1, title=f"u{i}", status=api.enums.TaskStatus.DONE)) for i in ids]
        )
        assert updated == n
        done = await uow.tasks.count(
            where=api.tasks.TaskFilter(status__eq=api.enums.TaskStatus.DONE)
        )
        assert done == n
        with pytest.raises(api.errors.ConflictError):
            async with uow.savepoint():
                await uow.tasks.bulk_update([(ids[0], U(version=1, title="stale"))])
        deleted = await uow.tasks.bulk_delete(ids)
        assert deleted == n and await uow.tasks.count() == 0
        tags = await uow.tags.bulk_create([api.tags.TagCreate(name=f"tag{i}") for i in range(n)])
        assert tags == n
        tag_ids = list(
            await uow.session.scalars(sa.text("SELECT id FROM tags ORDER BY id LIMIT 1000"))
        )
        links = await uow.task_tags.bulk_create([])
        assert links == 0 and len(tag_ids) == 1000

    run(with_uow(db, body))


def test_bulk_delete_composite_keys_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        owner = await uow.users.create(api.users.UserCreate(email="o@x.org", display_name="O"))
        users = [owner] + [
            await uow.users.create(api.users.UserCreate(email=f"u{i}@x.org", display_name=f"U{i}"))
            for i in range(4)
        ]
        p = await uow.projects.create(
            api.projects.ProjectCreate(slug="p", name="P", owner_id=owner.id)
        )
        M = api.members.ProjectMemberCreate
        assert (
            await uow.project_members.bulk_create([M(project_id=p.id, user_id=u.id) for u in users])
            == 5
        )
        m = await uow.project_members.get((p.id, owner.id))
        assert m is not None and m.role == api.enums.ProjectRole.CONTRIBUTOR
        assert (
            await uow.project_members.bulk_delete(
                [(p.id, users[1].id), (p.id, users[2].id), (p.id, uuid.uuid4())]
            )
            == 2
        )
        await uow.project_members.delete((p.id, users[3].id))
        assert await uow.project_members.count() == 2
        with pytest.raises(api.errors.InvalidQueryError):
            await uow.project_members.get(p.id)

    run(with_uow(db, body))


# -- eager loading ------------------------------------------------------------------------------


def test_eager_load_constant_statements_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        owner = await uow.users.create(api.users.UserCreate(email="o@x.org", display_name="O"))
        p = await uow.projects.create(
            api.projects.ProjectCreate(slug="p", name="P", owner_id=owner.id)
        )
        await uow.tasks.bulk_create(
            [
                api.tasks.TaskCreate(project_id=p.id, number=i, title=f"t{i}", assignee_id=owner.id)
                for i in range(500)
            ]
        )
        task_ids = list(await uow.session.scalars(sa.text("SELECT id FROM tasks")))
        # comments lists no bulk_create in crud.yaml: seed them with SQL.
        await uow.session.execute(
            sa.text(
                "INSERT INTO comments (task_id, body) SELECT id, 'c' FROM tasks, generate_series(1, 2)"
            )
        )
        await uow.tags.bulk_create([api.tags.TagCreate(name="red")])
        tag_id = await uow.session.scalar(sa.text("SELECT id FROM tags"))
        await uow.task_tags.bulk_create(
            [api.task_tags.TaskTagCreate(task_id=t, tag_id=tag_id) for t in task_ids]
        )
        uow.session.expunge_all()

        statements: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        sync_engine = uow.session.bind.sync_engine
        sa.event.listen(sync_engine, "before_cursor_execute", count)
        try:
            page = await uow.tasks.list(limit=200, load=["comments", "users", "tags", "projects"])
            assert len(page.items) == 200
            for t in page.items:  # all loaded: touching them issues no SQL (would raise in async)
                assert len(t.comments) == 2 and t.assignee.id == owner.id
                assert len(t.tags) == 1 and t.project.id == p.id
        finally:
            sa.event.remove(sync_engine, "before_cursor_execute", count)
        # The page (many-to-one relations joined into it) + one per collection (comments, tags).
        assert len(statements) == 3, statements

    run(with_uow(db, body))


# -- sync flavour -------------------------------------------------------------------------------


def test_sync_flavour(pkg: ModuleType, db: FreshDb) -> None:
    api = Api()
    engine = sync_engine(db)
    try:
        factory = mod("db").sync_session_factory(engine)
        with api.uow.SyncUnitOfWork(factory) as uow:
            owner = uow.users.create(api.users.UserCreate(email="o@x.org", display_name="O"))
            p = uow.projects.create(
                api.projects.ProjectCreate(slug="p", name="P", owner_id=owner.id)
            )
            assert uow.projects.get_by_slug("p").id == p.id
            made = uow.tasks.bulk_create(
                [
                    api.tasks.TaskCreate(
                        project_id=p.id,
                        number=i,
                        title=f"t{i % 4}",
                        due_date=None if i % 3 == 0 else datetime.date(2024, 1, 1 + i % 5),
                    )
                    for i in range(30)
                ]
            )
            assert made == 30
            rows = uow.tasks.list(limit=200).items
            for order in (["due_date"], ["-due_date", "title"], ["title"]):
                seen: list[int] = []
                page = uow.tasks.list(order_by=order, limit=4)
                while True:
                    seen += [t.id for t in page.items]
                    if page.next_cursor is None:
                        break
                    page = uow.tasks.list(order_by=order, limit=4, after=page.next_cursor)
                assert seen == _oracle(rows, order)
            t = rows[0]
            before = t.version
            t2 = uow.tasks.update(
                t.id, api.tasks.TaskUpdate(version=before, status=api.enums.TaskStatus.DONE)
            )
            assert t2 is t and t.version == before + 1  # the session's object is refreshed
            with pytest.raises(api.errors.ConflictError), uow.savepoint():
                uow.tasks.update(t.id, api.tasks.TaskUpdate(version=before, title="x"))
            others = [r.id for r in rows[1:10]]
            keys = [t.id, *others]
            assert (
                uow.tasks.bulk_update(
                    [(k, api.tasks.TaskUpdate(version=1, priority=5)) for k in others]
                )
                == 9
            )
            assert uow.tasks.count(where=api.tasks.TaskFilter(priority__eq=5)) == 9
            assert uow.tasks.bulk_delete(keys) == 10
            with pytest.raises(api.errors.AlreadyExistsError), uow.savepoint():
                uow.users.create(api.users.UserCreate(email="o@x.org", display_name="dup"))
            with pytest.raises(api.errors.RelatedNotFoundError):
                uow.create_task_with_comments(
                    api.tasks.TaskCreate(project_id=p.id, number=999, title="T"),
                    comments=[api.comments.CommentCreateNested(body="x", parent_id=10**9)],
                )
            assert uow.tasks.get_by_project_id_number(p.id, 999) is None
            assert (
                uow.users.upsert(api.users.UserCreate(email="o@x.org", display_name="new")).id
                == owner.id
            )
        assert (
            psql(
                db.dsn, "-Atc", "SELECT count(*) FROM tasks WHERE deleted_at IS NULL"
            ).stdout.strip()
            == "20"
        )
    finally:
        engine.dispose()
