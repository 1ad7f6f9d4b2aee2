"""SQLite's declared types: the portable base the generator plans with, and the type map.

SQLite keeps any declared type and gives the column an affinity by the rules of "Datatypes In
SQLite" (section 3.1): a name containing INT is INTEGER; CHAR, CLOB or TEXT is TEXT; BLOB or no
type is BLOB; REAL, FLOA or DOUB is REAL; anything else NUMERIC. The names that say more than
the affinity (VARCHAR(n), DECIMAL(p,s), DATETIME, BOOLEAN, JSON ...) get the base type of that
meaning, so filters, validation and the Python type follow it; the rest get their affinity's.
The model's SQLAlchemy type is the one SQLAlchemy reflects from the declared type (``sa.INTEGER()``
for INT, ``sa.NVARCHAR(160)``, ``sa.NUMERIC(10, 2)``), so Alembic finds the models and the
database alike.
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


# The model's type is the one SQLAlchemy reflects from the declared type (its SQLite dialect's
# names, else the affinity's type), so Alembic compares the models with the database as equal:
# declared name -> SQLAlchemy class, and whether it takes the declared arguments.
_REFLECTED = {
    "BIGINT": ("sa.BIGINT", 0),
    "BLOB": ("sa.BLOB", 0),
    "BOOL": ("sa.BOOLEAN", 0),
    "BOOLEAN": ("sa.BOOLEAN", 0),
    "CHAR": ("sa.CHAR", 1),
    "DATE": ("sa.DATE", 0),
    "DATETIME": ("sa.DATETIME", 0),
    "DECIMAL": ("sa.DECIMAL", 2),
    "DOUBLE": ("sa.DOUBLE", 0),
    "FLOAT": ("sa.FLOAT", 0),
    "INT": ("sa.INTEGER", 0),
    "INTEGER": ("sa.INTEGER", 0),
    "JSON": ("sa.JSON", 0),
    "NCHAR": ("sa.NCHAR", 1),
    "NUMERIC": ("sa.NUMERIC", 2),
    "NVARCHAR": ("sa.NVARCHAR", 1),
    "REAL": ("sa.REAL", 0),
    "SMALLINT": ("sa.SMALLINT", 0),
    "TEXT": ("sa.TEXT", 1),
    "TIME": ("sa.TIME", 0),
    "TIMESTAMP": ("sa.TIMESTAMP", 0),
    "VARCHAR": ("sa.VARCHAR", 1),
}
_BY_AFFINITY = {
    "INTEGER": ("sa.INTEGER", 0),
    "TEXT": ("sa.TEXT", 1),
    "REAL": ("sa.REAL", 0),
    "NUMERIC": ("sa.NUMERIC", 2),
}
_REFLECT_NAME = re.compile(r"([\w ]+)(\(.*?\))?")
# A quoted name in a declared type (``"MONEY"``): SQLite reports the type unquoted.
_QUOTED = re.compile(r'"((?:[^"]|"")*)"|`((?:[^`]|``)*)`|\[([^\]]*)\]')


def _unquoted(m: re.Match[str]) -> str:
    if m.group(1) is not None:
        return m.group(1).replace('""', '"')
    if m.group(2) is not None:
        return m.group(2).replace("``", "`")
    return m.group(3)


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


def _sqlalchemy(t: SqlType) -> str | None:
    """The SQLAlchemy type SQLite's reflection gives the declared type (None: NullType, for
    BLOB affinity without the name BLOB, or no type)."""
    m = _REFLECT_NAME.match(_QUOTED.sub(_unquoted, t.sql).upper())
    name, args = (m.group(1), m.group(2)) if m else ("", None)
    found = _REFLECTED.get(name)
    if found is None:
        aff = affinity(name)
        found = _BY_AFFINITY.get(aff)
        if found is None:
            return None
    cls, takes = found
    numbers = re.findall(r"\d+", args or "")
    given = ", ".join(numbers) if numbers and len(numbers) <= takes else ""
    return f"{cls}({given})"


def map_type(t: SqlType, ctx: TypeContext) -> MappedType:
    """The model's type; the migration replays the CREATE text, so ``ddl`` is the declared
    type printed as written (RawType), for what else may print it."""
    raw = TypeRef(f"RawType({pystr(t.sql)})", frozenset({(f"{ctx.package}.types", "RawType")}))
    model = _sqlalchemy(t)
    python = _PYTHON.get(t.base, _t("Any", ("typing", "Any")))
    ddl = TypeRef(f"RawType({pystr(t.sql)})")
    if model is None:
        return MappedType(
            python if t.base != ANY_BASE else _t("Any", ("typing", "Any")), raw, ddl, is_raw=True
        )
    return MappedType(python, _t(model, SA), ddl, is_raw=True)
