"""MySQL/MariaDB column types -> Python annotations and ``sqlalchemy.dialects.mysql`` types.

The model and the migration use the same type object: it carries what the column declared
(display width, UNSIGNED, ZEROFILL, BINARY, character set, collation, ENUM/SET labels), so it
compiles back to the declaration and Alembic's comparison sees the column as declared. Types
SQLAlchemy has no class for (spatial types, MariaDB's INET4/INET6/UUID) are printed as written
by ``RawType``.
"""

from __future__ import annotations

from dbgen.ir import SqlType
from dbgen.mysql.coltypes import INTEGERS, mysql_type, option
from dbgen.plan.pyexpr import pystr
from dbgen.plan.typemap import ANY, DEC, DT, MappedType, TypeContext, TypeRef

MYSQL = ("sqlalchemy.dialects", "mysql")
SA = ("sqlalchemy", None)


def _t(expr: str, *imports: tuple[str, str | None]) -> TypeRef:
    return TypeRef(expr, frozenset(imports))


def _kw(t: SqlType, *, numeric: bool = False, string: bool = False) -> list[str]:
    out: list[str] = []
    if numeric:
        if option(t, "unsigned") is not None:
            out.append("unsigned=True")
        if option(t, "zerofill") is not None:
            out.append("zerofill=True")
    if string:
        charset = option(t, "charset")
        collate = option(t, "collate")
        if charset is not None:
            out.append(f"charset={pystr(_utf8mb3(charset))}")
        if collate is not None:
            out.append(f"collation={pystr(_utf8mb3(collate))}")
        if option(t, "binary") is not None:
            out.append("binary=True")
    return out


def _utf8mb3(name: str) -> str:
    """``utf8`` and its ``utf8_*`` collations by the name the server keeps for them: MariaDB
    10.6+ (old_mode UTF8_IS_UTF8MB3) and MySQL 8 read ``utf8`` as ``utf8mb3``, and SHOW CREATE
    TABLE, which Alembic's comparison reflects, says so."""
    lowered = name.lower()
    if lowered == "utf8" or lowered.startswith("utf8_"):
        return "utf8mb3" + name[4:]
    return name


def _call(name: str, args: list[str]) -> str:
    return f"mysql.{name}({', '.join(args)})"


_INTEGER_CLASSES = {
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "mediumint": "MEDIUMINT",
    "int": "INTEGER",
    "bigint": "BIGINT",
}
_TEXTS = {
    "tinytext": "TINYTEXT",
    "text": "TEXT",
    "mediumtext": "MEDIUMTEXT",
    "longtext": "LONGTEXT",
}
_BLOBS = {
    "tinyblob": "TINYBLOB",
    "blob": "BLOB",
    "mediumblob": "MEDIUMBLOB",
    "longblob": "LONGBLOB",
}


def _sa(t: SqlType) -> tuple[TypeRef, TypeRef] | None:
    """(python, sqlalchemy) or None when SQLAlchemy has no class for the type."""
    base, mods = mysql_type(t), t.modifiers
    if base in INTEGERS:
        args = [f"display_width={mods[0]}"] if mods else []
        args += _kw(t, numeric=True)
        if base == "tinyint" and mods == (1,) and len(args) == 1:
            # MySQL's BOOLEAN: tinyint(1); the values come back as bool
            return _t("bool"), _t("mysql.TINYINT(1)", MYSQL)  # see map_type
        return _t("int"), _t(_call(_INTEGER_CLASSES[base], args), MYSQL)
    if base == "decimal":
        args = [str(m) for m in mods] + _kw(t, numeric=True)
        return _t("decimal.Decimal", DEC), _t(_call("DECIMAL", args), MYSQL)
    if base in ("float", "double"):
        args = [f"precision={mods[0]}"] if mods else []
        if len(mods) > 1:
            args.append(f"scale={mods[1]}")
        args += _kw(t, numeric=True)
        args.append("asdecimal=False")
        return _t("float"), _t(_call(base.upper(), args), MYSQL)
    if base == "bit":
        return _t("int"), _t(_call("BIT", [str(m) for m in mods]), MYSQL)
    if base in ("char", "varchar"):
        args = [str(m) for m in mods] + _kw(t, string=True)
        return _t("str"), _t(_call(base.upper(), args), MYSQL)
    if base in _TEXTS:
        args = [str(m) for m in mods] + _kw(t, string=True)
        return _t("str"), _t(_call(_TEXTS[base], args), MYSQL)
    if base in ("enum", "set"):
        labels = [v for k, v in t.options if k == "value"]
        args = [pystr(v) for v in labels] + _kw(t, string=True)
        if base == "enum":
            # str: a Literal of the labels would not fit one line for long label lists
            return _t("str"), _t(_call("ENUM", args), MYSQL)
        return _t("set[str]"), _t(_call("SET", args), MYSQL)
    if base in ("binary", "varbinary"):
        return _t("bytes"), _t(_call(base.upper(), [str(m) for m in mods]), MYSQL)
    if base in _BLOBS:
        return _t("bytes"), _t(_call(_BLOBS[base], [str(m) for m in mods]), MYSQL)
    if base == "date":
        return _t("datetime.date", DT), _t("mysql.DATE()", MYSQL)
    if base in ("time", "datetime", "timestamp"):
        py = "datetime.time" if base == "time" else "datetime.datetime"
        args = [f"fsp={mods[0]}"] if mods else []
        return _t(py, DT), _t(_call(base.upper(), args), MYSQL)
    if base == "year":
        return _t("int"), _t(_call("YEAR", [str(m) for m in mods]), MYSQL)
    if base == "json":
        return _t("Any", ANY), _t("mysql.JSON()", MYSQL)
    return None


def map_type(t: SqlType, ctx: TypeContext) -> MappedType:
    """The dialect's ``map_type``."""
    found = _sa(t)
    if found is not None:
        python, sa_type = found
        model = sa_type
        if python.expr == "bool":
            # the migration declares tinyint(1) as written; the model's Boolean hands out bool
            model = _t("sa.Boolean()", SA)
        return MappedType(python=python, sqlalchemy=model, ddl=sa_type, is_raw=False)
    model = TypeRef(f"RawType({pystr(t.sql)})", frozenset({(f"{ctx.package}.types", "RawType")}))
    return MappedType(
        python=_t("Any", ANY),
        sqlalchemy=model,
        ddl=TypeRef(f"RawType({pystr(t.sql)})"),
        is_raw=True,
    )
