"""Limits checked early (issue 9, part 4): hostile sizes fail fast with a located error, or
finish, within a few seconds and a few hundred MB (measured generously: tracemalloc's peak of
Python allocations, not a wall clock; docs/safety.md lists the limits)."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from safety_kit import Run, snapshot, write_spec

from dbgen.core import MAX_INPUT_BYTES, Result
from dbgen.ddl import MAX_COLUMNS
from dbgen.ddl.split import MAX_TOKENS, lex
from support import require_shared
from support.generated import build, errors

CRUD = "version: 1\npackage: p\nentities:\n  t:\n    operations: [get, list, create]\n"
MB = 1024 * 1024


def _measured(sql: str) -> tuple[Result, float, int]:
    tracemalloc.start()
    started = time.process_time()
    try:
        result = build(sql, CRUD)
        return result, time.process_time() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _columns(n: int) -> str:
    cols = ", ".join(f"c{i} integer" for i in range(n - 1))
    return f"CREATE TABLE t (id integer PRIMARY KEY, {cols});\n"


def test_more_columns_than_postgresql_allows_is_an_error() -> None:
    result = build(_columns(MAX_COLUMNS + 1), CRUD)
    assert errors(result) == [
        f"schema.sql:1:14: error[too-many-columns]: table 't' has {MAX_COLUMNS + 1} columns; "
        f"PostgreSQL allows at most {MAX_COLUMNS}"
    ]
    assert build(_columns(MAX_COLUMNS), CRUD).ok


def test_reading_is_linear_in_the_column_count() -> None:
    """20,000 columns took 19 s (a scan of the columns per column); 10x more columns must not
    cost 100x the time. CPU time of the same process, with a wide margin."""
    _, small, _ = _measured(_columns(2_000))
    _, large, _ = _measured(_columns(20_000))
    assert large < 30 * max(small, 0.05), (small, large)


def test_a_10_mb_line_of_parentheses_fails_fast() -> None:
    sql = "CREATE TABLE t (id integer PRIMARY KEY);\nSELECT " + "(" * (10 * MB) + ";\n"
    result, cpu, peak = _measured(sql)
    assert [e.split(": ")[1] for e in errors(result)] == ["error[nesting-too-deep]"]
    assert errors(result)[0].startswith("schema.sql:2:1008: ")
    assert cpu < 20 and peak < 400 * MB, (cpu, peak)


def test_a_large_default_string_builds_in_bounded_memory() -> None:
    """Just under the input limit (a 10 MB one took 1.9 GB: the layout's string pattern
    backtracked once per character)."""
    sql = f"CREATE TABLE t (id integer PRIMARY KEY, x text DEFAULT '{'a' * (MAX_INPUT_BYTES - 200)}');\n"
    result, cpu, peak = _measured(sql)
    assert result.ok, errors(result)
    assert cpu < 60 and peak < 300 * MB, (cpu, peak)


def test_a_file_of_tiny_tokens_fails_fast() -> None:
    """Four million "()" tokens cost 50 s; the lexer stops at MAX_TOKENS."""
    sql = "CREATE TABLE t (id integer PRIMARY KEY);\nSELECT " + "()" * (2 * MB) + ";\n"
    result, cpu, peak = _measured(sql)
    assert [e.split(": ")[1] for e in errors(result)] == ["error[too-many-tokens]"]
    assert f"more than {MAX_TOKENS} tokens" in errors(result)[0]
    assert cpu < 60 and peak < 300 * MB, (cpu, peak)


def test_the_largest_real_schema_is_well_under_the_limits() -> None:
    """The limits leave room: musicbrainz (640 kB) has 68,205 tokens."""
    schema = require_shared("corpus/musicbrainz/schema.sql")
    text = schema.read_text(encoding="utf-8")
    assert len(text.encode()) * 4 < MAX_INPUT_BYTES
    assert len(lex(text)) * 4 < MAX_TOKENS


def test_identifiers_over_63_bytes_are_truncated_with_a_warning() -> None:
    long = "c" * 70
    result = build(f"CREATE TABLE t (id integer PRIMARY KEY, {long} text);\n", CRUD)
    assert result.ok
    (warn,) = [str(d) for d in result.diagnostics if "identifier-truncated" in d.code]
    assert warn.startswith("schema.sql:1:41: warning[identifier-truncated]: ")
    assert result.catalog is not None
    assert [c.name for c in result.catalog.tables[0].columns] == ["id", "c" * 63]


def test_an_input_file_over_the_limit_is_refused_unread(
    project: Path, dbgen: Callable[..., Run]
) -> None:
    big = "CREATE TABLE t (id integer PRIMARY KEY, x text DEFAULT '" + "a" * (10 * MB) + "');\n"
    write_spec(project / "specs", schema=big)
    before = snapshot(project)
    run = dbgen("build", "specs", "--out", "gen")
    assert run.code == 2
    assert run.stderr.startswith("specs/schema.sql:1:1: error[input-too-large]: "), run.stderr
    assert f"at most {MAX_INPUT_BYTES} bytes" in run.stderr
    assert snapshot(project) == before


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite", "mysql"])
@pytest.mark.parametrize("body", ["plain", "escapes"])
def test_a_large_literal_is_read_in_bounded_memory(dialect: str, body: str) -> None:
    """The dialect scan and each reader's lexer step over a literal without a frame per
    character (the scan once held 560 MB for a 4 MB literal) or per doubled quote."""
    from dbgen.dialects import get_dialect, read_schema

    literal = (
        "a" * (MAX_INPUT_BYTES - 200) if body == "plain" else "''" * (MAX_INPUT_BYTES // 2 - 100)
    )
    options = " ENGINE=InnoDB" if dialect == "mysql" else ""
    sql = f"CREATE TABLE t (id integer PRIMARY KEY, x text DEFAULT '{literal}'){options};\n"
    tracemalloc.start()
    try:
        catalog, diagnostics = read_schema(get_dialect(dialect), [("schema.sql", sql)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert catalog is not None and not [d for d in diagnostics if d.severity.value == "error"]
    assert peak < 120 * MB, peak
