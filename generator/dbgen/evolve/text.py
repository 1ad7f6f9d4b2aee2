"""SQL text as the planner compares and rewrites it: names inside expressions kept as written."""

from __future__ import annotations

import re

from dbgen.ir import quote_ident

_WS = re.compile(r"\s+")


def norm(sql: str | None) -> str | None:
    """SQL text compared modulo whitespace runs."""
    return None if sql is None else _WS.sub(" ", sql.strip())


def _pattern(name: str) -> str:
    quoted = quote_ident(name)
    if quoted != name:  # only its quoted spelling names it
        return re.escape(quoted)
    # a whole word, unquoted or quoted, any case when unquoted (PostgreSQL folds it)
    return r'(?<![\w"])(?:' + re.escape(name) + r'|"' + re.escape(name) + r'")(?![\w"])'


def mentions(sql: str, name: str) -> bool:
    """True when the text names ``name`` (an identifier as PostgreSQL stores it)."""
    flags = re.IGNORECASE if quote_ident(name) == name else 0
    return re.search(_pattern(name), sql, flags) is not None


def rename_in(sql: str, old: str, new: str) -> str:
    """The text with every mention of identifier ``old`` spelled as ``new``."""
    flags = re.IGNORECASE if quote_ident(old) == old else 0
    return re.sub(_pattern(old), lambda _: quote_ident(new), sql, flags=flags)
