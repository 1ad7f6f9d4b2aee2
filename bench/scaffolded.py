"""Generation at the scale of a real schema, as a new user builds it (issue 15).

    python -m bench.scaffolded [--runs N] [--schema musicbrainz] [--out bench/scaffolded.md]

The corpus schema with the crud.yaml `dbgen scaffold` writes for it (every table), and beside it
the models-only spec (a crud.yaml with no entities), labelled. Every timing is a fresh `dbgen`
process: *cold* builds write into an empty directory right after the previous one finished
(dbgen's own .pyc are warm, the OS file cache too: what a second build in a checkout sees; the
build keeps no cache of its own), `dbgen check` compares against the first build's output.
Wall and CPU (user + system) per process, and the peak RSS of the build process. Then one
in-process run timed by phase (CPU), so the notes can say where the time goes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DBGEN_SHARED_DIR", REPO.parent / "shared"))
BUILD_TARGET_S, CHECK_TARGET_S = 1.5, 1.0


@dataclass(slots=True)
class Runs:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)

    def cell(self) -> str:
        if not self.wall:
            return "-"
        return (
            f"{statistics.median(self.wall):.2f} s ({statistics.median(self.cpu):.2f} s CPU, "
            f"min {min(self.wall):.2f} s)"
        )


def _run(cmd: list[str], runs: Runs, expect: tuple[int, ...] = (0,)) -> None:
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in expect:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err.read()[-2000:]!r}")
    runs.wall.append(wall)
    runs.cpu.append(usage.ru_utime + usage.ru_stime)
    runs.rss_mib.append(usage.ru_maxrss / 1024)  # kilobytes on Linux


def _dbgen() -> list[str]:
    return [sys.executable, "-m", "dbgen"]


def _measure(spec: Path, work: Path, runs: int) -> tuple[Runs, Runs, int]:
    build, check = Runs(), Runs()
    first = work / "out"
    for i in range(runs):
        out = first if i == 0 else work / f"out-{i}"
        _run([*_dbgen(), "build", str(spec), "--out", str(out)], build)
        if i:
            shutil.rmtree(out)
    for _ in range(runs):
        _run([*_dbgen(), "check", str(spec), "--out", str(first)], check)
    files = sum(1 for p in first.rglob("*") if p.is_file())
    return build, check, files


_PHASES = """
import gc, json, sys, time
from pathlib import Path
from dbgen.core import read_inputs
from dbgen.dialects import get_dialect
from dbgen.emit.manifest import with_manifest
from dbgen.emit.pycheck import check_python
from dbgen.graph import build_graph
from dbgen.plan.models import plan_project
from dbgen.render.crud import render_crud
from dbgen.render.env import environment
from dbgen.render.package import render_package
from dbgen.spec import load_spec
gc.disable()  # as core.generate() does
inputs, _ = read_inputs(Path(sys.argv[1]))
laps = []
t = [time.process_time()]
def lap(name):
    t.append(time.process_time())
    laps.append((name, t[-1] - t[-2]))
db = get_dialect("postgresql")
catalog, _ = db.read_schema(inputs.sql); lap("read the DDL")
graph = build_graph(catalog); lap("schema graph")
spec, _ = load_spec(inputs.crud[0], inputs.crud[1], graph); lap("bind crud.yaml")
plan = plan_project(graph, spec.package, spec, map_type=db.map_type); lap("plan models")
migration = db.plan_initial_migration(catalog, plan.type_context); lap("plan migration")
env = environment()
files = dict(render_package(plan, migration, ("schema.sql",), env, 100, driver=db.driver).files)
lap("render models, migration")
files.update(render_crud(plan, env, 100).files); lap("render CRUD layer (imports incl.)")
check_python(files); lap("compile every .py (the gate)")
with_manifest(files); lap("manifest")
print(json.dumps(laps))
"""


def _phases(spec: Path) -> list[tuple[str, float]]:
    import json

    proc = subprocess.run(
        [sys.executable, "-c", _PHASES, str(spec)], capture_output=True, text=True, check=True
    )
    return [(name, float(secs)) for name, secs in json.loads(proc.stdout)]


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.scaffolded", description=__doc__)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--schema", default="musicbrainz")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "scaffolded.md")
    a = p.parse_args()
    schema = SHARED / "corpus" / a.schema / "schema.sql"
    if not schema.is_file():
        sys.exit(f"{schema} not found (set DBGEN_SHARED_DIR to the shared folder)")
    rows: list[str] = []
    phases: list[tuple[str, float]] = []
    targets: list[str] = []
    with tempfile.TemporaryDirectory(prefix="dbgen-bench-") as tmp:
        work = Path(tmp)
        for label in ("scaffolded", "models only"):
            spec = work / label.replace(" ", "-") / "spec"
            spec.mkdir(parents=True)
            shutil.copy(schema, spec / "schema.sql")
            if label == "scaffolded":
                subprocess.run(
                    [*_dbgen(), "scaffold", str(spec / "schema.sql"), "--out",
                     str(spec / "crud.yaml"), "--package", f"{a.schema}_db"],
                    check=True, capture_output=True,
                )  # fmt: skip
            else:
                (spec / "crud.yaml").write_text(
                    f"version: 1\npackage: {a.schema}_db\nentities: {{}}\n", encoding="utf-8"
                )
            build, check, files = _measure(spec, spec.parent, a.runs)
            rows.append(
                f"| {a.schema}, {label} | {files} | {build.cell()} | {check.cell()} | "
                f"{max(build.rss_mib):.0f} MiB |"
            )
            if label == "scaffolded":
                phases = _phases(spec)
                for what, runs_, limit in (
                    ("build, cold", build, BUILD_TARGET_S),
                    ("`dbgen check`", check, CHECK_TARGET_S),
                ):
                    value = statistics.median(runs_.wall)
                    met = "yes" if value < limit else "**no**"
                    targets.append(
                        f"| {a.schema} scaffolded {what} < {limit} s | {value:.2f} s | {met} |"
                    )
    load = os.getloadavg()
    text = "\n".join(
        [
            f"# Generation at scale: {a.schema} with the scaffolded crud.yaml",
            "",
            f"`python -m bench.scaffolded --runs {a.runs}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"{os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
            "at the end: on a shared machine, wall time includes waiting for a CPU; the CPU "
            "column is the process's own user + system time). Medians of fresh processes.",
            "",
            "| spec | files | `dbgen build` (empty dir) | `dbgen check` | peak RSS of a build |",
            "|---|---:|---:|---:|---:|",
            *rows,
            "",
            "| target (issue 15) | measured (wall) | met |",
            "|---|---:|---|",
            *targets,
            "",
            "Where the CPU of one scaffolded generation goes (in process, the collector paused as "
            "`generate()` does; interpreter start, imports and writing the files come on top):",
            "",
            "| phase | CPU |",
            "|---|---:|",
            *(f"| {name} | {secs:.2f} s |" for name, secs in phases),
            f"| total | {sum(s for _, s in phases):.2f} s |",
            "",
        ]
    )
    a.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
