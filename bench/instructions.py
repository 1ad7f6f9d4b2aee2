"""Instructions per call of a few generated operations, counted by valgrind: an A/B that the
machine's load does not move the way it moves CPU times (±20% here), for differences above
about 10%.

    python -m bench.instructions --build DIR [--build DIR ...] [--ops get,get_rel] [--n 300]

Each ``--build`` is a ``dbgen build`` output directory of the demo (see ``bench.focus --make``).
For each build and operation, a fresh process runs the operation N times after a warm-up, and
another runs only the warm-up, both under ``valgrind --tool=cachegrind --cache-sim=no``; the
difference over N is the count per call (the imports and the set-up cancel out). The database
is bench.focus's (``python -m bench.focus --keep`` creates and keeps it). The garbage collector
is off for the counted calls (what it does depends on the whole heap). Even so, the same
build's count moves by up to ±10% from run to run: the event-loop iterations a call takes
depend on when the server answers.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import re
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import sqlalchemy as sa

from bench.database import with_database
from bench.focus import DB_NAME
from bench.settings import server_url

OPS = ("get", "get_rel", "cursor", "list500", "create", "stream")
WARM = 50


async def _child(build: str, op: str, n: int) -> None:
    sys.path.insert(0, build)
    names = [p.name for p in Path(build).iterdir() if (p / "repositories").is_dir()]
    pkg = names[0]
    db = importlib.import_module(f"{pkg}.db")
    uow_mod = importlib.import_module(f"{pkg}.uow")
    tasks = importlib.import_module(f"{pkg}.schemas.tasks")
    url = with_database(server_url(), DB_NAME)
    engine = db.create_async_engine_from_env(url.replace("postgresql://", "postgresql+asyncpg://"))
    factory = db.async_session_factory(engine)
    try:
        async with uow_mod.UnitOfWork(factory) as uow:
            ids = [t.id for t in (await uow.tasks.list(order_by=["id"], limit=100)).items]
            first = 10**9  # created rows' numbers (deleted at the end)

            async def get(i: int) -> None:
                await uow.tasks.get(ids[i % len(ids)])

            async def get_rel(i: int) -> None:
                await uow.tasks.get(ids[i % len(ids)], load=["projects"])

            async def cursor(i: int) -> None:
                await uow.tasks.list(order_by=["id"], limit=50)

            async def list500(i: int) -> None:
                await uow.audit_log.list(limit=500, load=["users"])

            async def create(i: int) -> None:
                async with uow_mod.UnitOfWork(factory) as own:
                    await own.tasks.create(
                        tasks.TaskCreate(
                            project_id=1, number=first + i, title="t", status="todo", priority=1
                        )
                    )

            async def stream(i: int) -> None:
                seen = 0
                async for _row in uow.audit_log.stream(order_by=["id"], batch_size=1000):
                    seen += 1
                    if seen == 10_000:
                        break

            calls: dict[str, Callable[[int], Awaitable[None]]] = {
                "get": get,
                "get_rel": get_rel,
                "cursor": cursor,
                "list500": list500,
                "create": create,
                "stream": stream,
            }
            step = calls[op]
            for i in range(WARM):
                await step(i)
            # The collector off for the counted calls: what it does depends on the whole heap
            # and moves the count by several percent from run to run.
            gc.collect()
            gc.disable()
            for i in range(WARM, WARM + n):
                await step(i)
                if i % 100 == 0:
                    uow.session.expunge_all()
            gc.enable()
            await uow.session.rollback()
        if op == "create":
            async with uow_mod.UnitOfWork(factory) as uow:
                delete = sa.text("DELETE FROM tasks WHERE number >= :n")
                await uow.session.execute(delete, {"n": first})
    finally:
        await engine.dispose()


def _count(build: str, op: str, n: int) -> int:
    run = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "bench.instructions",
            "--child",
            build,
            op,
            str(n),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{run.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    p.add_argument("--build", action="append", default=[])
    p.add_argument("--ops", default="get,get_rel")
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--child", nargs=3, metavar=("BUILD", "OP", "N"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        build, op, n = args.child
        asyncio.run(_child(build, op, int(n)))
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    ops = args.ops.split(",")
    unknown = set(ops) - set(OPS)
    if unknown:
        raise SystemExit(f"unknown operations {sorted(unknown)}; known: {', '.join(OPS)}")
    for op in ops:
        for build in args.build:
            per_call = (_count(build, op, args.n) - _count(build, op, 0)) / args.n
            print(f"{op:>8}: {build} {per_call:,.0f} instructions per call", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
