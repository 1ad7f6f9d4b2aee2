"""python -m bench [--quick] [--only runtime|generation] [--no-profile] [--out DIR]"""

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


def parse(argv: list[str] | None) -> Settings:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="a one-minute smoke run (small sizes)")
    p.add_argument("--only", choices=("runtime", "generation"), help="run one half")
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
    return Settings(
        quick=a.quick,
        sizes=QUICK if a.quick else FULL,
        server_url=server_url(),
        shared_dir=shared_dir(),
        out_dir=a.out.resolve(),
        profile=a.profile or (not a.quick and not a.no_profile),
        runtime=a.only in (None, "runtime"),
        generation=a.only in (None, "generation"),
    )


def main(argv: list[str] | None = None) -> int:
    settings = parse(argv)
    deps.ensure()
    # after deps.ensure(): these import matplotlib, fastcrud, ...
    from bench import generation, report, runtime
    from bench.database import server_version
    from bench.generated import build

    started = time.perf_counter()
    pg = asyncio.run(server_version(settings.server_url))
    work = Path(tempfile.mkdtemp(prefix="dbgen-bench-"))
    failures: list[str] = []
    try:
        runtime_results = None
        generation_results = None
        if settings.runtime:
            try:
                log("building the demo package with dbgen ...")
                pkg = build(work / "demo")
                runtime_results = asyncio.run(runtime.run(settings, pkg))
            except Exception as exc:
                traceback.print_exc()
                failures.append(f"runtime benchmark failed: {type(exc).__name__}: {exc}")
        if settings.generation:
            try:
                generation_results = generation.run(settings, work / "generation")
            except Exception as exc:
                traceback.print_exc()
                failures.append(f"generation benchmark failed: {type(exc).__name__}: {exc}")
        elapsed = time.perf_counter() - started
        settings.out_dir.mkdir(parents=True, exist_ok=True)
        md, png = report.write(settings, pg, runtime_results, generation_results, elapsed, failures)
        log(f"wrote {md} and {png}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print(f"bench: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
