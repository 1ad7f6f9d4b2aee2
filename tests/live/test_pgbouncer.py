"""The generated layer through a real PgBouncer in transaction pooling mode: with
``DATABASE_PGBOUNCER`` (or PgBouncer's port) asyncpg keeps no named prepared statements, so
pooled connections whose transactions land on different server connections work; without it
the failure is a typed ``ConfigurationError`` that says what to set.

(The repository tests in test_repo.py and test_repo_core.py also run through PgBouncer: see
conftest.py.)"""

from __future__ import annotations

import asyncio
import collections
import importlib
import subprocess
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from support import REPO_ROOT, FreshDb, import_generated, psql
from support.pgbouncer import Bouncer


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    out = tmp_path_factory.mktemp("bouncer") / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", "specs", "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    with import_generated(out, "app_db") as module:
        yield module


@pytest.fixture
def bounced(fresh_db: FreshDb, pgbouncer: Bouncer) -> FreshDb:
    psql(fresh_db.dsn, "-q", "-f", str(REPO_ROOT / "specs" / "schema.sql"))
    psql(
        fresh_db.dsn, "-q", "-c", "INSERT INTO users (email, display_name) VALUES ('a@x.org', 'A')"
    )
    return pgbouncer.route(fresh_db)


async def _workload(
    workers: int, rounds: int, seen: list[BaseException] | None = None
) -> collections.Counter[str]:
    """Units of work on the default engine (pooled connections, kept between transactions),
    concurrently; what went wrong, by error class (the exceptions into ``seen``)."""
    uow = importlib.import_module("app_db.uow")
    db = importlib.import_module("app_db.db")
    failures: collections.Counter[str] = collections.Counter()

    async def worker() -> None:
        for _ in range(rounds):
            try:
                async with uow.UnitOfWork() as u:
                    assert await u.users.count() == 1
                    assert (await u.users.get_by_email("a@x.org")) is not None
                    await u.tasks.list(limit=2)
            except Exception as exc:
                failures[type(exc).__name__] += 1
                if seen is not None:
                    seen.append(exc)

    try:
        await asyncio.gather(*(worker() for _ in range(workers)))
    finally:
        await db.dispose_engines()
    return failures


def test_pooled_engine_through_pgbouncer_with_the_setting(
    pkg: ModuleType, bounced: FreshDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", bounced.async_url)
    monkeypatch.setenv("DATABASE_PGBOUNCER", "1")
    monkeypatch.setenv("DATABASE_POOL_SIZE", "8")
    assert asyncio.run(_workload(8, 15)) == collections.Counter()


def test_without_the_setting_the_failure_is_typed_and_says_what_to_set(
    pkg: ModuleType, bounced: FreshDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", bounced.async_url)
    monkeypatch.setenv("DATABASE_PGBOUNCER", "0")
    monkeypatch.setenv("DATABASE_POOL_SIZE", "8")
    errors = importlib.import_module("app_db.errors")
    seen: list[BaseException] = []
    failures = asyncio.run(_workload(8, 15, seen))
    # Named statements met other server connections: every failure is the typed one.
    assert failures and set(failures) == {"ConfigurationError"}, failures
    first = seen[0]
    assert isinstance(first, errors.ConfigurationError)
    assert "DATABASE_PGBOUNCER=1" in str(first) and first.sqlstate in ("26000", "42P05")
    assert type(first.__cause__).__module__.startswith("asyncpg")


def test_pgbouncer_port_turns_the_setting_on(
    pkg: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = importlib.import_module("app_db.db")
    monkeypatch.delenv("DATABASE_PGBOUNCER", raising=False)
    assert db.behind_pgbouncer("postgresql://u@h:6432/d") is True
    assert db.behind_pgbouncer("postgresql://u@h:5432/d") is False
    monkeypatch.setenv("DATABASE_PGBOUNCER", "false")
    assert db.behind_pgbouncer("postgresql://u@h:6432/d") is False
    monkeypatch.setenv("DATABASE_PGBOUNCER", "true")
    made: dict[str, Any] = {}
    real = db.create_async_engine

    def recorded(url: Any, **kw: Any) -> Any:
        made.update(kw)
        return real(url, **kw)

    monkeypatch.setattr(db, "create_async_engine", recorded)
    engine = db.create_async_engine_from_env("postgresql://u@h:5432/d", connect_args={"timeout": 5})
    engine.sync_engine.dispose()
    assert made["connect_args"] == {**db.PGBOUNCER_CONNECT_ARGS, "timeout": 5}
