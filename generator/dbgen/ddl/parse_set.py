"""SET, RESET and ``SELECT set_config(...)``: which run-time parameter a statement sets, to what.

Two things depend on it. The search path decides where names resolve, read the way the server
reads each spelling: an identifier is one schema (lower-cased unless quoted), and so is a string
constant (``SET search_path = 'App'`` is the one schema "App": the server quotes it), while
set_config's value is a list the server splits and lower-cases where unquoted
(``session.split_identifiers``). And a routine's ``SET name FROM CURRENT`` stores the value in
force, so each setting is kept as SQL that sets the same value LOCAL in the migration: the
source's own SET (its value spelled as written, so the server normalises it the same way) or
its set_config call.
"""

from __future__ import annotations

from dbgen.ddl.cursor import Cursor, ParseError
from dbgen.ddl.session import split_identifiers
from dbgen.ddl.split import Kind, Token
from dbgen.ddl.statements import Parsed, SetParameter, SetSearchPath, TransactionControl

# SET forms whose parameter the grammar spells with other words
_SPECIAL = {("time", "zone"): "timezone", ("xml", "option"): "xmloption"}
_ALIASES = {"names": "client_encoding", "schema": "search_path"}


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _tokens(cur: Cursor) -> list[Token]:
    return [t for t in cur.toks if not (t.kind is Kind.PUNCT and t.value == ";")]


def _parameter(toks: list[Token], i: int) -> tuple[str | None, int]:
    """The parameter named at ``toks[i]`` (lower-cased, dotted names joined) and where its
    value starts."""
    if i >= len(toks):
        return None, i
    for words, name in _SPECIAL.items():
        if all(i + k < len(toks) and toks[i + k].is_word(w) for k, w in enumerate(words)):
            return name, i + len(words)
    t = toks[i]
    if t.kind not in (Kind.WORD, Kind.QUOTED):
        return None, i
    parts, j = [t.value], i + 1
    while (
        j + 1 < len(toks)
        and toks[j].kind is Kind.PUNCT
        and toks[j].value == "."
        and toks[j + 1].kind in (Kind.WORD, Kind.QUOTED)
    ):
        parts.append(toks[j + 1].value)
        j += 2
    name = ".".join(parts).lower()
    return _ALIASES.get(name, name), j


def parse_set(cur: Cursor) -> Parsed:
    start = cur.offset()
    toks = _tokens(cur)
    i = 1
    local = i < len(toks) and toks[i].is_word("local")
    if i < len(toks) and toks[i].is_word("session", "local"):
        i += 1
    name, j = _parameter(toks, i)
    if name is None:
        return SetParameter(start, None, unchanged=True)
    if j + 1 < len(toks) and toks[j].is_word("from") and toks[j + 1].is_word("current"):
        return SetParameter(start, name, unchanged=True)  # keeps the value in force
    if j < len(toks) and (
        toks[j].is_word("to") or (toks[j].kind is Kind.OP and toks[j].value == "=")
    ):
        j += 1
    elif name == "search_path" and not toks[i].is_word("schema"):  # SET SCHEMA 'x' has no TO
        at = toks[j].start if j < len(toks) else cur.stmt.end
        raise ParseError(at, "expected TO or = after SET search_path")
    values = toks[j:]
    default = len(values) == 1 and values[0].is_word("default")
    replay = None if default else "SET LOCAL " + cur.stmt.text[toks[i].start : toks[-1].end]
    if name != "search_path":
        return SetParameter(start, name, replay, local=local)
    if default:
        return SetSearchPath(("public",), local=local)
    path: list[str] = []
    for t in values:
        if t.kind in (Kind.WORD, Kind.QUOTED, Kind.STRING):
            path.append(t.value)
    return SetSearchPath(tuple(p for p in path if p != "$user"), replay, local)


def parse_transaction(cur: Cursor) -> Parsed:
    toks = _tokens(cur)
    word = toks[0].value
    effect = ""
    if word == "begin" or (word == "start" and len(toks) > 1 and toks[1].is_word("transaction")):
        effect = "begin"
    elif word in ("commit", "end"):
        effect = "commit"
    elif word == "abort" or (word == "rollback" and not any(t.is_word("to") for t in toks)):
        effect = "rollback"
    return TransactionControl(cur.offset(), effect)


def parse_reset(cur: Cursor) -> Parsed:
    start = cur.offset()
    toks = _tokens(cur)
    if len(toks) > 1 and toks[1].is_word("all"):
        return SetParameter(start, None, reset_all=True)
    name, _ = _parameter(toks, 1)
    if name == "search_path":
        return SetSearchPath(("public",))
    return SetParameter(start, name)


def parse_set_config(cur: Cursor) -> Parsed | None:
    """``SELECT [pg_catalog.]set_config('name', 'value', is_local)``, or None for another
    SELECT."""
    toks = _tokens(cur)
    k = 1
    if k + 1 < len(toks) and toks[k].is_word("pg_catalog") and toks[k + 1].value == ".":
        k += 2
    if not (k < len(toks) and toks[k].is_word("set_config")):
        return None
    start = cur.offset()
    args = toks[k + 1 :]
    literal = (
        len(args) >= 5
        and args[0].value == "("
        and args[1].kind is Kind.STRING
        and args[2].value == ","
        and args[3].kind is Kind.STRING
        and args[4].value == ","
    )
    if not literal:
        named = args[1].value.lower() if len(args) > 1 and args[1].kind is Kind.STRING else None
        return SetParameter(start, named, unchanged=True)
    name, value = args[1].value.lower(), args[3].value
    local = len(args) > 5 and (
        args[5].is_word("true") or (args[5].kind is Kind.STRING and args[5].value == "true")
    )
    replay = f"SELECT pg_catalog.set_config({sql_literal(name)}, {sql_literal(value)}, true)"
    if name != "search_path":
        return SetParameter(start, name, replay, local=local)
    items = split_identifiers(value)
    return SetSearchPath(tuple(p for p in items if p != "$user"), replay, local)
