"""The runtime benchmark on SQLite and MySQL/MariaDB: the generated package of each dialect's demo
(the golden cases sqlite_demo and demo_mysql) against that dialect's raw drivers, async against
async, sync against sync.

SQLite: a database file in a scratch directory, aiosqlite and sqlite3. MySQL: a uniquely named
database on the MariaDB server ($DBGEN_BENCH_MYSQL_URL, else root@127.0.0.1:3306), dropped at the
end, aiomysql and PyMySQL. Each gets the PostgreSQL bench's seeded data and inputs and the same
operations (bulk: the small size only; a stream of audit_log in place of the fresh-process one).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import workload
from bench.dialect_data import model_value, mysql_value, sqlite_value
from bench.dialect_sql import DIALECTS, SQLITE, Dialect, bulk_columns
from bench.dialect_targets import TARGETS, Target
from bench.generated import Package, build_as
from bench.impl_base import Implementation
from bench.impl_generated import GeneratedAsync, GeneratedSync
from bench.log import log
from bench.runtime import _bulk, _interleaved, _profile
from bench.settings import Settings
from bench.targets import Check, evaluate_dialect, missed_ops
from bench.timing import Stats, fmt_us
from bench.workload import Operation, Workload

STREAM = "stream"
# Profiled when they miss a target: one of each kind of work (the misses of one kind share
# their profile), few calls each, so that a full run stays within minutes.
PROFILED_OPS = ("get_pk", "get_rel", "cursor_p1", "create", "update", "list_500_rel")
PROFILED_CALLS = 100


@dataclass(slots=True)
class DialectResults:
    dialect: Dialect
    operations: list[Operation]
    baselines: dict[str, str]  # generated implementation -> the raw driver it is compared with
    server: str = ""  # the server's or library's version
    rounds: int = 0  # timed calls are split into this many rotating rounds
    stats: dict[str, dict[str, Stats]] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    load_seconds: float = 0.0
    profiles: dict[str, Path] = field(default_factory=dict)


def operations(settings: Settings) -> list[Operation]:
    """The PostgreSQL bench's operations less the large bulk size (a full run of this bench has
    to stay within minutes; the small size already measures the per-row cost), plus a stream
    (timed once, after an untimed read: a second of rows varies little)."""
    ops = [o for o in workload.operations(settings) if o.key != "bulk_large"]
    rows = settings.sizes.audit
    ops.append(Operation(STREAM, f"stream audit_log ({rows:,} rows)", "read", 1))
    return ops


class Cleaner:
    """Removes what a bulk_create inserted (untimed), on the admin connection (autocommit)."""

    def __init__(self, admin: Any) -> None:
        self.admin = admin
        self.marker = 0

    def _one(self, sql: str, *args: Any) -> Any:
        cur = self.admin.cursor()
        try:
            cur.execute(sql, args)
            row = cur.fetchone()
            return None if row is None else row[0]
        finally:
            cur.close()

    async def mark(self) -> None:
        self.marker = int(self._one("SELECT coalesce(max(id), 0) FROM tasks"))

    async def reset(self) -> None:
        mark = "?" if type(self.admin).__module__.startswith("sqlite3") else "%s"
        self._one(f"DELETE FROM tasks WHERE id > {mark}", self.marker)


def _ids(admin: Any, sql: str) -> list[int]:
    cur = admin.cursor()
    try:
        cur.execute(sql)
        return [int(r[0]) for r in cur.fetchall()]
    finally:
        cur.close()


async def _stream(impls: list[Implementation], op: Operation, w: Workload) -> dict[str, Stats]:
    """One untimed read each, then ``op.n`` timed ones, the order rotating; every
    implementation must read the same rows."""
    stats = {impl.name: Stats() for impl in impls}
    seen: dict[str, tuple[int, int]] = {}
    for rep in range(1 + op.n):
        shift = rep % len(impls)
        for impl in impls[shift:] + impls[:shift]:
            t0 = time.perf_counter_ns()
            got = await impl.stream_once(w)
            elapsed = time.perf_counter_ns() - t0
            if rep:
                stats[impl.name].samples_ns.append(elapsed)
            seen[impl.name] = got
    if len(set(seen.values())) != 1:
        raise AssertionError(f"the streams read different rows (count, id sum): {seen}")
    return stats


async def run_one(
    settings: Settings, dialect: Dialect, pkg: Package, target: Target
) -> DialectResults:
    ops = operations(settings)
    raw_async, raw_sync = target.raw
    gen_async = GeneratedAsync(pkg, target.async_url, target.setup)
    gen_sync = GeneratedSync(pkg, target.sync_url, target.setup)
    res = DialectResults(
        dialect,
        ops,
        {gen_async.name: raw_async.name, gen_sync.name: raw_sync.name},
        server=target.server,
        rounds=settings.sizes.rounds,
        load_seconds=target.loaded.load_seconds,
    )
    for table in ("users", "projects", "tasks", "task_tags", "comments", "audit_log"):
        res.rows[table] = int(Cleaner(target.admin)._one(f"SELECT count(*) FROM {table}"))
    log(f"{dialect.title}: loaded in {res.load_seconds:.1f} s: {res.rows}")
    small = settings.bulk_rows[0]
    # Only the size these rows use: the untimed gc.collect() before each timed chunk walks
    # every object alive, and the large size's rows were most of them.
    w = workload.build(
        settings,
        target.loaded,
        _ids(target.admin, workload.LIVE_TASKS),
        _ids(target.admin, workload.LEAF_COMMENTS),
        bulk_sizes=(small,),
    )
    columns = bulk_columns(dialect)
    keep = [workload.BULK_COLUMNS.index(c) for c in columns]
    convert = sqlite_value if dialect is SQLITE else mysql_value
    rows = [tuple(r[i] for i in keep) for r in w.bulk_rows[small]]
    w.extra["raw_bulk"] = {small: [tuple(convert(v) for v in r) for r in rows]}
    w.extra_creates[small] = gen_async.api.creates(
        [tuple(model_value(v) for v in r) for r in rows], columns
    )
    cleaner = Cleaner(target.admin)
    await cleaner.mark()
    impls: list[Implementation] = [raw_async, raw_sync, gen_async, gen_sync]
    for impl in impls:
        await impl.open()
    try:
        w.extra["cursor_deep"] = await gen_async.cursor_for(w)
        for op in ops:
            which = [i for i in impls if i.supports(op)]
            if op.key == STREAM:
                row = await _stream(which, op, w)
            elif op.kind == "bulk":
                row = await _bulk(which, op, w, cleaner)  # type: ignore[arg-type]
            else:
                row = await _interleaved(which, op, w, settings.sizes.rounds)
            res.stats[op.key] = row
            log(f"{dialect.title} {op.title}: " + _summary(row, res.baselines))
        res.checks = evaluate_dialect(res.stats, res.baselines)
        if settings.profile:
            out = settings.out_dir / "profiles"
            for old in out.glob(f"{dialect.key}_*.txt"):
                old.unlink()
            for key in missed_ops(res.checks, gen_async.name):
                if key not in PROFILED_OPS:
                    continue
                op = dataclasses.replace(next(o for o in ops if o.key == key), n=PROFILED_CALLS)
                log(f"profiling {dialect.title} {gen_async.name} {op.title} (missed a target) ...")
                # _profile's cleaner is only reset() around bulk operations: this one's will do
                prefix = f"{dialect.key}_"
                path = await _profile(gen_async, op, w, cleaner, out, prefix)  # type: ignore[arg-type]
                res.profiles[prefix + key] = path
    finally:
        for impl in impls:
            await impl.close()
    return res


def _summary(row: dict[str, Stats], baselines: dict[str, str]) -> str:
    parts = []
    for name, s in row.items():
        base = row.get(baselines.get(name, ""))
        parts.append(
            f"{name} {fmt_us(s.median_us)}"
            + (f" ({s.median_us / base.median_us:.2f}x)" if base else "")
        )
    return "; ".join(parts)


PACKAGES = {"sqlite": "bench_sqlite_db", "mysql": "bench_mysql_db"}


def scaled(settings: Settings) -> Settings:
    """The run's settings with a third (reads, writes) to a fifth (pages: MariaDB's offset page
    1,000 takes 40 ms) of the PostgreSQL rows' calls and half their rounds, at most: two more
    databases within the few minutes a full ``make bench`` may take. The interleaving, the
    warm-up and the inputs are the same."""
    s = settings.sizes
    return dataclasses.replace(
        settings,
        sizes=dataclasses.replace(
            s,
            reads=min(s.reads, 200),
            pages=min(s.pages, 60),
            writes=min(s.writes, 100),
            rounds=min(s.rounds, 5),
        ),
    )


async def run(settings: Settings, work: Path, dialect_key: str) -> DialectResults:
    """Build the dialect's demo package, load its database, run every operation."""
    settings = scaled(settings)
    dialect = DIALECTS[dialect_key]
    log(f"{dialect.title}: building {dialect.spec.name} as {PACKAGES[dialect_key]} ...")
    pkg = build_as(work / dialect_key, dialect.spec, PACKAGES[dialect_key])
    with TARGETS[dialect_key](settings) as target:
        return await run_one(settings, dialect, pkg, target)
