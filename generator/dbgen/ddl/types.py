"""Column types: read a type from tokens and spell it the way PostgreSQL's format_type does.

Catalog types (enums, domains, composites the reader has seen) resolve through a callback so the
search path at that point of the script applies; anything unknown is kept as written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dbgen.ddl.cursor import Cursor, ParseError
from dbgen.ddl.split import Kind
from dbgen.ir import QName, SqlType, TypeKind

# Resolves name parts (["mood"] or ["public", "mood"]) to a catalog type, or None.
Resolver = Callable[[list[str]], tuple[TypeKind, QName] | None]

# Names format_type prints unchanged.
_PLAIN_NAMES = """text bytea uuid json jsonb inet cidr macaddr macaddr8 money xml tsvector tsquery date
    point line lseg box path polygon circle int4range int8range numrange tsrange tstzrange
    daterange int4multirange int8multirange nummultirange tsmultirange tstzmultirange
    datemultirange oid regclass regproc regprocedure regoper regoperator regtype regconfig
    regdictionary regnamespace regrole regcollation pg_lsn txid_snapshot pg_snapshot name xid
    xid8 cid tid aclitem int2vector oidvector pg_node_tree jsonpath refcursor record void
    trigger event_trigger anyelement anyarray anynonarray anyenum anyrange anymultirange
    anycompatible anycompatiblearray cstring internal unknown gtsvector pg_ndistinct
    pg_dependencies pg_mcv_list"""
_PLAIN = frozenset(_PLAIN_NAMES.split())

_ALIASES = {
    "int": "integer",
    "integer": "integer",
    "int4": "integer",
    "smallint": "smallint",
    "int2": "smallint",
    "bigint": "bigint",
    "int8": "bigint",
    "real": "real",
    "float4": "real",
    "float8": "double precision",
    "bool": "boolean",
    "boolean": "boolean",
}

SERIALS = {
    "serial": "integer",
    "serial4": "integer",
    "bigserial": "bigint",
    "serial8": "bigint",
    "smallserial": "smallint",
    "serial2": "smallint",
}

_INTERVAL_FIELDS = ("year", "month", "day", "hour", "minute", "second")


def _int_mods(cur: Cursor) -> tuple[int, ...] | None:
    """Consume '(n[, m])' of integer modifiers if present; None when the group is not integers."""
    if not cur.at_punct("("):
        return ()
    save = cur.i
    lo_hi = cur.split_list()
    mods: list[int] = []
    for lo, hi in lo_hi:
        toks = cur.toks[lo:hi]
        sign = 1
        if len(toks) == 2 and toks[0].kind is Kind.OP and toks[0].value == "-":
            sign = -1
            toks = toks[1:]
        if len(toks) != 1 or toks[0].kind is not Kind.NUMBER or not toks[0].value.isdigit():
            cur.i = save
            return None
        mods.append(sign * int(toks[0].value))
    return tuple(mods)


def _paren(mods: tuple[int, ...]) -> str:
    return "(" + ",".join(str(m) for m in mods) + ")" if mods else ""


def _time_zone(cur: Cursor) -> bool | None:
    if cur.accept_words("with", "time", "zone"):
        return True
    if cur.accept_words("without", "time", "zone"):
        return False
    return None


def _builtin(cur: Cursor, word: str) -> tuple[str, str, tuple[int, ...]] | None:
    """Parse a built-in type starting at keyword ``word`` (already consumed).

    Returns (sql without array brackets, base, modifiers) or None when ``word`` is not built in.
    """
    if word in _ALIASES:
        base = _ALIASES[word]
        return base, base, ()
    if word == "double":
        cur.expect_word("precision")
        return "double precision", "double precision", ()
    if word == "float":
        mods = _int_mods(cur) or ()
        if mods and mods[0] <= 24:
            return "real", "real", ()
        return "double precision", "double precision", ()
    if word in ("numeric", "decimal", "dec"):
        mods = _int_mods(cur) or ()
        if len(mods) == 1:
            mods = (mods[0], 0)
        return "numeric" + _paren(mods), "numeric", mods
    if word in ("varchar", "character", "char", "nchar", "national"):
        if word == "national":
            cur.expect_word("character", "char")
            word = "character"
        varying = word == "varchar" or cur.accept_word("varying") is not None
        mods = _int_mods(cur) or ()
        if varying:
            return "character varying" + _paren(mods), "character varying", mods
        mods = mods or (1,)
        return "character" + _paren(mods), "character", mods
    if word == "bit":
        varying = cur.accept_word("varying") is not None
        mods = _int_mods(cur) or ()
        if varying:
            return "bit varying" + _paren(mods), "bit varying", mods
        mods = mods or (1,)
        return "bit" + _paren(mods), "bit", mods
    if word == "varbit":
        mods = _int_mods(cur) or ()
        return "bit varying" + _paren(mods), "bit varying", mods
    if word in ("timestamp", "time", "timestamptz", "timetz"):
        mods = _int_mods(cur) or ()
        tz: bool | None = word.endswith("tz")
        if not tz:
            tz = _time_zone(cur)
        base = ("timestamp" if word.startswith("timestamp") else "time") + (
            " with time zone" if tz else " without time zone"
        )
        head, _, tail = base.partition(" ")
        return f"{head}{_paren(mods)} {tail}", base, mods
    if word == "interval":
        fields = ""
        if cur.at_word(*_INTERVAL_FIELDS):
            fields = cur.next().value
            if cur.accept_word("to"):
                fields += " to " + cur.expect_word(*_INTERVAL_FIELDS).value
        mods = _int_mods(cur) or ()
        sql = "interval" + (" " + fields if fields else "") + _paren(mods)
        return sql, "interval", mods
    if word == "bpchar":
        mods = _int_mods(cur) or ()
        return ("character" + _paren(mods), "character", mods) if mods else ("bpchar", "bpchar", ())
    if word in _PLAIN:
        mods = _int_mods(cur) or ()
        return word + _paren(mods), word, mods
    return None


# Type names the grammar turns into pg_catalog types itself, whatever the search path.
GRAMMAR_TYPES = frozenset(
    (
        "int",
        "integer",
        "smallint",
        "bigint",
        "real",
        "float",
        "double",
        "decimal",
        "dec",
        "numeric",
        "boolean",
        "char",
        "character",
        "varchar",
        "nchar",
        "national",
        "bit",
        "timestamp",
        "time",
        "interval",
    )
)


@dataclass(frozen=True, slots=True)
class TypeName:
    """A type as written, before names of the catalog are resolved.

    Built-in types are spelled canonically while parsing (``builtin``); any other name needs the
    catalog and the search path in force, which only the applier knows (``resolve_type``).
    """

    parts: tuple[str, ...]  # the name as written, folded ("mood" or "public", "mood")
    text: str  # the name and its modifiers as written, without array brackets
    builtin: tuple[str, str, tuple[int, ...]] | None  # (sql, base, modifiers) when built in
    modifiers: tuple[int, ...] = ()  # integer modifiers written after a name that is not built in
    modifier_offset: int | None = None  # where such modifiers start (None when there are none)
    array_dims: int = 0
    serial: bool = False  # serial/bigserial/smallserial: the applier adds sequence + default


def parse_type(cur: Cursor) -> TypeName:
    """Read a type at the cursor (through any array brackets)."""
    first = cur.peek()
    if first is None or first.kind not in (Kind.WORD, Kind.QUOTED):
        raise ParseError(cur.offset(), "expected a type name")
    start_i = cur.i
    serial = False
    modifiers: tuple[int, ...] = ()
    modifier_offset: int | None = None
    if first.kind is Kind.WORD and first.value in SERIALS and not cur.at_punct(".", k=1):
        cur.next()
        base = SERIALS[first.value]
        serial = True
        parts: list[str] = [first.value]
        built: tuple[str, str, tuple[int, ...]] | None = (base, base, ())
    else:
        built = None
        parts = cur.name_parts()
        if len(parts) == 1 and first.kind is Kind.WORD:
            built = _builtin(cur, parts[0])
        elif len(parts) == 2 and parts[0] == "pg_catalog":
            if parts[1] in SERIALS:
                raise ParseError(first.start, f"type pg_catalog.{parts[1]} does not exist")
            built = _builtin(cur, parts[1])
        elif len(parts) == 1 and parts[0] == "char":
            built = ('"char"', '"char"', ())  # the quoted one-byte internal type
        if built is None and cur.at_punct("("):
            modifier_offset = cur.offset()
            mods_other = _int_mods(cur)
            if mods_other is None:
                cur.skip_group()
                mods_other = ()
            modifiers = mods_other
    text = cur.slice_text(start_i, cur.i)
    dims = 0
    while True:
        if cur.at_punct("["):
            cur.skip_group()
            dims += 1
        elif cur.at_word("array"):
            cur.next()
            if cur.at_punct("["):
                cur.skip_group()
            dims += 1
        else:
            break
    return TypeName(tuple(parts), text, built, modifiers, modifier_offset, dims, serial)


def resolve_type(t: TypeName, resolve: Resolver) -> SqlType:
    """The column type a parsed type names, given the catalog types visible at that point."""
    brackets = "[]" * t.array_dims
    if t.builtin is not None:
        sql, base, mods = t.builtin
        return SqlType(sql + brackets, base, mods, t.array_dims)
    found = resolve(list(t.parts))
    if found is not None:
        kind, ref = found
        if t.modifier_offset is not None:
            raise ParseError(t.modifier_offset, f"type modifier is not allowed for type {ref}")
        return SqlType(ref.sql + brackets, ref.name, (), t.array_dims, kind, ref)
    return SqlType(t.text + brackets, t.parts[-1], t.modifiers, t.array_dims, TypeKind.OTHER)
