"""Python source for SQLAlchemy schema objects (constraints, indexes), shared by the models'
``__table_args__`` and the migration's ``op.create_table``/``op.create_*`` calls."""

from __future__ import annotations

import re
from collections.abc import Callable

from dbgen.ir import (
    CheckConstraint,
    Deferral,
    ForeignKey,
    Index,
    IndexElement,
    PrimaryKey,
    QName,
    quote_ident,
)
from dbgen.ir import UniqueConstraint as Unique
from dbgen.plan.pyexpr import call, pystr, sql_text, strs

# How a constraint names one of its table's columns: SQLAlchemy looks string column names up
# by the Column's *key*. The migration's columns have no key (key == name); a model's Core
# table gives each column its attribute as key, so the models pass their own mapping.
ColumnKey = Callable[[str], str]


def _same(name: str) -> str:
    return name


def deferral_kw(d: Deferral) -> dict[str, str | None]:
    return {
        "deferrable": "True" if d.deferrable else None,
        "initially": pystr("DEFERRED") if d.initially_deferred else None,
    }


def schema_arg(q: QName, explicit_public: bool = False) -> str | None:
    """``schema=`` for q: omitted for ``public`` unless the search_path in force says otherwise."""
    return None if q.schema == "public" and not explicit_public else pystr(q.schema)


def ref_column(q: QName, column: str, explicit_public: bool = False) -> str:
    table = q.name if q.schema == "public" and not explicit_public else f"{q.schema}.{q.name}"
    return f"{table}.{column}"


def primary_key(
    pk: PrimaryKey, key: ColumnKey = _same, extra: dict[str, str | None] | None = None
) -> str:
    """``extra``: a dialect's keyword arguments (ModelDialect.primary_key_kwargs)."""
    return call(
        "sa.PrimaryKeyConstraint",
        *(pystr(key(c)) for c in pk.columns),
        name=pystr(pk.name),
        postgresql_include=strs(key(c) for c in pk.include) if pk.include else None,
        **deferral_kw(pk.deferral),
        **(extra or {}),
    )


def unique(u: Unique, key: ColumnKey = _same, named: bool = True) -> str:
    """``named``: False leaves the name out (a database that keeps none: the models' naming
    convention must not name it either)."""
    return call(
        "sa.UniqueConstraint",
        *(pystr(key(c)) for c in u.columns),
        name=pystr(u.name) if named else None,
        postgresql_nulls_not_distinct="True" if u.nulls_not_distinct else None,
        postgresql_include=strs(key(c) for c in u.include) if u.include else None,
        **deferral_kw(u.deferral),
    )


def check(c: CheckConstraint, named: bool = True) -> str:
    return call(
        "sa.CheckConstraint",
        sql_text(c.expression),
        name=pystr(c.name) if named else None,
        postgresql_not_valid="True" if c.not_valid else None,
    )


def _fk_options(fk: ForeignKey) -> dict[str, str | None]:
    return {
        "ondelete": pystr(fk.on_delete) if fk.on_delete else None,
        "onupdate": pystr(fk.on_update) if fk.on_update else None,
        "match": pystr("FULL") if fk.match_full else None,
        **deferral_kw(fk.deferral),
    }


def foreign_key_constraint(
    fk: ForeignKey,
    explicit_public: bool = False,
    key: ColumnKey = _same,
    link_to_name: bool = False,
    named: bool = True,
) -> str:
    """``link_to_name``: the referenced columns are named by SQL name, not by key (the models set
    it when the referenced table's keys differ from its names)."""
    return call(
        "sa.ForeignKeyConstraint",
        strs(key(c) for c in fk.columns),
        strs(ref_column(fk.ref_table, c, explicit_public) for c in fk.ref_columns),
        name=pystr(fk.name) if named else None,
        postgresql_not_valid="True" if fk.not_valid else None,
        link_to_name="True" if link_to_name else None,
        **_fk_options(fk),
    )


def column_foreign_key(fk: ForeignKey, link_to_name: bool = False, named: bool = True) -> str:
    """``sa.ForeignKey(...)`` inside a single column's mapped_column."""
    return call(
        "sa.ForeignKey",
        pystr(ref_column(fk.ref_table, fk.ref_columns[0])),
        name=pystr(fk.name) if named else None,
        link_to_name="True" if link_to_name else None,
        **_fk_options(fk),
    )


def element_sql(e: IndexElement) -> str:
    parts = [e.expression]
    if e.collation:
        parts.append(f"COLLATE {e.collation}")
    if e.opclass:
        parts.append(e.opclass)
    if e.descending:
        parts.append("DESC")
    if e.nulls:
        parts.append(f"NULLS {e.nulls}")
    return " ".join(parts)


def _plain_column(e: IndexElement) -> bool:
    """A bare column, written with or without quotes, and no option (SQLAlchemy quotes it)."""
    return (
        e.column is not None
        and element_sql(e) == e.expression
        and e.expression in (e.column, quote_ident(e.column))
    )


# What the server's deparse of an index expression leaves out, and Alembic then compares with:
# the parentheses around a cast column, "(name)::type", and the schema of a function of public
# (on the default search path), "public.f(".
_PAREN_CAST = re.compile(r'\((\w+|"(?:[^"]|"")+")\)::')
_PUBLIC_CALL = re.compile(r'(?<![\w."])public\.(?=\w+\s*\()')


def _as_deparsed(expression: str) -> str:
    return _PUBLIC_CALL.sub("", _PAREN_CAST.sub(r"\1::", expression))


def _column_element(e: IndexElement, key: ColumnKey) -> str | None:
    """A bare column with a COLLATE or DESC and no other option, as a column expression
    (``sa.desc(sa.column(key).collate(name))``); None for anything else."""
    if (
        e.column is None
        or e.opclass
        or e.nulls
        or e.expression not in (e.column, quote_ident(e.column))
    ):
        return None
    out = f"sa.column({pystr(key(e.column))})"
    if e.collation:
        out += f".collate({pystr(e.collation)})"
    return f"sa.desc({out})" if e.descending else out


def index_elements(
    ix: Index, key: ColumnKey = _same, model: bool = False, column_elements: bool = False
) -> list[str]:
    """Plain columns by key; anything else as text, as written (the migration's), or in the
    models as the server deparses it (``_as_deparsed``), since Alembic compares the models'
    expressions with the reflected ones. ``column_elements``: a column with only a sort order or
    a collation as that column (``sa.desc``, ``.collate``), for a dialect whose reflection
    reads it back as the column."""
    out = []
    for e in ix.elements:
        if e.column is not None and _plain_column(e):
            out.append(pystr(key(e.column)))
        elif column_elements and (column := _column_element(e, key)) is not None:
            out.append(column)
        else:
            text = element_sql(e)
            out.append(sql_text(_as_deparsed(text) if model else text))
    return out


def with_options(options: str | None) -> str | None:
    if not options:
        return None
    pairs = [p.split("=", 1) for p in options.split(",")]
    return "{" + ", ".join(f"{pystr(k.strip())}: {pystr(v.strip())}" for k, v in pairs) + "}"


def index_options(ix: Index, key: ColumnKey = _same) -> dict[str, str | None]:
    return {
        "unique": "True" if ix.unique else None,
        "postgresql_using": pystr(ix.method) if ix.method != "btree" else None,
        "postgresql_where": sql_text(ix.where) if ix.where else None,
        "postgresql_include": strs(key(c) for c in ix.include) if ix.include else None,
        "postgresql_nulls_not_distinct": "True" if ix.nulls_not_distinct else None,
        "postgresql_with": with_options(ix.with_options),
    }


# An index -> its keyword arguments in the models (the dialect's: PostgreSQL's are
# ``index_options``).
IndexKwargs = Callable[[Index, ColumnKey], dict[str, str | None]]


def index(
    ix: Index,
    key: ColumnKey = _same,
    kwargs: IndexKwargs = index_options,
    column_elements: bool = False,
) -> str:
    """``sa.Index(...)`` for a model's ``__table_args__``."""
    elements = index_elements(ix, key, model=True, column_elements=column_elements)
    return call("sa.Index", pystr(ix.name), *elements, **kwargs(ix, key))


def comment_literal(text: str | None) -> str | None:
    return None if text is None else pystr(text)
