"""The driver's fast path: statements compiled once, run by asyncpg or psycopg2 themselves.

For a one-row read SQLAlchemy's ORM costs three to four times a raw asyncpg round trip: result
processing and building the instance through the loading machinery. The repositories know every
statement they run, so plain statements (no loader options) that return the table's columns are
compiled once per shape and dialect and run by the driver itself, on the session's connection
and inside its transaction: asyncpg's prepared statements, or a psycopg2 cursor. SQLAlchemy's own
bind and result processors convert the values, so rows come back as SQLAlchemy would return
them, and ``_hydrate.hydrate`` turns them into persistent instances of the session. The fast path
steps aside, running the statement through SQLAlchemy (``_common.RepositoryBase._watching``), for
anyone who would miss what it skips: the engine echoes or logs SQL, has cursor-execute
listeners, the session has ``do_orm_execute`` listeners (loader criteria), the mapped class has
``load``/``refresh`` listeners. It also steps aside for statements SQLAlchemy renders per call
(expanding IN lists), for drivers other than asyncpg and psycopg2, and before the transaction's
first statement when SQLAlchemy's adapter cannot be asked to send BEGIN.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa

from .. import _compat
from ._query import EntityInfo, cached

Processor = Callable[[Any], Any]
# From this many rows bulk_create uses COPY on asyncpg. COPY first asks the server for the
# table's column types (one more round trip), which only larger batches win back.
COPY_MIN_ROWS = 1000
Statement = sa.Select[Any] | sa.Insert | sa.Update | sa.Delete | sa.TextClause | sa.TextualSelect
NOT_COMPILABLE = object()  # a shape only SQLAlchemy can run


@dataclass(slots=True)
class DriverStatement:
    """A Core statement compiled once for one dialect, as its driver runs it."""

    sql: str
    names: tuple[str, ...]  # bind parameters, in the order the driver takes them
    binds: tuple[Processor | None, ...]
    defaults: dict[str, Any]  # bind parameters that carry their own value
    compiled: Any  # construct_params() reports a missing value as SQLAlchemy does
    # (position, conversion) for the result columns that need one; found on the first run,
    # since they depend on the type OIDs.
    conversions: tuple[tuple[int, Processor], ...] | None = None

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        defaults = self.defaults
        try:
            values = [params[n] if n in params else defaults[n] for n in self.names]
        except KeyError:
            filled = self.compiled.construct_params(params)
            values = [filled[name] for name in self.names]
        return [v if p is None else p(v) for v, p in zip(values, self.binds, strict=True)]

    def rows(self, records: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """The driver's records with SQLAlchemy's result conversions applied."""
        convert = self.conversions
        if not convert:
            return records
        out: list[list[Any]] = []
        for record in records:
            row = list(record)
            for i, p in convert:
                row[i] = p(row[i])
            out.append(row)
        return out


def driver_statement(
    info: EntityInfo,
    key: Hashable,
    statement: Statement,
    dialect: sa.Dialect,
    column_keys: Sequence[str] | None = None,
) -> DriverStatement | None:
    """``statement`` compiled for the driver (once per shape), or None if only SQLAlchemy can
    run it."""
    shape = ("driver", dialect.driver, dialect.paramstyle, key)
    found = info.statements.get(shape)  # (the usual case: no closure built per call)
    if found is not None:
        return None if found is NOT_COMPILABLE else cast(DriverStatement, found)

    def build() -> object:
        keys = list(column_keys) if column_keys is not None else None
        target = json_as_text(statement) if dialect.name == "postgresql" else statement
        compiled: Any = target.compile(dialect=dialect, column_keys=keys)
        names = _compat.bind_order(compiled)
        if names is None:
            return NOT_COMPILABLE
        binds = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        )
        defaults = {
            name: bind.value
            for name, bind in compiled.binds.items()
            if _compat.bind_has_value(bind)
        }
        return DriverStatement(compiled.string, names, binds, defaults, compiled)

    found = cached(info, shape, build)
    return None if found is NOT_COMPILABLE else cast(DriverStatement, found)


# PostgreSQL's ``text`` type, as the drivers report a result column's type.
TEXT_OID = 25


def _plain_json(column: Any) -> bool:
    return isinstance(getattr(column, "type", None), sa.JSON)


def json_as_text(statement: Statement) -> Statement:
    """A SELECT with its ``json``/``jsonb`` columns read as text, decoded when the row becomes
    an instance (``result_conversions``) instead of by the driver as it reads the rows: a batch
    of records then holds strings, which the garbage collector does not track, not the decoded
    documents (containers it tracks). Held for a batch, those survived into the older
    generations and made full collections walk the whole heap, again and again: a fifth of the
    CPU of streaming audit_log. The documents are the same: the driver's codec decodes the same
    text with the same deserializer."""
    if not isinstance(statement, sa.Select):
        return statement
    columns = list(statement.selected_columns)
    if not any(_plain_json(c) for c in columns):
        return statement
    as_text = [sa.cast(c, sa.Text) if _plain_json(c) else c for c in columns]
    return statement.with_only_columns(*as_text, maintain_column_froms=True)


def _json_text(deserializer: Callable[[str], Any]) -> Processor:
    def decode(value: str | None) -> Any:
        return None if value is None else deserializer(value)

    return decode


def result_conversions(
    columns: Iterable[sa.ColumnElement[Any]], oids: Iterable[Any], dialect: sa.Dialect
) -> tuple[tuple[int, Processor], ...]:
    """SQLAlchemy's result processor for each column that has one, by position; a JSON column
    the driver returns as text (``json_as_text``) is decoded with the engine's deserializer."""
    out: list[tuple[int, Processor]] = []
    for position, (column, oid) in enumerate(zip(columns, oids, strict=True)):
        if oid == TEXT_OID and _plain_json(column):
            out.append((position, _json_text(_compat.json_deserializer(dialect))))
            continue
        impl: Any = column.type.dialect_impl(dialect)
        processor = impl.result_processor(dialect, oid)
        if (
            processor is not None
            and isinstance(impl, sa.ARRAY)
            and not impl.as_tuple
            and _compat.array_copies_only(impl)
            and impl.item_type.dialect_impl(dialect).result_processor(dialect, oid) is None
        ):
            # The driver already returns a list of plain items: SQLAlchemy would only copy it.
            processor = None
        if processor is not None and isinstance(impl, sa.Enum):
            processor = _labels(impl, processor)
        if processor is not None:
            out.append((position, processor))
    return tuple(out)


class _Labels(dict[Any, Any]):
    """An enum column's result conversion as a lookup, label to value, one dict access per row
    instead of two Python calls. Filled from SQLAlchemy's own processor for every declared
    label; anything else (a label added to the type later) goes to the processor, which
    converts it or raises its LookupError, as it would have."""

    __slots__ = ("processor",)

    def __init__(self, processor: Processor) -> None:
        super().__init__()
        self.processor = processor

    def __missing__(self, label: Any) -> Any:
        return self.processor(label)


def _labels(impl: sa.Enum, processor: Processor) -> Processor:
    labels = _Labels(processor)
    for label in (*impl.enums, None):
        with contextlib.suppress(LookupError):
            labels[label] = processor(label)
    return labels.__getitem__


async def asyncpg_conversions(
    driver: Any,
    compiled: DriverStatement,
    columns: Iterable[sa.ColumnElement[Any]],
    dialect: sa.Dialect,
) -> None:
    """Fill in ``compiled.conversions`` once, from the types asyncpg prepares the query with."""
    if compiled.conversions is None:
        prepared = await driver.prepare(compiled.sql)
        oids = [a.type.oid for a in prepared.get_attributes()]
        compiled.conversions = result_conversions(columns, oids, dialect)


def watched(engine: sa.Engine) -> bool:
    """Whether someone watches the engine's statements (echo or the ``sqlalchemy.engine``
    logger at INFO, cursor-execute listeners): then every statement goes through SQLAlchemy, so
    that they see it. Checked on every call: a listener added in the middle of a unit of work
    counts from its next statement."""
    return _compat.engine_logs_statements(engine) or _compat.statement_listeners(engine)


def driver_error(exc: Exception, sql: str, params: Any) -> Exception:
    """A database error raised by the driver itself, wrapped as SQLAlchemy would wrap it."""
    if getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None):
        return sa.exc.DBAPIError(sql, params, exc)
    return exc
