"""The SQLite variant of the demo (tests/golden/cases/sqlite_demo) live on SQLite files: the
generated repositories on aiosqlite and sqlite3, with the same public API and typed errors as on
PostgreSQL. Each test gets a fresh file migrated by the package's own revision
(``_testing.migrated_database``: no server). Async runs use asyncio debug mode with every
warning an error."""

from __future__ import annotations

import asyncio
import datetime
import decimal
import shutil
import sqlite3
import subprocess
import sys
import warnings
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa

from support import REPO_ROOT, import_generated

T = TypeVar("T")
CASE = REPO_ROOT / "tests" / "golden" / "cases" / "sqlite_demo"
D = decimal.Decimal


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sqlite_repo")
    spec = root / "spec"
    spec.mkdir()
    for name in ("schema.sql", "crud.yaml", "dbgen.toml"):
        shutil.copy(CASE / name, spec / name)
    proc = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", str(spec), "--out", str(root / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return root / "out"


@pytest.fixture
def pkg(demo_out: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.setenv("TRACKER_DB_CURSOR_SECRET", "test-secret")
    with import_generated(demo_out, "tracker_db") as module:
        yield module


@pytest.fixture
def url(pkg: ModuleType) -> Iterator[sa.URL]:
    testing = sys.modules.get("tracker_db._testing") or __import__(
        "tracker_db._testing", fromlist=["x"]
    )
    with testing.migrated_database() as migrated:
        yield migrated


def mod(name: str) -> Any:
    return __import__(f"tracker_db.{name}", fromlist=["x"])


class Api:
    def __init__(self) -> None:
        self.uow = mod("uow")
        self.db = mod("db")
        self.errors = mod("errors")
        self.users = mod("schemas.users")
        self.projects = mod("schemas.projects")
        self.tasks = mod("schemas.tasks")
        self.tags = mod("schemas.tags")
        self.task_tags = mod("schemas.task_tags")
        self.comments = mod("schemas.comments")


def run(coro: Coroutine[Any, Any, T]) -> T:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return asyncio.run(coro, debug=True)


async def with_uow(url: sa.URL, body: Callable[[Any, Api], Coroutine[Any, Any, T]]) -> T:
    api = Api()
    engine = api.db.create_async_engine_from_env(url)
    try:
        async with api.uow.UnitOfWork(api.db.async_session_factory(engine)) as uow:
            return await body(uow, api)
    finally:
        await engine.dispose()


def with_sync_uow(url: sa.URL, body: Callable[[Any, Api], T]) -> T:
    api = Api()
    engine = api.db.create_sync_engine_from_env(url)
    try:
        with api.uow.SyncUnitOfWork(api.db.sync_session_factory(engine)) as uow:
            return body(uow, api)
    finally:
        engine.dispose()


async def _owner(uow: Any, api: Api, n: int = 1) -> Any:
    return await uow.users.create(
        api.users.UserCreate(id=f"u{n}", email=f"u{n}@x.org", display_name=f"U{n}")
    )


def test_the_package_is_sqlites(pkg: ModuleType) -> None:
    dialect = mod("_dialect")
    assert dialect.NAME == "sqlite" and dialect.ASYNC_DRIVER == "sqlite+aiosqlite"
    db = mod("db")
    assert db.async_url("sqlite:////tmp/x.db").drivername == "sqlite+aiosqlite"
    assert db.sync_url("sqlite+aiosqlite:////tmp/x.db").drivername == "sqlite+pysqlite"
    with pytest.raises(ValueError, match="not a sqlite URL"):
        db.async_url("postgresql://u@h/d")


def test_every_connection_enforces_foreign_keys(pkg: ModuleType, url: sa.URL) -> None:
    api = Api()

    async def body() -> list[int]:
        engine = api.db.create_async_engine_from_env(url)
        try:
            seen = []
            for _ in range(3):
                async with engine.connect() as conn:
                    seen.append((await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar())
            return seen
        finally:
            await engine.dispose()

    assert run(body()) == [1, 1, 1]
    engine = api.db.create_sync_engine_from_env(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_crud_async(pkg: ModuleType, url: sa.URL) -> None:
    async def body(uow: Any, api: Api) -> None:
        u = await _owner(uow, api)
        assert u.role == "member" and u.is_active is True
        assert isinstance(u.created_at, datetime.datetime)  # server defaults came back
        assert (await uow.users.get("u1")).email == "u1@x.org"
        assert await uow.users.get("nobody") is None
        assert await uow.users.exists("u1") is True
        # COLLATE NOCASE on email: the finder matches as the column compares
        assert (await uow.users.get_by_email("U1@X.ORG")).id == "u1"
        u2 = await uow.users.update("u1", api.users.UserUpdate(display_name="Annie"))
        assert u2.display_name == "Annie" and u2.email == "u1@x.org"
        p = await uow.projects.create(
            api.projects.ProjectCreate(slug="p-1", name="P", owner_id="u1")
        )
        assert isinstance(p.id, int)  # AUTOINCREMENT: the rowid came back
        t = await uow.tasks.create(
            api.tasks.TaskCreate(project_id=p.id, number=1, title="T", estimate=D("2.50"))
        )
        assert t.version == 1 and t.labels == [] and t.estimate == D("2.50")
        # SQLite's integers are 64-bit whatever the declared type: no 32-bit check on INTEGER
        big = await uow.tasks.create(
            api.tasks.TaskCreate(project_id=p.id, number=2**40, title="big")
        )
        assert (await uow.tasks.get(big.id)).number == 2**40
        with pytest.raises(api.errors.InvalidValueError):  # beyond 64 bits: sqlite3 refuses it
            await uow.tasks.create(api.tasks.TaskCreate(project_id=p.id, number=2**63, title="x"))
        with pytest.raises(api.errors.InvalidValueError):  # the same, checked before the query
            await uow.tasks.list(where=api.tasks.TaskFilter(number__eq=2**63))
        assert (await uow.tasks.list(where=api.tasks.TaskFilter(number__eq=2**40))).items
        assert t.status == "todo" and t.priority == 3
        got = await uow.projects.get(p.id, load=["tasks", "users"])
        assert sorted(x.id for x in got.tasks) == [t.id, big.id] and got.owner.id == "u1"
        assert await uow.users.count() == 1
        with pytest.raises(api.errors.NotFoundError):
            await uow.users.update("nobody", api.users.UserUpdate(display_name="x"))

    run(with_uow(url, body))


def test_typed_errors_from_sqlite_codes(pkg: ModuleType, url: sa.URL) -> None:
    async def body(uow: Any, api: Api) -> None:
        await _owner(uow, api)
        with pytest.raises(api.errors.AlreadyExistsError) as dup:
            async with uow.savepoint():
                await uow.users.create(
                    api.users.UserCreate(id="u2", email="U1@x.org", display_name="dup")
                )
        assert dup.value.entity == "User" and dup.value.sqlstate == "23505"
        assert isinstance(dup.value.__cause__, sqlite3.IntegrityError)
        with pytest.raises(api.errors.AlreadyExistsError):
            async with uow.savepoint():  # the primary key
                await uow.users.create(
                    api.users.UserCreate(id="u1", email="other@x.org", display_name="dup")
                )
        with pytest.raises(api.errors.RelatedNotFoundError) as fk:
            async with uow.savepoint():
                await uow.projects.create(
                    api.projects.ProjectCreate(slug="q", name="Q", owner_id="nobody")
                )
        assert fk.value.entity == "Project" and fk.value.sqlstate == "23503"
        with pytest.raises(api.errors.ConstraintViolationError) as check:
            async with uow.savepoint():
                await uow.users.create(
                    api.users.UserCreate(id="u3", email="no-at-sign", display_name="C")
                )
        assert check.value.constraint == "users_email_format"
        assert await uow.users.count() == 1  # the savepoints undid only the failed writes

    run(with_uow(url, body))


def test_version_soft_delete_and_upsert(pkg: ModuleType, url: sa.URL) -> None:
    async def body(uow: Any, api: Api) -> None:
        await _owner(uow, api)
        p = await uow.projects.create(api.projects.ProjectCreate(slug="p", name="P", owner_id="u1"))
        t = await uow.tasks.create(api.tasks.TaskCreate(project_id=p.id, number=1, title="T"))
        t2 = await uow.tasks.update(t.id, api.tasks.TaskUpdate(version=1, title="T2"))
        assert t2.version == 2
        with pytest.raises(api.errors.ConflictError):
            await uow.tasks.update(t.id, api.tasks.TaskUpdate(version=1, title="stale"))
        await uow.tasks.delete(t.id)
        assert await uow.tasks.get(t.id) is None and await uow.tasks.count() == 0
        raw = await uow.session.scalar(sa.text("SELECT deleted_at IS NOT NULL FROM tasks"))
        assert raw == 1  # still there, stamped
        # ON CONFLICT (project_id, number) DO UPDATE brings it back, version bumped
        back = await uow.tasks.upsert(api.tasks.TaskCreate(project_id=p.id, number=1, title="A"))
        assert back.id == t.id and back.title == "A" and back.version == 3
        assert back.deleted_at is None
        a = await uow.users.upsert(api.users.UserCreate(id="u9", email="v@x.org", display_name="1"))
        b = await uow.users.upsert(api.users.UserCreate(id="u8", email="v@x.org", display_name="2"))
        assert a.id == b.id == "u9" and b.display_name == "2"
        t1 = await uow.tags.upsert(api.tags.TagCreate(name="red", color="#ff0000"))
        t2 = await uow.tags.upsert(api.tags.TagCreate(name="red"))  # only the key: no-op write
        assert t1.id == t2.id and t2.color == "#ff0000"

    run(with_uow(url, body))


async def _seed(uow: Any, api: Api, n: int = 30) -> Any:
    await _owner(uow, api)
    await _owner(uow, api, 2)
    p = await uow.projects.create(api.projects.ProjectCreate(slug="p", name="P", owner_id="u1"))
    statuses = ["todo", "in_progress", "blocked", "done", "cancelled"]
    await uow.tasks.bulk_create(
        [
            api.tasks.TaskCreate(
                project_id=p.id,
                number=i + 1,
                title=f"Task {i % 7} {'100%_done' if i % 9 == 0 else 'x'}",
                status=statuses[i % 5],
                priority=1 + i % 5,
                assignee_id=("u1" if i % 3 == 0 else "u2" if i % 3 == 1 else None),
                due_date=None if i % 4 == 0 else datetime.date(2024, 1, 1 + i % 6),
                estimate=None if i % 5 == 0 else D(i) / 2 + 1,
            )
            for i in range(n)
        ]
    )
    return p


def test_filters_search_sort_and_pagination(pkg: ModuleType, url: sa.URL) -> None:
    async def body(uow: Any, api: Api) -> None:
        await _seed(uow, api)
        F = api.tasks.TaskFilter

        async def numbers(**kw: Any) -> list[int]:
            page = await uow.tasks.list(order_by=["number"], limit=200, **kw)
            return [t.number for t in page.items]

        every = list(range(1, 31))
        assert await numbers(where=F(status__eq="done")) == [n for n in every if (n - 1) % 5 == 3]
        assert await numbers(where=F(status__not_in=["todo", "done"])) == [
            n for n in every if (n - 1) % 5 not in (0, 3)
        ]
        assert await numbers(where=F(priority__between=(2, 3))) == [
            n for n in every if 1 + (n - 1) % 5 in (2, 3)
        ]
        assert await numbers(where=F(assignee_id__is_null=True)) == [
            n for n in every if (n - 1) % 3 == 2
        ]
        assert await numbers(where=F(due_date__lt=datetime.date(2024, 1, 3))) == [
            n for n in every if (n - 1) % 4 and 1 + (n - 1) % 6 < 3
        ]
        assert await numbers(where=F(estimate__gte=D(10))) == [
            n for n in every if (n - 1) % 5 and D(n - 1) / 2 + 1 >= 10
        ]
        # LIKE patterns: % and _ in the value are literal
        assert await numbers(where=F(title__like="%100\\%\\_done%")) == []
        assert await numbers(where=F(title__ilike="task 0%")) == [
            n for n in every if (n - 1) % 7 == 0
        ]
        assert await numbers(search="100%_done") == [n for n in every if (n - 1) % 9 == 0]
        assert await numbers(where=F(or_=[F(number__eq=1), F(number__eq=30)])) == [1, 30]
        # offset and keyset pages: every row once, in order
        page = await uow.tasks.list(order_by=["-priority", "number"], limit=7, with_total=True)
        assert page.total == 30
        seen = [t.number for t in page.items]
        while page.next_cursor:
            page = await uow.tasks.list(
                order_by=["-priority", "number"], limit=7, after=page.next_cursor
            )
            seen += [t.number for t in page.items]
        assert sorted(seen) == every and len(seen) == 30
        everything = await uow.tasks.list(order_by=["-priority", "number"], limit=200)
        assert seen == [t.number for t in everything.items]
        streamed = [t.number async for t in uow.tasks.stream(order_by=["number"], batch_size=4)]
        assert streamed == every

    run(with_uow(url, body))


def test_bulk_operations_stay_under_the_bound_variable_limit(pkg: ModuleType, url: sa.URL) -> None:
    """40 000 rows of 5 columns: 200 000 values, six times SQLite's 32 766 bound variables in a
    statement; every bulk operation chunks under it."""
    n = 40_000

    async def body(uow: Any, api: Api) -> None:
        await _owner(uow, api)
        p = await uow.projects.create(api.projects.ProjectCreate(slug="p", name="P", owner_id="u1"))
        rows = [
            api.tasks.TaskCreate(project_id=p.id, number=i, title=f"t{i}", priority=1 + i % 5)
            for i in range(n)
        ]
        assert await uow.tasks.bulk_create(rows) == n
        ids = list(await uow.session.scalars(sa.text("SELECT id FROM tasks ORDER BY id")))
        assert len(ids) == n
        changed = await uow.tasks.bulk_update(
            [(i, api.tasks.TaskUpdate(version=1, title="u")) for i in ids]
        )
        assert changed == n
        assert await uow.tasks.count(where=api.tasks.TaskFilter(title__eq="u")) == n
        assert await uow.tasks.bulk_delete(ids) == n
        assert await uow.tasks.count() == 0
        # the many-to-many link table: composite keys in chunks
        tags = [await uow.tags.create(api.tags.TagCreate(name=f"g{i}")) for i in range(3)]
        task = await uow.tasks.create(api.tasks.TaskCreate(project_id=p.id, number=-1, title="x"))
        links = [api.task_tags.TaskTagCreate(task_id=task.id, tag_id=g.id) for g in tags]
        assert await uow.task_tags.bulk_create(links) == 3
        loaded = await uow.tasks.get(task.id, load=["tags"])
        assert sorted(g.name for g in loaded.tags) == ["g0", "g1", "g2"]

    run(with_uow(url, body))


def test_the_sync_twin(pkg: ModuleType, url: sa.URL) -> None:
    def body(uow: Any, api: Api) -> None:
        uow.users.create(api.users.UserCreate(id="s1", email="s@x.org", display_name="S"))
        p = uow.projects.create(api.projects.ProjectCreate(slug="s", name="S", owner_id="s1"))
        t = uow.tasks.create(api.tasks.TaskCreate(project_id=p.id, number=1, title="T"))
        assert uow.tasks.get(t.id).title == "T"
        assert (
            uow.tasks.bulk_create(
                [api.tasks.TaskCreate(project_id=p.id, number=i, title="b") for i in range(2, 500)]
            )
            == 498
        )
        page = uow.tasks.list(order_by=["number"], limit=10)
        assert [x.number for x in page.items] == list(range(1, 11))
        assert (
            uow.tasks.upsert(api.tasks.TaskCreate(project_id=p.id, number=1, title="again")).id
            == t.id
        )
        with pytest.raises(api.errors.RelatedNotFoundError), uow.savepoint():
            uow.tasks.create(api.tasks.TaskCreate(project_id=10**6, number=1, title="x"))
        with pytest.raises(api.errors.AlreadyExistsError), uow.savepoint():
            uow.users.create(api.users.UserCreate(id="s1", email="t@x.org", display_name="T"))
        uow.tasks.delete(t.id)
        assert uow.tasks.count() == 498

    with_sync_uow(url, body)


def test_a_unit_of_work_commits_and_rolls_back(pkg: ModuleType, url: sa.URL) -> None:
    api = Api()

    async def body() -> tuple[int, int]:
        engine = api.db.create_async_engine_from_env(url)
        factory = api.db.async_session_factory(engine)
        try:
            async with api.uow.UnitOfWork(factory) as uow:
                await _owner(uow, api)
            with pytest.raises(RuntimeError):
                async with api.uow.UnitOfWork(factory) as uow:
                    await _owner(uow, api, 2)
                    raise RuntimeError("undo")
            async with api.uow.UnitOfWork(factory) as uow:
                return await uow.users.count(), len((await uow.users.list()).items)
        finally:
            await engine.dispose()

    assert run(body()) == (1, 1)


FIXTURE_TEST = """
import pytest

pytest_plugins = ["tracker_db.testing"]


@pytest.mark.asyncio
async def test_async(uow):
    from tracker_db.schemas.users import UserCreate

    await uow.users.create(UserCreate(id="a", email="a@x.org", display_name="A"))
    await uow.commit()
    assert await uow.users.count() == 1


@pytest.mark.asyncio
async def test_rolled_back(uow):
    assert await uow.users.count() == 0


def test_sync(sync_uow, database_url):
    from tracker_db.schemas.users import UserCreate

    assert database_url.startswith("sqlite+aiosqlite:///")
    sync_uow.users.create(UserCreate(id="b", email="b@x.org", display_name="B"))
    assert sync_uow.users.count() == 1
"""


def test_the_packages_pytest_fixtures_need_no_server(demo_out: Path, tmp_path: Path) -> None:
    """``tracker_db.testing``: a migrated SQLite file per session, writes rolled back per test."""
    (tmp_path / "test_app.py").write_text(FIXTURE_TEST)
    env = {k: v for k, v in __import__("os").environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = str(demo_out)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "3 passed" in proc.stdout
