"""bench.dialects on SQLite at tiny sizes: the runners work (make bench runs them full size)."""

from __future__ import annotations

from pathlib import Path

from support.bench_smoke import check_smoke, run_smoke


def test_the_sqlite_bench_rows_run(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = run_smoke("sqlite", tmp_path / "out", {"TMPDIR": str(scratch)})
    check_smoke(result, "sqlite", ("aiosqlite", "sqlite3"))
    # the database file lived in a scratch directory that the run removed
    assert list(scratch.iterdir()) == []
