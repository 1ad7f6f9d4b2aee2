"""Generation at the scale of a real schema, as a new user builds it (issue 15).

    python -m bench.scaffolded [--runs N] [--schema musicbrainz] [--out bench/scaffolded.md]

The corpus schema with the crud.yaml `dbgen scaffold` writes for it (every table), and beside it
the models-only spec (a crud.yaml with no entities), labelled. Every timing is a fresh process,
with its wall time and its CPU time (user + system of that process alone: the machine may be
shared, and wall time then includes waiting for a CPU):

- *build, cold*: `dbgen build` into an empty directory (dbgen's own .pyc and the OS file cache
  are warm: what a second build in a checkout sees; the build keeps no cache of its own);
- *build, warm*: `dbgen build` again into the tree it wrote (the stamp proves it current);
- *check*: `dbgen check` on that tree (the stamp matches), and *check, rendering*: the same
  with the stamp deleted (what check does when dbgen or an input changed, or on a tree built
  before stamps existed);
- *rebuild after a 10-statement edit* (bench/evolution.py's edit: a column and an index on five
  tables): `dbgen build` of the edited schema into a copy of the cold build's tree: it replays
  the history, plans one revision and writes it with the changed files;
- *imports*: the generated package in a fresh process (warm .pyc), then `configure_mappers()`:
  the models alone; an application's start (`models` and `uow`: the unit of work imports its
  repositories at first use); every module (models, schemas, repositories, uow).

Peak memory is the peak RSS of each process (ru_maxrss). Then one build is timed by phase in a
process of its own (CPU), so the notes can say where the time goes.
"""

from __future__ import annotations

import argparse
import json
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
RESULTS = REPO / "bench" / "results.md"
BUILD_TARGET_S, CHECK_TARGET_S, IMPORT_TARGET_S, REBUILD_TARGET_X = 1.5, 1.0, 1.5, 1.5
HEADING = "Generation at scale: the scaffolded spec (bench/scaffolded.py, issue 15)"


@dataclass(slots=True)
class Runs:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    def cell(self) -> str:
        if not self.wall:
            return "-"
        return f"{self.median:.2f} s ({self.cpu_median:.2f} s CPU)"

    def peak(self) -> str:
        return f"{max(self.rss_mib):.0f} MiB" if self.rss_mib else "-"


def _run(
    cmd: list[str], runs: Runs, expect: tuple[int, ...] = (0,), env: dict[str, str] | None = None
) -> str:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        if code not in expect:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} exited {code}: {err.read()[-3000:]!r}")
        out.seek(0)
        text = out.read().decode()
    runs.wall.append(wall)
    runs.cpu.append(usage.ru_utime + usage.ru_stime)
    runs.rss_mib.append(usage.ru_maxrss / 1024)  # kilobytes on Linux
    return text


def _dbgen(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "dbgen", *map(str, args)]


@dataclass(slots=True)
class Figures:
    label: str
    files: int = 0
    cold: Runs = field(default_factory=Runs)
    warm: Runs = field(default_factory=Runs)
    check: Runs = field(default_factory=Runs)
    check_render: Runs = field(default_factory=Runs)
    rebuild: Runs = field(default_factory=Runs)
    rebuild_edit: str = ""
    imports: dict[str, tuple[Runs, int]] = field(default_factory=dict)


def _builds(spec: Path, work: Path, runs: int, fig: Figures) -> Path:
    first = work / "out"
    for i in range(runs):
        out = first if i == 0 else work / f"out-{i}"
        _run(_dbgen("build", spec, "--out", out), fig.cold)
        if i:
            shutil.rmtree(out)
    fig.files = sum(1 for p in first.rglob("*") if p.is_file())
    for _ in range(runs):
        _run(_dbgen("build", spec, "--out", first), fig.warm)
        _run(_dbgen("check", spec, "--out", first), fig.check)
    stamp = first / "dbgen-stamp.txt"
    kept = stamp.read_bytes()
    stamp.unlink()
    for _ in range(runs):
        _run(_dbgen("check", spec, "--out", first), fig.check_render)
    stamp.write_bytes(kept)
    return first


def _rebuilds(spec: Path, built: Path, work: Path, runs: int, fig: Figures) -> None:
    from bench.evolution import _added_revision, ten_statement_edit

    edited = work / "edited-spec"
    shutil.copytree(spec, edited)
    # The scaffolded crud.yaml names many-to-many relations: the edit leaves link tables alone.
    text, fig.rebuild_edit = ten_statement_edit(
        (spec / "schema.sql").read_text(encoding="utf-8"), no_link_tables=True
    )
    (edited / "schema.sql").write_text(text, encoding="utf-8")
    for i in range(runs):
        target = work / f"rebuild-{i}"
        shutil.copytree(built, target)
        _run(_dbgen("build", edited, "--out", target), fig.rebuild)
        _added_revision(built, target)  # exactly one revision added, the others kept
        shutil.rmtree(target)


_IMPORT = r"""
import importlib, json, pkgutil, sys, time
sys.path.insert(0, sys.argv[1])
name, scope = sys.argv[2], sys.argv[3]
import sqlalchemy.orm
importlib.import_module(name + ".models")
if scope in ("app", "package"):
    importlib.import_module(name + ".uow")
if scope == "package":
    pkg = importlib.import_module(name)
    for m in pkgutil.walk_packages(pkg.__path__, name + "."):
        if ".migrations" not in m.name:
            importlib.import_module(m.name)
sqlalchemy.orm.configure_mappers()
print(json.dumps(sum(1 for m in sys.modules if m == name or m.startswith(name + "."))))
"""
IMPORT_SCOPES = (
    ("models", "models only"),
    ("app", "application start: models + uow"),
    ("package", "every module: models, schemas, repositories, uow"),
)


def _imports(out: Path, package: str, runs: int, fig: Figures) -> None:
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(out / package)], check=True)
    for scope, label in IMPORT_SCOPES:
        r = Runs()
        modules = 0
        for _ in range(runs):
            modules = int(_run([sys.executable, "-c", _IMPORT, str(out), package, scope], r))
        fig.imports[label] = (r, modules)


_PHASES = r"""
import json, sys, time
start = time.process_time()
laps = {}
def timed(module, name, label):
    import importlib
    mod = importlib.import_module(module)
    real = getattr(mod, name)
    def wrapper(*args, **kwargs):
        t = time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            laps[label] = laps.get(label, 0.0) + time.process_time() - t
    setattr(mod, name, wrapper)
import dbgen.cli
imported = time.process_time() - start
PHASES = [
    ("dbgen.dialects", "read_schema", "read the DDL"),
    ("dbgen.graph", "build_graph", "schema graph"),
    ("dbgen.plan.views", "view_tables", "views named in crud.yaml"),
    ("dbgen.spec", "load_spec", "bind crud.yaml"),
    ("dbgen.plan.models", "plan_project", "plan models"),
    ("dbgen.history.plan", "plan_versions", "history and revisions"),
    ("dbgen.render.package", "render_package", "render models, migration, package"),
    ("dbgen.render.crud", "with_imports", "  of which: the CRUD files' imports (symtable)"),
    ("dbgen.render.crud", "render_crud", "render schemas, repositories, uow (imports incl.)"),
    ("dbgen.emit.pycheck", "check_python", "compile the .py files (the gate: this process's share)"),
    ("dbgen.emit.manifest", "with_manifest", "manifest"),
    ("dbgen.cli", "generate", "generate() in all"),
    ("dbgen.emit.write", "apply", "write the files (journal, temp files, renames)"),
    ("dbgen.cli", "_record_stamp", "stamp"),
]
for module, name, label in PHASES:
    timed(module, name, label)
sys.argv = ["dbgen", "build", sys.argv[1], "--out", sys.argv[2]]
try:
    dbgen.cli.main()
except SystemExit:
    pass
# The imports' row is timed inside render_crud's: listed after it, as "of which".
order = [label for _, _, label in PHASES]
of_which = order.pop(order.index("  of which: the CRUD files' imports (symtable)"))
order.insert(order.index("render schemas, repositories, uow (imports incl.)") + 1, of_which)
out = [(label, laps.get(label, 0.0)) for label in order]
out.append(("imports of dbgen (before the command runs)", imported))
out.append(("process in all (interpreter start excluded)", time.process_time() - start))
import resource
children = resource.getrusage(resource.RUSAGE_CHILDREN)
out.append(("the gate's forked workers", children.ru_utime + children.ru_stime))
print(json.dumps(out))
"""


def _phases(spec: Path, out: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", _PHASES, str(spec), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {k: float(v) for k, v in json.loads(proc.stdout.strip().splitlines()[-1])}


def _spec(work: Path, label: str, schema: Path, package: str) -> Path:
    spec = work / label.replace(" ", "-") / "spec"
    spec.mkdir(parents=True)
    shutil.copy(schema, spec / "schema.sql")
    if label == "scaffolded":
        subprocess.run(
            [*_dbgen("scaffold", spec / "schema.sql", "--out", spec / "crud.yaml"),
             "--package", package],
            check=True, capture_output=True,
        )  # fmt: skip
    else:
        (spec / "crud.yaml").write_text(
            f"version: 1\npackage: {package}\nentities: {{}}\n", encoding="utf-8"
        )
    return spec


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _markdown(a: argparse.Namespace, figs: list[Figures], phases: dict[str, float]) -> list[str]:
    load = os.getloadavg()
    sc = figs[0]
    lines = [
        f"`python -m bench.scaffolded --runs {a.runs}` "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, load "
        f"average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end). The machine is "
        "shared with other engineers' work: wall time includes waiting for a CPU, so each cell "
        "gives the median wall time and, in parentheses, the median CPU time of the process "
        "itself (user + system), the figure to compare with the targets on a loaded machine. "
        "Every figure is a fresh process, and every figure below comes from this one run.",
        "",
        "| spec | files | build, cold | build, warm (stamp) | check (stamp) | "
        "check, rendering (no stamp) | peak RSS of a build |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for f in figs:
        lines.append(
            f"| {a.schema}, {f.label} | {f.files} | {f.cold.cell()} | {f.warm.cell()} | "
            f"{f.check.cell()} | {f.check_render.cell()} | {f.cold.peak()} |"
        )
    ratio_wall = sc.rebuild.median / sc.cold.median
    ratio_cpu = sc.rebuild.cpu_median / sc.cold.cpu_median
    lines += [
        "",
        f"Rebuild after a 10-statement schema edit ({sc.rebuild_edit}), into a copy of the cold "
        "build's tree: the build replays the schema at the head from the history, plans one "
        "revision and writes it with the changed files.",
        "",
        "| | median | vs the cold build (wall, CPU) | peak RSS |",
        "|---|---:|---:|---:|",
        f"| {a.schema} scaffolded, rebuild after the edit | {sc.rebuild.cell()} | "
        f"{ratio_wall:.2f}x, {ratio_cpu:.2f}x | {sc.rebuild.peak()} |",
        "",
        "The generated package (scaffolded) in a fresh process with warm .pyc, then "
        "`configure_mappers()` (models/__init__ configures its registry itself, so most of the "
        "mappers' time is in the import):",
        "",
        "| what is imported | modules of the package | import + configure_mappers | peak RSS |",
        "|---|---:|---:|---:|",
    ]
    for label, (r, modules) in sc.imports.items():
        lines.append(f"| {label} | {modules} | {r.cell()} | {r.peak()} |")
    models = sc.imports[IMPORT_SCOPES[0][1]][0]
    app = sc.imports[IMPORT_SCOPES[1][1]][0]
    whole = sc.imports[IMPORT_SCOPES[2][1]][0]
    lines += [
        "",
        "| target (issue 15) | measured: wall (CPU) | met (CPU) |",
        "|---|---:|---|",
        f"| {a.schema} scaffolded build, cold < {BUILD_TARGET_S} s | {sc.cold.cell()} | "
        f"{_met(sc.cold.cpu_median < BUILD_TARGET_S)} |",
        f"| {a.schema} scaffolded `dbgen check` < {CHECK_TARGET_S} s (warm) | "
        f"{sc.check.cell()} | {_met(sc.check.cpu_median < CHECK_TARGET_S)} |",
        f"| rebuild after the 10-statement edit ≤ {REBUILD_TARGET_X}x the cold build | "
        f"{ratio_wall:.2f}x ({ratio_cpu:.2f}x) | {_met(ratio_cpu <= REBUILD_TARGET_X)} |",
        f"| whole package + configure_mappers < {IMPORT_TARGET_S} s | {whole.cell()} | "
        f"{_met(whole.cpu_median < IMPORT_TARGET_S)} |",
        f"| application start (models + uow) + configure_mappers < {IMPORT_TARGET_S} s | "
        f"{app.cell()} | {_met(app.cpu_median < IMPORT_TARGET_S)} |",
        f"| models only + configure_mappers < {IMPORT_TARGET_S} s (issue 10's figure) | "
        f"{models.cell()} | {_met(models.cpu_median < IMPORT_TARGET_S)} |",
        "",
        "Where the CPU of one scaffolded cold build goes (one `dbgen build` process, each phase "
        "timed around the function that does it; interpreter start excluded):",
        "",
        "| phase | CPU |",
        "|---|---:|",
        *(f"| {name} | {secs:.2f} s |" for name, secs in phases.items()),
        "",
        *NOTES.splitlines(),
        "",
    ]
    return lines


NOTES = """\
Notes on the targets (the profile above, and cProfile / `python -X importtime` runs):

- *Build, cold*: missed. generate() is about nine tenths of the process; no phase is cheap
  enough to matter alone: rendering the CRUD layer (Jinja and the layout printer, about 1,000
  modules; the import computation runs `symtable` over every file), the compile gate (compile()
  of every generated .py: the guarantee that the package imports), reading the DDL, rendering
  the models and the migration. The target asks for a third of the CPU, which is a cost per
  generated file three times lower, not one phase removed. Removed since the last run, all of
  it work the build did twice or for nothing: a second, pure-Python parse of crud.yaml by the
  views' look-up (0.5 s; libyaml now, spec/yaml_loader.py), linear look-ups of tables and
  entities by name that made planning quadratic (0.2 s), every CHECK parsed by sqlglot for the
  Create and again for the Update schema, each CREATE OR REPLACE canonicalizing every earlier
  routine name again, and the cyclic collector in the CLI process (a full collection at the end
  of generate() and more while the files were written, in a process about to exit). The gate
  uses the second core: a forked worker compiles the models and the migration while the CRUD
  layer renders, and the CRUD files are shared between the worker and the process (the CPU
  time stays, the worker's included in the process's figure; the wall time drops where a core
  is free). Not done, on purpose: a cheaper check than compile() (not the same guarantee:
  `return` outside a function and the like are compiler errors, not parser ones), caching
  results between builds (a cold build would no longer be cold). dbgen's own imports are lazy
  already (under 0.1 s).
- *Build, warm* and *check*: the stamp (dbgen-stamp.txt, generator/dbgen/emit/stamp.py) proves
  the tree is what the inputs give without rendering: the files are hashed against the
  manifest. Without a stamp (dbgen or an input changed), check renders: the column beside it.
- *Imports*: missed. With the collector off, models + configure_mappers() take about 1.5 s of
  CPU: SQLAlchemy's declarative class creation (about 45%) and configuring 1,688 relationships
  (about 55%: each one's join condition found from the foreign keys and annotated, two lazy
  loaders with their lazy clauses, the `lazy="raise"` one and the "select" one SQLAlchemy keeps
  for backrefs, attribute instrumentation and events). The schemas add about 0.7 s (2,061
  Pydantic classes; Create, Update and Filter build their validators at import, since FastAPI
  request bodies of deferred classes make Pydantic warn), the repositories about 0.3 s (515
  modules: 11,676 operation wrappers, 1,688 loader options, the statements), and the cyclic
  collector the rest: after the models, each full collection walks 0.5-0.9 million objects
  (0.3-0.6 s each), and two happen in a whole-package import because the heap grew past a
  quarter of what the previous full collection saw (in an application they happen during its
  first requests instead). Done: models/__init__ pauses the collector and, before resuming it,
  moves what the pause built to the oldest generation without walking it (gc.freeze() then
  gc.unfreeze(); nothing stays frozen): the young collections no longer walk the whole import
  twice on its way there (about 0.2 s of the models-only figure and as much in the schemas').
  Not done: gc.freeze() for good after the import (measured 0.5 s less on the whole package)
  is process-wide, which an application can choose and a library should not; deferring the
  repositories' EntityInfo saves a fraction of their 0.3 s.
- CPU time moves with the machine's load too (shared caches and cores: the same cold build
  took 3.6 s CPU at a load average of 5 and 5.2 s at 7 in one afternoon): compare the rows of
  one run, not runs of different days.
"""


def _keep_in_results(lines: list[str]) -> None:
    """Write the figures as a section of bench/results.md that `python -m bench` keeps."""
    from bench.report import KEPT_MARK

    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# dbgen benchmarks\n"
    parts = text.split("\n## ")
    kept = [p for p in parts[1:] if not p.startswith(HEADING)]
    section = "\n".join([HEADING, KEPT_MARK, "", *lines]).rstrip()
    RESULTS.write_text("\n## ".join([parts[0], *kept, section]) + "\n", encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.scaffolded", description=__doc__)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--schema", default="musicbrainz")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "scaffolded.md")
    p.add_argument("--no-results", action="store_true", help="leave bench/results.md alone")
    a = p.parse_args()
    schema = SHARED / "corpus" / a.schema / "schema.sql"
    if not schema.is_file():
        sys.exit(f"{schema} not found (set DBGEN_SHARED_DIR to the shared folder)")
    package = f"{a.schema}_db"
    figs: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="dbgen-bench-") as tmp:
        work = Path(tmp)
        for label in ("scaffolded", "models only"):
            spec = _spec(work, label, schema, package)
            fig = Figures(label)
            print(f"{label}: builds and checks ...", file=sys.stderr)
            built = _builds(spec, spec.parent, a.runs, fig)
            if label == "scaffolded":
                print(f"{label}: rebuilds after the edit ...", file=sys.stderr)
                _rebuilds(spec, built, spec.parent, a.runs, fig)
                print(f"{label}: imports ...", file=sys.stderr)
                _imports(built, package, a.runs, fig)
                print(f"{label}: phases ...", file=sys.stderr)
                phases = _phases(spec, spec.parent / "phases-out")
            figs.append(fig)
    lines = _markdown(a, figs, phases)
    text = "\n".join(
        [f"# Generation at scale: {a.schema} with the scaffolded crud.yaml", "", *lines]
    )
    a.out.write_text(text, encoding="utf-8")
    if not a.no_results:
        _keep_in_results(lines)
    print(text)


if __name__ == "__main__":
    main()
