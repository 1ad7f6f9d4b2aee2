"""Named parameters in SQL text: where each ``:name`` is (outside strings, comments and
``::`` casts), and the text as ``sa.text()`` must be given it."""

from __future__ import annotations

from dataclasses import dataclass

from dbgen.ddl.split import Kind, Token, lex


@dataclass(frozen=True, slots=True)
class Occurrence:
    name: str  # folded as PostgreSQL folds identifiers (quoted: as written)
    start: int  # offset of the colon
    end: int  # offset after the name


def occurrences(text: str) -> list[Occurrence]:
    """Every ``:name`` of ``text``, in order. A colon followed directly by an identifier is a
    parameter; ``::`` (a cast), array slices ``a[1:2]`` and colons in literals are not."""
    tokens = lex(text)
    out: list[Occurrence] = []
    for i, tok in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        if tok.kind is not Kind.PUNCT or tok.value != ":" or nxt.start != tok.end:
            continue
        if nxt.kind is not Kind.WORD:
            continue
        prev = tokens[i - 1] if i else None
        if (
            prev is not None
            and prev.end == tok.start
            and prev.kind is Kind.PUNCT
            and prev.value in "[:"
        ):
            continue
        if prev is not None and _in_brackets(tokens, i):
            continue  # a slice bound: arr[1:n]
        out.append(Occurrence(nxt.value, tok.start, nxt.end))
    return out


def _in_brackets(tokens: list[Token], i: int) -> bool:
    depth = 0
    for tok in reversed(tokens[:i]):
        if tok.kind is Kind.PUNCT and tok.value == "]":
            depth += 1
        elif tok.kind is Kind.PUNCT and tok.value == "[":
            if depth == 0:
                return True
            depth -= 1
    return False


def text_for_sqlalchemy(text: str) -> str:
    """``text`` as ``sa.text()`` reads it back to exactly ``text`` with each ``:name`` a bind
    parameter: every other colon that SQLAlchemy would take for one is escaped, and a
    parameter cast with ``::`` gets a space before the cast (which sa.text() needs)."""
    from dbgen.plan.pyexpr import text_escape

    out: list[str] = []
    pos = 0
    for occ in occurrences(text):
        out.append(text_escape(text[pos : occ.start]))
        # sa.text() does not read ``:name::type`` as a parameter; PostgreSQL takes a space
        # before the cast.
        out.append(f":{occ.name} " if text.startswith("::", occ.end) else f":{occ.name}")
        pos = occ.end
    out.append(text_escape(text[pos:]))
    return "".join(out)
