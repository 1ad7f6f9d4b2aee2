"""A project's first repository tests on the generated fixtures (see conftest.py beside it).
Each test's writes are rolled back, so each starts from the migrated, empty database.

tests/live/test_examples.py runs this directory with pytest, against DATABASE_URL's server and
against a throwaway server."""

# [snippet:test]
import pytest

from app_db.schemas import UserCreate
from app_db.uow import SyncUnitOfWork, UnitOfWork


@pytest.mark.asyncio
async def test_create_then_get_by_email(uow: UnitOfWork) -> None:
    ada = await uow.users.create(UserCreate(email="ada@example.com", display_name="Ada"))
    await uow.commit()  # releases a savepoint: the test's transaction is rolled back anyway
    found = await uow.users.get_by_email("ada@example.com")
    assert found is not None and found.id == ada.id
    assert await uow.users.exists_by_email("ada@example.com")


def test_each_test_starts_empty(sync_uow: SyncUnitOfWork) -> None:
    assert sync_uow.users.count() == 0
    assert not sync_uow.users.exists_by_email("ada@example.com")  # rolled back
    sync_uow.users.create(UserCreate(email="bob@example.com", display_name="Bob"))
    assert sync_uow.users.count() == 1


# [/snippet:test]


@pytest.mark.asyncio
async def test_still_empty(uow: UnitOfWork) -> None:
    assert await uow.users.count() == 0
