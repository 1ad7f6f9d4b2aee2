"""Live repository tests on MariaDB: the demo_mysql golden case's package, migrated with its
own Alembic environment (aiomysql), then used through the async (aiomysql) and sync (PyMySQL)
units of work: the same public API as on PostgreSQL, typed errors from MySQL's error numbers,
upsert by ON DUPLICATE KEY UPDATE, updates read back (MariaDB has no UPDATE ... RETURNING),
and an upsert under loader criteria that leaves the rows they hide alone, as on PostgreSQL
(tests/live/test_orm_hooks.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.mariadb import mysql_database, require_mariadb

CASE = Path(__file__).resolve().parents[1] / "golden" / "cases" / "demo_mysql"

_SCRIPT = r"""
import asyncio, datetime, decimal, sys
import sqlalchemy as sa
import app_db.schemas as S
from app_db import db, errors
from app_db.uow import SyncUnitOfWork, UnitOfWork


def expect(kind, fn):
    try:
        fn()
    except kind as exc:
        return exc
    raise AssertionError(f"expected {kind.__name__}")


async def aexpect(kind, coro):
    try:
        await coro
    except kind as exc:
        return exc
    raise AssertionError(f"expected {kind.__name__}")


async def run_async():
    async with UnitOfWork() as uow:
        ann = await uow.users.create(S.UserCreate(email="ann@x.org", display_name="Ann"))
        assert len(ann.id) == 36 and ann.role == "member" and ann.is_active is True
        project = await uow.projects.create(
            S.ProjectCreate(slug="apollo", name="Apollo", owner_id=ann.id)
        )
        task = await uow.tasks.create(
            S.TaskCreate(project_id=project.id, number=1, title="Launch", estimate=decimal.Decimal("2.50"))
        )
        assert task.version == 1 and task.status == "todo" and task.priority == 3
    sent = []
    engine = db.default_async_engine().sync_engine
    record = lambda conn, cursor, sql, *rest: sent.append(sql.split()[0])
    async with UnitOfWork() as uow:
        held = await uow.tasks.get(task.id)
        # update: no RETURNING on MariaDB, the row is read back; the version is checked
        sa.event.listen(engine, "before_cursor_execute", record)
        updated = await uow.tasks.update(task.id, S.TaskUpdate(title="Lift-off", version=1))
        sa.event.remove(engine, "before_cursor_execute", record)
        assert (updated.title, updated.version) == ("Lift-off", 2)
        # two round trips, the write and the read back (no SELECT of the keys first for the
        # ORM's session synchronization), and the instance the session holds is brought up to date
        assert sent == ["UPDATE", "SELECT"], sent
        assert updated is held and held.title == "Lift-off"
        exc = await aexpect(errors.ConflictError, uow.tasks.update(task.id, S.TaskUpdate(title="x", version=1)))
        assert exc.key == task.id
        await aexpect(errors.NotFoundError, uow.users.update("0" * 36, S.UserUpdate(display_name="x")))
        # upsert: ON DUPLICATE KEY UPDATE, inserting then updating
        fresh = await uow.users.upsert(S.UserCreate(email="bob@x.org", display_name="Bob"))
        again = await uow.users.upsert(S.UserCreate(email="bob@x.org", display_name="Robert"))
        assert again.id == fresh.id and again.display_name == "Robert"
        assert await uow.users.count() == 2
        # typed errors from MySQL's error numbers
        dup = await aexpect(errors.AlreadyExistsError, uow.users.create(S.UserCreate(email="ann@x.org", display_name="A2")))
        assert dup.constraint == "users_email_key" and dup.sqlstate == "23505", (dup.constraint, dup.sqlstate)
    async with UnitOfWork() as uow:
        missing = await aexpect(
            errors.RelatedNotFoundError,
            uow.tasks.create(S.TaskCreate(project_id=987654, number=1, title="orphan")),
        )
        assert missing.constraint == "tasks_project_id_fkey", missing.constraint
    async with UnitOfWork() as uow:
        bad = await aexpect(errors.ConstraintViolationError, uow.tags.create(S.TagCreate(name="red", color="red")))
        assert bad.sqlstate == "23514", bad.sqlstate
    async with UnitOfWork() as uow:
        # bulk_update without a version column: a key with no row is skipped, not an error
        # (one UPDATE per row here, as MariaDB has no UPDATE ... RETURNING; counted as the
        # batched path counts)
        red = await uow.tags.create(S.TagCreate(name="red", color="#ff0000"))
        written = await uow.tags.bulk_update(
            [(red.id, S.TagUpdate(color="#ee0000")), (987654, S.TagUpdate(color="#000000"))]
        )
        assert written == 1 and (await uow.tags.get(red.id)).color == "#ee0000", written
        await uow.tags.delete(red.id)
    async with UnitOfWork() as uow:
        referenced = await aexpect(errors.RelatedNotFoundError, uow.users.delete(ann.id))
        assert referenced.constraint == "projects_owner_id_fkey", referenced.constraint
    async with UnitOfWork() as uow:
        # bulk writes and keyset pagination
        made = await uow.tasks.bulk_create(
            [S.TaskCreate(project_id=project.id, number=n, title=f"t{n}") for n in range(2, 40)]
        )
        assert made == 38
        # 40 MB of values in one call, past MariaDB's 16 MiB max_allowed_packet
        big = "x" * (1024 * 1024)
        made = await uow.tasks.bulk_create(
            [S.TaskCreate(project_id=project.id, number=n, title=f"b{n}", description=big) for n in range(100, 140)]
        )
        assert made == 40
        seen, cursor = [], None
        while True:
            page = await uow.tasks.list_by_project_id(project.id, order_by=["number"], limit=7, after=cursor)
            seen += [t.number for t in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == [*range(1, 40), *range(100, 140)], seen
        current = await uow.tasks.get(task.id)
        v0 = current.version
        written = await uow.tasks.bulk_update(
            [(task.id, S.TaskUpdate(priority=1, version=current.version))]
        )
        assert written == 1 and (await uow.tasks.get(task.id)).priority == 1
        # soft delete: the row is hidden, not gone; upserting it brings it back, version bumped
        await uow.tasks.delete(task.id)
        assert await uow.tasks.get(task.id) is None
        back = await uow.tasks.upsert(S.TaskCreate(project_id=project.id, number=1, title="Again"))
        assert back.id == task.id and back.deleted_at is None and back.title == "Again"
        assert back.version == v0 + 2, (back.version, v0)  # bulk_update, then the upsert
        # a composite conflict target
        member = await uow.project_members.upsert(
            S.ProjectMemberCreate(project_id=project.id, user_id=ann.id, role="owner")
        )
        member = await uow.project_members.upsert(
            S.ProjectMemberCreate(project_id=project.id, user_id=ann.id, role="viewer")
        )
        assert member.role == "viewer" and await uow.project_members.count() == 1
    await db.dispose_engines()
    return ann.id


def run_sync(owner):
    with SyncUnitOfWork() as uow:
        tag = uow.tags.create(S.TagCreate(name="blue", color="#0000ff"))
        same = uow.tags.upsert(S.TagCreate(name="blue", color="#0000fe"))
        assert same.id == tag.id and same.color == "#0000fe"
        renamed = uow.tags.update(tag.id, S.TagUpdate(name="navy"))
        assert renamed.name == "navy"
        expect(errors.AlreadyExistsError, lambda: uow.tags.create(S.TagCreate(name="navy")))
    with SyncUnitOfWork() as uow:
        written = uow.tags.bulk_update(
            [(123456, S.TagUpdate(color="#000000")), (tag.id, S.TagUpdate(color="#000080"))]
        )
        assert written == 1 and uow.tags.get(tag.id).color == "#000080", written
    with SyncUnitOfWork() as uow:
        expect(errors.NotFoundError, lambda: uow.tags.delete(123456))
        assert uow.users.get(owner).email == "ann@x.org"


import sqlalchemy as sa
from sqlalchemy.orm import with_loader_criteria
from app_db.models.tasks import Task


def hide_secrets(state):
    # the multi-tenant filter of SQLAlchemy's docs: no task titled secret... is seen
    if state.is_select or state.is_update or state.is_delete:
        criteria = with_loader_criteria(Task, Task.title.not_like("secret%"), include_aliases=True)
        state.statement = state.statement.options(criteria)


async def run_hidden_async(owner):
    async with UnitOfWork() as uow:
        p = await uow.projects.create(S.ProjectCreate(slug="hidden", name="Hidden", owner_id=owner))
        secret = await uow.tasks.create(S.TaskCreate(project_id=p.id, number=1, title="secret plan"))
        shown = await uow.tasks.create(S.TaskCreate(project_id=p.id, number=2, title="open plan"))
    async with UnitOfWork() as uow:
        sa.event.listen(uow.session.sync_session, "do_orm_execute", hide_secrets)
        # the upsert must not overwrite the row the session cannot see (nor insert beside it)
        hidden = await aexpect(
            errors.AlreadyExistsError,
            uow.tasks.upsert(S.TaskCreate(project_id=p.id, number=1, title="overwrite")),
        )
        assert hidden.key == secret.id, hidden.key
        again = await uow.tasks.upsert(S.TaskCreate(project_id=p.id, number=2, title="open plan 2"))
        assert again.id == shown.id and again.title == "open plan 2" and again.version == 2
        made = await uow.tasks.upsert(S.TaskCreate(project_id=p.id, number=3, title="new plan"))
        assert made.id not in (secret.id, shown.id) and made.version == 1
        # a new email with the id of another user: the INSERT collides on the primary key, and
        # that row is not overwritten (ON DUPLICATE KEY UPDATE would have rewritten its email)
        clash = await aexpect(
            errors.AlreadyExistsError,
            uow.users.upsert(S.UserCreate(email="new@x.org", display_name="N", id=owner)),
        )
        assert clash.constraint == "PRIMARY", clash.constraint
        assert (await uow.users.get(owner)).email == "ann@x.org"
    async with UnitOfWork() as uow:
        kept = await uow.tasks.get(secret.id)
        assert (kept.title, kept.version) == ("secret plan", 1), (kept.title, kept.version)
        assert await uow.tasks.count(where=S.TaskFilter(project_id__eq=p.id)) == 3
    await db.dispose_engines()
    return p.id, secret.id


def run_hidden_sync(project_id, secret_id):
    with SyncUnitOfWork() as uow:
        sa.event.listen(uow.session, "do_orm_execute", hide_secrets)
        expect(
            errors.AlreadyExistsError,
            lambda: uow.tasks.upsert(S.TaskCreate(project_id=project_id, number=1, title="sync")),
        )
        again = uow.tasks.upsert(S.TaskCreate(project_id=project_id, number=3, title="new plan 2"))
        assert again.title == "new plan 2" and again.version == 2
        made = uow.tasks.upsert(S.TaskCreate(project_id=project_id, number=4, title="fourth"))
        assert made.version == 1
    with SyncUnitOfWork() as uow:
        kept = uow.tasks.get(secret_id)
        assert (kept.title, kept.version) == ("secret plan", 1), (kept.title, kept.version)


owner = asyncio.run(run_async())
run_sync(owner)
run_hidden_sync(*asyncio.run(run_hidden_async(owner)))
print("ok")
"""


def test_repositories_on_mariadb(tmp_path: Path) -> None:
    server = require_mariadb()
    out = tmp_path / "out"
    build = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", str(CASE), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    with mysql_database(server, "dbgen_repo") as name:
        env = {
            **server.env(),
            "DATABASE_URL": server.url(name, "aiomysql"),
            "APP_DB_CURSOR_SECRET": "test-secret",
        }
        migrate = subprocess.run(
            [sys.executable, "-m", "alembic", "-c", str(out / "alembic.ini"), "upgrade", "head"],
            cwd=out,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        run = subprocess.run(
            [sys.executable, "-c", _SCRIPT],
            cwd=out,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert run.returncode == 0 and run.stdout.strip().endswith("ok"), (
            run.stdout[-3000:] + run.stderr[-5000:]
        )
