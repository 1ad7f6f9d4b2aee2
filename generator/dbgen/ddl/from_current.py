"""``SET search_path FROM CURRENT`` on a routine, pinned to the path the source had in force.

The clause stores the session's search_path at the moment the statement runs. The migration
replays the source's path with ``public`` appended (``session.effective_path``), so the clause
carried as written would store a different path than the source did: the routine would then
resolve its unqualified names elsewhere. Spelling the source's path out (``SET search_path TO
a, "b c"``) stores exactly what FROM CURRENT stored, whatever path the migration runs under.
"""

from __future__ import annotations

from collections.abc import Sequence

from dbgen.ddl.split import Statement
from dbgen.ir import quote_ident


def pin_search_path(stmt: Statement, path: Sequence[str]) -> str:
    """The statement's text with each ``SET search_path FROM CURRENT`` spelled out as ``TO``."""
    toks = stmt.tokens
    pieces: list[str] = []
    last = stmt.start
    for i in range(len(toks) - 3):
        if (
            toks[i + 3].is_word("current")
            and toks[i + 2].is_word("from")
            and toks[i + 1].is_word("search_path")
            and toks[i].is_word("set")
        ):
            pieces.append(stmt.text[last : toks[i + 1].end])
            pieces.append(f" TO {_path_value(path)}")
            last = toks[i + 3].end
    if not pieces:
        return stmt.sql
    pieces.append(stmt.text[last : stmt.end])
    return "".join(pieces)


def _path_value(path: Sequence[str]) -> str:
    # The server keeps a SET path as its items quoted like quote_ident; an empty path has no
    # item to write, and '' is the nearest the grammar allows (pg_dump writes the same).
    return ", ".join(quote_ident(p) for p in path) if path else "''"
