"""MySQL/MariaDB data types, read from a column definition into an ``ir.SqlType``.

The MySQL type name is the first of ``SqlType.options``, ``("type", name)``: canonical and lower
case (``int``, ``varchar``, ``enum``, ...; the synonyms MySQL itself resolves are resolved:
``integer`` -> ``int``, ``nvarchar`` -> ``varchar`` with the national charset, ``bool`` ->
``tinyint(1)``, ``double precision`` -> ``double``). The other options are the attributes
(unsigned, zerofill, binary, charset, collate, each ENUM/SET label), ``modifiers`` the numbers
in parentheses (display width, length, precision/scale), ``sql`` the whole type as MySQL reads
it again.

``SqlType.base`` is the PostgreSQL name of the type's family (``integer`` for INT and MEDIUMINT,
``character varying`` for VARCHAR, ``timestamp without time zone`` for DATETIME and TIMESTAMP,
``boolean`` for TINYINT(1), ``bytea`` for the binary types, ...), so the rules of crud.yaml
(which columns sort, filter, search, soft-delete) read MySQL columns as they read PostgreSQL
ones. ENUM, SET and the spatial types keep their own names (equality only).
"""

from __future__ import annotations

from dbgen.ir import SqlType, TypeKind
from dbgen.mysql.tokens import Cursor, Kind, ParseError

_SYNONYMS = {
    "integer": "int",
    "int4": "int",
    "int8": "bigint",
    "int3": "mediumint",
    "int2": "smallint",
    "int1": "tinyint",
    "middleint": "mediumint",
    "dec": "decimal",
    "numeric": "decimal",
    "fixed": "decimal",
    "float4": "float",
    "float8": "double",
    "real": "double",
    "character": "char",
    "nchar": "char",
    "nvarchar": "varchar",
    "varcharacter": "varchar",
    "bool": "tinyint",
    "boolean": "tinyint",
}

INTEGERS = frozenset({"tinyint", "smallint", "mediumint", "int", "bigint"})
NUMERIC = INTEGERS | {"decimal", "float", "double", "bit"}
STRINGS = frozenset(
    {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json"}
)
KNOWN = (
    NUMERIC
    | STRINGS
    | {
        "binary",
        "varbinary",
        "tinyblob",
        "blob",
        "mediumblob",
        "longblob",
        "date",
        "time",
        "datetime",
        "timestamp",
        "year",
        "geometry",
        "point",
        "linestring",
        "polygon",
        "multipoint",
        "multilinestring",
        "multipolygon",
        "geometrycollection",
        "inet4",
        "inet6",
        "uuid",
        "serial",
    }
)


def parse_type(cur: Cursor) -> SqlType:
    """Read a data type at the cursor (name, arguments and type attributes)."""
    tok = cur.next()
    if tok.kind is not Kind.WORD:
        cur.i -= 1
        raise cur.error("mysql-syntax", "expected a data type")
    word = tok.text.lower()
    national = False
    if word == "national":
        national = True
        word = cur.next().text.lower()
    if word == "long":
        word = "mediumblob" if cur.accept("VARBINARY") else "mediumtext"
        cur.accept("VARCHAR")
    if word == "double" and cur.accept("PRECISION"):
        pass
    if word in ("char", "character") and cur.accept("VARYING"):
        word = "varchar"
    if word in ("nchar", "nvarchar") or (national and word in ("char", "character", "varchar")):
        national = True
    options: list[tuple[str, str]] = []
    base = _SYNONYMS.get(word, word)
    if base not in KNOWN:
        raise ParseError(tok.start, "mysql-unknown-type", f"unknown data type {tok.text!r}")
    modifiers: tuple[int, ...] = ()
    if word in ("bool", "boolean"):
        modifiers = (1,)
    if base in ("enum", "set"):
        cur.expect("(")
        while True:
            t = cur.next()
            if t.kind is not Kind.STRING:
                cur.i -= 1
                raise cur.error("mysql-syntax", f"expected a quoted {base.upper()} label")
            options.append(("value", t.value))
            if cur.accept(")"):
                break
            cur.expect(",")
    elif cur.at("("):
        start, end = cur.balanced()
        inner = cur.text[start:end]
        try:
            modifiers = tuple(int(p.strip()) for p in inner.split(","))
        except ValueError:
            raise ParseError(start, "mysql-syntax", f"bad type arguments ({inner})") from None
    if national:
        options.append(("charset", "utf8mb3"))
        options.append(("national", ""))
    while True:
        if cur.accept("UNSIGNED"):
            options.append(("unsigned", ""))
        elif cur.accept("SIGNED"):
            pass
        elif cur.accept("ZEROFILL"):
            options.append(("zerofill", ""))
        elif cur.at("BINARY") and base not in ("binary", "varbinary"):
            cur.next()
            options.append(("binary", ""))
        elif cur.accept("ASCII"):
            options.append(("charset", "latin1"))
        elif cur.accept("UNICODE"):
            options.append(("charset", "ucs2"))
        elif cur.accept("BYTE"):
            options.append(("byte", ""))
        elif cur.accept("CHARACTER", "SET") or cur.accept("CHARSET") or cur.accept("CHAR", "SET"):
            options = [o for o in options if o[0] not in ("charset", "national")]
            options.append(("charset", _name(cur)))
        elif cur.accept("COLLATE"):
            options.append(("collate", _name(cur)))
        else:
            break
    return make_type(base, modifiers, options)


def make_type(name: str, modifiers: tuple[int, ...], options: list[tuple[str, str]]) -> SqlType:
    opts = (("type", name), *(o for o in options if o[0] != "type"))
    return SqlType(
        sql=render_type(name, modifiers, opts),
        base=family(name, modifiers, opts),
        modifiers=modifiers,
        kind=TypeKind.BUILTIN if name in _FAMILY else TypeKind.OTHER,
        options=opts,
    )


_FAMILY = {
    "tinyint": "smallint",
    "smallint": "smallint",
    "mediumint": "integer",
    "int": "integer",
    "bigint": "bigint",
    "decimal": "numeric",
    "float": "real",
    "double": "double precision",
    "bit": "bit",
    "char": "character",
    "varchar": "character varying",
    "tinytext": "text",
    "text": "text",
    "mediumtext": "text",
    "longtext": "text",
    "enum": "enum",
    "set": "set",
    "json": "json",
    "binary": "bytea",
    "varbinary": "bytea",
    "tinyblob": "bytea",
    "blob": "bytea",
    "mediumblob": "bytea",
    "longblob": "bytea",
    "date": "date",
    "time": "time without time zone",
    "datetime": "timestamp without time zone",
    "timestamp": "timestamp without time zone",
    "year": "smallint",
}


def family(name: str, modifiers: tuple[int, ...], options: tuple[tuple[str, str], ...]) -> str:
    if (
        name == "tinyint"
        and modifiers == (1,)
        and not any(k in ("unsigned", "zerofill") for k, _ in options)
    ):
        return "boolean"
    return _FAMILY.get(name, name)


def mysql_type(t: SqlType) -> str:
    """The MySQL type name of a column type the reader made."""
    return option(t, "type") or t.base


def _name(cur: Cursor) -> str:
    t = cur.next()
    if t.kind is Kind.STRING:
        return t.value
    if t.kind in (Kind.WORD, Kind.QUOTED):
        return t.ident
    cur.i -= 1
    raise cur.error("mysql-syntax", "expected a character set or collation name")


def quote_label(label: str) -> str:
    return "'" + label.replace("\\", "\\\\").replace("'", "''") + "'"


def render_type(base: str, modifiers: tuple[int, ...], options: tuple[tuple[str, str], ...]) -> str:
    """The type as SQL MySQL reads back the same (lower case, as SHOW CREATE TABLE prints)."""
    if base in ("enum", "set"):
        text = base + "(" + ",".join(quote_label(v) for k, v in options if k == "value") + ")"
    else:
        text = base + ("(" + ",".join(str(m) for m in modifiers) + ")" if modifiers else "")
    for k, v in options:
        if k == "type":
            continue
        if k in ("unsigned", "zerofill", "binary", "byte"):
            text += " " + k
        elif k == "charset":
            text += " character set " + v
        elif k == "collate":
            text += " collate " + v
    return text


def option(t: SqlType, name: str) -> str | None:
    for k, v in t.options:
        if k == name:
            return v
    return None
