"""One streaming measurement in a fresh process, so its peak memory is its own.

    python -m bench.stream_child VARIANT URL BUILD_DIR PACKAGE

URL is the bench database in libpq form (postgresql://...); BUILD_DIR is the `dbgen build`
output directory (put on sys.path) and PACKAGE the generated package's name. Reads every row of
audit_log in id order, summing the ids (so every row is really consumed), and prints one JSON
line: rows, id_sum, seconds, rss_before_mib (after imports and engine/connection setup, before
the first row is asked for) and peak_mib (VmHWM: the high-water mark of this process's resident
set). Not ru_maxrss: on Linux it carries over the spawning process's peak across fork/vfork +
exec, so a child of the (large) bench process would report the bench's peak.

Variants: asyncpg (a server-side cursor in a transaction), generated async / generated sync (the
generated unit of work's `audit_log.stream`), orm_all (plain SQLAlchemy ORM on the generated
model, every row at once: what not streaming costs).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import time
from typing import Any

BATCH = 1000
VARIANTS = ("asyncpg", "generated_async", "generated_sync", "orm_all")
SELECT_ALL = "SELECT * FROM audit_log ORDER BY id"


def _status_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process's own address space, in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


class Meter:
    def __init__(self) -> None:
        self.before = 0.0
        self.t0 = 0.0
        self.seconds = 0.0

    def start(self) -> None:
        self.before = _status_mib("VmRSS")
        self.t0 = time.perf_counter()

    def stop(self) -> None:
        self.seconds = time.perf_counter() - self.t0


def _sa_url(url: str, driver: str) -> str:
    return url.replace("postgresql://", f"postgresql+{driver}://", 1)


async def _asyncpg(url: str, m: Meter) -> tuple[int, int, int]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        expected = int(await conn.fetchval("SELECT count(*) FROM audit_log"))
        rows = total = 0
        m.start()
        async with conn.transaction():
            async for r in conn.cursor(SELECT_ALL, prefetch=BATCH):
                rows += 1
                total += r["id"]
        m.stop()
    finally:
        await conn.close()
    return expected, rows, total


def _generated(package: str) -> tuple[Any, Any]:
    return importlib.import_module(f"{package}.db"), importlib.import_module(f"{package}.uow")


async def _generated_async(url: str, package: str, m: Meter) -> tuple[int, int, int]:
    db, uow_mod = _generated(package)
    engine = db.create_async_engine_from_env(_sa_url(url, "asyncpg"))
    try:
        async with uow_mod.UnitOfWork(db.async_session_factory(engine)) as uow:
            expected = await uow.audit_log.count()
            rows = total = 0
            m.start()
            async for row in uow.audit_log.stream(order_by=["id"], batch_size=BATCH):
                rows += 1
                total += row.id
            m.stop()
    finally:
        await engine.dispose()
    return int(expected), rows, total


def _generated_sync(url: str, package: str, m: Meter) -> tuple[int, int, int]:
    db, uow_mod = _generated(package)
    engine = db.create_sync_engine_from_env(_sa_url(url, "psycopg2"))
    try:
        with uow_mod.SyncUnitOfWork(db.sync_session_factory(engine)) as uow:
            expected = uow.audit_log.count()
            rows = total = 0
            m.start()
            for row in uow.audit_log.stream(order_by=["id"], batch_size=BATCH):
                rows += 1
                total += row.id
            m.stop()
    finally:
        engine.dispose()
    return int(expected), rows, total


async def _orm_all(url: str, package: str, m: Meter) -> tuple[int, int, int]:
    from sqlalchemy import select

    db, uow_mod = _generated(package)
    entry = importlib.import_module(f"{package}.models.audit_log").AuditEntry
    engine = db.create_async_engine_from_env(_sa_url(url, "asyncpg"))
    try:
        async with uow_mod.UnitOfWork(db.async_session_factory(engine)) as uow:
            expected = await uow.audit_log.count()
            m.start()
            everything = (await uow.session.scalars(select(entry).order_by(entry.id))).all()
            rows = total = 0
            for row in everything:
                rows += 1
                total += row.id
            m.stop()
            del everything
    finally:
        await engine.dispose()
    return int(expected), rows, total


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] not in VARIANTS:
        print(
            f"usage: python -m bench.stream_child {{{'|'.join(VARIANTS)}}} URL BUILD_DIR PACKAGE",
            file=sys.stderr,
        )
        return 2
    variant, url, build_dir, package = argv
    sys.path.insert(0, build_dir)
    m = Meter()
    if variant == "asyncpg":
        expected, rows, total = asyncio.run(_asyncpg(url, m))
    elif variant == "generated_async":
        expected, rows, total = asyncio.run(_generated_async(url, package, m))
    elif variant == "generated_sync":
        expected, rows, total = _generated_sync(url, package, m)
    else:
        expected, rows, total = asyncio.run(_orm_all(url, package, m))
    peak = _status_mib("VmHWM")
    print(
        json.dumps(
            {
                "variant": variant,
                "rows": rows,
                "expected": expected,
                "id_sum": total,
                "seconds": m.seconds,
                "rss_before_mib": m.before,
                "peak_mib": peak,
            }
        )
    )
    if rows != expected:
        print(f"{variant}: read {rows} rows, the table has {expected}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
