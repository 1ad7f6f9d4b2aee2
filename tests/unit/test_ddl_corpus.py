"""The shared real-world corpus reads without errors and with the documented counts."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from dbgen.ddl import read_schema

pytestmark = pytest.mark.corpus

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("DBGEN_SHARED_DIR", str(REPO / ".." / "shared")))
CORPUS = SHARED / "corpus"


def _expected() -> dict[str, tuple[int, int, int]]:
    """name -> (tables incl. partitions, columns, FKs) from the corpus README table."""
    readme = CORPUS / "README.md"
    out: dict[str, tuple[int, int, int]] = {}
    if not readme.is_file():
        return out
    for line in readme.read_text().splitlines():
        m = re.match(r"\|\s*(\w+)\s*\|\s*(\d+) \(\d+\)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", line)
        if m:
            out[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4)))
    return out


EXPECTED = _expected()


def _require_corpus() -> None:
    if not EXPECTED:
        reason = f"shared corpus not found at {CORPUS} (set DBGEN_SHARED_DIR)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.mark.parametrize("name", sorted(EXPECTED) or ["<corpus missing>"])
def test_corpus_schema_reads_cleanly(name: str) -> None:
    _require_corpus()
    path = CORPUS / name / "schema.sql"
    text = path.read_text()
    start = time.perf_counter()
    cat, diags = read_schema([(f"{name}/schema.sql", text)])
    elapsed = time.perf_counter() - start
    print(f"{name}: read in {elapsed:.2f}s")
    assert [str(d) for d in diags if d.is_error] == []
    tables = len(cat.tables)
    columns = sum(len(t.columns) for t in cat.tables)
    fks = sum(len(t.foreign_keys) for t in cat.tables)
    assert (tables, columns, fks) == EXPECTED[name]
