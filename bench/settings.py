"""Run settings: sizes, iteration counts, the seed, where things live."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEMO_SPEC = REPO_ROOT / "specs"
SEED = 20_240_601
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True, slots=True)
class Sizes:
    """Rows loaded before the runtime benchmarks (COPY), and iteration counts."""

    users: int = 10_000
    projects: int = 200
    tasks: int = 100_000
    comments: int = 100_000
    audit: int = 100_000
    tags: int = 1_000
    tags_per_task: float = 1.5
    members_per_project: int = 10
    # iterations (timed; a tenth more, at least 5, run first as warm-up)
    reads: int = 600
    pages: int = 300
    writes: int = 300
    bulk_10k: int = 3
    bulk_100k: int = 2
    experiments: int = 300  # calls per variant in the "one layer down" experiments
    # timed calls of each implementation are split into this many interleaved rounds
    rounds: int = 10
    # the cursor benchmark: page size and depth (page 1,000 starts after 49,950 rows)
    page_size: int = 50
    depth: int = 1_000
    # the streaming benchmark: audit_log is grown to this many rows (its last step)
    stream_rows: int = 1_000_000
    # generation benchmark repetitions (each a fresh process)
    gen_demo_runs: int = 2
    gen_corpus_runs: int = 1  # cold runs (a musicbrainz cold build is the slowest step)
    gen_corpus_warm_runs: int = 2
    import_runs: int = 3


FULL = Sizes()
QUICK = replace(
    FULL,
    users=2_000,
    projects=40,
    tasks=20_000,
    comments=20_000,
    audit=20_000,
    tags=600,
    reads=100,
    pages=60,
    writes=60,
    bulk_10k=2,
    bulk_100k=1,
    depth=200,
    rounds=3,
    stream_rows=100_000,
    experiments=30,
    gen_demo_runs=1,
    gen_corpus_runs=1,
    gen_corpus_warm_runs=1,
    import_runs=1,
)


@dataclass(frozen=True, slots=True)
class Settings:
    quick: bool
    sizes: Sizes
    server_url: str  # a database on the server the bench creates its own database on
    shared_dir: Path
    out_dir: Path  # where results.md, ratios.png and profiles/ go
    profile: bool
    runtime: bool
    generation: bool
    seed: int = SEED
    # the runtime benchmark's databases, in run order (python -m bench --dialect)
    dialects: tuple[str, ...] = ("postgresql", "sqlite", "mysql")

    @property
    def bulk_rows(self) -> tuple[int, int]:
        return (10_000, 100_000) if not self.quick else (2_000, 10_000)


def server_url() -> str:
    """DBGEN_BENCH_DATABASE_URL (any database on the server: the bench connects there to create
    and drop its own), else the local trust-auth PostgreSQL."""
    url = os.environ.get("DBGEN_BENCH_DATABASE_URL", DEFAULT_SERVER_URL)
    for prefix in ("postgresql+asyncpg://", "postgresql+psycopg2://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql://" + url[len(prefix) :]
    return url


def shared_dir() -> Path:
    raw = os.environ.get("DBGEN_SHARED_DIR")
    return Path(raw).resolve() if raw else (REPO_ROOT.parent / "shared").resolve()
