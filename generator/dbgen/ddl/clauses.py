"""Small clauses shared by the statement parsers: column lists, NULLS [NOT] DISTINCT, collation
names, and the identifiers of an expression."""

from __future__ import annotations

from dbgen.ddl.cursor import Cursor
from dbgen.ddl.split import Kind


def column_list(cur: Cursor) -> tuple[str, ...]:
    """'(' a, b, ... ')' of plain column names."""
    cols: list[str] = []
    cur.expect_punct("(")
    while True:
        cols.append(cur.ident())
        if cur.accept_punct(")"):
            return tuple(cols)
        cur.expect_punct(",")


def nulls_distinct(cur: Cursor) -> bool:
    """True for NULLS NOT DISTINCT; NULLS DISTINCT (the default) is consumed too."""
    if cur.accept_words("nulls", "not", "distinct"):
        return True
    cur.accept_words("nulls", "distinct")
    return False


def collation_parts(cur: Cursor) -> list[int]:
    """Token indexes of a (possibly qualified) collation name at the cursor, not consumed."""
    out = [cur.i]
    j = cur.i + 1
    while j + 1 < len(cur.toks) and cur.toks[j].kind is Kind.PUNCT and cur.toks[j].value == ".":
        out.extend([j, j + 1])
        j += 2
    return out


def collation(cur: Cursor) -> str:
    """The collation name after COLLATE, as written, consumed."""
    n = len(collation_parts(cur))
    text = cur.slice_text(cur.i, cur.i + n)
    cur.i += n
    return text


def expr_words(cur: Cursor, lo: int, hi: int) -> frozenset[str]:
    """Identifiers in an expression that could be column references (not function names)."""
    words: set[str] = set()
    toks = cur.toks
    for j in range(lo, hi):
        t = toks[j]
        if t.kind not in (Kind.WORD, Kind.QUOTED):
            continue
        nxt = toks[j + 1] if j + 1 < hi else None
        if nxt is not None and nxt.kind is Kind.PUNCT and nxt.value == "(":
            continue
        prev = toks[j - 1] if j > lo else None
        if prev is not None and prev.kind is Kind.OP and prev.value == "::":
            continue
        words.add(t.value)
    return frozenset(words)
