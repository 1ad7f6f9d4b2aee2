"""The DDL reader: PostgreSQL DDL files -> ir.Catalog plus diagnostics.

Pipeline: split (psql-compatible lexing into statements with offsets) -> per-statement
dispatch on leading keywords with small hand-written parsers over the tokens (types, column
definitions, constraints, indexes) -> catalog builder that replays the script in order, naming
unnamed objects the way PostgreSQL does. Fragments the server re-parses (defaults, checks, index
expressions, predicates, raw statements) are sliced from the original text.

IR notes (ir.py is not ours to change; what it lacks and how this package copes):
- Exclusion constraints have no IR type: they are carried as RawStatement kind
  "exclusion constraint" (an ALTER TABLE ... ADD CONSTRAINT with the chosen name).
- Indexes created ``ON ONLY`` a partitioned parent have no IR flag: carried verbatim (kind "index").
- ALTER TABLE ... ATTACH PARTITION sets Table.partition_of on the child when the parent was
  created first; otherwise it is carried verbatim (kind "alter table").
"""

from __future__ import annotations

from collections.abc import Sequence

from dbgen.ddl.builder import CatalogBuilder
from dbgen.ddl.split import split
from dbgen.diagnostics import Diagnostic
from dbgen.ir import Catalog

__all__ = ["read_schema"]


def read_schema(sources: Sequence[tuple[str, str]]) -> tuple[Catalog, tuple[Diagnostic, ...]]:
    """Read DDL sources, given as (display_path, text) pairs in read order."""
    builder = CatalogBuilder(tuple(path for path, _ in sources))
    diags: list[Diagnostic] = []
    position = 0
    for path, text in sources:
        statements, split_diags = split(path, text)
        diags.extend(split_diags)
        for stmt in statements:
            builder.feed(stmt, position)
            position += 1
    catalog, build_diags = builder.finish()
    diags.extend(build_diags)
    return catalog, tuple(diags)
