"""Statements carried verbatim: what kind they are and the statement that undoes them.

``drop`` is None when dropping the object the statement hangs off (a table, say) already undoes
it: triggers, rules, policies, grants, comments, RLS switches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dbgen.ddl.cursor import Cursor, ParseError
from dbgen.ddl.split import Kind
from dbgen.ir import QName

# Turns name parts into the schema-qualified name the object is created under.
Qualify = Callable[[list[str]], QName]


@dataclass(frozen=True, slots=True)
class RawInfo:
    kind: str
    name: str | None
    drop: str | None
    relation: QName | None = None  # a relation-namespace name it creates (views)


_MULTIWORD_TYPE_START = frozenset(
    ("double", "character", "char", "bit", "timestamp", "time", "interval", "national", "varchar")
)


def _split_top(cur: Cursor) -> list[tuple[int, int]]:
    return cur.split_list()


def _arg_type_text(cur: Cursor, lo: int, hi: int) -> str | None:
    """The type of one function argument (None for OUT arguments, which DROP ignores)."""
    toks = cur.toks
    # cut DEFAULT / '=' default expressions
    for j in range(lo, hi):
        t = toks[j]
        if t.is_word("default") or (t.kind is Kind.OP and t.value == "="):
            hi = j
            break
    mode = None
    # "in" can also be an argument name; a mode is followed by more tokens
    if lo < hi and toks[lo].is_word("in", "out", "inout", "variadic") and hi - lo > 1:
        mode = toks[lo].value
        lo += 1
    if mode == "out":
        return None
    if hi - lo <= 1:
        return cur.slice_text(lo, hi)
    first = toks[lo]
    if first.kind is Kind.WORD and first.value in _MULTIWORD_TYPE_START and _is_type(cur, lo, hi):
        return cur.slice_text(lo, hi)
    if _is_type(cur, lo + 1, hi):
        return cur.slice_text(lo + 1, hi)
    return cur.slice_text(lo, hi)


def _is_type(cur: Cursor, lo: int, hi: int) -> bool:
    from dbgen.ddl.types import parse_type

    sub = cur.sub(lo, hi)
    try:
        parse_type(sub, lambda parts: None)
    except ParseError:
        return False
    if sub.at_punct("%") or (sub.peek() is not None and sub.peek().value == "%"):  # type: ignore[union-attr]
        sub.i = len(sub.toks)  # "%TYPE" references
    return sub.at_end()


def signature(cur: Cursor) -> str:
    """'(argtypes)' of a routine signature at the cursor, consuming it."""
    items = _split_top(cur)
    types = [_arg_type_text(cur, lo, hi) for lo, hi in items]
    return "(" + ", ".join(t for t in types if t is not None) + ")"


def _words(cur: Cursor) -> list[str]:
    return [t.value for t in cur.toks if t.kind is Kind.WORD]


def classify_create(cur: Cursor, qualify: Qualify) -> RawInfo | None:
    """Kind and drop of a CREATE statement the catalog does not model (cursor after CREATE)."""
    cur.accept_words("or", "replace")
    while cur.accept_word(
        "temp", "temporary", "recursive", "trusted", "procedural", "constraint", "default"
    ):
        pass
    if cur.accept_word("view"):
        q = qualify(cur.name_parts())
        return RawInfo("view", str(q), f"DROP VIEW {q.sql}", q)
    if cur.accept_words("materialized", "view"):
        cur.accept_words("if", "not", "exists")
        q = qualify(cur.name_parts())
        return RawInfo("materialized view", str(q), f"DROP MATERIALIZED VIEW {q.sql}", q)
    for word, kind in (
        ("function", "FUNCTION"),
        ("procedure", "PROCEDURE"),
        ("aggregate", "AGGREGATE"),
    ):
        if cur.accept_word(word):
            q = qualify(cur.name_parts())
            sig = signature(cur)
            return RawInfo(word, f"{q}{sig}", f"DROP {kind} {q.sql}{sig}")
    if cur.accept_word("trigger"):
        name = cur.ident()
        # Dropped explicitly: the downgrade may drop the trigger's function before its table.
        table = _on_relation(cur, qualify)
        return RawInfo(
            "trigger", name, f"DROP TRIGGER {_q(name)} ON {table.sql}" if table else None
        )
    if cur.accept_words("event", "trigger"):
        name = cur.ident()
        return RawInfo("event trigger", name, f"DROP EVENT TRIGGER {_q(name)}")
    if cur.accept_word("rule"):
        name = cur.ident()
        table = _on_relation(cur, qualify, "to")
        return RawInfo("rule", name, f"DROP RULE {_q(name)} ON {table.sql}" if table else None)
    if cur.accept_word("policy"):
        name = cur.ident()
        table = _on_relation(cur, qualify)
        return RawInfo("policy", name, f"DROP POLICY {_q(name)} ON {table.sql}" if table else None)
    if cur.accept_word("cast"):
        inside = cur.paren_text()
        return RawInfo("cast", inside, f"DROP CAST ({inside})")
    if cur.accept_word("operator"):
        for what in ("class", "family"):
            if cur.accept_word(what):
                q = qualify(cur.name_parts())
                if cur.accept_word("default"):
                    pass
                method = ""
                for j, t in enumerate(cur.toks):
                    if t.is_word("using") and j + 1 < len(cur.toks):
                        method = cur.toks[j + 1].value
                        break
                return RawInfo(
                    f"operator {what}",
                    str(q),
                    f"DROP OPERATOR {what.upper()} {q.sql} USING {method}",
                )
        start = cur.i
        while not cur.at_punct("(") and not cur.at_end():
            cur.next()
        op = cur.slice_text(start, cur.i)
        left = right = "NONE"
        for lo, hi in cur.split_list():
            sub = cur.sub(lo, hi)
            key = sub.ident()
            if sub.accept_punct("=") or (sub.peek() is not None and sub.next().value == "="):
                pass
            if key == "leftarg":
                left = sub.rest_text()
            elif key == "rightarg":
                right = sub.rest_text()
        return RawInfo("operator", op, f"DROP OPERATOR {op} ({left}, {right})")
    if cur.accept_words("text", "search"):
        what = cur.expect_word("configuration", "dictionary", "parser", "template").value
        q = qualify(cur.name_parts())
        return RawInfo(f"text search {what}", str(q), f"DROP TEXT SEARCH {what.upper()} {q.sql}")
    if cur.accept_words("foreign", "table"):
        cur.accept_words("if", "not", "exists")
        q = qualify(cur.name_parts())
        return RawInfo("foreign table", str(q), f"DROP FOREIGN TABLE {q.sql}", q)
    if cur.accept_words("foreign", "data", "wrapper"):
        name = cur.ident()
        return RawInfo("foreign data wrapper", name, f"DROP FOREIGN DATA WRAPPER {_q(name)}")
    if cur.accept_word("server"):
        cur.accept_words("if", "not", "exists")
        name = cur.ident()
        return RawInfo("server", name, f"DROP SERVER {_q(name)}")
    if cur.accept_words("user", "mapping"):
        cur.accept_words("if", "not", "exists")
        cur.expect_word("for")
        user = cur.next()
        cur.expect_word("server")
        server = cur.ident()
        who = cur.text(user.start, user.end)
        return RawInfo(
            "user mapping", f"{who} {server}", f"DROP USER MAPPING FOR {who} SERVER {_q(server)}"
        )
    for word in ("collation", "conversion", "statistics", "publication", "subscription"):
        if cur.accept_word(word):
            cur.accept_words("if", "not", "exists")
            q = qualify(cur.name_parts())
            name = q.sql if word in ("collation", "conversion", "statistics") else _q(q.name)
            return RawInfo(word, str(q), f"DROP {word.upper()} {name}")
    if cur.accept_word("language"):
        name = cur.ident()
        return RawInfo("language", name, f"DROP LANGUAGE {_q(name)}")
    if cur.accept_word("type"):
        q = qualify(cur.name_parts())
        # a shell type ("CREATE TYPE x") is replaced by its full definition later; that one drops
        drop = None if cur.at_end() else f"DROP TYPE {q.sql}"
        return RawInfo("type", str(q), drop)
    if cur.accept_words("access", "method"):
        name = cur.ident()
        return RawInfo("access method", name, f"DROP ACCESS METHOD {_q(name)}")
    if cur.accept_word("transform"):
        return RawInfo("transform", None, None)
    return None


def _on_relation(cur: Cursor, qualify: Qualify, word: str = "on") -> QName | None:
    """The relation after the first top-level ``word`` (ON for triggers and policies, TO for
    rules), or None when the statement has none (the object then goes with its table)."""
    depth = 0
    while not cur.at_end():
        t = cur.next()
        if t.kind is Kind.PUNCT and t.value == "(":
            depth += 1
        elif t.kind is Kind.PUNCT and t.value == ")":
            depth -= 1
        elif depth == 0 and t.is_word(word):
            cur.accept_word("only")
            try:
                return qualify(cur.name_parts())
            except ParseError:
                return None
    return None


def _q(name: str) -> str:
    from dbgen.ir import quote_ident

    return quote_ident(name)
