"""Named queries against PostgreSQL: every query of the demo (specs/queries/) runs, async and
sync, on seeded data, and its rows equal what a hand-written SQL statement (written another
way: correlated subqueries instead of joins and groups) returns; the golden case's queries
cover the other kinds (:one on INSERT ... RETURNING, :stream, :exec) and the types of the rows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import decimal
import enum
import importlib
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa

from support import REPO_ROOT, FreshDb, import_generated, psql

ANN = "00000000-0000-0000-0000-00000000000a"
BOB = "00000000-0000-0000-0000-00000000000b"
CY = "00000000-0000-0000-0000-00000000000c"
DEE = "00000000-0000-0000-0000-00000000000d"

SEED = f"""
INSERT INTO users (id, email, display_name, role, is_active) VALUES
    ('{ANN}', 'ann@example.org', 'Ann', 'admin', true),
    ('{BOB}', 'bob@example.org', 'Bob', 'member', true),
    ('{CY}', 'cy@example.org', 'Cy', 'member', true),
    ('{DEE}', 'dee@example.org', 'Dee', 'guest', false);
INSERT INTO projects (slug, name, owner_id) VALUES
    ('alpha', 'Alpha', '{ANN}'), ('beta', 'Beta', '{ANN}'), ('gamma', 'Gamma', '{BOB}');
INSERT INTO tasks (project_id, number, title, status, priority, assignee_id, due_date, estimate,
                   deleted_at, created_at) VALUES
    (1, 1, 'a1', 'todo', 1, '{ANN}', '2026-01-10', 2.5, NULL, '2025-11-01'),
    (1, 2, 'a2', 'done', 5, '{ANN}', '2026-01-05', NULL, NULL, '2025-11-02'),
    (1, 3, 'a3', 'in_progress', 3, '{BOB}', NULL, 4, NULL, '2025-11-03'),
    (1, 4, 'a4', 'blocked', 2, NULL, '2026-01-01', 1, NULL, '2025-11-04'),
    (1, 5, 'a5', 'todo', 4, '{BOB}', '2025-12-01', NULL, now(), '2025-11-05'),
    (2, 1, 'b1', 'cancelled', 3, '{BOB}', '2026-02-01', 8, NULL, '2025-10-01'),
    (2, 2, 'b2', 'todo', 2, '{ANN}', '2026-01-20', NULL, NULL, '2025-10-02'),
    (3, 1, 'g1', 'todo', 1, '{DEE}', '2026-01-15', 3.25, NULL, '2026-01-02');
INSERT INTO comments (task_id, author_id, body) VALUES
    (1, '{ANN}', 'x'), (1, '{BOB}', 'y'), (3, NULL, 'z'), (4, '{ANN}', 'w');
"""

# The same questions, asked another way.
EXPECTED_USERS = """
SELECT u.id, u.email, u.display_name,
       (SELECT count(*) FROM tasks t WHERE t.assignee_id = u.id AND t.deleted_at IS NULL),
       (SELECT count(*) FROM tasks t WHERE t.assignee_id = u.id AND t.deleted_at IS NULL
            AND t.status NOT IN ('done', 'cancelled')),
       (SELECT max(t.due_date) FROM tasks t WHERE t.assignee_id = u.id AND t.deleted_at IS NULL)
FROM users u WHERE u.is_active = true
ORDER BY 4 DESC, 2
"""
EXPECTED_SUMMARY = """
SELECT DISTINCT p.slug, p.name, t.status,
       (SELECT count(*) FROM tasks x WHERE x.project_id = p.id AND x.status = t.status
            AND x.deleted_at IS NULL),
       (SELECT round(avg(x.priority), 2) FROM tasks x WHERE x.project_id = p.id
            AND x.status = t.status AND x.deleted_at IS NULL),
       (SELECT coalesce(sum(x.estimate), 0) FROM tasks x WHERE x.project_id = p.id
            AND x.status = t.status AND x.status <> 'done' AND x.deleted_at IS NULL)
FROM projects p, tasks t
WHERE t.project_id = p.id AND t.deleted_at IS NULL AND p.owner_id = %(owner)s
  AND p.is_archived = false
ORDER BY 1, 3
"""
EXPECTED_OVERDUE = """
SELECT p.slug || '-' || t.number, t.title, t.due_date, %(as_of)s::date - t.due_date,
       (SELECT u.display_name FROM users u WHERE u.id = t.assignee_id),
       (SELECT count(*) FROM comments c WHERE c.task_id = t.id),
       (SELECT 1 + count(*) FROM tasks y WHERE y.project_id = t.project_id
            AND y.deleted_at IS NULL AND y.status NOT IN ('done', 'cancelled')
            AND y.due_date < %(as_of)s AND (%(status)s IS NULL OR y.status::text = %(status)s)
            AND y.due_date < t.due_date)
FROM tasks t, projects p
WHERE p.id = t.project_id AND t.deleted_at IS NULL AND t.status NOT IN ('done', 'cancelled')
  AND t.due_date < %(as_of)s AND (%(status)s IS NULL OR t.status::text = %(status)s)
ORDER BY t.due_date, 1
LIMIT %(limit)s
"""
EXPECTED_COMMENTS = """
SELECT t.id, (SELECT count(*) FROM comments c WHERE c.task_id = t.id)
FROM tasks t WHERE t.id = %(task)s
"""
EXPECTED_ARCHIVABLE = """
SELECT count(*) FROM projects p
WHERE p.owner_id = %(owner)s AND p.is_archived = false
  AND p.id NOT IN (SELECT project_id FROM tasks WHERE created_at >= %(since)s)
"""


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("queries") / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", "specs", "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture
def pkg(demo_out: Path) -> Iterator[ModuleType]:
    with import_generated(demo_out, "app_db") as module:
        yield module


@pytest.fixture
def seeded(fresh_db: FreshDb) -> FreshDb:
    psql(fresh_db.dsn, "-q", "-v", "ON_ERROR_STOP=1", "-f", str(REPO_ROOT / "specs" / "schema.sql"))
    psql(fresh_db.dsn, "-q", "-v", "ON_ERROR_STOP=1", "-c", SEED)
    return fresh_db


def plain(value: Any) -> Any:
    """A value as psycopg2 returns it from the hand-written SQL (enums as their labels, uuids
    as text)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def as_tuples(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [tuple(plain(getattr(r, f.name)) for f in dataclasses.fields(r)) for r in rows]


def expected(db: FreshDb, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(db.sync_url)
    try:
        with engine.connect() as conn:
            return [tuple(plain(v) for v in row) for row in conn.exec_driver_sql(sql, params)]
    finally:
        engine.dispose()


AS_OF = datetime.date(2026, 1, 16)
SINCE = datetime.datetime(2025, 12, 1, tzinfo=datetime.UTC)


def calls(pkg: ModuleType) -> dict[str, Callable[[Any], Any]]:
    """Each demo query as called on a unit of work's ``queries`` (the same calls, async or sync:
    the async ones return coroutines, awaited by the caller)."""
    status = importlib.import_module("app_db.enums").TaskStatus
    return {
        "users": lambda q: q.users_with_task_counts(),
        "summary": lambda q: q.project_status_summary(owner_id=uuid.UUID(ANN)),
        "overdue": lambda q: q.overdue_tasks(as_of=AS_OF, limit=10),
        "overdue_todo": lambda q: q.overdue_tasks(as_of=AS_OF, limit=10, status=status.TODO),
        "overdue_two": lambda q: q.overdue_tasks(as_of=AS_OF, limit=2),
        "comments": lambda q: q.task_comment_count(task_id=1),
        "no_comments": lambda q: q.task_comment_count(task_id=8),
        "missing": lambda q: q.task_comment_count(task_id=999),
        "archive": lambda q: q.archive_stale_projects(owner_id=uuid.UUID(ANN), since=SINCE),
    }


def run_all(pkg: ModuleType, db: FreshDb, flavour: str) -> dict[str, Any]:
    uow_mod: Any = importlib.import_module("app_db.uow")
    dbm: Any = importlib.import_module("app_db.db")
    todo = calls(pkg)

    async def run_async() -> dict[str, Any]:
        engine = dbm.create_async_engine_from_env(db.async_url)
        try:
            async with uow_mod.UnitOfWork(dbm.async_session_factory(engine)) as uow:
                return {k: await fn(uow.queries) for k, fn in todo.items()}
        finally:
            await engine.dispose()

    def run_sync() -> dict[str, Any]:
        engine = dbm.create_sync_engine_from_env(db.sync_url)
        try:
            with uow_mod.SyncUnitOfWork(dbm.sync_session_factory(engine)) as uow:
                return {k: fn(uow.queries) for k, fn in todo.items()}
        finally:
            engine.dispose()

    return asyncio.run(run_async()) if flavour == "async" else run_sync()


@pytest.mark.parametrize("flavour", ["async", "sync"])
def test_demo_queries_match_hand_written_sql(
    pkg: ModuleType, seeded: FreshDb, flavour: str
) -> None:
    archivable = expected(seeded, EXPECTED_ARCHIVABLE, owner=ANN, since=SINCE)[0][0]
    want = {
        "users": expected(seeded, EXPECTED_USERS),
        "summary": expected(seeded, EXPECTED_SUMMARY, owner=ANN),
        "overdue": expected(seeded, EXPECTED_OVERDUE, as_of=AS_OF, status=None, limit=10),
        "overdue_todo": expected(seeded, EXPECTED_OVERDUE, as_of=AS_OF, status="todo", limit=10),
        "overdue_two": expected(seeded, EXPECTED_OVERDUE, as_of=AS_OF, status=None, limit=2),
        "comments": expected(seeded, EXPECTED_COMMENTS, task=1),
        "no_comments": expected(seeded, EXPECTED_COMMENTS, task=8),
    }
    got = run_all(pkg, seeded, flavour)
    for key, rows in want.items():
        value = got[key]
        listed = value if isinstance(value, list) else [value]
        assert as_tuples(listed) == rows, key
    # The data is such that every query has something to show.
    assert len(want["users"]) == 3 and want["users"][0][3] == 3
    assert {r[2] for r in want["summary"]} >= {"todo", "done", "cancelled"}
    assert len(want["overdue"]) == 3 and len(want["overdue_todo"]) == 2
    assert want["no_comments"] == [(8, 0)]
    assert got["missing"] is None
    # :rows: the number of projects the UPDATE archived, committed by the unit of work.
    assert got["archive"] == archivable == 2
    after = expected(seeded, "SELECT slug FROM projects WHERE is_archived ORDER BY slug")
    assert after == [("alpha",), ("beta",)]


def test_demo_rows_are_frozen_and_typed(pkg: ModuleType, seeded: FreshDb) -> None:
    got = run_all(pkg, seeded, "async")
    enums: Any = importlib.import_module("app_db.enums")
    user = got["users"][0]
    assert isinstance(user.id, uuid.UUID) and isinstance(user.task_count, int)
    assert isinstance(user.next_due, datetime.date)
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.email = "x"
    summary = got["summary"][0]
    assert isinstance(summary.status, enums.TaskStatus)
    assert isinstance(summary.mean_priority, decimal.Decimal)
    assert isinstance(summary.hours_left, decimal.Decimal)
    late = got["overdue"][0]
    assert isinstance(late.days_late, int) and late.days_late > 0


SHOP_SEED = """
INSERT INTO customers (email, name, "class", referred_by) VALUES
    ('a@x.org', 'Ann', 'gold', NULL), ('b@x.org', 'Bob', NULL, 1), ('c@x.org', 'Cy', NULL, NULL);
INSERT INTO products (sku, title, price, tags) VALUES
    ('P-1', 'Pen', 1.50, '{office}'), ('P-2', 'Pad', 3.00, '{}'), ('P-3', 'Ink', 9.99, '{}');
INSERT INTO orders (customer_id, status, placed_at, note) VALUES
    (1, 'paid', '2026-01-01', 'gift wrap please, and a card with a long message'),
    (1, 'open', '2025-06-01', NULL),
    (2, 'shipped', '2026-01-05', NULL);
INSERT INTO order_lines VALUES (1, 'P-1', 4), (1, 'P-2', 1), (2, 'P-3', 2), (3, 'P-1', 1);
"""


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[ModuleType]:
    case = REPO_ROOT / "tests" / "golden" / "cases" / "queries"
    proc = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", str(case), "--out", str(tmp_path / "out")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    with import_generated(tmp_path / "out", "shop_db") as module:
        yield module


@pytest.mark.parametrize("flavour", ["async", "sync"])
def test_every_kind_runs(shop: ModuleType, fresh_db: FreshDb, flavour: str) -> None:
    case = REPO_ROOT / "tests" / "golden" / "cases" / "queries"
    psql(fresh_db.dsn, "-q", "-v", "ON_ERROR_STOP=1", "-f", str(case / "schema.sql"))
    psql(fresh_db.dsn, "-q", "-v", "ON_ERROR_STOP=1", "-c", SHOP_SEED)
    uow_mod: Any = importlib.import_module("shop_db.uow")
    dbm: Any = importlib.import_module("shop_db.db")
    status: Any = importlib.import_module("shop_db.enums").OrderStatus
    since = datetime.datetime(2025, 12, 1, tzinfo=datetime.UTC)

    def work(q: Any, aw: Callable[[Any], Any], collect: Callable[[Any], Any]) -> dict[str, Any]:
        return {
            "summary": aw(q.customer_summary(customer_id=1)),
            "nobody": aw(q.customer_summary(customer_id=99)),
            "by_email": aw(q.customers_by_email(emails=["c@x.org", "a@x.org", "z@x.org"])),
            "stream": collect(q.all_customers(batch_size=2)),
            "orders": aw(q.orders_of(customer_id=1, limit=10, offset=0)),
            "paid": aw(q.orders_of(customer_id=1, status=status.PAID, limit=10, offset=0)),
            "sales": aw(q.product_sales(since=since)),
            "added": aw(q.add_line(order_id=3, sku="P-1", quantity=2)),
            "note": aw(q.set_note(note=None, id=1)),
            "cancelled": aw(q.cancel_open_orders(before=since)),
        }

    if flavour == "async":

        async def main() -> dict[str, Any]:
            engine = dbm.create_async_engine_from_env(fresh_db.async_url)
            out: dict[str, Any] = {}
            try:
                async with uow_mod.UnitOfWork(dbm.async_session_factory(engine)) as uow:
                    pending = work(uow.queries, lambda c: c, lambda it: it)
                    for k, v in pending.items():
                        if k == "stream":
                            out[k] = [row async for row in v]
                        else:
                            out[k] = await v
            finally:
                await engine.dispose()
            return out

        got = asyncio.run(main())
    else:
        engine = dbm.create_sync_engine_from_env(fresh_db.sync_url)
        try:
            with uow_mod.SyncUnitOfWork(dbm.sync_session_factory(engine)) as uow:
                got = work(uow.queries, lambda v: v, list)
        finally:
            engine.dispose()
    s = got["summary"]
    assert (s.id, s.email, s.class_, s.referrer, s.orders) == (1, "a@x.org", "gold", None, 2)
    assert s.spent == decimal.Decimal("9.00") and s.last_order.year == 2026
    assert got["nobody"] is None
    assert [r.email for r in got["by_email"]] == ["a@x.org", "c@x.org"]
    assert [(r.name, r.count) for r in got["stream"]] == [("Ann", 1), ("Bob", 2), ("Cy", 3)]
    assert [(o.id, o.status, o.lines) for o in got["orders"]] == [
        (1, status.PAID, 2),
        (2, status.OPEN, 1),
    ]
    assert got["orders"][0].preview == "gift wrap please, an" and got["orders"][1].preview == "none"
    assert [o.id for o in got["paid"]] == [1]
    assert [(r.sku, r.units, r.revenue, r.first_tag) for r in got["sales"]] == [
        ("P-1", 5, decimal.Decimal("7.50"), "office"),
        ("P-2", 1, decimal.Decimal("3.00"), None),
        ("P-3", 0, decimal.Decimal("0.00"), None),
    ]
    assert (got["added"].order_id, got["added"].quantity) == (3, 3)  # ON CONFLICT added 2 to 1
    assert got["note"] is None
    assert got["cancelled"] == 1
    rows = psql(fresh_db.dsn, "-Atc", "SELECT id, status, note IS NULL FROM orders ORDER BY id")
    assert rows.stdout.split() == ["1|paid|t", "2|cancelled|t", "3|shipped|t"]


@pytest.mark.parametrize("flavour", ["async", "sync"])
def test_queries_take_the_fast_path_unless_watched(
    pkg: ModuleType, seeded: FreshDb, flavour: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nobody watching: the query runs on the driver (the session never executes it) and, on a
    session that autoflushes, sees the unit of work's pending ORM changes (flushed first, as
    the repositories do). A cursor-execute listener sees every statement: then the query goes
    through SQLAlchemy."""
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
    from sqlalchemy.orm import Session, sessionmaker

    uow_mod: Any = importlib.import_module("app_db.uow")
    dbm: Any = importlib.import_module("app_db.db")
    executed: list[str] = []
    session_cls: Any = AsyncSession if flavour == "async" else Session
    original = session_cls.execute

    def spy(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        executed.append(str(statement))
        return original(self, statement, *args, **kwargs)

    monkeypatch.setattr(session_cls, "execute", spy)
    seen: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(statement)

    async def run_async(watch: bool) -> list[Any]:
        engine = dbm.create_async_engine_from_env(seeded.async_url)
        if watch:
            sa.event.listen(engine.sync_engine, "before_cursor_execute", listener)
        try:
            factory = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
            async with uow_mod.UnitOfWork(factory) as uow:
                task = await uow.tasks.get(1)
                task.title = "renamed"  # pending until a flush
                rows: list[Any] = await uow.queries.overdue_tasks(as_of=AS_OF, limit=10)
                await uow.rollback()
                return rows
        finally:
            await engine.dispose()

    def run_sync(watch: bool) -> list[Any]:
        engine = dbm.create_sync_engine_from_env(seeded.sync_url)
        if watch:
            sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            factory = sessionmaker(engine, expire_on_commit=False, autoflush=True)
            with uow_mod.SyncUnitOfWork(factory) as uow:
                task = uow.tasks.get(1)
                task.title = "renamed"
                rows: list[Any] = uow.queries.overdue_tasks(as_of=AS_OF, limit=10)
                uow.rollback()
                return rows
        finally:
            engine.dispose()

    def run(watch: bool) -> list[Any]:
        return asyncio.run(run_async(watch)) if flavour == "async" else run_sync(watch)

    fast = run(watch=False)
    assert not [s for s in executed if "open_tasks" in s], "the query went through the session"
    assert "renamed" in [r.title for r in fast]
    watched = run(watch=True)
    assert [s for s in executed if "open_tasks" in s], "a watched query goes through SQLAlchemy"
    assert [s for s in seen if "open_tasks" in s]
    assert watched == fast
