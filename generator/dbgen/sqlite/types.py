"""SQLite's declared types: the portable base the generator plans with, and the type map.

SQLite keeps any declared type and gives the column an affinity by the rules of "Datatypes In
SQLite" (section 3.1): a name containing INT is INTEGER; CHAR, CLOB or TEXT is TEXT; BLOB or no
type is BLOB; REAL, FLOA or DOUB is REAL; anything else NUMERIC. The names that say more than
the affinity (VARCHAR(n), DECIMAL(p,s), DATETIME, BOOLEAN, JSON ...) get the base type of that
meaning, so filters, validation and the Python type follow it; the rest get their affinity's.
The model's SQLAlchemy type is the one SQLite's dialect spells as declared where there is one
(``sa.Integer()`` for INTEGER, ``sa.NVARCHAR(160)``), else its affinity's generic type.
"""

from __future__ import annotations

import re

from dbgen.ir import SqlType, TypeKind
from dbgen.plan.pyexpr import pystr
from dbgen.plan.typemap import DEC, DT, SA, MappedType, TypeContext, TypeRef

ANY_BASE = "any"  # a column without a declared type (BLOB affinity: values as given)


def affinity(declared: str) -> str:
    upper = declared.upper()
    if "INT" in upper:
        return "INTEGER"
    if any(w in upper for w in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in upper or not upper.strip():
        return "BLOB"
    if any(w in upper for w in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


_NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_ ]*?)\s*(?:\(\s*([^)]*)\))?\s*$")
_SMALL = frozenset({"SMALLINT", "TINYINT", "INT2"})
_BIG = frozenset({"BIGINT", "INT8", "UNSIGNED BIG INT"})
_VARCHAR = frozenset(
    {"VARCHAR", "NVARCHAR", "CHARACTER VARYING", "VARYING CHARACTER", "NATIVE CHARACTER"}
)
_CHAR = frozenset({"CHAR", "CHARACTER", "NCHAR"})
_BY_NAME = {
    "TEXT": "text",
    "CLOB": "text",
    "BLOB": "bytea",
    "REAL": "real",
    "FLOAT": "double precision",
    "DOUBLE": "double precision",
    "DOUBLE PRECISION": "double precision",
    "NUMERIC": "numeric",
    "DECIMAL": "numeric",
    "BOOLEAN": "boolean",
    "BOOL": "boolean",
    "DATE": "date",
    "DATETIME": "timestamp without time zone",
    "TIMESTAMP": "timestamp without time zone",
    "TIME": "time without time zone",
    "JSON": "json",
}
_AFFINITY_BASE = {
    "INTEGER": "bigint",  # SQLite's integers are 64-bit
    "TEXT": "text",
    "BLOB": "bytea",
    "REAL": "double precision",
    "NUMERIC": "numeric",
}


def declared_type(text: str) -> SqlType:
    """The column type of a declared type name as written ("" when the column has none)."""
    sql = " ".join(text.split())
    if not sql:
        return SqlType("", ANY_BASE, kind=TypeKind.OTHER)
    m = _NAME.match(sql)
    name = " ".join(m.group(1).upper().split()) if m else sql.upper()
    mods: tuple[int, ...] = ()
    if m and m.group(2):
        try:
            mods = tuple(int(p.strip()) for p in m.group(2).split(","))
        except ValueError:
            mods = ()
    if name in _VARCHAR or name in _CHAR:
        return SqlType(sql, "character varying", mods[:1])
    if name in _SMALL:
        return SqlType(sql, "smallint")
    if name in _BIG:
        return SqlType(sql, "bigint")
    if name in _BY_NAME:
        base = _BY_NAME[name]
        return SqlType(sql, base, mods[:2] if base == "numeric" else ())
    # Known by its affinity only (INT, MEDIUMINT, BLOB SUB_TYPE TEXT, MONEY ...).
    return SqlType(sql, _AFFINITY_BASE[affinity(sql)], kind=TypeKind.BUILTIN)


def _t(expr: str, *imports: tuple[str, str | None]) -> TypeRef:
    return TypeRef(expr, frozenset(imports))


# Declared names SQLite's dialect spells exactly (upper-case, no arguments) -> SQLAlchemy class.
_EXACT = {
    "INTEGER": "sa.INTEGER",
    "BIGINT": "sa.BIGINT",
    "SMALLINT": "sa.SMALLINT",
    "TEXT": "sa.TEXT",
    "CLOB": "sa.CLOB",
    "BLOB": "sa.BLOB",
    "REAL": "sa.REAL",
    "FLOAT": "sa.FLOAT",
    "BOOLEAN": "sa.BOOLEAN",
    "DATE": "sa.DATE",
    "DATETIME": "sa.DATETIME",
    "TIMESTAMP": "sa.TIMESTAMP",
    "TIME": "sa.TIME",
    "JSON": "sa.JSON",
}
_WITH_LENGTH = {"VARCHAR": "sa.VARCHAR", "NVARCHAR": "sa.NVARCHAR", "CHAR": "sa.CHAR"}
_WITH_PRECISION = {"NUMERIC": "sa.NUMERIC", "DECIMAL": "sa.DECIMAL"}

_PYTHON = {
    "smallint": _t("int"),
    "integer": _t("int"),
    "bigint": _t("int"),
    "text": _t("str"),
    "character varying": _t("str"),
    "bytea": _t("bytes"),
    "real": _t("float"),
    "double precision": _t("float"),
    "numeric": _t("decimal.Decimal", DEC),
    "boolean": _t("bool"),
    "date": _t("datetime.date", DT),
    "timestamp without time zone": _t("datetime.datetime", DT),
    "time without time zone": _t("datetime.time", DT),
    "json": _t("Any", ("typing", "Any")),
}
_GENERIC = {
    "smallint": "sa.SmallInteger()",
    "integer": "sa.Integer()",
    "bigint": "sa.BigInteger()",
    "text": "sa.Text()",
    "bytea": "sa.LargeBinary()",
    "real": "sa.REAL()",
    "double precision": "sa.Double()",
    "boolean": "sa.Boolean()",
    "date": "sa.Date()",
    "timestamp without time zone": "sa.DateTime()",
    "time without time zone": "sa.Time()",
    "json": "sa.JSON()",
}


def _sqlalchemy(t: SqlType) -> str:
    m = _NAME.match(t.sql)
    name = " ".join(m.group(1).upper().split()) if m else ""
    args = ", ".join(str(x) for x in t.modifiers)
    if name in _EXACT and not (m and m.group(2)):
        return f"{_EXACT[name]}()"
    if name in _WITH_LENGTH and len(t.modifiers) <= 1 and not (m and m.group(2) and not args):
        return f"{_WITH_LENGTH[name]}({args})"
    if name in _WITH_PRECISION and not (m and m.group(2) and not args):
        return f"{_WITH_PRECISION[name]}({args})"
    if t.base == "character varying":
        return f"sa.String({args})"
    if t.base == "numeric":
        return f"sa.Numeric({args})"
    return _GENERIC[t.base]


def map_type(t: SqlType, ctx: TypeContext) -> MappedType:
    """The model's type; the migration replays the CREATE text, so ``ddl`` is the declared
    type printed as written (RawType), for what else may print it."""
    raw = TypeRef(f"RawType({pystr(t.sql)})", frozenset({(f"{ctx.package}.types", "RawType")}))
    if t.base == ANY_BASE:
        return MappedType(_t("Any", ("typing", "Any")), raw, raw, is_raw=True)
    model = _t(_sqlalchemy(t), SA)
    ddl = TypeRef(f"RawType({pystr(t.sql)})")
    return MappedType(_PYTHON[t.base], model, ddl, is_raw=True)
