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
