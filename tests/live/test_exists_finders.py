"""exists finders declared in crud.yaml (``{by: [email], exists: true}`` -> ``exists_by_email``,
issue 18's ``email_exists`` / the seeds' ``username_exists``): one query, true or false, on a
unique column and on a non-unique one, skipping soft-deleted rows, async and sync; without
``exists: true`` there is no such method."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from support import FreshDb, import_generated, psql
from support.generated import build, errors, write

SQL = """
CREATE TABLE accounts (
    id serial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    username text NOT NULL UNIQUE,
    team text,
    deleted_at timestamptz
);
"""
CRUD = """
version: 1
package: exists_db
entities:
  accounts:
    operations: [get]
    finders:
      - by: [email]
        exists: true
      - by: [team]
        exists: true
      - by: [username]
    soft_delete: deleted_at
"""
ROWS = """
INSERT INTO accounts (email, username, team, deleted_at) VALUES
    ('ann@x.org', 'ann', 'red', NULL),
    ('bob@x.org', 'bob', 'blue', now())
"""


def test_exists_must_be_a_boolean() -> None:
    found = errors(
        build(
            SQL,
            CRUD.replace("exists: true\n      - by: [team]", "exists: maybe\n      - by: [team]"),
        )
    )
    assert len(found) == 1 and "a finder's 'exists' must be true or false" in found[0], found


@pytest.fixture
def pkg(tmp_path: Path, fresh_db: FreshDb) -> Iterator[ModuleType]:
    out = write(build(SQL, CRUD), tmp_path / "out")
    psql(fresh_db.dsn, "-q", "-v", "ON_ERROR_STOP=1", "-c", SQL + ";" + ROWS)
    with import_generated(out, "exists_db") as module:
        yield module


@pytest.mark.parametrize("flavour", ["async", "sync"])
def test_exists_finders(pkg: ModuleType, fresh_db: FreshDb, flavour: str) -> None:
    db: Any = importlib.import_module("exists_db.db")
    uow_mod: Any = importlib.import_module("exists_db.uow")
    repo_cls = importlib.import_module("exists_db.repositories.accounts").AccountRepository
    assert hasattr(repo_cls, "exists_by_email") and hasattr(repo_cls, "exists_by_team")
    assert not hasattr(repo_cls, "exists_by_username")  # no exists: true
    assert hasattr(repo_cls, "get_by_username")

    async def run_async() -> list[bool]:
        engine = db.create_async_engine_from_env(fresh_db.async_url)
        try:
            async with uow_mod.UnitOfWork(db.async_session_factory(engine)) as uow:
                r = uow.accounts
                return [
                    await r.exists_by_email("ann@x.org"),
                    await r.exists_by_email("ANN@x.org"),  # exact, as the column compares
                    await r.exists_by_email("bob@x.org"),  # soft-deleted
                    await r.exists_by_team("red"),
                    await r.exists_by_team("blue"),
                    await r.exists_by_team("green"),
                ]
        finally:
            await engine.dispose()

    def run_sync() -> list[bool]:
        engine = db.create_sync_engine_from_env(fresh_db.sync_url)
        try:
            with uow_mod.SyncUnitOfWork(db.sync_session_factory(engine)) as uow:
                r = uow.accounts
                return [
                    r.exists_by_email("ann@x.org"),
                    r.exists_by_email("ANN@x.org"),
                    r.exists_by_email("bob@x.org"),
                    r.exists_by_team("red"),
                    r.exists_by_team("blue"),
                    r.exists_by_team("green"),
                ]
        finally:
            engine.dispose()

    got = asyncio.run(run_async()) if flavour == "async" else run_sync()
    assert got == [True, False, False, True, False, False]
