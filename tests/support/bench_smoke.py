"""A tiny run of the bench's runtime rows on one dialect (bench.dialects), in a fresh process:
the package it builds is imported there, not into the test session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from support.paths import REPO_ROOT

_SCRIPT = r"""
import asyncio, dataclasses, json, sys
from pathlib import Path
from bench import dialects, report_dialects, targets
from bench.settings import QUICK, Settings, shared_dir

# Every target missed, whatever the timings: the run profiles each kind of work it profiles.
targets.DIALECT_LIMITS = tuple((label, ops, 0.0) for label, ops, _ in targets.DIALECT_LIMITS)

sizes = dataclasses.replace(
    QUICK, users=200, projects=10, tasks=2_000, comments=500, audit=600, tags=50,
    members_per_project=3, reads=6, pages=6, writes=6, bulk_10k=1, depth=5, rounds=2,
)
out = Path(sys.argv[2])
settings = Settings(
    quick=True, sizes=sizes, server_url="", shared_dir=shared_dir(), out_dir=out,
    profile=True, runtime=True, generation=False, dialects=(sys.argv[1],),
)
res = asyncio.run(dialects.run(settings, out / "work", sys.argv[1]))
print(json.dumps({
    "ops": {o.key: o.n for o in res.operations},
    "stats": {k: {n: s.n for n, s in row.items()} for k, row in res.stats.items()},
    "medians": {k: {n: s.median_us for n, s in row.items()} for k, row in res.stats.items()},
    "checks": [[c.impl, c.op, c.value, c.met] for c in res.checks],
    "rows": res.rows,
    "profiles": sorted(p.name for p in res.profiles.values()),
    "profiled_ops": list(dialects.PROFILED_OPS),
    "section": report_dialects.section(res),
}))
"""


def run_smoke(dialect: str, out: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, dialect, str(out)],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def check_smoke(result: dict[str, Any], dialect: str, raw: tuple[str, str]) -> None:
    """Every operation ran on all four implementations with the sizes asked for, each generated
    implementation is measured against its own driver, and the report section shows them."""
    impls = {raw[0], raw[1], "generated async", "generated sync"}
    assert set(result["stats"]) == set(result["ops"])
    for op, counts in result["stats"].items():
        assert set(counts) == impls, op
        assert set(counts.values()) == {result["ops"][op]}, (op, counts)
        assert all(m > 0 for m in result["medians"][op].values()), op
    bases = {impl: op for impl, op, *_ in result["checks"]}
    assert set(bases) == {"generated async", "generated sync"}
    async_get = next(
        v for i, o, v, _ in result["checks"] if i == "generated async" and o == "get_pk"
    )
    medians = result["medians"]["get_pk"]
    assert abs(async_get - medians["generated async"] / medians[raw[0]]) < 1e-9
    assert result["rows"]["tasks"] == 2_000 and result["rows"]["audit_log"] == 600
    section = "\n".join(result["section"])
    assert f"{raw[0]} median / p95" in section and f"{raw[1]} median / p95" in section
    assert "| get by primary key | 6 |" in section
    # every miss of a kind of work that is profiled got its profile (all missed: see _SCRIPT)
    assert not any(met for *_, met in result["checks"])
    expected = sorted(f"{dialect}_{op}.txt" for op in result["profiled_ops"])
    assert expected and result["profiles"] == expected
