"""The schema-evolution benchmark: rebuilding after a 10-statement edit, against a cold build.

The edit adds a column to five tables and an index on each (10 statements appended to the
schema), the way a day's work lands. The tree it rebuilds is the one the cold build wrote, so
the build reads the history, replays the schema at its head from the schema diffs, reads it
back, plans one revision and writes it plus the five changed models. Each run is a fresh
process on a fresh copy of that tree.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.log import log

EDIT_TABLES = 5  # x (ADD COLUMN + CREATE INDEX) = 10 statements
REBUILD_TARGET = 1.5  # at most this many cold builds


@dataclass(slots=True)
class Rebuild:
    edit: str = ""  # what the edit was
    wall: list[float] = field(default_factory=list)  # seconds per run
    cpu: list[float] = field(default_factory=list)  # the child's user + system seconds
    revision: str = ""  # the file the rebuild added


def ten_statement_edit(schema_sql: str, *, no_link_tables: bool = False) -> tuple[str, str]:
    """The schema with 10 statements appended, and a description of them. ``no_link_tables``:
    leave out tables whose key is made of foreign keys only (a column added to one makes it an
    entity of its own, and the many-to-many relations through it, which a crud.yaml may name,
    go away)."""
    from dbgen.ddl import read_schema

    catalog, _ = read_schema([("schema.sql", schema_sql)])

    def link(t: Any) -> bool:
        fk_columns = {c for fk in t.foreign_keys for c in fk.columns}
        return set(t.primary_key.columns) <= fk_columns

    tables = sorted(
        (
            t
            for t in catalog.tables
            if t.primary_key is not None
            and t.partition_of is None
            and not (no_link_tables and link(t))
        ),
        key=lambda t: (t.qname.schema, t.qname.name),
    )[:EDIT_TABLES]
    statements = [f"ALTER TABLE {t.qname.sql} ADD COLUMN bench_note text;" for t in tables]
    statements += [
        f"CREATE INDEX {t.qname.name[:40]}_bench_note_idx ON {t.qname.sql} (bench_note);"
        for t in tables
    ]
    names = ", ".join(str(t.qname) for t in tables)
    edit = f"ADD COLUMN and CREATE INDEX on each of {names}"
    return schema_sql.rstrip("\n") + "\n\n" + "\n".join(statements) + "\n", edit


def run(spec: Path, built: Path, work: Path, runs: int) -> Rebuild:
    """``built``: a tree the cold build wrote from ``spec``."""
    from bench.generated import dbgen_executable
    from bench.generation import Runs, _timed

    result = Rebuild()
    edited = work / "edited-spec"
    shutil.copytree(spec, edited)
    text, result.edit = ten_statement_edit((spec / "schema.sql").read_text(encoding="utf-8"))
    (edited / "schema.sql").write_text(text, encoding="utf-8")
    exe = dbgen_executable()
    timings = Runs()
    for i in range(runs):
        target = work / f"rebuild-{i}"
        shutil.copytree(built, target)
        _timed([exe, "build", str(edited), "--out", str(target)], timings)
        result.revision = _added_revision(built, target)
        shutil.rmtree(target)
    result.wall, result.cpu = timings.wall, timings.cpu
    log(f"evolution: rebuilds after the edit: {', '.join(f'{w:.2f}' for w in result.wall)} s")
    return result


def _added_revision(before: Path, after: Path) -> str:
    """The one revision the rebuild added (anything else is a failure of the benchmark)."""
    old = {p.name for p in before.glob("*/migrations/versions/*.py")}
    new = sorted(p.name for p in after.glob("*/migrations/versions/*.py") if p.name not in old)
    kept = all(
        (after / p.relative_to(before)).read_bytes() == p.read_bytes()
        for p in before.glob("*/migrations/versions/*")
    )
    if len(new) != 1 or not kept:
        raise RuntimeError(f"the rebuild should add exactly one revision and keep the rest: {new}")
    return new[0]
