"""Statement tokens -> a typed statement (``statements.Parsed``), by the leading keyword.

One parser per leading keyword, in ``_PARSERS``; CREATE and ALTER have modules of their own.
Parsing needs nothing but the tokens: a statement that does not parse raises ParseError at the
offending token, and the reader reports it.
"""

from __future__ import annotations

from collections.abc import Callable

from dbgen.ddl.cursor import Cursor, ParseError
from dbgen.ddl.parse_alter import parse_alter
from dbgen.ddl.parse_create import parse_create
from dbgen.ddl.parse_set import parse_reset, parse_set, parse_set_config, parse_transaction
from dbgen.ddl.raw import RawInfo, classify_create
from dbgen.ddl.split import Kind, Statement, split
from dbgen.ddl.statements import (
    Comment,
    DataStatement,
    DoBlock,
    Drop,
    Maintenance,
    MetaCommand,
    Name,
    Parsed,
    Query,
    Verbatim,
)


def parse_statement(stmt: Statement) -> Parsed:
    first = stmt.tokens[0]
    if first.kind is Kind.BACKSLASH:
        return MetaCommand(first.start, first.value.split()[0])
    parser = _PARSERS.get(first.value) if first.kind is Kind.WORD else None
    if parser is None:
        raise ParseError(
            first.start,
            f"unrecognised statement starting with {stmt.text[first.start : first.end]!r}",
        )
    return parser(Cursor(stmt))


def _after_keyword(parse: Callable[[Cursor], Parsed]) -> Callable[[Cursor], Parsed]:
    def parse_rest(cur: Cursor) -> Parsed:
        cur.next()
        return parse(cur)

    return parse_rest


def _verbatim(kind: str) -> Callable[[Cursor], Parsed]:
    return lambda cur: Verbatim(RawInfo(kind, None, None))


def _select(cur: Cursor) -> Parsed:
    set_config = parse_set_config(cur)
    return set_config if set_config is not None else Query(cur.offset())


def _drop(cur: Cursor) -> Parsed:
    cur.next()
    off = cur.offset()
    kind = cur.next().value
    if kind == "materialized":
        cur.expect_word("view")
        kind = "materialized view"
    if_exists = cur.accept_words("if", "exists")
    names: list[Name] = []
    while not cur.at_end() and not cur.at_word("cascade", "restrict"):
        n_off = cur.offset()
        names.append(Name(tuple(cur.name_parts()), n_off))
        if cur.at_punct("("):
            cur.skip_group()
        if not cur.accept_punct(","):
            break
    return Drop(kind, off, if_exists, tuple(names), cur.accept_word("cascade") is not None)


_COMMENT_KINDS = ("table", "column", "index", "type", "domain", "sequence", "schema")
_TWO_WORD_KINDS = ("materialized", "foreign", "text", "event", "access", "operator", "large")


def _comment(cur: Cursor) -> Parsed:
    cur.next()
    cur.expect_word("on")
    off = cur.offset()
    kind = cur.next().value
    if kind in _TWO_WORD_KINDS and cur.peek() is not None:
        kind += " " + cur.next().value
    if kind not in _COMMENT_KINDS:
        return Verbatim(RawInfo("comment", None, None))
    parts = tuple(cur.name_parts())
    cur.expect_word("is")
    val = cur.next()
    if val.kind is Kind.WORD and val.value == "null":
        text: str | None = None
    elif val.kind is Kind.STRING:
        text = val.value
    else:
        raise ParseError(val.start, "expected a string literal or NULL after IS")
    if kind == "column" and len(parts) < 2:
        raise ParseError(off, "column name must be qualified")
    return Comment(kind, Name(parts, off), text)


def _do(cur: Cursor) -> Parsed:
    """DO: what its body's CREATE statements may create, so the downgrade can drop it."""
    stmt = cur.stmt
    offset = cur.offset()
    body = next((t.value for t in cur.toks if t.kind is Kind.STRING), None)
    if body is None:
        return DoBlock(offset, ())
    creates: list[RawInfo] = []
    statements, _ = split(stmt.file, body)
    for inner in statements:
        toks = inner.tokens
        for i, t in enumerate(toks):
            if not t.is_word("create"):
                continue
            sub = Cursor(Statement(inner.file, body, toks[i:], ()))
            sub.next()
            try:
                info = classify_create(sub)
            except ParseError:
                info = None
            if info is not None:
                creates.append(info)
    return DoBlock(offset, tuple(creates))


_TRANSACTION = ("begin", "commit", "end", "rollback", "start", "savepoint", "release", "abort")
_DATA = ("insert", "update", "delete", "copy", "truncate", "with", "values", "merge")
_MAINTENANCE = (
    "analyze",
    "vacuum",
    "checkpoint",
    "discard",
    "listen",
    "notify",
    "load",
    "lock",
    "reindex",
    "refresh",
)

_PARSERS: dict[str, Callable[[Cursor], Parsed]] = {
    "create": _after_keyword(parse_create),
    "alter": _after_keyword(parse_alter),
    "comment": _comment,
    "grant": _verbatim("grant"),
    "revoke": _verbatim("revoke"),
    "set": parse_set,
    "reset": parse_reset,
    "select": _select,
    "drop": _drop,
    "cluster": _verbatim("cluster"),
    "security": _verbatim("security label"),
    "do": _do,
    **{word: parse_transaction for word in _TRANSACTION},
    **{word: (lambda cur: DataStatement(cur.offset())) for word in _DATA},
    **{word: (lambda cur: Maintenance(cur.offset(), cur.toks[0].value)) for word in _MAINTENANCE},
}
