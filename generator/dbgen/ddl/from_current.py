"""``SET name FROM CURRENT`` on a routine: the migration stores what the source stored.

The clause stores the value the parameter has when the statement runs. The migration session
is not the source's: it replays the source's path with ``public`` appended
(``session.effective_path``), and every other parameter has the migration connection's value,
not the one the source SET. So the carried statement stays as written, and the migration sets
each parameter it reads LOCAL to the source's value just before it (the source's own SET or
set_config, replayed: the server stores the value the way it stored the source's, normalised
the same, a set_config path's spelling kept), then puts back the value the migration had.
A parameter the source never set (or reset) gets its default, as the source had it.
"""

from __future__ import annotations

from collections.abc import Mapping

from dbgen.ddl.parse_set import sql_literal
from dbgen.ddl.split import Kind, Statement, Token
from dbgen.ir import quote_ident


def from_current_parameters(stmt: Statement) -> list[str]:
    """The parameters the statement's ``SET name FROM CURRENT`` clauses read, in order, once."""
    toks = stmt.tokens
    out: list[str] = []
    for i, t in enumerate(toks):
        if not t.is_word("set"):
            continue
        j, parts = i + 1, []
        while j < len(toks) and toks[j].kind in (Kind.WORD, Kind.QUOTED):
            parts.append(toks[j].value)
            if not _dot(toks, j + 1):
                j += 1
                break
            j += 2
        if (
            parts
            and j + 1 < len(toks)
            and toks[j].is_word("from")
            and toks[j + 1].is_word("current")
        ):
            name = ".".join(parts).lower()
            if name not in out:
                out.append(name)
    return out


def _dot(toks: tuple[Token, ...], j: int) -> bool:
    return j < len(toks) and toks[j].kind is Kind.PUNCT and toks[j].value == "."


def around(
    parameters: list[str], settings: Mapping[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The statements the migration runs before and after a statement whose FROM CURRENT
    clauses read ``parameters``: save each value in force, set the source's, restore."""
    before: list[str] = []
    after: list[str] = []
    for i, name in enumerate(parameters):
        # a custom variable of the migration's own, LOCAL like everything set here
        saved = sql_literal(f"dbgen.from_current_{i}")
        before.append(
            f"SELECT pg_catalog.set_config({saved}, "
            f"pg_catalog.current_setting({sql_literal(name)}, true), true)"
        )
        before.append(settings.get(name, f"SET LOCAL {quote_ident(name)} TO DEFAULT"))
        # NULL (a custom parameter the migration had not set) resets it
        after.append(
            f"SELECT pg_catalog.set_config({sql_literal(name)}, "
            f"pg_catalog.current_setting({saved}, true), true)"
        )
    return tuple(before), tuple(after)
