"""Query building shared by every repository.

The repositories hold one ``EntityInfo`` each (built once, at import) and call these functions;
nothing here inspects models at run time. Statements are built from Core columns so SQLAlchemy's
compiled-statement cache serves repeated shapes.

Ordering model: ascending keys put NULLs last, descending keys NULLs first (PostgreSQL's
defaults, so a plain btree index serves both directions). In either direction NULL therefore
behaves as the greatest value, which is what the keyset predicate below relies on.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm.interfaces import ORMOption

from ..errors import InvalidCursorError, InvalidQueryError, InvalidValueError
from ..pagination import Page, decode_cursor, encode_cursor
from ._values import (
    MAX_BIND_PARAMS,
    Check,
    bind_checks,
    check_for,
    like_check,
    page_number_check,
    text_check,
)

T = TypeVar("T")
S = TypeVar("S")
Sel = TypeVar("Sel", bound=sa.Select[Any])


@dataclass(frozen=True, slots=True)
class SortColumn:
    key: str  # the order_by key (the attribute name)
    column: sa.ColumnElement[Any]
    nullable: bool
    kind: type | tuple[type, ...]  # what a decoded cursor value must be


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityInfo:
    entity: str
    scope: str  # identifies the entity inside cursors
    table: sa.Table
    pk: tuple[SortColumn, ...]  # empty for a table without a primary key
    # Ends every order so that it is total: the primary key, else a unique NOT NULL key, else
    # (a table with no key at all, offset pages only) every sortable column.
    tie_break: tuple[SortColumn, ...]
    filters: Mapping[str, tuple[sa.ColumnElement[Any], str]]
    sort: Mapping[str, SortColumn]  # keys callers may order by
    order_columns: Mapping[str, SortColumn]  # every key an order may contain
    default_order: tuple[tuple[str, bool], ...]
    search: tuple[sa.ColumnElement[Any], ...]
    alive: sa.ColumnElement[bool] | None
    loads: Mapping[str, tuple[ORMOption, ...]]
    max_page_size: int
    offset: bool
    cursor: bool
    # Attribute name -> Core column (the Table's key can differ: `uuid_` maps column `uuid`).
    columns: Mapping[str, sa.ColumnElement[Any]] = field(default_factory=dict)
    # Non-unique finders: name -> clauses comparing columns to bind parameters (x_<attr>).
    finders: Mapping[str, tuple[sa.ColumnElement[bool], ...]] = field(default_factory=dict)
    # Statements by shape (see "statements cached by shape"); filled as calls come in.
    statements: dict[Hashable, Any] = field(default_factory=dict)
    # A table without a primary key has no mapped class: its rows are validated into this.
    read: type[BaseModel] | None = None
    # Relation name -> (relationship attribute, criterion on the target or None): how the
    # driver's fast path loads it (see ``relation_loads``).
    relations: Mapping[str, tuple[tuple[str, Any], ...]] = field(default_factory=dict)
    # The value checks (``_values``), decided once here from the column types: per primary-key
    # column, per filter, per finder bind parameter, per order key (for cursors).
    key_checks: tuple[Check | None, ...] = field(init=False, default=())
    filter_checks: Mapping[str, Check] = field(init=False, default_factory=dict)
    param_checks: Mapping[str, Check] = field(init=False, default_factory=dict)
    order_checks: Mapping[str, Check | None] = field(init=False, default_factory=dict)
    # Filters whose ``contains`` is a substring match (text columns): their value is escaped.
    text_contains: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        init = object.__setattr__  # frozen: set once, here
        init(self, "key_checks", tuple(check_for(c.column.type) for c in self.pk))
        checks: dict[str, Check] = {}
        text_contains: set[str] = set()
        for name, (column, op) in self.filters.items():
            check = _filter_check(column, op)
            if check is not None:
                checks[name] = check
            if op == "contains" and _is_text(column):
                text_contains.add(name)
        init(self, "filter_checks", checks)
        init(self, "text_contains", frozenset(text_contains))
        init(self, "param_checks", bind_checks(c for cs in self.finders.values() for c in cs))
        columns = {**self.order_columns, **self.sort, **{c.key: c for c in self.tie_break}}
        init(self, "order_checks", {k: check_for(c.column.type) for k, c in columns.items()})

    def live(self, *clauses: sa.ColumnElement[bool]) -> list[sa.ColumnElement[bool]]:
        return [*clauses, self.alive] if self.alive is not None else list(clauses)


def _filter_check(column: sa.ColumnElement[Any], op: str) -> Check | None:
    if op == "is_null":
        return None
    if op in ("like", "ilike"):
        return like_check
    if op == "contains" and _is_text(column):
        return text_check
    if op == "contains":  # an array or a document: containment (@>)
        return None if not isinstance(column.type, sa.ARRAY) else check_for(column.type)
    return check_for(column.type)


def _is_text(column: sa.ColumnElement[Any]) -> bool:
    """Whether ``contains`` on this column is a substring match (else containment, @>)."""
    return isinstance(column.type, sa.String) and not isinstance(column.type, sa.Enum)


def refuse(info: EntityInfo, field: str, reason: str) -> InvalidValueError:
    return InvalidValueError(info.entity, f"{field}: {reason}", field=field)


def one_checks(
    info: EntityInfo, name: str, where: Sequence[sa.ColumnElement[bool]]
) -> Mapping[str, Check]:
    """The checks of a one-row read's bind parameters (a unique finder's), built once."""
    return cached(info, ("checks", name), lambda: bind_checks(where))


def check_key(info: EntityInfo, key: Any) -> None:
    """InvalidValueError unless ``key`` is a primary key value (a tuple for a composite key)."""
    checks = info.key_checks
    if len(checks) == 1:
        check = checks[0]
        if check is not None and (reason := check(key)) is not None:
            raise refuse(info, "key", reason)
        return
    if not isinstance(key, tuple) or len(key) != len(checks):
        raise InvalidValueError(
            info.entity, f"the key is a tuple of {len(checks)} values", field="key"
        )
    for check, value in zip(checks, key, strict=True):
        if check is not None and (reason := check(value)) is not None:
            raise refuse(info, "key", reason)


def check_params(
    info: EntityInfo, params: Mapping[str, Any], checks: Mapping[str, Check] | None = None
) -> None:
    """Finder arguments (``x_<attr>`` bind parameters) against their columns (``checks``: by
    bind name; default: the non-unique finders')."""
    if checks is None:
        checks = info.param_checks
    for name, value in params.items():
        check = checks.get(name)
        if check is not None and value is not None and (reason := check(value)) is not None:
            raise refuse(info, name[2:] if name.startswith("x_") else name, reason)


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rowcount(result: Any) -> int:
    """Rows a single (not executemany) UPDATE/DELETE touched."""
    return int(result.rowcount)


def pk_clause(info: EntityInfo, key: Any) -> sa.ColumnElement[bool]:
    check_key(info, key)
    if len(info.pk) == 1:
        single: sa.ColumnElement[bool] = info.pk[0].column == key
        return single
    if not isinstance(key, tuple) or len(key) != len(info.pk):
        raise InvalidQueryError(info.entity, f"the key is a tuple of {len(info.pk)} values")
    return sa.and_(*(c.column == v for c, v in zip(info.pk, key, strict=True)))


def key_params(info: EntityInfo, key: Any) -> dict[str, Any]:
    """The bind parameters of a primary key (``pk__<attr>``, see ``matches``)."""
    check_key(info, key)
    pk = info.pk
    if len(pk) == 1:
        return {f"pk__{pk[0].key}": key}
    return {f"pk__{c.key}": value for c, value in zip(pk, key, strict=True)}


def pk_in(info: EntityInfo, keys: Sequence[Any]) -> sa.ColumnElement[bool]:
    for key in keys:
        check_key(info, key)
    if len(info.pk) == 1:
        return info.pk[0].column.in_(keys)
    return sa.tuple_(*(c.column for c in info.pk)).in_(keys)


def escape_like(text: str) -> str:
    """Make user text match literally inside a LIKE pattern (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- statements cached by shape ------------------------------------------------------------------
#
# A call's statement depends on its *shape* (which filters are set, the order, whether a search,
# a cursor, an offset, which relations to load) and on values. Values travel as bind parameters,
# so each shape is built once per process and reused: no per-call statement construction and no
# per-call cache-key computation, while SQLAlchemy's compiled cache serves the SQL.

_SHAPES_MAX = 512  # per entity; a pathological caller cannot grow memory without bound


def cached(info: EntityInfo, key: Hashable, build: Callable[[], S]) -> S:
    found = info.statements.get(key)
    if found is None:
        if len(info.statements) >= _SHAPES_MAX:
            info.statements.clear()
        found = info.statements[key] = build()
    return cast(S, found)


def _bind(name: str, column: sa.ColumnElement[Any], *, expanding: bool = False) -> Any:
    return sa.bindparam(name, type_=column.type, expanding=expanding)


def matches(column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
    """``column = :name``, the parameter typed like the column (keys and finders use this)."""
    return column == sa.bindparam(name, type_=column.type)


def _operator(column: sa.ColumnElement[Any], op: str, arg: Any) -> sa.ColumnElement[bool]:
    """The clause for one filter; ``arg`` is the bind parameter name (for is_null: the flag)."""
    clause: sa.ColumnElement[bool]
    if op == "is_null":
        clause = column.is_(None) if arg else column.is_not(None)
    elif op == "eq":
        clause = column == _bind(arg, column)
    elif op == "ne":
        clause = column != _bind(arg, column)
    elif op == "lt":
        clause = column < _bind(arg, column)
    elif op == "lte":
        clause = column <= _bind(arg, column)
    elif op == "gt":
        clause = column > _bind(arg, column)
    elif op == "gte":
        clause = column >= _bind(arg, column)
    elif op == "in":
        clause = column.in_(_bind(arg, column, expanding=True))
    elif op == "not_in":
        clause = column.not_in(_bind(arg, column, expanding=True))
    elif op == "between":
        clause = column.between(_bind(arg + "_lo", column), _bind(arg + "_hi", column))
    elif op == "like":
        clause = column.like(_bind(arg, column))
    elif op == "ilike":
        clause = column.ilike(_bind(arg, column))
    elif op == "contains" and _is_text(column):
        # A substring of text: the value arrives as an escaped pattern (where_shape).
        clause = column.like(_bind(arg, column), escape="\\")
    elif op == "contains":
        clause = column.contains(_bind(arg, column))
    else:  # the generator only emits the operators above
        raise AssertionError(f"unknown operator {op}")
    return clause


def where_shape(
    info: EntityInfo,
    where: BaseModel,
    params: dict[str, Any],
    prefix: str = "w_",
    binds: list[int] | None = None,
) -> tuple[Any, ...]:
    """The shape of a filter (fields set, is_null flags, or_ structure); its values, checked
    against their columns, go into ``params``, and how many bind parameters they take into
    ``binds[0]``. A field set to None means "no condition"."""
    count = binds if binds is not None else [0]
    checks = info.filter_checks
    out: list[Any] = []
    items: Sequence[Any]
    for name in sorted(where.model_fields_set):
        value = getattr(where, name)
        if value is None:
            continue
        if name == "or_":
            alts = tuple(
                where_shape(info, alt, params, f"{prefix}o{i}_", count)
                for i, alt in enumerate(value)
            )
            out.append(("or_", alts))
            continue
        op = info.filters[name][1]
        arg = prefix + name
        if op == "is_null":
            out.append((name, bool(value)))
            continue
        check = checks.get(name)
        if op == "between":
            items = tuple(value)
            params[arg + "_lo"], params[arg + "_hi"] = items
            count[0] += 2
        elif op in ("in", "not_in"):
            params[arg] = items = list(value)
            count[0] += len(items)  # an expanding parameter: one bind per item
        else:
            items = (value,)
            params[arg] = value
            count[0] += 1
        if check is not None:
            for item in items:
                if item is not None and (reason := check(item)) is not None:
                    raise refuse(info, name, reason)
        if op == "contains" and name in info.text_contains:
            params[arg] = f"%{escape_like(value)}%"  # a substring, matched literally
        out.append((name, arg))
    return tuple(out)


def where_clauses(info: EntityInfo, shape: tuple[Any, ...]) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    for name, arg in shape:
        if name == "or_":
            alternatives = [sa.and_(sa.true(), *where_clauses(info, alt)) for alt in arg]
            out.append(sa.or_(*alternatives) if alternatives else sa.false())
            continue
        column, op = info.filters[name]
        out.append(_operator(column, op, arg))
    return out


def search_clause(info: EntityInfo) -> sa.ColumnElement[bool]:
    pattern = sa.bindparam("q_search", type_=sa.String())
    return sa.or_(*(c.ilike(pattern, escape="\\") for c in info.search))


def _conditions(info: EntityInfo, filtered: Filtered) -> list[sa.ColumnElement[bool]]:
    conditions = info.live(*(info.finders[filtered.finder] if filtered.finder else ()))
    if filtered.where is not None:
        conditions += where_clauses(info, filtered.where)
    if filtered.search:
        conditions.append(search_clause(info))
    return conditions


@dataclass(frozen=True, slots=True)
class Filtered:
    """The filtering part of a call: its shape (hashable) and its parameter values."""

    finder: str | None
    where: tuple[Any, ...] | None
    search: bool
    params: dict[str, Any]

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.finder, self.where, self.search)


def filtered(
    info: EntityInfo,
    where: BaseModel | None = None,
    search: str | None = None,
    finder: str | None = None,
    finder_params: dict[str, Any] | None = None,
) -> Filtered:
    """The filtering part of a call, every value checked (InvalidValueError): against its
    column, and the bind parameters against PostgreSQL's limit."""
    params: dict[str, Any] = dict(finder_params) if finder_params else {}
    if finder_params:
        check_params(info, finder_params)
    binds = [len(params)]
    shape = where_shape(info, where, params, "w_", binds) if where is not None else None
    if search:
        if (reason := text_check(search)) is not None:
            raise refuse(info, "search", reason)
        params["q_search"] = f"%{escape_like(search)}%"
        binds[0] += 1
    if binds[0] > MAX_BIND_PARAMS - 8:  # room for the limit, offset and cursor values
        raise refuse(
            info,
            "where",
            f"{binds[0]} values need more bind parameters than PostgreSQL takes in one "
            f"statement ({MAX_BIND_PARAMS}); split the call",
        )
    return Filtered(finder, shape, bool(search), params)


def count_statement(info: EntityInfo, f: Filtered, source: Any = None) -> sa.Select[Any]:
    """``SELECT count(*)`` over the rows ``f`` matches. ``source``: the mapped class, so that
    the statement is ORM-enabled (loader criteria apply to it); by default the table."""
    return cached(
        info,
        ("count", f.key),
        lambda: (
            sa.select(sa.func.count())
            .select_from(info.table if source is None else source)
            .where(*_conditions(info, f))
        ),
    )


def exists_statement(
    info: EntityInfo, name: str, where: Sequence[sa.ColumnElement[bool]], source: Any = None
) -> sa.Select[Any]:
    """``SELECT 1 ... LIMIT 1`` over the rows ``where`` matches (ORM-enabled given the mapped
    class as ``source``; an EXISTS subquery over the table would escape loader criteria)."""
    return cached(
        info,
        ("exists", name),
        lambda: (
            sa.select(sa.literal_column("1"))
            .select_from(info.table if source is None else source)
            .where(*where)
            .limit(1)
        ),
    )


def load_options(info: EntityInfo, load: Sequence[str] | None) -> list[ORMOption]:
    out: list[ORMOption] = []
    for name in load or ():
        options = info.loads.get(name)
        if options is None:
            allowed = ", ".join(info.loads) or "none"
            raise InvalidQueryError(info.entity, f"cannot load {name!r} (allowed: {allowed})")
        out.extend(options)
    return out


def with_loads(info: EntityInfo, name: str, statement: Sel, load: Sequence[str] | None) -> Sel:
    """``statement`` with the loader options for ``load``, built once per combination."""
    if not load:
        return statement
    key = (name, tuple(load))
    options = load_options(info, load)  # validates the names on every call
    return cached(info, key, lambda: statement.options(*options))


def resolve_order(
    info: EntityInfo, order_by: Sequence[str] | None
) -> tuple[tuple[SortColumn, bool], ...]:
    """The full order: the caller's keys (or the default), then the tie-breaker (the primary
    key, or the table's unique key).

    The tie-breaker takes the direction of the first key so that a uniform order stays uniform
    (and can use a row-value comparison and a plain index).
    """
    order: list[tuple[SortColumn, bool]] = []
    if order_by:
        if isinstance(order_by, str):
            raise InvalidValueError(
                info.entity, "order_by is a list of keys, not a string", field="order_by"
            )
        for raw in order_by:
            if not isinstance(raw, str):
                raise refuse(info, "order_by", f"expected key names, got {type(raw).__name__}")
            desc = raw.startswith("-")
            name = raw[1:] if desc else raw
            col = info.sort.get(name)
            if col is None:
                allowed = ", ".join(info.sort) or "none"
                raise InvalidQueryError(
                    info.entity, f"cannot order by {raw!r} (allowed: {allowed})"
                )
            order.append((col, desc))
    else:
        order = [(info.order_columns[name], desc) for name, desc in info.default_order]
    seen: set[str] = set()
    unique: list[tuple[SortColumn, bool]] = []
    for col, desc in order:
        if col.key not in seen:  # a repeated key cannot change the order
            seen.add(col.key)
            unique.append((col, desc))
    tie_desc = unique[0][1] if unique else False
    for col in info.tie_break:
        if col.key not in seen:
            unique.append((col, tie_desc))
    return tuple(unique)


def check_cursor(
    info: EntityInfo, order: Sequence[tuple[SortColumn, bool]], values: Sequence[Any]
) -> None:
    """A decoded cursor's values against the sort columns: NULL only where the column allows
    it, and a value the column can take (a signed cursor can still be made with a leaked or
    rotated key, or by an older release of the schema)."""
    checks = info.order_checks
    for (col, _), value in zip(order, values, strict=True):
        if value is None:
            if not col.nullable:
                raise InvalidCursorError(info.entity, f"NULL for the NOT NULL key {col.key!r}")
            continue
        check = checks.get(col.key)
        if check is not None and (reason := check(value)) is not None:
            raise InvalidCursorError(info.entity, f"{col.key}: {reason}")


def _signature(order: Sequence[tuple[SortColumn, bool]]) -> str:
    return ",".join(("-" if desc else "") + col.key for col, desc in order)


def _beyond(col: SortColumn, desc: bool, arg: str | None) -> sa.ColumnElement[bool]:
    """Rows strictly after the boundary value (bind ``arg``; None: the value is NULL) in this
    key's direction (NULL is the greatest value)."""
    c = col.column
    if arg is None:
        return c.is_not(None) if desc else sa.false()
    value = _bind(arg, c)
    beyond: sa.ColumnElement[bool] = c < value if desc else c > value
    if col.nullable and not desc:
        beyond = sa.or_(beyond, c.is_(None))
    return beyond


def _same(col: SortColumn, arg: str | None) -> sa.ColumnElement[bool]:
    same: sa.ColumnElement[bool] = (
        col.column.is_(None) if arg is None else col.column == _bind(arg, col.column)
    )
    return same


def keyset(
    order: Sequence[tuple[SortColumn, bool]], args: Sequence[str | None]
) -> sa.ColumnElement[bool]:
    """Rows after the boundary row; ``args`` names the bind parameter of each sort-key value
    (None where the boundary value is NULL)."""
    directions = {desc for _, desc in order}
    if len(directions) == 1 and not any(col.nullable for col, _ in order):
        # One direction, no NULLs: a row-value comparison, which PostgreSQL serves from an index.
        lhs = sa.tuple_(*(col.column for col, _ in order))
        rhs = sa.tuple_(
            *(
                _bind(a, col.column)
                for (col, _), a in zip(order, args, strict=True)
                if a is not None
            )
        )
        row_value: sa.ColumnElement[bool] = lhs < rhs if directions == {True} else lhs > rhs
        return row_value
    alternatives: list[sa.ColumnElement[bool]] = []
    prefix: list[sa.ColumnElement[bool]] = []
    for (col, desc), arg in zip(order, args, strict=True):
        alternatives.append(sa.and_(*prefix, _beyond(col, desc, arg)))
        prefix.append(_same(col, arg))
    return sa.or_(*alternatives)


@dataclass(frozen=True, slots=True)
class ListQuery:
    info: EntityInfo
    key: Hashable  # the statement's shape
    statement: sa.Select[Any]
    params: dict[str, Any]
    filtered: Filtered
    order: tuple[tuple[SortColumn, bool], ...]
    limit: int
    backward: bool
    has_before: bool  # rows exist before the first returned row (cursor or offset said so)
    source: Any = None  # what count_statement counts: the mapped class, or the table

    def count_statement(self) -> sa.Select[Any]:
        """SELECT count(*) with the same filters (built only when with_total asks for it)."""
        return count_statement(self.info, self.filtered, self.source)

    def page(self, rows: Sequence[T], total: int | None) -> Page[T]:
        items = list(rows[: self.limit])
        more = len(rows) > self.limit
        if self.backward:
            items.reverse()
            has_next, has_prev = True, more
        else:
            has_next, has_prev = more, self.has_before
        next_cursor = prev_cursor = None
        if self.info.cursor and items:
            if has_next:
                next_cursor = self._cursor(items[-1])
            if has_prev:
                prev_cursor = self._cursor(items[0])
        return Page(items=items, next_cursor=next_cursor, prev_cursor=prev_cursor, total=total)

    def _cursor(self, row: Any) -> str:
        values = [getattr(row, col.key) for col, _ in self.order]
        return encode_cursor(self.info.scope, _signature(self.order), values)


def order_clauses(order: Sequence[tuple[SortColumn, bool]]) -> list[sa.ColumnElement[Any]]:
    return [col.column.desc() if desc else col.column.asc() for col, desc in order]


def stream_statement(
    info: EntityInfo,
    select: sa.Select[Any],
    f: Filtered,
    order: Sequence[tuple[SortColumn, bool]],
    variant: Hashable = None,
) -> tuple[Hashable, sa.Select[Any]]:
    """Every matching row in order (no limit), and its shape key: what ``stream`` reads through
    a server-side cursor. ``variant`` tells apart statements built on different selects."""
    key = ("stream", variant, f.key, _signature(order))

    def build() -> sa.Select[Any]:
        return select.where(*_conditions(info, f)).order_by(*order_clauses(order))

    return key, cached(info, key, build)


def build_list(
    info: EntityInfo,
    select: sa.Select[Any],
    *,
    where: BaseModel | None = None,
    search: str | None = None,
    order_by: Sequence[str] | None = None,
    limit: int | None = None,
    offset: int | None = None,
    after: str | None = None,
    before: str | None = None,
    load: Sequence[str] | None = None,
    finder: str | None = None,
    finder_params: dict[str, Any] | None = None,
    orm_options: bool = True,
    source: Any = None,
    variant: Hashable = None,
) -> ListQuery:
    """The SELECT for one page (limit + 1 rows, to learn whether another page follows).
    ``orm_options=False``: ``select`` already loads ``load`` (the fast path's joins).
    ``source``: what ``with_total`` counts (see ``count_statement``). ``variant`` tells apart
    statements built on different selects (the table's columns, a join, the mapped class)."""
    if limit is None:
        limit = info.max_page_size
    elif (reason := page_number_check(limit, 1)) is not None:
        raise refuse(info, "limit", reason)
    limit = min(limit, info.max_page_size)
    if offset is not None and (reason := page_number_check(offset, 0)) is not None:
        raise refuse(info, "offset", reason)
    if after is not None and before is not None:
        raise InvalidQueryError(info.entity, "pass after or before, not both")
    if offset and (after is not None or before is not None):
        raise InvalidQueryError(info.entity, "offset cannot be combined with a cursor")
    order = resolve_order(info, order_by)
    f = filtered(info, where, search, finder, finder_params)
    params = f.params
    params["p_limit"] = limit + 1
    if offset:
        params["p_offset"] = offset
    backward = before is not None
    cursor = after if after is not None else before
    args: tuple[str | None, ...] | None = None
    if cursor is not None:
        if not isinstance(cursor, str):
            raise InvalidCursorError(
                info.entity, f"a cursor is a string, not {type(cursor).__name__}"
            )
        values = decode_cursor(
            info.entity, info.scope, _signature(order), cursor, [c.kind for c, _ in order]
        )
        check_cursor(info, order, values)
        args = tuple(None if v is None else f"c_{i}" for i, v in enumerate(values))
        for i, v in enumerate(values):
            if v is not None:
                params[f"c_{i}"] = v
    # Validated on every call, before the cache (the fast path has validated them already).
    options = load_options(info, load) if orm_options else []
    key = (
        "list",
        variant,
        f.key,
        _signature(order),
        backward,
        args,
        bool(offset),
        tuple(load or ()),
    )

    def build() -> sa.Select[Any]:
        sql_order = tuple((col, not desc) for col, desc in order) if backward else order
        conditions = _conditions(info, f)
        if args is not None:
            conditions.append(keyset(sql_order, args))
        statement = (
            select.where(*conditions)
            .order_by(*order_clauses(sql_order))
            .limit(sa.bindparam("p_limit", type_=sa.BigInteger()))
        )
        if offset:
            statement = statement.offset(sa.bindparam("p_offset", type_=sa.BigInteger()))
        if options:
            statement = statement.options(*options)
        return statement

    return ListQuery(
        info,
        key,
        cached(info, key, build),
        params,
        f,
        order,
        limit,
        backward,
        has_before=after is not None or bool(offset),
        source=source,
    )
