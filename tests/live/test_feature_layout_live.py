"""The demo built in the feature layout (``layout = "feature"``, entities grouped as in
support/layouts.py) against a real PostgreSQL: its migration upgrades, ``alembic check`` finds
the models and the database agree, and operations across features work, async and sync.

test_repo.py runs the whole repository suite on this layout too (on a schema loaded with psql);
here the database is the migration's.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from support import FreshDb, import_generated
from support.layouts import build_demo

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("feature"), "feature")


def alembic(out: Path, db: FreshDb, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "alembic"), "-c", str(out / "alembic.ini"), *args],
        env=dict(os.environ, DATABASE_URL=db.async_url),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def migrated(out: Path, fresh_db: FreshDb) -> FreshDb:
    up = alembic(out, fresh_db, "upgrade", "head")
    assert up.returncode == 0, up.stderr
    return fresh_db


@pytest.fixture
def pkg(out: Path) -> Iterator[ModuleType]:
    with import_generated(out, "app_db") as module:
        yield module


def test_the_tree_is_the_feature_layout(out: Path) -> None:
    package = out / "app_db"
    for feature in ("accounts", "work", "tags", "task_tags", "audit_log"):
        assert (package / feature / "models.py").is_file(), feature
    assert (package / "work" / "repository.py").is_file()
    assert not (package / "models" / "tasks.py").exists()


def test_upgrade_then_alembic_check_finds_nothing(out: Path, migrated: FreshDb) -> None:
    check = alembic(out, migrated, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    down = alembic(out, migrated, "downgrade", "base")
    assert down.returncode == 0, down.stderr


def _api() -> tuple[Any, Any, Any, Any]:
    names = ("uow", "db", "schemas", "enums")
    uow, db, schemas, enums = (importlib.import_module(f"app_db.{n}") for n in names)
    return uow, db, schemas, enums


@pytest.mark.parametrize("flavour", ["async", "sync"])
def test_operations_across_features(pkg: ModuleType, migrated: FreshDb, flavour: str) -> None:
    """A user (feature accounts) owns a project and is assigned a task (feature work), tagged
    (feature tags): creates, a transaction, loads across features, a filtered cursor page, an
    update with the version and touch, an upsert, a soft delete."""
    uow_mod, db, s, enums = _api()

    async def body(uow: Any, aw: Any) -> None:
        owner = await aw(uow.users.create(s.UserCreate(email="o@x.org", display_name="Owner")))
        await aw(uow.user_profiles.create(s.UserProfileCreate(user_id=owner.id, bio="hi")))
        project = await aw(
            uow.projects.create(s.ProjectCreate(slug="p1", name="P1", owner_id=owner.id))
        )
        task = await aw(
            uow.tasks.create(
                s.TaskCreate(project_id=project.id, number=1, title="first", assignee_id=owner.id)
            )
        )
        tag = await aw(uow.tags.create(s.TagCreate(name="red")))
        await aw(uow.task_tags.create(s.TaskTagCreate(task_id=task.id, tag_id=tag.id)))
        loaded = await aw(uow.tasks.get(task.id, load=["users", "projects", "tags"]))
        assert loaded.assignee.email == "o@x.org" and loaded.project.slug == "p1"
        assert [t.name for t in loaded.tags] == ["red"]
        user = await aw(uow.users.get(owner.id, load=["user_profiles", "projects"]))
        assert user.user_profile.bio == "hi" and [p.slug for p in user.projects] == ["p1"]
        for n in range(2, 6):
            await aw(uow.tasks.create(s.TaskCreate(project_id=project.id, number=n, title=f"t{n}")))
        where = s.TaskFilter(project_id__eq=project.id, assignee_id__is_null=True)
        first = await aw(uow.tasks.list(where=where, order_by=["number"], limit=2))
        after = await aw(
            uow.tasks.list(where=where, order_by=["number"], limit=2, after=first.next_cursor)
        )
        assert [t.number for t in first.items + after.items] == [2, 3, 4, 5]
        version, stamp = task.version, task.updated_at  # the session's instance is updated
        updated = await aw(
            uow.tasks.update(task.id, s.TaskUpdate(title="renamed", version=version))
        )
        assert updated.version == version + 1 and updated.updated_at >= stamp
        again = await aw(
            uow.tasks.upsert(s.TaskCreate(project_id=project.id, number=1, title="upserted"))
        )
        assert again.id == task.id and again.title == "upserted"
        await aw(uow.tasks.delete(task.id))
        assert await aw(uow.tasks.get(task.id)) is None
        assert await aw(uow.tasks.count(where=s.TaskFilter(project_id__eq=project.id))) == 4
        assert owner.role == enums.UserRole.MEMBER

    async def run_async() -> None:
        engine = db.create_async_engine_from_env(migrated.async_url)
        try:
            async with uow_mod.UnitOfWork(db.async_session_factory(engine)) as uow:

                async def aw(x: Any) -> Any:
                    return await x

                await body(uow, aw)
        finally:
            await engine.dispose()

    def run_sync() -> None:
        engine = db.create_sync_engine_from_env(migrated.sync_url)
        try:
            with uow_mod.SyncUnitOfWork(db.sync_session_factory(engine)) as uow:

                async def value(x: Any) -> Any:
                    return x

                # The same body drives the sync unit of work: each await is of a coroutine
                # that returns the sync call's result at once, so the body never suspends.
                coro = body(uow, value)
                try:
                    coro.send(None)
                except StopIteration:
                    pass
                else:
                    raise AssertionError("the sync body awaited something real")
        finally:
            engine.dispose()

    if flavour == "async":
        asyncio.run(run_async())
    else:
        run_sync()
