"""PostgreSQL types -> Python annotations and SQLAlchemy type expressions.

Three views of one column type:
- ``python``: the annotation inside ``Mapped[...]`` and Pydantic fields;
- ``sqlalchemy``: the type object in the model;
- ``ddl``: the type object in the migration, which must compile to exactly the SQL type the
  source declared (so the round-trip is exact). Where SQLAlchemy has no faithful type, the
  migration uses ``RawType("...")``, a one-line UserDefinedType that prints the SQL text as is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from dbgen.ir import SqlType, TypeKind
from dbgen.plan.pyexpr import pystr

# An import: (module, name). name None means "import module".
Import = tuple[str, str | None]

SA: Import = ("sqlalchemy", None)
PG: Import = ("sqlalchemy.dialects", "postgresql")


@dataclass(frozen=True, slots=True)
class TypeRef:
    expr: str
    imports: frozenset[Import] = frozenset()


@dataclass(frozen=True, slots=True)
class MappedType:
    python: TypeRef
    sqlalchemy: TypeRef
    ddl: TypeRef
    is_raw: bool = False  # the ddl/sqlalchemy type is RawType


@dataclass(frozen=True, slots=True)
class TypeContext:
    package: str
    enum_classes: Mapping[object, str] = field(default_factory=dict)  # QName -> Python enum class
    domain_bases: Mapping[object, SqlType] = field(default_factory=dict)  # QName -> base type


def _t(expr: str, *imports: Import) -> TypeRef:
    return TypeRef(expr, frozenset(imports))


DT: Import = ("datetime", None)
DEC: Import = ("decimal", None)
UUID_: Import = ("uuid", None)
ANY: Import = ("typing", "Any")

# base -> (python annotation, sqlalchemy expr without args); args are added below.
_SIMPLE: dict[str, tuple[TypeRef, TypeRef]] = {
    "smallint": (_t("int"), _t("sa.SmallInteger()", SA)),
    "integer": (_t("int"), _t("sa.Integer()", SA)),
    "bigint": (_t("int"), _t("sa.BigInteger()", SA)),
    "real": (_t("float"), _t("sa.REAL()", SA)),
    "double precision": (_t("float"), _t("sa.Double()", SA)),
    "text": (_t("str"), _t("sa.Text()", SA)),
    "boolean": (_t("bool"), _t("sa.Boolean()", SA)),
    "date": (_t("datetime.date", DT), _t("sa.Date()", SA)),
    "bytea": (_t("bytes"), _t("sa.LargeBinary()", SA)),
    "uuid": (_t("uuid.UUID", UUID_), _t("sa.Uuid()", SA)),
    "json": (_t("Any", ANY), _t("postgresql.JSON()", PG)),
    "jsonb": (_t("Any", ANY), _t("postgresql.JSONB()", PG)),
    "inet": (_t("str"), _t("postgresql.INET()", PG)),
    "cidr": (_t("str"), _t("postgresql.CIDR()", PG)),
    "macaddr": (_t("str"), _t("postgresql.MACADDR()", PG)),
    "macaddr8": (_t("str"), _t("postgresql.MACADDR8()", PG)),
    "money": (_t("str"), _t("postgresql.MONEY()", PG)),
    "tsvector": (_t("str"), _t("postgresql.TSVECTOR()", PG)),
    "oid": (_t("int"), _t("postgresql.OID()", PG)),
    "interval": (_t("datetime.timedelta", DT), _t("postgresql.INTERVAL()", PG)),
    "int4range": (
        _t("Range[int]", ("sqlalchemy.dialects.postgresql", "Range")),
        _t("postgresql.INT4RANGE()", PG),
    ),
    "int8range": (
        _t("Range[int]", ("sqlalchemy.dialects.postgresql", "Range")),
        _t("postgresql.INT8RANGE()", PG),
    ),
    "numrange": (
        _t("Range[decimal.Decimal]", DEC, ("sqlalchemy.dialects.postgresql", "Range")),
        _t("postgresql.NUMRANGE()", PG),
    ),
    "daterange": (
        _t("Range[datetime.date]", DT, ("sqlalchemy.dialects.postgresql", "Range")),
        _t("postgresql.DATERANGE()", PG),
    ),
    "tsrange": (
        _t("Range[datetime.datetime]", DT, ("sqlalchemy.dialects.postgresql", "Range")),
        _t("postgresql.TSRANGE()", PG),
    ),
    "tstzrange": (
        _t("Range[datetime.datetime]", DT, ("sqlalchemy.dialects.postgresql", "Range")),
        _t("postgresql.TSTZRANGE()", PG),
    ),
}

# Types that are strings to Python even though SQLAlchemy has no class for them.
_STRING_LIKE = frozenset(
    {"citext", "xml", "tsquery", "ltree", "name", "character", "bit", "bit varying"}
)


# Built-ins SQLAlchemy reflects as a plain String: `alembic check` cannot compare their RawType
# with what it reflects, so the generated env.py compares them itself (migrations/env.py.j2).
REFLECTED_AS_STRING = frozenset({"name", '"char"'})


def _raw(sql: str) -> TypeRef:
    return TypeRef(f"RawType({pystr(sql)})")


def _builtin(t: SqlType) -> tuple[TypeRef, TypeRef] | None:
    """(python, sqlalchemy) for a scalar built-in type, or None when SQLAlchemy has no exact type."""
    base, mods = t.base, t.modifiers
    if base in _SIMPLE and not mods:
        return _SIMPLE[base]
    if base == "character varying":
        return _t("str"), _t(f"sa.String({mods[0]})" if mods else "sa.String()", SA)
    if base == "character":
        return _t("str"), _t(f"sa.CHAR({mods[0]})" if mods else "sa.CHAR()", SA)
    if base == "numeric":
        args = ", ".join(str(m) for m in mods)
        return _t("decimal.Decimal", DEC), _t(f"sa.Numeric({args})", SA)
    if base in ("timestamp without time zone", "timestamp with time zone"):
        tz = base.endswith("with time zone")
        if mods:
            return _t("datetime.datetime", DT), _t(
                f"postgresql.TIMESTAMP(timezone={tz}, precision={mods[0]})", PG
            )
        return _t("datetime.datetime", DT), _t(
            "sa.DateTime(timezone=True)" if tz else "sa.DateTime()", SA
        )
    if base in ("time without time zone", "time with time zone"):
        tz = base.endswith("with time zone")
        if mods:
            return _t("datetime.time", DT), _t(
                f"postgresql.TIME(timezone={tz}, precision={mods[0]})", PG
            )
        return _t("datetime.time", DT), _t("sa.Time(timezone=True)" if tz else "sa.Time()", SA)
    if base == "bit" and mods:
        return _t("str"), _t(f"postgresql.BIT({mods[0]})", PG)
    if base == "bit varying":
        length = mods[0] if mods else None
        return _t("str"), _t(f"postgresql.BIT({length}, varying=True)", PG)
    return None


# The dialect's type map (dialects.base.MapType), as the planners call it.
TypeMapper = Callable[[SqlType, TypeContext], MappedType]


def map_type(t: SqlType, ctx: TypeContext, *, qualify_public: bool = False) -> MappedType:
    """Map a column type; arrays wrap their element type.

    ``qualify_public`` names enum types of ``public`` with their schema in the migration's type
    (needed while a search_path that does not start with ``public`` is in force).
    """
    elem = t.element
    python, sa_type, raw = _scalar(elem, ctx)
    if elem.qualified:
        raw = True  # the migration spells pg_catalog.name; the model keeps its type
    # Raw DDL types carry no imports: the migration defines its own RawType.
    ddl = _raw(elem.sql) if raw else sa_type
    if elem.kind is TypeKind.ENUM and elem.ref is not None:
        # The migration must not depend on the package's Python enums.
        schema = (
            f", schema={pystr(elem.ref.schema)}"
            if elem.ref.schema != "public" or qualify_public
            else ""
        )
        ddl = _t(f"postgresql.ENUM(name={pystr(elem.ref.name)}{schema}, create_type=False)", PG)
    if t.array_dims:
        dims = f", dimensions={t.array_dims}" if t.array_dims > 1 else ""
        inner_py = python.expr
        for _ in range(t.array_dims):
            inner_py = f"list[{inner_py}]"
        python = TypeRef(inner_py, python.imports)
        sa_type = TypeRef(f"postgresql.ARRAY({sa_type.expr}{dims})", sa_type.imports | {PG})
        if raw:
            ddl = _raw(t.sql)
        else:
            ddl = TypeRef(f"postgresql.ARRAY({ddl.expr}{dims})", ddl.imports | {PG})
    return MappedType(python=python, sqlalchemy=sa_type, ddl=ddl, is_raw=raw)


def _scalar(t: SqlType, ctx: TypeContext) -> tuple[TypeRef, TypeRef, bool]:
    if t.kind is TypeKind.ENUM and t.ref is not None:
        cls = ctx.enum_classes[t.ref]
        schema = f", schema={pystr(t.ref.schema)}" if t.ref.schema != "public" else ""
        py = _t(cls, (f"{ctx.package}.enums", cls))
        sa_type = _t(
            f"postgresql.ENUM({cls}, name={pystr(t.ref.name)}{schema}, "
            "values_callable=enum_values, create_type=False)",
            PG,
            (f"{ctx.package}.enums", cls),
            (f"{ctx.package}.types", "enum_values"),
        )
        return py, sa_type, False
    if t.kind is TypeKind.DOMAIN and t.ref is not None and t.ref in ctx.domain_bases:
        # The model names the domain (as the database does), typed by its base: Alembic then
        # compares it with the domain, and values are processed as the base type's.
        base = map_type(ctx.domain_bases[t.ref], ctx)
        schema = f", schema={pystr(t.ref.schema)}" if t.ref.schema != "public" else ""
        domain = TypeRef(
            f"DomainType({pystr(t.ref.name)}, {base.sqlalchemy.expr}{schema})",
            base.sqlalchemy.imports | {(f"{ctx.package}.types", "DomainType")},
        )
        return base.python, domain, True
    if t.kind is TypeKind.BUILTIN:
        found = _builtin(t)
        if found is not None:
            return found[0], found[1], False
    raw_ref = TypeRef(f"RawType({pystr(t.sql)})", frozenset({(f"{ctx.package}.types", "RawType")}))
    if t.base in _STRING_LIKE:
        return _t("str"), raw_ref, True
    return _t("Any", ANY), raw_ref, True
