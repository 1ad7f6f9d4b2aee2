"""The runtime benchmark: one database, the same data and inputs for every implementation."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from bench import data, experiments, timing, workload
from bench.database import temporary_database
from bench.experiments import ExperimentResults
from bench.generated import Package
from bench.impl_base import Case, Implementation
from bench.impl_fastcrud import FastCrud
from bench.impl_generated import GeneratedAsync, GeneratedSync
from bench.impl_raw import AsyncpgCopy, RawAsyncpg
from bench.impl_raw_sync import RawPsycopg2
from bench.log import log
from bench.settings import DEMO_SPEC, FULL, REPO_ROOT, Settings
from bench.targets import Check, evaluate, evaluate_stream, missed_ops
from bench.timing import Stats, fmt_us
from bench.workload import BULK_COLUMNS, Operation, Workload

PROFILED = ("generated async", "generated sync")
# (bench.stream_child variant, label in the report); each runs in its own fresh process
STREAM_VARIANTS = (
    ("asyncpg", "asyncpg: server-side cursor (`conn.cursor`, prefetch 1,000)"),
    (
        "generated_async",
        'generated async: `uow.audit_log.stream(order_by=["id"], batch_size=1000)`',
    ),
    ("generated_sync", "generated sync: `uow.audit_log.stream(...)` (psycopg2)"),
    ("orm_all", "SQLAlchemy ORM, all rows at once (no streaming)"),
)


@dataclass(frozen=True, slots=True)
class StreamResult:
    key: str  # the bench.stream_child variant
    variant: str  # its label in the report
    rows: int = 0
    seconds: float = 0.0
    rss_before_mib: float = 0.0  # after imports and engine/connection setup
    peak_mib: float = 0.0  # the process's resident-set high-water mark (VmHWM)
    error: str = ""

    @property
    def added_mib(self) -> float:
        return self.peak_mib - self.rss_before_mib


@dataclass(slots=True)
class RuntimeResults:
    operations: list[Operation]
    stats: dict[str, dict[str, Stats]] = field(default_factory=dict)
    statements: dict[str, dict[int, int | None]] = field(default_factory=dict)
    streaming: list[StreamResult] = field(default_factory=list)
    streaming_note: str = ""
    checks: list[Check] = field(default_factory=list)
    profiles: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    load_seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    create_objects_seconds: dict[int, float] = field(default_factory=dict)
    implementations: list[str] = field(default_factory=list)
    experiments: ExperimentResults | None = None


class Cleaner:
    """Removes what a bulk_create inserted (untimed) and vacuums, so each repetition starts from
    the same table."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.marker = 0

    async def reset(self) -> None:
        await self.conn.execute("DELETE FROM tasks WHERE id > $1", self.marker)
        await self.conn.execute("VACUUM tasks")

    async def mark(self) -> None:
        self.marker = int(await self.conn.fetchval("SELECT coalesce(max(id), 0) FROM tasks"))


async def _interleaved(
    impls: list[Implementation], op: Operation, w: Workload, rounds: int
) -> dict[str, Stats]:
    cases: dict[str, Case] = {}
    try:
        for impl in impls:
            cases[impl.name] = await impl.case(op, w)
        return await timing.interleaved(cases, op.n, rounds)
    finally:
        for case in cases.values():
            if case.close is not None:
                await case.close()


async def _bulk(
    impls: list[Implementation], op: Operation, w: Workload, cleaner: Cleaner
) -> dict[str, Stats]:
    """The first repetition of each is the warm-up (not for the large size: the small one ran
    the same code just before); implementations alternate every repetition; the table is
    cleaned (untimed) before each."""
    stats = {impl.name: Stats() for impl in impls}
    warm = 0 if op.key == "bulk_large" else 1
    for rep in range(warm + op.n):
        shift = rep % len(impls)
        for impl in impls[shift:] + impls[:shift]:
            await cleaner.reset()
            t0 = time.perf_counter_ns()
            await impl.bulk_once(op, w)
            elapsed = time.perf_counter_ns() - t0
            if rep >= warm:
                stats[impl.name].samples_ns.append(elapsed)
    await cleaner.reset()
    return stats


async def _profile(
    impl: Implementation,
    op: Operation,
    w: Workload,
    cleaner: Cleaner,
    out: Path,
    prefix: str = "",
) -> Path:
    from pyinstrument import Profiler

    small = dataclasses.replace(op, n=1 if op.kind == "bulk" else min(op.n, 300))
    profiler = Profiler(interval=0.0001, async_mode="enabled")
    if op.kind == "bulk":
        await cleaner.reset()
    gc.collect()
    timing.COLLECT = False
    profiler.start()
    try:
        if op.kind == "bulk":
            await impl.bulk_once(small, w)
        else:
            case = await impl.case(small, w)
            try:
                await timing.interleaved({impl.name: case}, small.n, 1)
            finally:
                if case.close is not None:
                    await case.close()
    finally:
        profiler.stop()
        timing.COLLECT = True
    if op.kind == "bulk":
        await cleaner.reset()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{prefix}{op.key}.txt"
    flat = profiler.output_text(unicode=True, flat=True, flat_time="self")
    cumulative = profiler.output_text(unicode=True, flat=True, flat_time="total")
    tree = profiler.output_text(
        unicode=True, show_all=True, processor_options={"filter_threshold": 0.01}
    )
    path.write_text(
        f"# {impl.name}: {op.title} ({small.n} calls + warm-up)\n\n"
        "## Self time by function (top 60)\n\n"
        + _head(flat, 70)
        + "\n## Total time by function (top 60)\n\n"
        + _head(cumulative, 70)
        + "\n## Call tree (nodes >= 1%)\n\n"
        + tree
    )
    return path


def _head(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[:lines]) + "\n"


async def _grow_audit_log(
    conn: asyncpg.Connection, rows: int, tasks: int, seed: int
) -> tuple[int, float]:
    """audit_log up to ``rows`` rows with one server-side INSERT ... SELECT (random but
    plausible values, seeded; 5 % without an actor), then VACUUM ANALYZE. Returns the rows
    added and the seconds it took."""
    t0 = time.perf_counter()
    have = int(await conn.fetchval("SELECT count(*) FROM audit_log"))
    add = max(0, rows - have)
    if add:
        await conn.execute("SELECT setseed($1)", (seed % 1000) / 1000)
        await conn.execute(
            """
            WITH u AS (SELECT array_agg(id ORDER BY id) AS ids FROM users)
            INSERT INTO audit_log (actor_id, action, entity_type, entity_id, payload, occurred_at)
            SELECT CASE WHEN random() < 0.95
                        THEN u.ids[1 + floor(random() * cardinality(u.ids))::int] END,
                   ($2::text[])[1 + floor(random() * cardinality($2::text[]))::int],
                   ($3::text[])[1 + floor(random() * cardinality($3::text[]))::int],
                   (1 + floor(random() * $4::int))::int::text,
                   jsonb_build_object(
                       (ARRAY['title', 'status', 'priority', 'name'])[1 + floor(random() * 4)::int],
                       jsonb_build_array(floor(random() * 100)::int, floor(random() * 100)::int)),
                   $5::timestamptz + random() * ($6::int * interval '1 second')
            FROM generate_series(1, $1::int), u
            """,
            add,
            data.ACTIONS,
            data.ENTITY_TYPES,
            tasks,
            data.EPOCH,
            data.SPAN,
        )
    await conn.execute("VACUUM ANALYZE audit_log")
    return add, time.perf_counter() - t0


def _stream_child(variant: str, label: str, url: str, pkg: Package) -> tuple[StreamResult, int]:
    """One fresh ``python -m bench.stream_child`` process; returns its result and id sum."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.stream_child", variant, url, str(pkg.root), pkg.name],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return StreamResult(variant, label, error=f"exited {proc.returncode}: {tail[:300]}"), 0
    out = json.loads(lines[-1])
    return StreamResult(
        variant,
        label,
        rows=int(out["rows"]),
        seconds=float(out["seconds"]),
        rss_before_mib=float(out["rss_before_mib"]),
        peak_mib=float(out["peak_mib"]),
    ), int(out["id_sum"])


async def _streaming(
    conn: asyncpg.Connection, url: str, pkg: Package, settings: Settings, res: RuntimeResults
) -> None:
    """Peak memory while reading every row of a large audit_log, each variant in a fresh
    process. Runs last: it grows audit_log, which the operations above read."""
    target = settings.sizes.stream_rows
    log(f"streaming: growing audit_log to {target:,} rows (INSERT ... SELECT) ...")
    added, grow_s = await _grow_audit_log(conn, target, settings.sizes.tasks, settings.seed)
    count = int(await conn.fetchval("SELECT count(*) FROM audit_log"))
    id_sum = int(await conn.fetchval("SELECT coalesce(sum(id), 0) FROM audit_log"))
    problems: list[str] = []
    for variant, label in STREAM_VARIANTS:
        r, total = await asyncio.to_thread(_stream_child, variant, label, url, pkg)
        if not r.error and (r.rows != count or total != id_sum):
            r = dataclasses.replace(
                r,
                error=f"read {r.rows:,} rows (id sum {total}); the table "
                f"has {count:,} (id sum {id_sum})",
            )
        if r.error:
            problems.append(f"{label}: {r.error}")
            log(f"  {label}: FAILED {r.error}")
        else:
            log(
                f"  {label}: {r.rows:,} rows in {r.seconds:.1f} s, RSS {r.rss_before_mib:.0f} "
                f"-> peak {r.peak_mib:.0f} MiB (+{r.added_mib:.0f})"
            )
        res.streaming.append(r)
    res.streaming_note = (
        f"audit_log grown to {count:,} rows ({added:,} added with one INSERT ... SELECT FROM "
        f"generate_series, then VACUUM ANALYZE: {grow_s:.1f} s)"
        + (
            f"; --quick: {target:,} rows, not the full run's {FULL.stream_rows:,}"
            if settings.quick
            else ""
        )
        + (". Problems: " + "; ".join(problems) if problems else "")
    )


async def run(settings: Settings, pkg: Package) -> RuntimeResults:
    ops = workload.operations(settings)
    res = RuntimeResults(operations=ops)
    async with temporary_database(settings.server_url, "dbgen_bench") as db:
        log(f"database {db.name}: loading the demo schema and data (COPY) ...")
        admin = await asyncpg.connect(db.url)
        try:
            loaded = await data.load(admin, DEMO_SPEC / "schema.sql", settings.sizes, settings.seed)
            res.load_seconds = loaded.load_seconds
            for table in ("users", "projects", "tasks", "task_tags", "comments", "audit_log"):
                res.rows[table] = int(await admin.fetchval(f"SELECT count(*) FROM {table}"))
            log(f"loaded in {loaded.load_seconds:.1f} s: {res.rows}")
            w = await workload.prepare(admin, settings, loaded)
            cleaner = Cleaner(admin)
            await cleaner.mark()
            impls: list[Implementation] = [
                RawAsyncpg(db.url),
                RawPsycopg2(db.url),
                AsyncpgCopy(db.url),
                GeneratedAsync(pkg, db.sqlalchemy_url("asyncpg")),
                GeneratedSync(pkg, db.sqlalchemy_url("psycopg2")),
                FastCrud(pkg, db.sqlalchemy_url("asyncpg")),
            ]
            res.implementations = [i.name for i in impls]
            for impl in impls:
                await impl.open()
            try:
                gen = next(i for i in impls if isinstance(i, GeneratedAsync))
                w.extra["cursor_deep"] = await gen.cursor_for(w)
                api_create = gen.api.TaskCreate
                for size, rows in w.bulk_rows.items():
                    t0 = time.perf_counter()
                    w.extra_creates[size] = [
                        api_create(**dict(zip(BULK_COLUMNS, r, strict=True))) for r in rows
                    ]
                    res.create_objects_seconds[size] = time.perf_counter() - t0
                for op in ops:
                    which = [i for i in impls if i.supports(op)]
                    if op.kind == "bulk":
                        row = await _bulk(which, op, w, cleaner)
                    else:
                        row = await _interleaved(which, op, w, settings.sizes.rounds)
                    res.stats[op.key] = row
                    base = row.get("asyncpg")
                    log(
                        f"{op.title}: "
                        + "; ".join(
                            f"{name} {fmt_us(s.median_us)}"
                            + (f" ({s.median_us / base.median_us:.2f}x)" if base else "")
                            for name, s in row.items()
                        )
                    )
                for impl in impls:
                    counts: dict[int, int | None] = {}
                    for limit in (50, 500):
                        counts[limit] = await impl.statements(limit)
                    if any(v is not None for v in counts.values()):
                        res.statements[impl.name] = counts
                log(f"statements to list 50 / 500 audit_log rows with users: {res.statements}")
                res.checks = evaluate(res.stats)
                log("experiments: the same operations one layer down ...")
                res.experiments = await experiments.run(
                    pkg,
                    db.sqlalchemy_url("asyncpg"),
                    db.url,
                    w,
                    settings.sizes.experiments,
                    settings.sizes.rounds,
                )
                for e in res.experiments.rows:
                    log(f"  {e.op}: {e.variant}: {fmt_us(e.stats.median_us)}")
                if settings.profile:
                    shutil.rmtree(settings.out_dir / "profiles", ignore_errors=True)
                    for impl in impls:
                        if impl.name not in PROFILED:
                            continue
                        prefix = "" if impl is gen else "sync_"
                        for key in missed_ops(res.checks, impl.name):
                            op = next(o for o in ops if o.key == key)
                            log(f"profiling {impl.name} {op.title} (missed a target) ...")
                            res.profiles[prefix + key] = await _profile(
                                impl, op, w, cleaner, settings.out_dir / "profiles", prefix
                            )
                # last: it grows audit_log, which list_500_rel and its profile read
                await _streaming(admin, db.url, pkg, settings, res)
                res.checks += evaluate_stream(
                    {r.key: r.rows / r.seconds for r in res.streaming if r.seconds and not r.error}
                )
            finally:
                for impl in impls:
                    await impl.close()
        finally:
            await admin.close()
    return res
