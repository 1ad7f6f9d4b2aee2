"""``touch: [updated_at]``: update, bulk_update and upsert's update branch set the column to
now() (the transaction's time) unless the call sets it; async and sync, on the driver's fast
path and through the ORM."""

from __future__ import annotations

import asyncio
import datetime
import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa

from support import FreshDb, import_generated, psql
from support.generated import build, errors, write

SQL = """
CREATE TABLE notes (
    id int PRIMARY KEY,
    title text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    seen_on date
);
"""
CRUD = """
version: 1
package: touch_db
entities:
  notes:
    operations: [get, update, bulk_update, upsert]
    touch: [updated_at, seen_on]
"""
OLD = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
MINE = datetime.datetime(2001, 2, 3, tzinfo=datetime.UTC)


def test_touch_columns_are_checked() -> None:
    for bad, why in (
        ("[title]", "touch column 'title' must be a timestamp or date column; it is text"),
        ("[id]", "must be a timestamp or date column; it is int"),
        ("[nope]", "has no column 'nope'"),
    ):
        found = errors(build(SQL, CRUD.replace("[updated_at, seen_on]", bad)))
        assert len(found) == 1 and why in found[0], found


@pytest.fixture
def pkg(tmp_path: Path) -> Iterator[ModuleType]:
    out = write(build(SQL, CRUD), tmp_path / "out")
    with import_generated(out, "touch_db") as module:
        yield module


def _rows(db: FreshDb) -> list[str]:
    out = psql(
        db.dsn,
        "-Atc",
        "SELECT id, updated_at > '2020-01-01', seen_on IS NOT NULL FROM notes ORDER BY id",
    ).stdout
    return out.split()


@pytest.mark.parametrize("flavour", ["async", "sync"])
def test_update_and_bulk_update_stamp_the_touch_columns(
    pkg: ModuleType, fresh_db: FreshDb, flavour: str
) -> None:
    psql(fresh_db.dsn, "-q", "-c", SQL)
    psql(
        fresh_db.dsn,
        "-q",
        "-c",
        "INSERT INTO notes SELECT g, 'n', '2000-01-01' FROM generate_series(1, 5) g",
    )
    uow_mod: Any = importlib.import_module("touch_db.uow")
    db: Any = importlib.import_module("touch_db.db")
    update: Any = importlib.import_module("touch_db.schemas.notes").NoteUpdate

    async def run_async() -> None:
        engine = db.create_async_engine_from_env(fresh_db.async_url)
        try:
            async with uow_mod.UnitOfWork(db.async_session_factory(engine)) as uow:
                note = await uow.notes.update(1, update(title="x"))
                assert note.updated_at > OLD and note.seen_on is not None
                await uow.notes.update(2, update())  # no fields: still an update, stamped
                mine = await uow.notes.update(3, update(updated_at=MINE))  # the caller's wins
                assert mine.updated_at == MINE
                assert await uow.notes.bulk_update([(4, update(title="y")), (5, update())]) == 2
        finally:
            await engine.dispose()

    def run_sync() -> None:
        engine = db.create_sync_engine_from_env(fresh_db.sync_url)
        try:
            with uow_mod.SyncUnitOfWork(db.sync_session_factory(engine)) as uow:
                note = uow.notes.update(1, update(title="x"))
                assert note.updated_at > OLD and note.seen_on is not None
                uow.notes.update(2, update())
                assert uow.notes.update(3, update(updated_at=MINE)).updated_at == MINE
                assert uow.notes.bulk_update([(4, update(title="y")), (5, update())]) == 2
        finally:
            engine.dispose()

    if flavour == "async":
        asyncio.run(run_async())
    else:
        run_sync()
    assert _rows(fresh_db) == ["1|t|t", "2|t|t", "3|f|t", "4|t|t", "5|t|t"]


@pytest.mark.parametrize("flavour", ["async", "sync"])
@pytest.mark.parametrize("watched", [False, True])
def test_upsert_stamps_the_touch_columns_when_it_updates(
    pkg: ModuleType, fresh_db: FreshDb, flavour: str, watched: bool
) -> None:
    """ON CONFLICT DO UPDATE sets the touch columns to now() unless the call sets them; the
    insert branch leaves them to their defaults. ``watched``: a do_orm_execute listener on the
    session sends the upsert through the ORM (the driver's fast path otherwise)."""
    psql(fresh_db.dsn, "-q", "-c", SQL)
    psql(
        fresh_db.dsn,
        "-q",
        "-c",
        "INSERT INTO notes SELECT g, 'n', '2000-01-01' FROM generate_series(1, 3) g",
    )
    uow_mod: Any = importlib.import_module("touch_db.uow")
    db: Any = importlib.import_module("touch_db.db")
    create: Any = importlib.import_module("touch_db.schemas.notes").NoteCreate
    seen: list[object] = []

    def watch(session: Any) -> None:
        if watched:
            sa.event.listen(session, "do_orm_execute", lambda state: seen.append(state.statement))

    async def run_async() -> None:
        engine = db.create_async_engine_from_env(fresh_db.async_url)
        try:
            async with uow_mod.UnitOfWork(db.async_session_factory(engine)) as uow:
                watch(uow.session.sync_session)
                note = await uow.notes.upsert(create(id=1, title="x"))
                assert note.title == "x" and note.updated_at > OLD and note.seen_on is not None
                mine = await uow.notes.upsert(create(id=2, title="y", updated_at=MINE))
                assert mine.updated_at == MINE
                new = await uow.notes.upsert(create(id=4, title="new"))
                assert new.updated_at > OLD and new.seen_on is None  # inserted: the defaults
        finally:
            await engine.dispose()

    def run_sync() -> None:
        engine = db.create_sync_engine_from_env(fresh_db.sync_url)
        try:
            with uow_mod.SyncUnitOfWork(db.sync_session_factory(engine)) as uow:
                watch(uow.session)
                note = uow.notes.upsert(create(id=1, title="x"))
                assert note.title == "x" and note.updated_at > OLD and note.seen_on is not None
                assert uow.notes.upsert(create(id=2, title="y", updated_at=MINE)).updated_at == MINE
                new = uow.notes.upsert(create(id=4, title="new"))
                assert new.updated_at > OLD and new.seen_on is None
        finally:
            engine.dispose()

    if flavour == "async":
        asyncio.run(run_async())
    else:
        run_sync()
    assert bool(seen) == watched
    assert _rows(fresh_db) == ["1|t|t", "2|f|t", "3|f|f", "4|t|f"]
