"""The PostgreSQL DDL reader: DDL files -> ir.Catalog plus diagnostics.

Pipeline, one module per step:
- split.py: psql-compatible lexing into statements with offsets into the file text;
- parse.py (with parse_create.py, parse_alter.py, elements.py, indexes.py, types.py, raw.py):
  each statement's tokens -> a small frozen statement value (statements.py), by leading keyword;
- reader.py: each statement applied by the handler its kind has in ``APPLIERS`` (apply_*.py),
  against the catalog under construction (catalog.py) and the session state (session.py:
  search_path, client encoding, the path the migration replays under), naming unnamed objects
  the way PostgreSQL does at that point of the script.
Fragments the server re-parses (defaults, checks, index expressions, predicates, raw statements)
are sliced from the original text.

What the IR lacks and how the reader copes:
- Exclusion constraints have no IR type: they are carried as RawStatement kind
  "exclusion constraint" (an ALTER TABLE ... ADD CONSTRAINT with the chosen name).
- Indexes created ``ON ONLY`` a partitioned parent have no IR flag: carried verbatim (kind "index").
- ALTER TABLE ... ATTACH PARTITION sets Table.partition_of on the child when the parent was
  created first; otherwise it is carried verbatim (kind "alter table").
"""

from __future__ import annotations

from collections.abc import Sequence

from dbgen.ddl.encoding import client_encoding, recode
from dbgen.ddl.reader import Reader
from dbgen.ddl.split import split
from dbgen.diagnostics import Diagnostic, error, warning
from dbgen.ir import Catalog

__all__ = ["MAX_COLUMNS", "read_schema"]

# PostgreSQL's MaxHeapAttributeNumber: CREATE TABLE (or ALTER TABLE ADD COLUMN) fails beyond it.
MAX_COLUMNS = 1600


def read_schema(sources: Sequence[tuple[str, str]]) -> tuple[Catalog, tuple[Diagnostic, ...]]:
    """Read DDL sources, given as (display_path, text) pairs in read order."""
    reader = Reader(tuple(path for path, _ in sources))
    diags: list[Diagnostic] = []
    position = 0
    for path, text in sources:
        statements, split_diags = split(path, text)
        diags.extend(split_diags)
        i = 0
        while i < len(statements):
            stmt = statements[i]
            reader.feed(stmt, position)
            position += 1
            i += 1
            encoding = client_encoding(stmt)
            if encoding is None:
                continue
            reader.session.client_encoding = encoding
            recoded, problem = recode(text, stmt.end, encoding)
            if problem:
                diags.append(warning(stmt.span, "client-encoding", problem))
            if recoded != text:
                # Re-split from here: the statements after this one read differently now.
                text = recoded
                statements, split_diags = split(path, text)
                diags.extend(d for d in split_diags if d not in diags)
                i = next(
                    (k for k, s in enumerate(statements) if s.start >= stmt.end), len(statements)
                )
    catalog, read_diags = reader.finish()
    diags.extend(read_diags)
    diags.extend(
        error(
            t.span,
            "too-many-columns",
            f"table '{t.qname}' has {len(t.columns)} columns; PostgreSQL allows at most "
            f"{MAX_COLUMNS}",
        )
        for t in catalog.tables
        if len(t.columns) > MAX_COLUMNS
    )
    return catalog, tuple(diags)
