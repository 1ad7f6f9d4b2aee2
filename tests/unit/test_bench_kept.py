"""bench/report.py carries over the sections of results.md that other tools write."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from support import REPO_ROOT

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
report = importlib.import_module("bench.report")
KEPT_MARK, kept_sections = report.KEPT_MARK, report.kept_sections


def test_kept_sections_survive_a_bench_run(tmp_path: Path) -> None:
    md = tmp_path / "results.md"
    assert kept_sections(md) == []
    md.write_text(
        "# dbgen benchmarks\n\n## Runtime\n\nold numbers\n\n"
        f"## Load and faults\n{KEPT_MARK}\n\n| a | b |\n\n### detail\n\ntext\n\n"
        "## Generation\n\nold\n"
    )
    assert kept_sections(md) == [
        "",
        "## Load and faults",
        KEPT_MARK,
        "",
        "| a | b |",
        "",
        "### detail",
        "",
        "text",
    ]


def test_the_scaffolded_figures_replace_their_own_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scaffolded = importlib.import_module("bench.scaffolded")
    md = tmp_path / "results.md"
    md.write_text(f"# dbgen benchmarks\n\n## Runtime\n\nx\n\n## Load\n{KEPT_MARK}\n\nkept\n")
    monkeypatch.setattr(scaffolded, "RESULTS", md)
    scaffolded._keep_in_results(["| first |"])
    scaffolded._keep_in_results(["| second |"])
    text = md.read_text()
    assert text.count(scaffolded.HEADING) == 1 and "| second |" in text and "first" not in text
    assert "## Runtime\n\nx" in text and "kept" in text
    assert f"## {scaffolded.HEADING}" in kept_sections(md)  # and a bench run keeps it


def test_a_run_of_one_dialect_keeps_the_other_runtime_sections(tmp_path: Path) -> None:
    settings_mod = importlib.import_module("bench.settings")
    report_dialects = importlib.import_module("bench.report_dialects")
    dialect_sql = importlib.import_module("bench.dialect_sql")
    md = tmp_path / "results.md"
    sqlite_heading = report_dialects.heading(dialect_sql.SQLITE)
    mysql_heading = report_dialects.heading(dialect_sql.MYSQL)
    md.write_text(
        f"# dbgen benchmarks\n\n## Machine\n\nold machine\n\n## {report.RUNTIME_HEADING}\n\n"
        f"pg rows\n\n### Targets\n\npg targets\n\n## {sqlite_heading}\n\nold sqlite rows\n\n"
        f"## {mysql_heading}\n\nmysql rows\n\n## {report.GENERATION_HEADING}\n\ngen rows\n"
    )
    (tmp_path / "ratios.png").write_bytes(b"the PostgreSQL chart")
    settings = settings_mod.Settings(
        quick=True,
        sizes=settings_mod.QUICK,
        server_url="",
        shared_dir=tmp_path,
        out_dir=tmp_path,
        profile=False,
        runtime=True,
        generation=False,
        dialects=("mysql",),  # `python -m bench --dialect mysql`, whose run failed here
    )
    report.write(settings, "15", None, None, 1.0, ["mysql runtime benchmark failed: x"], {})
    text = md.read_text()
    # kept: what this run did not measure; dropped: the measured (here: failed) dialect's rows
    assert "pg rows" in text and "pg targets" in text and "old sqlite rows" in text
    assert "gen rows" in text and "mysql rows" not in text and "old machine" not in text
    assert text.index(report.RUNTIME_HEADING) < text.index(sqlite_heading)
    assert text.index(sqlite_heading) < text.index(report.GENERATION_HEADING)
    assert (tmp_path / "ratios.png").read_bytes() == b"the PostgreSQL chart"
