"""Rows into persistent ORM instances, and relations loaded on the fast path.

``hydrate`` does for the driver's rows what the ORM's loader does for a row it has not seen: a
new instance, its values as committed state (no history), registered in the session's identity
map. Relations are read with constant statements: many-to-one LEFT JOINed into the parents'
statement (``joined_read``), collections with one ``= ANY($1)`` statement per relationship
(``relation_loads``). Many-to-many and composite keys are left to the ORM's loaders.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_dict, instance_state, set_committed_value
from sqlalchemy.sql.util import ClauseAdapter

from .. import _compat, _dialect
from ._driver import NOT_COMPILABLE
from ._query import EntityInfo, cached


@dataclass(frozen=True, slots=True)
class RowMap:
    """How a row of the table's columns (in table order) becomes a mapped instance."""

    mapper: Any
    attrs: tuple[str, ...]
    pk: tuple[int, ...]  # positions of the primary-key columns
    # What a loader needs for rows with these conversions (see ``_plan``), made once each.
    plans: dict[Any, Plan] = field(default_factory=dict, compare=False, repr=False)


def row_map(model: type, table: sa.Table) -> RowMap:
    mapper: Any = sa.inspect(model)
    columns = list(table.c)
    attrs = tuple(mapper.get_property_by_column(c).key for c in columns)
    return RowMap(mapper, attrs, tuple(columns.index(c) for c in mapper.primary_key))


@dataclass(frozen=True, slots=True)
class RelationLoad:
    """A relationship the fast path loads with one more statement whatever the number of
    parents: the related rows whose ``remote`` column is any of the parents' keys. Its SQL text
    is constant (one array parameter), so the driver prepares it once."""

    attr: str  # the relationship attribute on the parents
    local: str  # the parents' attribute holding the key
    remote: int  # the position of the matched column in the related rows
    rowmap: RowMap
    columns: Sequence[sa.ColumnElement[Any]]  # the related table's columns
    statement: sa.Select[Any]
    collection: bool
    # Many-to-one: the parents' key column, the related table, the criterion (or None). Such a
    # relation joins into the parents' statement instead (see ``joined_read``).
    join: tuple[sa.ColumnElement[Any], sa.Table, Any] | None


def relation_loads(info: EntityInfo, mapper: Any, name: str) -> tuple[RelationLoad, ...] | None:
    """How the fast path loads relation ``name`` (built once, from SQLAlchemy's own view of the
    relationships), or None where only the ORM can: many-to-many, composite keys."""

    def build() -> object:
        if not mapper.configured:
            sa.orm.configure_mappers()
        out: list[RelationLoad] = []
        for attr, criterion in info.relations.get(name, ()):
            rel = mapper.relationships[attr]
            if rel.secondary is not None or len(rel.local_remote_pairs) != 1:
                return NOT_COMPILABLE
            local, remote = rel.local_remote_pairs[0]
            table = rel.mapper.local_table
            columns = list(table.c)
            position = next((i for i, c in enumerate(columns) if c is remote), None)
            if position is None:
                return NOT_COMPILABLE
            conditions = [_dialect.key_in(remote, "keys")]
            if criterion is not None:
                conditions.append(criterion)
            many_to_one = rel.direction is sa.orm.MANYTOONE
            out.append(
                RelationLoad(
                    attr,
                    mapper.get_property_by_column(local).key,
                    position,
                    row_map(rel.mapper.class_, table),
                    columns,
                    sa.select(*columns).where(*conditions),
                    bool(rel.uselist),
                    (local, table, criterion) if many_to_one else None,
                )
            )
        return tuple(out)

    found = cached(info, ("relations", name), build)
    return None if found is NOT_COMPILABLE else cast("tuple[RelationLoad, ...]", found)


@dataclass(frozen=True, slots=True)
class Joined:
    """A read whose many-to-one relations come in the same statement, LEFT JOINed: the
    parents' columns, then each related table's (an alias, so a table may appear twice)."""

    select: sa.Select[Any]
    columns: tuple[sa.ColumnElement[Any], ...]
    parts: tuple[tuple[RelationLoad, int], ...]  # each joined relation, where its columns start
    rest: tuple[RelationLoad, ...]  # the others: one more statement each


def joined_read(info: EntityInfo, mapper: Any, load: tuple[str, ...]) -> Joined:
    """How the fast path reads rows of ``info`` with the relations in ``load`` (all of which
    ``relation_loads`` can serve)."""

    def build() -> Joined:
        source: sa.FromClause = info.table
        columns = list(info.table.c)
        parts: list[tuple[RelationLoad, int]] = []
        rest: list[RelationLoad] = []
        for name in load:
            for rl in relation_loads(info, mapper, name) or ():
                if rl.join is None:
                    rest.append(rl)
                    continue
                local, table, criterion = rl.join
                alias = table.alias()
                on = [alias.c[rl.remote] == local]
                if criterion is not None:
                    on.append(ClauseAdapter(alias).traverse(criterion))
                source = source.outerjoin(alias, sa.and_(*on))
                parts.append((rl, len(columns)))
                columns.extend(alias.c)
        select = sa.select(*columns).select_from(source)
        return Joined(select, tuple(columns), tuple(parts), tuple(rest))

    return cached(info, ("joined", load), build)


Loader = Callable[[Sequence[Any]], Any]
# From this many rows a read pauses the cyclic garbage collector while it builds the instances.
PAUSE_COLLECTOR_ROWS = 200


class PausedCollector:
    """``with PausedCollector(rows):`` builds a large batch of instances with the cyclic garbage
    collector paused, and restores it as it was (as ``models/__init__`` does for the import).

    Each new instance allocates about six objects the collector tracks (the instance, its
    dict, its state, the state's weak reference and set, ...). A page holds all of them until
    it is returned, so each collection the allocations trigger on the way walks the page built
    so far, and survivors reach the older generations, whose collections walk every tracked
    object of the process: 10-15% of a 500-row read with its relation. Paused, the page is
    walked once, by the first collection after it. Nothing is left for the collector: rows and
    instances hold no reference cycles, reference counting frees them. A batch smaller than
    ``PAUSE_COLLECTOR_ROWS`` does not pause: it triggers a collection or none."""

    __slots__ = ("paused",)

    def __init__(self, rows: int) -> None:
        self.paused = rows >= PAUSE_COLLECTOR_ROWS and gc.isenabled()

    def __enter__(self) -> None:
        if self.paused:
            gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.paused:
            gc.enable()


# (position in the row, SQLAlchemy's result conversion) for the columns that need one.
Conversions = Sequence[tuple[int, Callable[[Any], Any]]]


@dataclass(frozen=True, slots=True)
class Plan:
    """What every loader of one table's rows with the same conversions shares, found once (a
    one-row read makes a loader per call)."""

    mine: tuple[tuple[int, Callable[[Any], Any]], ...]  # the conversions of the table's columns
    convert: tuple[tuple[str, Callable[[Any], Any]], ...]  # the same, by attribute
    key_converted: bool  # a key column is converted: the identity key needs the new value
    single: int | None  # the key's position, when it is one column
    # An identity key is (class, primary key tuple, token), built inline row by row.
    identity_class: Any
    token: Any
    new: Callable[[], Any]  # a new instance (``_compat.instance_factory``)
    parts: tuple[Any, Callable[[Any, Any], Any], Any, str] | None  # ``_compat.instance_parts``


def _plan(rowmap: RowMap, conversions: Conversions) -> Plan:
    key = conversions if isinstance(conversions, tuple) else tuple(conversions)
    found = rowmap.plans.get(key)
    if found is None:
        mapper = rowmap.mapper
        mine = tuple((i, p) for i, p in key if i < len(rowmap.attrs))
        identity_class, _, token = mapper.identity_key_from_primary_key(())
        found = rowmap.plans[key] = Plan(
            mine,
            tuple((rowmap.attrs[i], p) for i, p in mine),
            any(i in rowmap.pk for i, _ in mine),
            rowmap.pk[0] if len(rowmap.pk) == 1 else None,
            identity_class,
            token,
            _compat.instance_factory(mapper),
            _compat.instance_parts(mapper),
        )
    return found


def converted(row: Sequence[Any], conversions: Conversions) -> Sequence[Any]:
    """``row`` with the conversions applied (a new list; the row itself if there are none)."""
    if not conversions:
        return row
    out = list(row)
    for i, p in conversions:
        out[i] = p(out[i])
    return out


def _held(
    found: Any,
    row: Sequence[Any],
    attrs: tuple[str, ...],
    width: int,
    mine: Conversions,
    overwrite: bool,
) -> Any:
    """An instance the session holds, for a row read again: returned as it is, its expired
    attributes filled in (all of them with ``overwrite``). A function of its own, not a
    closure per loader: most loaders never get here, and a one-row read makes one per call."""
    stale = attrs if overwrite else _compat.expired_attributes(instance_state(found))
    if stale:
        for attr, value in zip(attrs, converted(row[:width], mine), strict=True):
            if attr in stale:
                set_committed_value(found, attr, value)
    return found


def loader(
    session: Session,
    rowmap: RowMap,
    *,
    overwrite: bool = False,
    conversions: Conversions = (),
) -> Loader:
    """A function turning one row into its persistent instance, as the ORM's loader would: an
    instance the session already holds is returned as it is (its expired attributes filled in),
    or, with ``overwrite`` (after a write), brought up to date like ``populate_existing``. The
    row is the driver's, ``conversions`` not yet applied (they are, to the new instance's
    values). Made per batch of rows: it holds the session's identity map of the moment.

    This runs once per row read, so the ORM's steps are inlined where ``_compat`` finds their
    parts: the instance, its state and its values built in place, the identity map's own dict
    consulted and filled (what ``_add_unpresent`` does)."""
    if not rowmap.mapper.configured:
        sa.orm.configure_mappers()  # what the ORM's first query would do
    plan = _plan(rowmap, conversions)
    mine = plan.mine
    if plan.key_converted:
        plain = loader(session, rowmap, overwrite=overwrite)
        return lambda row: plain(converted(row, mine))
    attrs = rowmap.attrs
    pk = rowmap.pk
    width = len(attrs)
    convert = plan.convert
    identity_map = session.identity_map
    session_id = _compat.session_token(session)
    identity_class, token, new, single = plan.identity_class, plan.token, plan.new, plan.single

    parts = plan.parts
    store = _compat.identity_store(identity_map)
    if parts is None or store is None:
        get = identity_map.get
        add = _compat.identity_adder(identity_map)

        def load_plain(row: Sequence[Any]) -> Any:
            ident = (row[single],) if single is not None else tuple(row[i] for i in pk)
            key = (identity_class, ident, token)
            found = get(key)
            if found is not None:
                return _held(found, row, attrs, width, mine, overwrite)
            obj = new()
            # (A row may go on with joined columns: zip stops at the table's.)
            values = instance_dict(obj)
            values.update(zip(attrs, row, strict=False))
            for attr, p in convert:
                values[attr] = p(values[attr])
            state = instance_state(obj)
            state.key = key
            state.session_id = session_id
            add(state, key)
            return obj

        return load_plain

    cls, new_state, manager, state_attr = parts
    make = cls.__new__
    states, ref = store
    lookup = states.get

    def load(row: Sequence[Any]) -> Any:
        ident = (row[single],) if single is not None else tuple(row[i] for i in pk)
        key = (identity_class, ident, token)
        held = lookup(key)
        if held is not None:
            found = held.obj()
            if found is not None:
                return _held(found, row, attrs, width, mine, overwrite)
        obj = make(cls)
        state = new_state(obj, manager)
        values = obj.__dict__
        values[state_attr] = state
        # (A row may go on with joined columns: zip stops at the table's.)
        values.update(zip(attrs, row, strict=False))
        for attr, p in convert:
            values[attr] = p(values[attr])
        state.key = key
        state.session_id = session_id
        states[key] = state
        state._instance_dict = ref
        return obj

    return load


def hydrate(
    session: Session,
    rowmap: RowMap,
    rows: Iterable[Sequence[Any]],
    *,
    overwrite: bool = False,
    conversions: Conversions = (),
) -> list[Any]:
    """Persistent instances for ``rows`` (see ``loader``)."""
    return list(map(loader(session, rowmap, overwrite=overwrite, conversions=conversions), rows))


def attach_joined(
    session: Session,
    joined: Joined,
    parents: Sequence[Any],
    records: Sequence[Sequence[Any]],
    conversions: Conversions = (),
) -> None:
    """Set each joined many-to-one relation on the parents that have it unloaded, from the
    related columns of their rows (as the ORM's joined loader does: committed state);
    ``conversions`` are the whole row's, not yet applied."""
    for rl, start in joined.parts:
        # Each related row once (many parents often share one), keyed by its primary key.
        pk, end = start + rl.rowmap.pk[0], start + len(rl.columns)
        part = tuple((i - start, p) for i, p in conversions if start <= i < end)
        unique: dict[Any, Sequence[Any]] = {}
        for r in records:
            if r[pk] is not None and r[pk] not in unique:
                unique[r[pk]] = r[start:end]
        related = hydrate(session, rl.rowmap, unique.values(), conversions=part)
        found = dict(zip(unique, related, strict=True))
        attr = rl.attr
        for parent, r in zip(parents, records, strict=True):
            values = instance_dict(parent)
            if attr not in values:
                values[attr] = found.get(r[pk])


def hydrate_joined(
    session: Session,
    rowmap: RowMap,
    joined: Joined,
    records: Sequence[Sequence[Any]],
    conversions: Conversions = (),
) -> list[Any]:
    """The instances of a ``joined_read``'s rows (its leading columns), with the joined
    relations set (``attach_joined``)."""
    parents = hydrate(session, rowmap, records, conversions=conversions)
    attach_joined(session, joined, parents, records, conversions)
    return parents


def unloaded(parents: Sequence[Any], rl: RelationLoad) -> tuple[list[Any], list[Any]]:
    """The parents that have relation ``rl`` unloaded, and the keys its statement looks for."""
    todo = [p for p in parents if rl.attr not in instance_dict(p)]
    keys = {instance_dict(p).get(rl.local) for p in todo} - {None}
    return todo, list(keys)


def attach_related(
    session: Session, rl: RelationLoad, todo: Sequence[Any], rows: Sequence[Sequence[Any]]
) -> None:
    """Set relation ``rl`` on the parents in ``todo`` from the related rows its statement
    returned (an empty collection, or None, where none matched)."""
    related = hydrate(session, rl.rowmap, rows)
    found: dict[Any, Any] = {}
    for obj, row in zip(related, rows, strict=True):
        if rl.collection:
            found.setdefault(row[rl.remote], []).append(obj)
        else:
            found[row[rl.remote]] = obj
    for parent in todo:
        value = found.get(instance_dict(parent).get(rl.local))
        if value is None and rl.collection:
            value = []
        set_committed_value(parent, rl.attr, value)
