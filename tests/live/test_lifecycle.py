"""Engines, units of work and the dependencies an application builds on: default engines per
event loop and ``dispose_engines()``, ``get_uow`` in a FastAPI app, ``transactional``, the
isolation level and read-only flag of a unit of work."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException
from test_repo import Api, db, demo_out, mod, pkg, run

from support import FreshDb, psql

__all__ = ["db", "demo_out", "pkg"]  # fixtures shared with test_repo


@pytest.fixture
def env_db(db: FreshDb, monkeypatch: pytest.MonkeyPatch) -> Iterator[FreshDb]:
    """DATABASE_URL pointing at the test database; the default engines disposed afterwards."""
    monkeypatch.setenv("DATABASE_URL", db.async_url)
    yield db
    mod("db").dispose_engines_sync()


def _users(db: FreshDb) -> list[str]:
    out = psql(db.dsn, "-Atc", "SELECT email FROM users ORDER BY email").stdout
    return out.split()


def _backends(db: FreshDb) -> int:
    """Connections to the test database other than this query's."""
    query = (
        "SELECT count(*) FROM pg_stat_activity "
        f"WHERE datname = '{db.name}' AND pid <> pg_backend_pid()"
    )
    return int(psql(db.server.admin_dsn, "-Atc", query).stdout.strip())


def _wait_for_backends(db: FreshDb, expected: int, seconds: float = 10.0) -> int:
    deadline = time.monotonic() + seconds
    while True:
        gc.collect()
        count = _backends(db)
        if count == expected or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


def test_default_engine_per_event_loop_then_dispose(pkg: ModuleType, env_db: FreshDb) -> None:
    """Two event loops in one process (as pytest-asyncio's per-test loops, or a TestClient then
    an AsyncClient): each gets its own default engine; dispose_engines() closes them."""
    api, dbm = Api(), mod("db")

    async def write(email: str) -> int:
        async with api.uow.UnitOfWork() as uow:  # no factory: the default engine
            await uow.users.create(api.users.UserCreate(email=email, display_name="x"))
        return id(dbm.default_async_engine())

    first = run(write("a@x.org"))  # this loop ends without dispose_engines()
    assert _wait_for_backends(env_db, 1) == 1  # its pooled connection is still open

    async def second_loop() -> int:
        engine = await write("b@x.org")
        await dbm.dispose_engines()  # this loop's engine closed, the dead loop's let go
        assert dbm._async_defaults == {}
        return engine

    assert run(second_loop()) != first
    assert _users(env_db) == ["a@x.org", "b@x.org"]
    assert _wait_for_backends(env_db, 0) == 0


def test_dispose_engines_sync_closes_what_it_can(pkg: ModuleType, env_db: FreshDb) -> None:
    api, dbm = Api(), mod("db")
    with api.uow.SyncUnitOfWork() as uow:
        uow.users.create(api.users.UserCreate(email="s@x.org", display_name="s"))
    loop = asyncio.new_event_loop()
    try:

        async def read() -> int:
            async with api.uow.UnitOfWork() as uow:
                return await uow.users.count()

        assert loop.run_until_complete(read()) == 1
        assert _wait_for_backends(env_db, 2) == 2  # the sync pool's and the loop's
        dbm.dispose_engines_sync()  # the loop is open but idle: its engine is closed on it
        assert dbm._async_defaults == {} and dbm._sync_default == []
        assert _wait_for_backends(env_db, 0) == 0
    finally:
        loop.close()


def _app(api: Api, scope: str | None) -> FastAPI:
    uow_mod = mod("uow")
    dependency = Depends(uow_mod.get_uow, scope=scope) if scope else Depends(uow_mod.get_uow)
    app = FastAPI()

    @app.post("/users", status_code=201)
    async def create(email: str, uow: Any = dependency) -> dict[str, str]:
        user = await uow.users.create(api.users.UserCreate(email=email, display_name="u"))
        return {"id": str(user.id)}  # no commit: the dependency commits

    @app.post("/users/fail")
    async def fail(email: str, uow: Any = dependency) -> None:
        await uow.users.create(api.users.UserCreate(email=email, display_name="u"))
        raise HTTPException(409, "changed my mind")

    @app.post("/users/duplicate", status_code=201)
    async def duplicate(email: str, uow: Any = dependency) -> None:
        await uow.users.create(api.users.UserCreate(email=email, display_name="u"))
        await uow.users.create(api.users.UserCreate(email=email, display_name="again"))

    return app


@pytest.mark.parametrize("scope", ["function", None])
def test_get_uow_commits_on_success_and_rolls_back_on_error(
    pkg: ModuleType, env_db: FreshDb, scope: str | None
) -> None:
    api, dbm = Api(), mod("db")
    app = _app(api, scope)

    async def main() -> None:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                created = await client.post("/users", params={"email": "kept@x.org"})
                assert created.status_code == 201, created.text
                failed = await client.post("/users/fail", params={"email": "gone@x.org"})
                assert failed.status_code == 409
                broken = await client.post("/users/duplicate", params={"email": "dup@x.org"})
                assert broken.status_code == 500
        finally:
            await dbm.dispose_engines()

    run(main())
    assert _users(env_db) == ["kept@x.org"]


def test_transactional_service_functions(pkg: ModuleType, env_db: FreshDb) -> None:
    api, uow_mod = Api(), mod("uow")

    @uow_mod.transactional
    async def register(uow: Any, email: str, *, fail: bool = False) -> Any:
        user = await uow.users.create(api.users.UserCreate(email=email, display_name="r"))
        if fail:
            raise RuntimeError("after the write")
        return user

    @uow_mod.sync_transactional
    def register_sync(uow: Any, email: str) -> Any:
        return uow.users.create(api.users.UserCreate(email=email, display_name="r"))

    async def main() -> None:
        try:
            user = await register("one@x.org")
            assert user.email == "one@x.org"
            with pytest.raises(RuntimeError):
                await register("two@x.org", fail=True)
        finally:
            await mod("db").dispose_engines()

    run(main())
    assert register_sync("three@x.org").email == "three@x.org"
    assert _users(env_db) == ["one@x.org", "three@x.org"]


def test_isolation_level_and_read_only(pkg: ModuleType, env_db: FreshDb) -> None:
    api = Api()
    show = sa.text("SHOW transaction_isolation")
    read_only = sa.text("SHOW transaction_read_only")

    async def main() -> None:
        try:
            async with api.uow.UnitOfWork(isolation_level="SERIALIZABLE") as uow:
                assert await uow.users.count() == 0  # the fast path's first statement: BEGIN
                assert uow.users._driver is not None
                assert await uow.session.scalar(show) == "serializable"
            async with api.uow.UnitOfWork() as uow:
                assert await uow.session.scalar(show) == "read committed"
            async with api.uow.UnitOfWork(read_only=True) as uow:
                assert await uow.users.count() == 0
                assert await uow.session.scalar(read_only) == "on"
                with pytest.raises(api.errors.InvalidQueryError, match="read-only"):
                    await uow.users.create(api.users.UserCreate(email="ro@x.org", display_name="x"))
            with pytest.raises(api.errors.InvalidValueError, match="isolation_level"):
                api.uow.UnitOfWork(isolation_level="SOMETIMES")
        finally:
            await mod("db").dispose_engines()

    run(main())
    with api.uow.SyncUnitOfWork(isolation_level="repeatable read") as uow:
        assert uow.users.count() == 0 and uow.users._driver is not None
        assert uow.session.scalar(show) == "repeatable read"
    assert _users(env_db) == []
