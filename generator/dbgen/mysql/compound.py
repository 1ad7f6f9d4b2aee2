"""The statements of one client chunk: what the server runs when a chunk holds several.

Under ``DELIMITER //`` the client sends everything up to ``//`` as one query, and the server
(multi-statement queries are on for the client) runs each statement in it: ZoneMinder's
``DROP TRIGGER IF EXISTS t;`` followed by ``CREATE TRIGGER t ... END;`` in one chunk is two
statements. The server's grammar knows where each ends; here a ``;`` ends one unless it is
inside a compound statement: BEGIN ... END, IF/CASE/LOOP/REPEAT/WHILE ... END [word], or a CASE
expression's CASE ... END. A chunk whose blocks do not balance is left whole (as before: the
reader then reports what it cannot read).
"""

from __future__ import annotations

from dbgen.mysql.tokens import Kind, ParseError, Token, tokenize

# Words after which IF is the DDL's IF [NOT] EXISTS, not a statement.
_OBJECT_WORDS = frozenset(
    {
        "TABLE", "TABLES", "VIEW", "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "SEQUENCE",
        "INDEX", "DATABASE", "SCHEMA", "USER", "ROLE", "SERVER", "COLUMN", "CONSTRAINT", "KEY",
        "PARTITION", "PACKAGE", "BODY", "CHECK",
    }
)  # fmt: skip
# The words END may close a block with (END IF, END LOOP ...): part of that END.
_END_WORDS = frozenset({"IF", "CASE", "LOOP", "REPEAT", "WHILE"})


def _is_call(toks: list[Token], i: int) -> bool:
    """Whether the word at ``i`` is a function call: ``(`` next and a comma at the top level of
    that group (IF(a, b, c), REPEAT(s, n); a condition in parentheses has none)."""
    if i + 1 >= len(toks) or toks[i + 1].text != "(":
        return False
    depth = 0
    for t in toks[i + 1 :]:
        if t.kind is not Kind.PUNCT:
            continue
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
            if depth == 0:
                return False
        elif t.text == "," and depth == 1:
            return True
    return False


def statements(text: str) -> list[tuple[int, int]]:
    """(start, end) of each statement of ``text``, from its first token to its last (the ``;``
    between them left out); one span, the whole text, when the blocks do not balance."""
    whole = [(0, len(text))]
    try:
        toks = tokenize(text)
    except ParseError:
        return whole
    spans: list[tuple[int, int]] = []
    first: Token | None = None  # the current statement's first token
    last: Token | None = None
    depth = 0
    start = True  # the token begins a statement
    i = 0
    while i < len(toks):
        t = toks[i]
        word = t.upper
        prev = toks[i - 1].upper if i else ""
        if t.kind is Kind.PUNCT and t.text == ";":
            if depth == 0:
                if first is not None and last is not None:
                    spans.append((first.start, last.end))
                first = last = None
            else:
                last = t
            start = True
            i += 1
            continue
        first = first or t
        if word == "BEGIN":
            nxt = toks[i + 1].upper if i + 1 < len(toks) else ""
            # A statement's own BEGIN at the top is a transaction, unless BEGIN NOT ATOMIC.
            if depth > 0 or not start or nxt == "NOT":
                depth += 1
        elif word == "END":
            depth -= 1
            if depth < 0:
                return whole
            if i + 1 < len(toks) and toks[i + 1].upper in _END_WORDS:
                i += 1
        elif (
            word == "CASE"
            or word in ("LOOP", "WHILE")
            or (word in ("IF", "REPEAT") and prev not in _OBJECT_WORDS and not _is_call(toks, i))
        ):
            depth += 1
        start = False
        last = toks[i]
        i += 1
    if depth != 0:
        return whole
    if first is not None and last is not None:
        spans.append((first.start, last.end))
    return spans
