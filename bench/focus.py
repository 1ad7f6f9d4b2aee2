"""A focused, interleaved A/B run of a few operations: for working on one hot path.

    python -m bench.focus --ops cursor_p1,create [--impls asyncpg,generated async]
                          [--build DIR ...] [--n 300] [--rounds 10] [--quick] [--keep]
                          [--cpu] [--alternate]

Each ``--build`` is a ``dbgen build`` output directory (the demo built under another package
name, see ``--make``), so two versions of the runtime run side by side in one process, in
rotating rounds against raw asyncpg: the machine's noise falls on all of them alike. ``--make
DIR NAME`` builds the demo with this checkout's dbgen into DIR as package NAME first.

The database (``dbgen_bench_focus``, the full bench data unless ``--quick``) is created once
and kept between runs with ``--keep``; without it, it is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import importlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import yaml

from bench import data, timing, workload
from bench.database import with_database
from bench.generated import Package, dbgen_executable
from bench.impl_base import Implementation
from bench.impl_generated import GeneratedAsync, GeneratedSync
from bench.impl_raw import RawAsyncpg
from bench.impl_raw_sync import RawPsycopg2
from bench.log import log
from bench.settings import DEMO_SPEC, FULL, QUICK, SEED, Settings, server_url, shared_dir
from bench.timing import fmt_us

DB_NAME = "dbgen_bench_focus"


def make(out: Path, name: str) -> None:
    """The demo spec under package ``name``, built into ``out`` with this checkout's dbgen."""
    spec = Path(tempfile.mkdtemp(prefix="dbgen-focus-spec-"))
    try:
        shutil.copy(DEMO_SPEC / "schema.sql", spec / "schema.sql")
        crud = yaml.safe_load((DEMO_SPEC / "crud.yaml").read_text())
        crud["package"] = name
        (spec / "crud.yaml").write_text(yaml.safe_dump(crud, sort_keys=False))
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([dbgen_executable(), "build", str(spec), "--out", str(out)], check=True)
    finally:
        shutil.rmtree(spec, ignore_errors=True)


def package(out: Path) -> Package:
    names = [p.name for p in out.iterdir() if (p / "repositories").is_dir()]
    if len(names) != 1:
        raise SystemExit(f"{out}: expected one generated package, found {names}")
    sys.path.insert(0, str(out))
    importlib.import_module(names[0])
    return Package(names[0], out)


async def database(settings: Settings) -> tuple[str, data.Loaded]:
    """The kept database's URL and what the workload needs to know about its data."""
    admin = await asyncpg.connect(settings.server_url)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DB_NAME)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{DB_NAME}"')
            await admin.execute(f'ALTER DATABASE "{DB_NAME}" SET synchronous_commit = off')
    finally:
        await admin.close()
    url = with_database(settings.server_url, DB_NAME)
    conn = await asyncpg.connect(url)
    try:
        if not exists:
            log(f"loading {DB_NAME} ...")
            loaded = await data.load(conn, DEMO_SPEC / "schema.sql", settings.sizes, SEED)
            await conn.execute("VACUUM ANALYZE")
        users = [r["id"] for r in await conn.fetch("SELECT id FROM users ORDER BY id")]
        projects = [r["id"] for r in await conn.fetch("SELECT id FROM projects ORDER BY id")]
        loaded = data.Loaded(users, projects, 0, 0, 0, 0, 0.0)
    finally:
        await conn.close()
    return url, loaded


async def drop() -> None:
    admin = await asyncpg.connect(server_url())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    finally:
        await admin.close()


async def run(args: argparse.Namespace) -> None:
    sizes = QUICK if args.quick else FULL
    sizes = dataclasses.replace(sizes, rounds=args.rounds)
    settings = Settings(
        quick=args.quick,
        sizes=sizes,
        server_url=server_url(),
        shared_dir=shared_dir(),
        out_dir=Path(tempfile.gettempdir()),
        profile=False,
        runtime=True,
        generation=False,
    )
    url, loaded = await database(settings)
    admin = await asyncpg.connect(url)
    try:
        # updates of earlier runs bumped versions: the update operations expect version 1
        await admin.execute("UPDATE tasks SET version = 1 WHERE version <> 1")
        w = await workload.prepare(admin, settings, loaded)
        # creates of earlier runs are still there: numbers go on after theirs
        w._next_number = max(
            w._next_number, int(await admin.fetchval("SELECT max(number) FROM tasks"))
        )
    finally:
        await admin.close()
    sa_url = url.replace("postgresql://", "postgresql+{}://", 1)
    wanted = args.impls.split(",")
    impls: list[Implementation] = []
    if "asyncpg" in wanted:
        impls.append(RawAsyncpg(url))
    if "psycopg2" in wanted:
        impls.append(RawPsycopg2(url))
    for out in args.build:
        pkg = package(Path(out))
        for cls, driver in ((GeneratedAsync, "asyncpg"), (GeneratedSync, "psycopg2")):
            if cls.name in wanted:
                impl = cls(pkg, sa_url.format(driver))
                impl.name = f"{pkg.name} {cls.name.split()[-1]}"
                impls.append(impl)
    for impl in impls:
        await impl.open()
    try:
        # Each package signs its own cursors (its entity scope and key).
        cursors = {i.name: await i.cursor_for(w) for i in impls if isinstance(i, GeneratedAsync)}
        for i in impls:
            if isinstance(i, GeneratedSync):
                cursors[i.name] = cursors.get(i.name.replace(" sync", " async"), "")
        ops = [o for o in workload.operations(settings) if o.key in args.ops.split(",")]
        if args.freeze:
            gc.collect()
            gc.freeze()
        if args.nogc:
            gc.disable()
        for op in ops:
            if args.n:
                op = dataclasses.replace(op, n=args.n)
            which = [i for i in impls if i.supports(op)]
            if args.profile:
                w.extra["cursor_deep"] = cursors.get(args.profile, "")
                await profile(next(i for i in which if i.name == args.profile), op, w)
                continue
            for _ in range(args.repeat):
                cases = {}
                for i in which:
                    w.extra["cursor_deep"] = cursors.get(i.name, "")
                    cases[i.name] = await i.case(op, w)
                try:
                    if args.alternate:
                        row = await timing.alternating(cases, op.n)
                    else:
                        row = await timing.interleaved(cases, op.n, sizes.rounds)
                finally:
                    for case in cases.values():
                        if case.close is not None:
                            await case.close()
                base = row.get("asyncpg")
                print(
                    f"{op.key:>13}: "
                    + "; ".join(
                        f"{name} {fmt_us(s.median_us)}"
                        + (f" ({s.median_us / base.median_us:.2f}x)" if base else "")
                        + (
                            f" p25 {fmt_us(s.p25_us)}"
                            + (f" ({s.p25_us / base.p25_us:.2f}x)" if base else "")
                            if args.alternate
                            else ""
                        )
                        for name, s in row.items()
                    ),
                    flush=True,
                )
    finally:
        for impl in impls:
            await impl.close()


async def profile(impl: Implementation, op: workload.Operation, w: workload.Workload) -> None:
    """cProfile of ``op.n`` calls of one implementation (after a warm-up), by self time."""
    import cProfile
    import pstats

    case = await impl.case(op, w)
    try:
        await timing.run_chunk(case, 0, 20)
        profiler = cProfile.Profile()
        timing.COLLECT = False
        profiler.enable()
        await timing.run_chunk(case, 20, op.n)
        profiler.disable()
    finally:
        timing.COLLECT = True
        if case.close is not None:
            await case.close()
    print(f"== {impl.name}: {op.key}, {op.n} calls")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(45)
    stats.sort_stats("cumulative").print_stats(60)
    stats.print_callers("greenlet_spawn")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.focus", description=__doc__)
    p.add_argument("--ops", default="get_pk")
    p.add_argument("--impls", default="asyncpg,generated async")
    p.add_argument("--build", action="append", default=[])
    p.add_argument("--make", nargs=2, action="append", default=[], metavar=("DIR", "NAME"))
    p.add_argument("--n", type=int, default=0, help="timed calls per implementation")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument(
        "--freeze",
        action="store_true",
        help="gc.freeze() after setup (what an application can do after its imports)",
    )
    p.add_argument("--nogc", action="store_true", help="experiment: the collector off")
    p.add_argument("--cpu", action="store_true", help="time this process's CPU, not the wall")
    p.add_argument(
        "--alternate",
        action="store_true",
        help="the implementations take turns call by call (not in rounds); adds the p25",
    )
    p.add_argument("--profile", metavar="IMPL", help="cProfile this implementation instead")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep the database for the next run")
    p.add_argument("--drop", action="store_true", help="drop the kept database and exit")
    args = p.parse_args(argv)
    if args.cpu:
        timing.CLOCK = time.process_time_ns
    if args.drop:
        asyncio.run(drop())
        return 0
    for out, name in args.make:
        make(Path(out), name)
        args.build.append(out)
    try:
        asyncio.run(run(args))
    finally:
        if not args.keep:
            asyncio.run(drop())
    return 0


if __name__ == "__main__":
    sys.exit(main())
