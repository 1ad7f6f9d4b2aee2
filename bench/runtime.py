"""The runtime benchmark: one database, the same data and inputs for every implementation."""

from __future__ import annotations

import dataclasses
import gc
import shutil
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
from bench.log import log
from bench.settings import DEMO_SPEC, Settings
from bench.targets import Check, evaluate, missed_ops
from bench.timing import Stats, fmt_us
from bench.workload import BULK_COLUMNS, Operation, Workload

STREAM_METHODS = ("stream", "iterate", "iter_all", "stream_all", "scan")
PROFILED = "generated async"


@dataclass(slots=True)
class RuntimeResults:
    operations: list[Operation]
    stats: dict[str, dict[str, Stats]] = field(default_factory=dict)
    statements: dict[str, dict[int, int | None]] = field(default_factory=dict)
    streaming: str = ""
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
    impl: Implementation, op: Operation, w: Workload, cleaner: Cleaner, out: Path
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
    path = out / f"{op.key}.txt"
    flat = profiler.output_text(unicode=True, flat=True, flat_time="self")
    cumulative = profiler.output_text(unicode=True, flat=True, flat_time="total")
    tree = profiler.output_text(unicode=True, show_all=True,
                                processor_options={"filter_threshold": 0.01})
    path.write_text(
        f"# {impl.name}: {op.title} ({small.n} calls + warm-up)\n\n"
        "## Self time by function (top 60)\n\n" + _head(flat, 70)
        + "\n## Total time by function (top 60)\n\n" + _head(cumulative, 70)
        + "\n## Call tree (nodes >= 1%)\n\n" + tree)
    return path


def _head(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[:lines]) + "\n"


def _streaming(pkg: Package) -> str:
    repo = pkg.module("repositories.tasks").TaskRepository
    found = [m for m in STREAM_METHODS if hasattr(repo, m)]
    if not found:
        return ("not measured: the generated repositories offer no streaming method "
                f"(looked for {', '.join(STREAM_METHODS)} on TaskRepository)")
    return f"the generated API has {', '.join(found)}; the benchmark does not drive it yet"


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
                RawAsyncpg(db.url), AsyncpgCopy(db.url),
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
                        api_create(**dict(zip(BULK_COLUMNS, r, strict=True))) for r in rows]
                    res.create_objects_seconds[size] = time.perf_counter() - t0
                for op in ops:
                    which = [i for i in impls if i.supports(op)]
                    if op.kind == "bulk":
                        row = await _bulk(which, op, w, cleaner)
                    else:
                        row = await _interleaved(which, op, w, settings.sizes.rounds)
                    res.stats[op.key] = row
                    base = row.get("asyncpg")
                    log(f"{op.title}: " + "; ".join(
                        f"{name} {fmt_us(s.median_us)}"
                        + (f" ({s.median_us / base.median_us:.2f}x)" if base else "")
                        for name, s in row.items()))
                for impl in impls:
                    counts: dict[int, int | None] = {}
                    for limit in (50, 500):
                        counts[limit] = await impl.statements(limit)
                    if any(v is not None for v in counts.values()):
                        res.statements[impl.name] = counts
                log(f"statements to list 50 / 500 audit_log rows with users: {res.statements}")
                res.streaming = _streaming(pkg)
                log(f"streaming: {res.streaming}")
                res.checks = evaluate(res.stats)
                log("experiments: the same operations one layer down ...")
                res.experiments = await experiments.run(
                    pkg, db.sqlalchemy_url("asyncpg"), db.url, w, settings.sizes.experiments,
                    settings.sizes.rounds)
                for e in res.experiments.rows:
                    log(f"  {e.op}: {e.variant}: {fmt_us(e.stats.median_us)}")
                if settings.profile:
                    shutil.rmtree(settings.out_dir / "profiles", ignore_errors=True)
                    for key in missed_ops(res.checks, PROFILED):
                        op = next(o for o in ops if o.key == key)
                        log(f"profiling {PROFILED} {op.title} (missed a target) ...")
                        res.profiles[key] = await _profile(
                            gen, op, w, cleaner, settings.out_dir / "profiles")
            finally:
                for impl in impls:
                    await impl.close()
        finally:
            await admin.close()
    return res
