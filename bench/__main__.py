"""python -m bench [--quick] [--only runtime|generation] [--dialect D ...] [--no-profile] [--out DIR]"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench import deps
from bench.log import log
from bench.settings import BENCH_DIR, FULL, QUICK, Settings, server_url, shared_dir

DIALECTS = ("postgresql", "sqlite", "mysql")


def parse(argv: list[str] | None) -> Settings:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="a one-minute smoke run (small sizes)")
    p.add_argument("--only", choices=("runtime", "generation"), help="run one half")
    p.add_argument(
        "--dialect",
        action="append",
        choices=DIALECTS,
        help="run only the runtime rows of this database (repeatable; default: all of them, "
        "and the generation half); results.md keeps the other sections of its last run",
    )
    p.add_argument(
        "--no-profile",
        action="store_true",
        help="do not profile the operations that miss a target (full runs do)",
    )
    p.add_argument("--profile", action="store_true", help="profile them in a --quick run too")
    p.add_argument(
        "--out",
        type=Path,
        default=BENCH_DIR,
        help="where results.md, ratios.png and profiles/ go (default: bench/)",
    )
    a = p.parse_args(argv)
    if a.dialect and a.only == "generation":
        p.error("--dialect selects runtime rows; it does not go with --only generation")
    return Settings(
        quick=a.quick,
        sizes=QUICK if a.quick else FULL,
        server_url=server_url(),
        shared_dir=shared_dir(),
        out_dir=a.out.resolve(),
        profile=a.profile or (not a.quick and not a.no_profile),
        runtime=a.only in (None, "runtime"),
        generation=a.only in (None, "generation") and not a.dialect,
        dialects=tuple(d for d in DIALECTS if not a.dialect or d in a.dialect),
    )


def main(argv: list[str] | None = None) -> int:
    settings = parse(argv)
    deps.ensure()
    # after deps.ensure(): these import matplotlib, fastcrud, ...
    from bench import dialects, generation, report, runtime
    from bench.database import server_version
    from bench.generated import build

    started = time.perf_counter()
    pg = asyncio.run(server_version(settings.server_url))
    work = Path(tempfile.mkdtemp(prefix="dbgen-bench-"))
    failures: list[str] = []
    try:
        runtime_results = None
        generation_results = None
        dialect_results: dict[str, dialects.DialectResults] = {}
        if settings.runtime and "postgresql" in settings.dialects:
            try:
                log("building the demo package with dbgen ...")
                pkg = build(work / "demo")
                runtime_results = asyncio.run(runtime.run(settings, pkg))
            except Exception as exc:
                traceback.print_exc()
                failures.append(f"runtime benchmark failed: {type(exc).__name__}: {exc}")
        for key in settings.dialects if settings.runtime else ():
            if key == "postgresql":
                continue
            try:
                dialect_results[key] = asyncio.run(dialects.run(settings, work, key))
            except Exception as exc:
                traceback.print_exc()
                failures.append(f"{key} runtime benchmark failed: {type(exc).__name__}: {exc}")
        if settings.generation:
            try:
                generation_results = generation.run(settings, work / "generation")
            except Exception as exc:
                traceback.print_exc()
                failures.append(f"generation benchmark failed: {type(exc).__name__}: {exc}")
        elapsed = time.perf_counter() - started
        settings.out_dir.mkdir(parents=True, exist_ok=True)
        md, png = report.write(
            settings, pg, runtime_results, generation_results, elapsed, failures, dialect_results
        )
        log(f"wrote {md} and {png}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print(f"bench: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
