"""Load and faults together, bounded in time: 32 concurrent workers run mixed operations on the
default engines through a real PgBouncer (transaction pooling) while PgBouncer's server
connections are killed at random. Afterwards every committed write is present, nothing that
failed before COMMIT is, every two-row unit of work wrote both rows or neither, every rename left
a name some unit of work may have committed, every failure the workers saw was a typed error,
the pool holds no leaked connection and the server no transaction left open. Writes go through
``run_in_transaction(retries=2)``.

``DBGEN_LOAD_SECONDS`` sets the duration (default 12 s); ``DBGEN_LOAD_REPORT`` names a file the
figures are written to as JSON (bench/results.md quotes them).
"""

from __future__ import annotations

import asyncio
import collections
import importlib
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import psycopg2
import pytest

from support import REPO_ROOT, FreshDb, import_generated, psql
from support.pgbouncer import Bouncer

WORKERS = 32
# What a worker may see; anything else (an untyped error above all) fails the test.
ALLOWED = {"ConnectionLostError", "RetryableError", "QueryTimeoutError"}


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    out = tmp_path_factory.mktemp("load") / "out"
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


@dataclass
class Ledger:
    """What the workers know about their writes."""

    committed: set[str] = field(default_factory=set)  # emails of committed units of work
    failed: set[str] = field(default_factory=set)  # failed before COMMIT: must be absent
    unknown: set[str] = field(default_factory=set)  # lost during COMMIT: either way
    pairs: set[str] = field(default_factory=set)  # emails written with a project alongside
    renamed: dict[str, set[str]] = field(default_factory=dict)  # email -> possible names
    operations: collections.Counter[str] = field(default_factory=collections.Counter)
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    retries: int = 0
    kills: int = 0


def _kill_one(direct_dsn: str, database: str) -> int:
    """Terminate one of PgBouncer's server connections to ``database``, at random."""
    conn = psycopg2.connect(direct_dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend' ORDER BY random() LIMIT 1",
                (database,),
            )
            return len(cur.fetchall())
    finally:
        conn.close()


async def _load(
    app: Any, ledger: Ledger, seconds: float, direct_dsn: str, database: str
) -> dict[str, Any]:
    uow, errors, schemas = app["uow"], app["errors"], app["schemas"]
    deadline = time.monotonic() + seconds
    rng = random.Random(17)

    async def attempt(kind: str, email: str, fn: Any, *, retries: int = 2) -> Any:
        tries = [0]

        async def counted(u: Any) -> Any:
            tries[0] += 1
            return await fn(u)

        ledger.operations[kind] += 1
        try:
            result = await uow.run_in_transaction(counted, retries=retries, backoff=0.01)
        except errors.DataLayerError as exc:
            ledger.errors[type(exc).__name__] += 1
            if email:
                lost_in_commit = isinstance(exc, errors.ConnectionLostError) and exc.during_commit
                (ledger.unknown if lost_in_commit else ledger.failed).add(email)
            return None
        except Exception as exc:  # an untyped failure: recorded, and the test fails on it
            ledger.errors[f"untyped {type(exc).__module__}.{type(exc).__name__}"] += 1
            return None
        finally:
            ledger.retries += max(0, tries[0] - 1)
        if email:
            ledger.committed.add(email)
        return result

    async def worker(n: int) -> None:
        mine: list[str] = []
        i = 0
        while time.monotonic() < deadline:
            i += 1
            roll = rng.random()
            email = f"w{n}-{i}-{uuid.uuid4().hex[:6]}@x.org"
            if roll < 0.35 or not mine:

                async def create(u: Any, email: str = email) -> Any:
                    return await u.users.create(schemas.UserCreate(email=email, display_name="n"))

                if await attempt("create", email, create) is not None:
                    mine.append(email)
            elif roll < 0.5:
                # Two rows in one unit of work: both or neither.
                ledger.pairs.add(email)

                async def pair(u: Any, email: str = email, n: int = n, i: int = i) -> Any:
                    user = await u.users.create(schemas.UserCreate(email=email, display_name="p"))
                    slug = f"p{n}-{i}-{uuid.uuid4().hex[:6]}"
                    project = app["projects"].ProjectCreate(slug=slug, name=slug, owner_id=user.id)
                    return await u.projects.create(project)

                await attempt("create pair", email, pair)
            elif roll < 0.65:
                target = rng.choice(mine)
                name = f"r{i}"

                async def rename(u: Any, target: str = target, name: str = name) -> Any:
                    user = await u.users.get_by_email(target)
                    update = schemas.UserUpdate(display_name=name)
                    return await u.users.update(user.id, update)

                possible = ledger.renamed.setdefault(target, {"n"})
                if await attempt("update", "", rename) is not None:
                    ledger.renamed[target] = {name}
                else:
                    possible.add(name)  # it may have committed (lost during COMMIT)
            else:
                target = rng.choice(mine)

                async def read(u: Any, target: str = target) -> Any:
                    assert await u.users.get_by_email(target) is not None
                    page = await u.users.list(limit=5)
                    return await u.users.count() >= len(page.items)

                await attempt("read", "", read)

    async def killer() -> None:
        while time.monotonic() < deadline:
            await asyncio.sleep(rng.uniform(0.05, 0.2))
            ledger.kills += await asyncio.to_thread(_kill_one, direct_dsn, database)

    started = time.monotonic()
    await asyncio.gather(killer(), *(worker(n) for n in range(WORKERS)))
    elapsed = time.monotonic() - started
    engine = app["db"].default_async_engine()
    checked_out = engine.sync_engine.pool.checkedout()
    await app["db"].dispose_engines()
    return {"elapsed_s": round(elapsed, 1), "checked_out_after": checked_out}


def test_load_with_backends_killed_through_pgbouncer(
    pkg: ModuleType, fresh_db: FreshDb, pgbouncer: Bouncer, monkeypatch: pytest.MonkeyPatch
) -> None:
    psql(fresh_db.dsn, "-q", "-f", str(REPO_ROOT / "specs" / "schema.sql"))
    bounced = pgbouncer.route(fresh_db)
    monkeypatch.setenv("DATABASE_URL", bounced.async_url)
    monkeypatch.setenv("DATABASE_PGBOUNCER", "1")
    monkeypatch.setenv("DATABASE_POOL_SIZE", str(WORKERS))
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "0")
    monkeypatch.setenv("DATABASE_POOL_TIMEOUT", "30")
    monkeypatch.delenv("DATABASE_REPLICA_URLS", raising=False)
    app = {
        "uow": importlib.import_module("app_db.uow"),
        "db": importlib.import_module("app_db.db"),
        "errors": importlib.import_module("app_db.errors"),
        "schemas": importlib.import_module("app_db.schemas.users"),
        "projects": importlib.import_module("app_db.schemas.projects"),
    }
    ledger = Ledger()
    seconds = float(os.environ.get("DBGEN_LOAD_SECONDS", "12"))
    outcome = asyncio.run(_load(app, ledger, seconds, fresh_db.dsn, fresh_db.name))

    # Reconcile against the database itself (directly, not through PgBouncer).
    conn = psycopg2.connect(fresh_db.dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT email, display_name FROM users")
            stored = dict(cur.fetchall())
            cur.execute("SELECT u.email FROM projects p JOIN users u ON u.id = p.owner_id")
            with_project = {email for (email,) in cur.fetchall()}
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND state = 'idle in transaction'",
                (fresh_db.name,),
            )
            (idle_in_transaction,) = cur.fetchone()
    finally:
        conn.close()
    missing = ledger.committed - stored.keys()
    present_failed = ledger.failed & stored.keys()
    unknown_present = len(ledger.unknown & stored.keys())
    pairs_torn = {e for e in ledger.pairs if (e in stored) != (e in with_project)}
    wrong_names = {
        e: stored.get(e) for e, names in ledger.renamed.items() if stored.get(e) not in names
    }
    untyped = {k: v for k, v in ledger.errors.items() if k not in ALLOWED}
    report = {
        "workers": WORKERS,
        "seconds": outcome["elapsed_s"],
        "operations": dict(ledger.operations),
        "operations_total": sum(ledger.operations.values()),
        "errors_by_type": dict(ledger.errors),
        "retries": ledger.retries,
        "backends_killed": ledger.kills,
        "committed_writes": len(ledger.committed),
        "committed_missing": len(missing),
        "failed_writes": len(ledger.failed),
        "failed_present": len(present_failed),
        "unknown_outcome": len(ledger.unknown),
        "unknown_present": unknown_present,
        "pairs": len(ledger.pairs),
        "pairs_torn": len(pairs_torn),
        "renames_wrong": len(wrong_names),
        "pool_checked_out_after": outcome["checked_out_after"],
        "idle_in_transaction_after": idle_in_transaction,
    }
    target = os.environ.get("DBGEN_LOAD_REPORT")
    if target:
        with open(target, "w") as handle:
            json.dump(report, handle, indent=2)
    print(json.dumps(report))
    assert ledger.kills > 0 and sum(ledger.operations.values()) > WORKERS * 5, report
    assert not untyped, report
    assert not missing, sorted(missing)[:5]
    assert not present_failed, sorted(present_failed)[:5]
    assert not pairs_torn, sorted(pairs_torn)[:5]
    assert not wrong_names, dict(list(wrong_names.items())[:5])
    assert outcome["checked_out_after"] == 0, report
    # A connection the pooler hung up is dropped, not handed out again and again (before the
    # pool checked, each kill cost about twenty retries).
    assert ledger.retries <= 4 * ledger.kills + 8, report
    assert idle_in_transaction == 0, report
