"""Routes tested inside the test's transaction: the app's unit of work is the fixture's, so
what the requests write is rolled back with the test (see conftest.py and fastapi_app.py)."""

# [snippet:test-api]
import uuid

import httpx
import pytest
from fastapi_app import app

from app_db.uow import UnitOfWork, get_uow


@pytest.mark.asyncio
async def test_create_then_get_a_user(uow: UnitOfWork) -> None:
    app.dependency_overrides[get_uow] = lambda: uow  # the routes use the test's transaction
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            created = await client.post("/users", json={"email": "ann@x.org", "display_name": "A"})
            assert created.status_code == 201
            found = await client.get(f"/users/{created.json()['id']}")
            assert found.json()["email"] == "ann@x.org"
            assert (await client.get(f"/users/{uuid.uuid4()}")).status_code == 404
        assert await uow.users.exists_by_email("ann@x.org")
    finally:
        app.dependency_overrides.clear()


# [/snippet:test-api]
