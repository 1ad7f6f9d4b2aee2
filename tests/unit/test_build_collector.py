"""The cyclic collector around a build: generate() pauses it and runs it once afterwards only
for a caller that runs it; the CLI keeps it off for its short process and gives it back as it
found it to an in-process caller."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dbgen import cli
from dbgen.core import Inputs, generate

SQL = "CREATE TABLE note (id int PRIMARY KEY, body text NOT NULL);\n"
CRUD = "version: 1\npackage: note_db\nentities:\n  note: {}\n"


@pytest.fixture
def collections() -> Iterator[list[tuple[int, bool]]]:
    """Every collection that runs while the test does: its generation, and whether the
    collector was on (off: an explicit gc.collect())."""
    seen: list[tuple[int, bool]] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append((info["generation"], gc.isenabled()))

    gc.callbacks.append(record)
    collecting = gc.isenabled()
    try:
        yield seen
    finally:
        gc.callbacks.remove(record)
        if collecting:
            gc.enable()


def test_a_caller_that_runs_the_collector_gets_one_full_collection(
    collections: list[tuple[int, bool]],
) -> None:
    gc.enable()
    assert generate(Inputs((("schema.sql", SQL),), ("crud.yaml", CRUD))).ok
    assert gc.isenabled()
    assert (2, True) in collections  # the garbage the build left is collected once, fully


def test_a_caller_that_keeps_it_off_pays_for_no_collection(
    collections: list[tuple[int, bool]],
) -> None:
    gc.disable()
    assert generate(Inputs((("schema.sql", SQL),), ("crud.yaml", CRUD))).ok
    assert not gc.isenabled()
    assert collections == []


@pytest.mark.parametrize("on", [True, False])
def test_the_cli_runs_without_it_and_gives_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collections: list[tuple[int, bool]], on: bool
) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "schema.sql").write_text(SQL)
    (spec / "crud.yaml").write_text(CRUD)
    monkeypatch.setattr("sys.argv", ["dbgen", "build", str(spec), "--out", str(tmp_path / "o")])
    during: list[tuple[int, bool]] = []
    command = cli._main

    def run_command() -> None:
        try:
            command()
        finally:  # before main() gives the collector back
            during.extend(collections)

    monkeypatch.setattr(cli, "_main", run_command)
    (gc.enable if on else gc.disable)()
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 0
    assert (tmp_path / "o" / "note_db" / "models" / "note.py").is_file()
    assert during == []  # neither the build nor the writing of its files collected
    assert gc.isenabled() is on
