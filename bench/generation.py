"""The generation benchmark: `dbgen build` (cold) and `dbgen check` on the demo and on a corpus
schema, sqlacodegen reflecting the same schema from a live database, and the import time and RSS
of the generated corpus package. Every timing is a fresh process."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import evolution
from bench.database import temporary_database
from bench.evolution import Rebuild
from bench.generated import dbgen_executable
from bench.log import log
from bench.settings import DEMO_SPEC, Settings

CORPUS_PACKAGE = "corpus_db"


@dataclass(slots=True)
class Runs:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system of the child

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


@dataclass(slots=True)
class ImportResult:
    mode: str  # "cold (no .pyc)" / "warm (.pyc)"
    scope: str  # what was imported: "models" or "package" (every module but the migrations)
    process: Runs  # whole `python -c "import ..."` process
    package_seconds: list[float]  # importing the package's modules, dependencies pre-imported
    mappers_seconds: list[float]  # configure_mappers()
    rss_mib: float  # resident set after import + configure_mappers
    rss_delta_mib: float  # ... minus after importing sqlalchemy/pydantic
    modules: int


@dataclass(slots=True)
class Subject:
    """One schema: what dbgen and sqlacodegen did with it."""

    name: str
    tables: int = 0
    files: int = 0
    build: Runs = field(default_factory=Runs)  # empty format cache
    build_warm: Runs = field(default_factory=Runs)  # format cache filled by a previous build
    check: Runs = field(default_factory=Runs)  # empty format cache
    check_warm: Runs = field(default_factory=Runs)
    sqlacodegen: Runs = field(default_factory=Runs)
    sqlacodegen_note: str = ""
    schema_load_seconds: float = 0.0
    spec_note: str = ""
    check_drift: str = ""  # what `dbgen check` reported, if it did not find the output current
    rebuild: Rebuild | None = None  # after a 10-statement edit (bench/evolution.py)


@dataclass(slots=True)
class GenerationResults:
    demo: Subject
    corpus: Subject | None
    corpus_skipped: str = ""
    imports: list[ImportResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _timed(
    cmd: list[str], runs: Runs, *, env: dict[str, str] | None = None, expect: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess[str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in expect:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    runs.wall.append(wall)
    runs.cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return proc


def _dbgen(subject: Subject, spec: Path, out_root: Path, cold_runs: int, warm_runs: int) -> Path:
    """Cold and warm = a fresh process writing into an empty directory. The build keeps no cache
    since it stopped running black (DBGEN_CACHE_DIR is still set, and ignored), so the two
    differ only in the OS file cache; the scaffolded spec is bench/scaffolded.py's."""
    exe = dbgen_executable()
    out = out_root / "out"
    warm_cache = out_root / "cache-warm"

    def env(cache: Path) -> dict[str, str]:
        return {**os.environ, "DBGEN_CACHE_DIR": str(cache)}

    for i in range(cold_runs):
        target = out_root / f"cold-{i}"
        cache = warm_cache if i == 0 else out_root / f"cache-cold-{i}"
        _timed([exe, "build", str(spec), "--out", str(target)], subject.build, env=env(cache))
        if i == 0:
            target.rename(out)
        else:
            shutil.rmtree(target)
    for i in range(warm_runs):
        target = out_root / f"warm-{i}"
        _timed(
            [exe, "build", str(spec), "--out", str(target)], subject.build_warm, env=env(warm_cache)
        )
        shutil.rmtree(target)
    checks = [(out_root / f"cache-check-{i}", subject.check) for i in range(cold_runs)]
    checks += [(warm_cache, subject.check_warm)] * warm_runs
    for cache, runs_ in checks:
        proc = _timed(
            [exe, "check", str(spec), "--out", str(out)], runs_, env=env(cache), expect=(0, 1)
        )
        if proc.returncode == 1:
            # The output was written moments before by the same dbgen: either the generator is
            # not deterministic or its source changed during the run (an editable install).
            drift = [
                ln
                for ln in proc.stdout.splitlines()
                if ln.split(":")[0] in ("stale", "missing", "extra")
            ]
            subject.check_drift = f"{len(drift)} file(s), e.g. " + "; ".join(drift[:3])
    subject.files = sum(1 for p in out.rglob("*") if p.is_file())
    return out


def _psql(url: str, sql_file: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(sql_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"psql -f {sql_file} failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t0


async def _schemas_and_tables(url: str) -> tuple[list[str], int]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT n.nspname, count(c.oid) AS tables FROM pg_namespace n "
            "LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p') "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
            "AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%' "
            "GROUP BY n.nspname ORDER BY n.nspname"
        )
    finally:
        await conn.close()
    return [r["nspname"] for r in rows if r["tables"]], sum(r["tables"] for r in rows)


def _sqlacodegen(
    subject: Subject, settings: Settings, schema_sql: Path, out_root: Path, runs: int
) -> None:
    exe = Path(sys.executable).with_name("sqlacodegen")
    if not exe.exists():
        subject.sqlacodegen_note = "sqlacodegen is not installed"
        return

    async def go() -> None:
        async with temporary_database(settings.server_url, "dbgen_bench_codegen") as db:
            subject.schema_load_seconds = await asyncio.to_thread(_psql, db.url, schema_sql)
            schemas, tables = await _schemas_and_tables(db.url)
            subject.tables = tables
            url = db.sqlalchemy_url("psycopg2")
            for i in range(runs):
                outfile = out_root / f"sqlacodegen-{i}.py"
                # nosyntheticenums: sqlacodegen 4.0's CHECK-to-enum detection raises KeyError on
                # the demo's CHECK (position('@' IN email) > 1); the option skips only that.
                cmd = [str(exe), "--options", "nosyntheticenums", "--outfile", str(outfile), url]
                if schemas != ["public"]:
                    cmd[1:1] = ["--schemas", ",".join(schemas)]
                await asyncio.to_thread(_timed, cmd, subject.sqlacodegen)
            subject.sqlacodegen_note = (
                f"{len(schemas)} schema(s), declarative models in one file, "
                "--options nosyntheticenums"
            )

    asyncio.run(go())


IMPORT_SCRIPT = r"""
import json, pkgutil, sys, time, importlib
def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
import sqlalchemy, sqlalchemy.orm, sqlalchemy.ext.asyncio, sqlalchemy.dialects.postgresql, pydantic
base = rss()
sys.path.insert(0, sys.argv[1])
name, scope = sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
pkg = importlib.import_module(name)
n = 1
if scope == "models":
    importlib.import_module(name + ".models")
    n += 1
else:
    for m in pkgutil.walk_packages(pkg.__path__, name + "."):
        if ".migrations" in m.name:
            continue
        importlib.import_module(m.name)
        n += 1
t1 = time.perf_counter()
sqlalchemy.orm.configure_mappers()
t2 = time.perf_counter()
n = sum(1 for m in sys.modules if m == name or m.startswith(name + "."))  # imported, walked or not
print(json.dumps({"package": t1 - t0, "mappers": t2 - t1, "rss": rss(), "delta": rss() - base,
                  "modules": n}))
"""
# (.pyc state, what is imported): the models for issue 10's target, every module (schemas and
# repositories too) for issue 15's.
IMPORT_CASES = (
    ("cold (no .pyc)", "models"),
    ("warm (.pyc)", "models"),
    ("cold (no .pyc)", "package"),
    ("warm (.pyc)", "package"),
)


def _imports(out: Path, package: str, runs: int) -> list[ImportResult]:
    results = []
    for mode, scope in IMPORT_CASES:
        env = dict(os.environ)
        for cache in out.rglob("__pycache__"):
            shutil.rmtree(cache)
        if mode.startswith("warm"):
            subprocess.run(
                [sys.executable, "-m", "compileall", "-q", str(out / package)], check=True
            )
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        r = ImportResult(mode, scope, Runs(), [], [], 0.0, 0.0, 0)
        for _ in range(runs):
            proc = _timed(
                [sys.executable, "-c", IMPORT_SCRIPT, str(out), package, scope],
                r.process,
                env=env,
            )
            data = json.loads(proc.stdout.strip().splitlines()[-1])
            r.package_seconds.append(data["package"])
            r.mappers_seconds.append(data["mappers"])
            r.rss_mib, r.rss_delta_mib, r.modules = data["rss"], data["delta"], data["modules"]
        results.append(r)
    return results


def _scaffolded(name: str, schema_sql: Path, work: Path) -> Path:
    """The corpus schema with the crud.yaml ``dbgen scaffold`` writes for it (every table, as
    a user starts), built: what the import timings import."""
    spec = work / f"{name}-scaffolded"
    spec.mkdir(parents=True)
    shutil.copy(schema_sql, spec / "schema.sql")
    exe = dbgen_executable()
    crud = str(spec / "crud.yaml")
    for cmd in (
        [exe, "scaffold", str(spec / "schema.sql"), "--package", CORPUS_PACKAGE, "--out", crud],
        [exe, "build", str(spec), "--out", str(work / f"{name}-scaffolded-out")],
    ):
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return work / f"{name}-scaffolded-out"


def _corpus_spec(name: str, schema_sql: Path, work: Path) -> tuple[Path, str]:
    spec = work / f"{name}-spec"
    spec.mkdir(parents=True)
    shutil.copy(schema_sql, spec / "schema.sql")
    (spec / "crud.yaml").write_text(f"version: 1\npackage: {CORPUS_PACKAGE}\nentities: {{}}\n")
    return spec, "crud.yaml with no entities: models, enums, base, db and the migration"


def run(settings: Settings, work: Path) -> GenerationResults:
    s = settings.sizes
    work.mkdir(parents=True, exist_ok=True)
    log("generation: dbgen build/check on the demo spec ...")
    demo = Subject("demo (specs/)")
    demo_out = work / "demo"
    demo_out.mkdir()
    _dbgen(demo, DEMO_SPEC, demo_out, s.gen_demo_runs, s.gen_demo_runs)
    log("generation: sqlacodegen on the demo schema ...")
    _sqlacodegen(demo, settings, DEMO_SPEC / "schema.sql", demo_out, s.gen_demo_runs)
    results = GenerationResults(demo=demo, corpus=None)

    corpus_name = "chinook" if settings.quick else "musicbrainz"
    corpus_dir = settings.shared_dir / "corpus" / corpus_name
    if not (corpus_dir / "schema.sql").is_file():
        results.corpus_skipped = (
            f"{corpus_dir / 'schema.sql'} not found (set DBGEN_SHARED_DIR to the shared folder)"
        )
        log(f"generation: corpus skipped: {results.corpus_skipped}")
        return results
    if settings.quick:
        results.notes.append(
            "--quick: the corpus part uses chinook (11 tables) in place of musicbrainz (519)"
        )
    corpus = Subject(corpus_name)
    spec, corpus.spec_note = _corpus_spec(corpus_name, corpus_dir / "schema.sql", work)
    corpus_out = work / corpus_name
    corpus_out.mkdir()
    log(f"generation: dbgen build/check on {corpus_name} ...")
    out = _dbgen(corpus, spec, corpus_out, s.gen_corpus_runs, s.gen_corpus_warm_runs)
    log(f"generation: {corpus_name} rebuilt after a 10-statement edit ...")
    corpus.rebuild = evolution.run(spec, out, corpus_out / "evolve", s.gen_corpus_runs)
    log(f"generation: sqlacodegen on {corpus_name} ...")
    _sqlacodegen(corpus, settings, corpus_dir / "schema.sql", corpus_out, s.gen_corpus_runs)
    log(f"generation: importing {corpus_name} built with a scaffolded crud.yaml ...")
    scaffolded = _scaffolded(corpus_name, corpus_dir / "schema.sql", work)
    results.imports = _imports(scaffolded, CORPUS_PACKAGE, s.import_runs)
    results.corpus = corpus
    return results
