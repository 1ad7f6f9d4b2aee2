"""The unit of work's repositories are made on first use (runtime/_uow.py ``repository``):
importing uow.py imports no repository module, a block gets its repositories on its own session,
and a unit of work entered again does not keep the previous block's."""

from __future__ import annotations

import asyncio
import importlib
import sys

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from support import REPO_ROOT, import_generated

GENERATED = REPO_ROOT / "generated"


def test_importing_the_unit_of_work_imports_no_repository() -> None:
    with import_generated(GENERATED, "app_db"):
        uow = importlib.import_module("app_db.uow")
        loaded = [m for m in sys.modules if m.startswith("app_db.repositories.")]
        assert "app_db.repositories.users" not in loaded
        with uow.SyncUnitOfWork(Session) as work:
            users = work.users
            assert type(users).__name__ == "SyncUserRepository"
            assert "app_db.repositories.users" in sys.modules
            assert work.users is users  # one per block
            assert users.session is work.session
        assert "app_db.repositories.tasks" not in sys.modules  # never used


def test_each_block_makes_its_repositories_on_its_session() -> None:
    with import_generated(GENERATED, "app_db"):
        uow = importlib.import_module("app_db.uow")
        work = uow.SyncUnitOfWork(Session)
        with work:
            first, session = work.tasks, work.session
        with work:
            again = work.tasks
            assert again is not first and again.session is work.session is not session

        async def run() -> None:
            async_work = uow.UnitOfWork(AsyncSession)
            async with async_work:
                repo = async_work.projects
                assert type(repo).__name__ == "ProjectRepository"
                assert repo.session is async_work.session

        asyncio.run(run())


def test_a_unit_of_work_not_entered_has_no_repositories() -> None:
    with import_generated(GENERATED, "app_db"):
        uow = importlib.import_module("app_db.uow")
        with pytest.raises(AttributeError, match="not open"):
            _ = uow.SyncUnitOfWork(Session).users
        assert isinstance(
            uow.SyncUnitOfWork.users, importlib.import_module("app_db._uow").repository
        )
