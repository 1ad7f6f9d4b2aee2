"""Statements carried verbatim: what kind they are and the statement that undoes them.

``drop`` is None when dropping the object the statement hangs off (a table, say) already undoes
it: triggers, rules, policies, grants, comments, RLS switches.

Parsing knows the object's name only as written; which schema it lands in depends on the search
path when the statement is applied. So the name and the drop are templates with a placeholder for
the target, filled in by ``render`` once the target is qualified.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from enum import Enum

from dbgen.ddl.cursor import Cursor, ParseError
from dbgen.ddl.split import Kind, Statement, lex
from dbgen.ddl.types import parse_type
from dbgen.ir import QName, quote_ident


class Target(Enum):
    SQL = "sql"  # the target schema-qualified and quoted, for SQL
    DISPLAY = "display"  # the target as messages show it (without ``public.``)


Template = tuple[str | Target, ...]


@dataclass(frozen=True, slots=True)
class RawInfo:
    kind: str
    name: Template | None
    drop: Template | None
    target: tuple[str, ...] | None = None  # name parts of the object the templates refer to
    relation: bool = False  # the target is a relation-namespace name it creates (views)
    # CREATE OR REPLACE: when the object exists already, the statement replaces its definition
    # and its undo restores that definition instead of dropping the object (Context.carry_info)
    replaces: bool = False
    on_table: bool = False  # the target is the table it hangs off (triggers, rules, policies)
    shell: bool = False  # CREATE TYPE name: a shell, which a full definition may complete


def render(template: Template | None, target: QName | None) -> str | None:
    """A template with its target filled in."""
    if template is None:
        return None
    out: list[str] = []
    for piece in template:
        if isinstance(piece, str):
            out.append(piece)
        elif target is not None:
            out.append(target.sql if piece is Target.SQL else str(target))
    return "".join(out)


def _named(kind: str, parts: list[str], drop: Template | None, relation: bool = False) -> RawInfo:
    """An object whose name is the qualified target itself."""
    return RawInfo(kind, (Target.DISPLAY,), drop, tuple(parts), relation)


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
    sub = cur.sub(lo, hi)
    try:
        parse_type(sub)
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


def classify_create(cur: Cursor) -> RawInfo | None:
    """Kind and drop of a CREATE statement the catalog does not model (cursor after CREATE)."""
    or_replace = cur.accept_words("or", "replace")
    info = _classify(cur)
    return replace(info, replaces=True) if info is not None and or_replace else info


def _classify(cur: Cursor) -> RawInfo | None:
    while cur.accept_word(
        "temp", "temporary", "recursive", "trusted", "procedural", "constraint", "default"
    ):
        pass
    if cur.accept_word("view"):
        return _named("view", cur.name_parts(), ("DROP VIEW ", Target.SQL), relation=True)
    if cur.accept_words("materialized", "view"):
        cur.accept_words("if", "not", "exists")
        drop = ("DROP MATERIALIZED VIEW ", Target.SQL)
        return _named("materialized view", cur.name_parts(), drop, relation=True)
    for word, kind in (
        ("function", "FUNCTION"),
        ("procedure", "PROCEDURE"),
        ("aggregate", "AGGREGATE"),
    ):
        if cur.accept_word(word):
            parts = cur.name_parts()
            sig = signature(cur)
            display = (Target.DISPLAY, sig)
            return RawInfo(word, display, (f"DROP {kind} ", Target.SQL, sig), tuple(parts))
    if cur.accept_word("trigger"):
        name = cur.ident()
        # Dropped explicitly: the downgrade may drop the trigger's function before its table.
        return _on_table("trigger", name, "TRIGGER", _on_relation(cur))
    if cur.accept_words("event", "trigger"):
        name = cur.ident()
        return RawInfo("event trigger", (name,), (f"DROP EVENT TRIGGER {_q(name)}",))
    if cur.accept_word("rule"):
        name = cur.ident()
        return _on_table("rule", name, "RULE", _on_relation(cur, "to"))
    if cur.accept_word("policy"):
        name = cur.ident()
        return _on_table("policy", name, "POLICY", _on_relation(cur))
    if cur.accept_word("cast"):
        inside = cur.paren_text()
        return RawInfo("cast", (inside,), (f"DROP CAST ({inside})",))
    if cur.accept_word("operator"):
        return _operator(cur)
    if cur.accept_words("text", "search"):
        what = cur.expect_word("configuration", "dictionary", "parser", "template").value
        drop = (f"DROP TEXT SEARCH {what.upper()} ", Target.SQL)
        return _named(f"text search {what}", cur.name_parts(), drop)
    if cur.accept_words("foreign", "table"):
        cur.accept_words("if", "not", "exists")
        drop = ("DROP FOREIGN TABLE ", Target.SQL)
        return _named("foreign table", cur.name_parts(), drop, relation=True)
    if cur.accept_words("foreign", "data", "wrapper"):
        name = cur.ident()
        return RawInfo("foreign data wrapper", (name,), (f"DROP FOREIGN DATA WRAPPER {_q(name)}",))
    if cur.accept_word("server"):
        cur.accept_words("if", "not", "exists")
        name = cur.ident()
        return RawInfo("server", (name,), (f"DROP SERVER {_q(name)}",))
    if cur.accept_words("user", "mapping"):
        cur.accept_words("if", "not", "exists")
        cur.expect_word("for")
        user = cur.next()
        cur.expect_word("server")
        server = cur.ident()
        who = cur.text(user.start, user.end)
        return RawInfo(
            "user mapping",
            (f"{who} {server}",),
            (f"DROP USER MAPPING FOR {who} SERVER {_q(server)}",),
        )
    for word in ("collation", "conversion", "statistics"):
        if cur.accept_word(word):
            cur.accept_words("if", "not", "exists")
            return _named(word, cur.name_parts(), (f"DROP {word.upper()} ", Target.SQL))
    for word in ("publication", "subscription"):
        if cur.accept_word(word):
            cur.accept_words("if", "not", "exists")
            parts = cur.name_parts()
            return _named(word, parts, (f"DROP {word.upper()} {_q(parts[-1])}",))
    if cur.accept_word("language"):
        name = cur.ident()
        return RawInfo("language", (name,), (f"DROP LANGUAGE {_q(name)}",))
    if cur.accept_word("type"):
        parts = cur.name_parts()
        # a shell type ("CREATE TYPE x") completed by a full definition later: that one drops it
        # (Context.carry_info), after what it needs (its I/O functions) is gone
        info = _named("type", parts, ("DROP TYPE ", Target.SQL))
        return replace(info, shell=True) if cur.at_end() else info
    if cur.accept_words("access", "method"):
        name = cur.ident()
        return RawInfo("access method", (name,), (f"DROP ACCESS METHOD {_q(name)}",))
    if cur.accept_word("transform"):
        return RawInfo("transform", None, None)
    return None


def _on_table(kind: str, name: str, what: str, table: tuple[str, ...] | None) -> RawInfo:
    """A trigger, rule or policy: dropped ON its table (with the table when it names none)."""
    drop = None if table is None else (f"DROP {what} {_q(name)} ON ", Target.SQL)
    return RawInfo(kind, (name,), drop, table, on_table=True)


def _operator(cur: Cursor) -> RawInfo:
    """CREATE OPERATOR [CLASS | FAMILY], the cursor after OPERATOR."""
    for what in ("class", "family"):
        if cur.accept_word(what):
            parts = cur.name_parts()
            if cur.accept_word("default"):
                pass
            method = ""
            for j, t in enumerate(cur.toks):
                if t.is_word("using") and j + 1 < len(cur.toks):
                    method = cur.toks[j + 1].value
                    break
            drop = (f"DROP OPERATOR {what.upper()} ", Target.SQL, f" USING {method}")
            return _named(f"operator {what}", parts, drop)
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
    return RawInfo("operator", (op,), (f"DROP OPERATOR {op} ({left}, {right})",))


def _on_relation(cur: Cursor, word: str = "on") -> tuple[str, ...] | None:
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
                return tuple(cur.name_parts())
            except ParseError:
                return None
    return None


def _q(name: str) -> str:
    return quote_ident(name)


def or_replace(sql: str) -> str:
    """The CREATE statement ``sql`` as CREATE OR REPLACE (unchanged when it already is)."""
    toks = lex(sql)
    if len(toks) > 2 and toks[1].is_word("or") and toks[2].is_word("replace"):
        return sql
    first = toks[0]
    return f"{sql[: first.end]} OR REPLACE{sql[first.end :]}"


# Replacing a view or routine by an older definition can be refused where replacing it the other
# way was not (a view cannot lose columns, a parameter cannot lose its name): 42P13/42P16.
_RESTORE_MAY_FAIL = frozenset(("view", "function", "procedure", "aggregate"))


def restore(kind: str, sql: str, before: tuple[str, ...] = (), after: tuple[str, ...] = ()) -> str:
    """What undoes a CREATE OR REPLACE of ``kind``: the definition it replaced (``sql``), with
    the settings its FROM CURRENT clauses read around it (``RawStatement.before``/``after``)."""
    again = or_replace(sql)
    if kind not in _RESTORE_MAY_FAIL and not before:
        return again
    tag = "dbgen"
    while any(f"${tag}" in s for s in (again, *before, *after)):
        tag += "_"
    run = "".join(f"  EXECUTE ${tag}_q${s}${tag}_q$;\n" for s in (*before, again, *after))
    handler = (
        "EXCEPTION WHEN invalid_function_definition OR invalid_table_definition THEN NULL;\n"
        if kind in _RESTORE_MAY_FAIL
        else ""
    )
    return f"DO ${tag}$\nBEGIN\n{run}{handler}END\n${tag}$"


def same_object(a: str, b: str) -> bool:
    """Two carried names that name one object: routines compare their argument types
    canonically (``f(int)`` and ``f(integer)`` are one function)."""
    return _canonical(a) == _canonical(b)


# A pure function of the text, asked again for every earlier statement of each CREATE OR REPLACE
# (ddl/context.py's _carried): musicbrainz's 148 replacements canonicalized 18,492 names, a lex
# and a type parse each.
@functools.lru_cache(maxsize=4096)
def _canonical(name: str) -> str:
    head, paren, args = name.partition("(")
    if not paren:
        return name
    out = []
    for piece in args.removesuffix(")").split(","):
        piece = piece.strip()
        if not piece:
            continue
        cur = Cursor(Statement("", piece, tuple(lex(piece))))
        try:
            t = parse_type(cur)
        except ParseError:
            out.append(piece)
            continue
        out.append((t.builtin[0] if t.builtin else ".".join(t.parts)) + "[]" * t.array_dims)
    return head + "(" + ", ".join(out) + ")"
