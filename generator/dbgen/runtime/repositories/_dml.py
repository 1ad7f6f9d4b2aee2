"""Write statements: INSERT, UPDATE, DELETE and the upsert, each built once per shape.

Every statement targets ``source``: the mapped class where there is one, so that the statement
is ORM-enabled when it goes through the session (a ``do_orm_execute`` listener sees it and its
loader criteria apply, exactly as to the ORM's own UPDATE/DELETE), and the table otherwise. On
the driver's fast path the same statement compiles to the same SQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from .. import _dialect
from ._query import EntityInfo, cached, check_key, chunked, pk_in
from ._values import MAX_BIND_PARAMS


@dataclass(frozen=True, slots=True)
class Writes:
    """What a repository's writes need to know beyond ``EntityInfo`` (set by the generated
    repository module)."""

    source: Any  # the mapped class, or the table
    # The primary key (bind pk__<attr>) of live rows, and the primary key alone (none: no key).
    key_where: tuple[sa.ColumnElement[bool], ...] = ()
    key_match: tuple[sa.ColumnElement[bool], ...] = ()
    version: sa.ColumnElement[Any] | None = None  # the optimistic-locking column
    version_attr: str | None = None
    soft_delete: Mapping[Any, Any] | None = None  # column -> the "deleted" value
    upsert_on: tuple[str, ...] = ()  # attribute names of the conflict target
    not_updated: frozenset[str] = frozenset()  # attributes an upsert never overwrites
    # attributes update, bulk_update and upsert's update branch set to now() unless given
    touch: tuple[str, ...] = ()
    insert_chunk_columns: int = 1  # columns per row, for chunking executemany


def column_keys(info: EntityInfo, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` keyed by Core column key instead of attribute name (they differ where an
    attribute was renamed: ``uuid_`` maps column ``uuid``)."""
    renames: dict[str, str] = cached(
        info,
        "renames",
        lambda: {
            a: c.key for a, c in info.columns.items() if isinstance(c, sa.Column) and a != c.key
        },
    )
    if not renames:
        return dict(values)
    return {renames.get(name, name): value for name, value in values.items()}


def returning(statement: Any, w: Writes, info: EntityInfo, entity: bool) -> Any:
    """``statement`` RETURNING the row: as the mapped instance (``entity``: the ORM loads it,
    firing its load events) or as the table's columns (the fast path hydrates them)."""
    return statement.returning(w.source) if entity else statement.returning(*info.table.c)


def insert_statement(info: EntityInfo, w: Writes, entity: bool) -> sa.Insert:
    """INSERT ... RETURNING the row (values come as execution parameters)."""
    target = w.source if entity else info.table
    return cached(
        info,
        ("insert", entity),
        lambda: cast(sa.Insert, returning(sa.insert(target), w, info, entity)),
    )


def update_statement(
    info: EntityInfo, w: Writes, fields: tuple[str, ...], entity: bool, rows: bool = True
) -> sa.Update:
    """UPDATE ... SET <fields> RETURNING the row, for one set of changed fields: bind
    ``set__<attr>`` per field, and ``version__expected`` with a version column. ``rows``
    False: without RETURNING, for a server that has none on UPDATE (MariaDB, MySQL)."""

    def build() -> sa.Update:
        # Keyed by Column: attribute names and column names may differ.
        assignments: dict[Any, Any] = {
            info.columns[name]: sa.bindparam(f"set__{name}", type_=info.columns[name].type)
            for name in fields
        }
        assignments.update(touched(info, w.touch, fields))
        conditions = list(w.key_where)
        version = w.version
        if version is not None:
            assignments[version] = version + 1
            conditions.append(version == sa.bindparam("version__expected", type_=version.type))
        update = sa.update(w.source).where(*conditions).values(assignments)
        if not rows:
            # The caller reads the row back (populate_existing), which brings a held instance
            # up to date: the ORM's own synchronization would only add a round trip (without
            # RETURNING, "fetch" SELECTs the matching keys before the UPDATE).
            return update.execution_options(synchronize_session=False)
        if entity:  # the ORM brings an instance the session holds up to date
            update = update.execution_options(populate_existing=True)
        return cast(sa.Update, returning(update, w, info, entity))

    return cached(info, ("update", fields, entity, rows), build)


def update_returns_rows(session: Any) -> bool:
    """Whether the session's server returns rows from UPDATE (PostgreSQL and SQLite do;
    MariaDB and MySQL do not: the row is read again after the write)."""
    return bool(session.get_bind().dialect.update_returning)


def reread(w: Writes) -> Any:
    """The live row by primary key (binds ``pk__<attr>``), its instance refreshed."""
    return sa.select(w.source).where(*w.key_where).execution_options(populate_existing=True)


def touched(info: EntityInfo, touch: Sequence[str], fields: Sequence[str]) -> dict[Any, Any]:
    """now() for each touch column the caller does not set itself."""
    return {info.columns[name]: sa.func.now() for name in touch if name not in fields}


def delete_statement(info: EntityInfo, w: Writes) -> sa.Update | sa.Delete:
    """The soft-delete stamp (an UPDATE of live rows) or a DELETE, by primary key."""

    def build() -> sa.Update | sa.Delete:
        if w.soft_delete is not None:
            return sa.update(w.source).where(*w.key_where).values(dict(w.soft_delete))
        return sa.delete(w.source).where(*w.key_match)

    return cached(info, "delete", build)


def bulk_delete_statement(
    info: EntityInfo, w: Writes, keys: Sequence[Any]
) -> sa.Update | sa.Delete:
    if w.soft_delete is not None:
        return sa.update(w.source).where(*info.live(pk_in(info, keys))).values(dict(w.soft_delete))
    return sa.delete(w.source).where(pk_in(info, keys))


def upsert_statement(
    info: EntityInfo, w: Writes, values: Mapping[str, Any], dialect: str = "postgresql"
) -> Any:
    """INSERT ... ON CONFLICT (upsert_on) DO UPDATE the fields set (the version bumped, a
    soft-delete stamp cleared, the touch columns stamped), for ``values`` keyed by attribute.

    On MySQL/MariaDB (``dialect``): INSERT ... ON DUPLICATE KEY UPDATE, which names no conflict
    target: any unique key of the table that the row collides with picks the row updated (the
    docs say so; with upsert_on the table's only unique key besides the primary key, it is the
    same)."""
    on_mysql = dialect in ("mysql", "mariadb")
    insert = (mysql if on_mysql else postgresql).insert(w.source).values(dict(values))
    proposed = insert.inserted if on_mysql else insert.excluded
    # Keyed by Column: attribute names and column names may differ.
    updates: dict[Any, Any] = {
        info.columns[name]: proposed[info.columns[name].key or name]
        for name in values
        if name not in w.not_updated
    }
    # The update branch is an update: its touch columns are stamped as update's are (unless
    # the caller set them, or they are part of the conflict target).
    updates.update(touched(info, [t for t in w.touch if t not in w.not_updated], tuple(values)))
    if w.version is not None:
        updates[w.version] = w.version + 1
    if w.soft_delete is not None:
        for column in w.soft_delete:
            updates[column] = None  # upserting a deleted row brings it back
    conflict = [info.columns[name] for name in w.upsert_on]
    if not updates:
        # DO NOTHING would return no row; a no-op write returns the existing one.
        updates = {conflict[0]: proposed[conflict[0].key or w.upsert_on[0]]}
    if on_mysql:
        return insert.on_duplicate_key_update(updates)
    return insert.on_conflict_do_update(index_elements=conflict, set_=updates)


def conflicting_row(info: EntityInfo, w: Writes) -> sa.Select[Any]:
    """The primary key of the row an upsert would update (bind ``c__<attr>`` per conflict
    column), locked: a Core statement on the table, which no loader criteria filter."""

    def build() -> sa.Select[Any]:
        match = [
            info.columns[a] == sa.bindparam(f"c__{a}", type_=info.columns[a].type)
            for a in w.upsert_on
        ]
        return sa.select(*(c.column for c in info.pk)).where(*match).with_for_update()

    return cached(info, "conflicting row", build)


def insert_new(
    info: EntityInfo, w: Writes, values: Mapping[str, Any], dialect: str = "postgresql"
) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the instance: no row when one conflicts.

    MySQL/MariaDB have no DO NOTHING for one key (INSERT IGNORE would also swallow bad values,
    and ON DUPLICATE KEY UPDATE would write the row it collides with): a plain INSERT, whose
    duplicate-key error the caller takes as the conflict."""
    if dialect in ("mysql", "mariadb"):
        return sa.insert(w.source).values(dict(values)).returning(w.source)
    conflict = [info.columns[name] for name in w.upsert_on]
    insert = postgresql.insert(w.source).values(dict(values))
    return insert.on_conflict_do_nothing(index_elements=conflict).returning(w.source)


def insert_batches(
    rows: Sequence[dict[str, Any]], columns_per_row: int
) -> Iterator[list[dict[str, Any]]]:
    """Rows grouped by the keys they set (one executemany needs one shape), in chunks that stay
    under the bind-parameter limit."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        shapes.setdefault(tuple(sorted(row)), []).append(row)
    size = max(1, MAX_BIND_PARAMS // max(1, columns_per_row))
    for group in shapes.values():
        for start in range(0, len(group), size):
            yield group[start : start + size]


def update_batches(
    info: EntityInfo,
    items: Sequence[tuple[Any, dict[str, Any]]],
    version: str | None,
    source: Any = None,
    touch: Sequence[str] = (),
) -> Iterator[tuple[sa.Update, list[Any]]]:
    """UPDATE ... FROM (VALUES ...) statements for ``(key, changes)`` pairs: one per set of
    changed fields, each under the bind-parameter limit. Yields (statement, keys)."""
    shapes: dict[tuple[str, ...], list[tuple[Any, dict[str, Any]]]] = {}
    for key, change in items:
        check_key(info, key)
        fields = tuple(sorted(f for f in change if f != version))
        shapes.setdefault(fields, []).append((key, change))
    target = info.table if source is None else source
    for fields, group in shapes.items():
        if not fields and version is None and not touch:
            continue  # nothing to write for these rows
        per_row = len(info.pk) + len(fields) + (1 if version is not None else 0)
        for chunk in chunked(group, max(1, MAX_BIND_PARAMS // per_row)):
            statement = _update_values(info, target, chunk, fields, version, touch)
            yield statement, [key for key, _ in chunk]


def _update_values(
    info: EntityInfo,
    target: Any,
    chunk: Sequence[tuple[Any, dict[str, Any]]],
    fields: Sequence[str],
    version: str | None,
    touch: Sequence[str] = (),
) -> sa.Update:
    # Each VALUES column is cast to its target column's type: psycopg2 sends untyped literals,
    # which PostgreSQL would otherwise read as text.
    pk_names = [f"k_{c.key}" for c in info.pk]
    value_names = [f"v_{f}" for f in fields]
    vcols = [sa.column(n, c.column.type) for n, c in zip(pk_names, info.pk, strict=True)]
    cols = info.columns
    vcols += [sa.column(n, cols[f].type) for n, f in zip(value_names, fields, strict=True)]
    if version is not None:
        vcols.append(sa.column("w_version", cols[version].type))
    rows = []
    for key, change in chunk:
        row = [*(key if len(info.pk) > 1 else (key,)), *(change[f] for f in fields)]
        if version is not None:
            row.append(change[version])
        rows.append(tuple(row))
    data = _dialect.values_source(sa.values(*vcols, name="v").data(rows))
    where = [
        c.column == sa.cast(data.c[n], c.column.type)
        for n, c in zip(pk_names, info.pk, strict=True)
    ]
    # Keyed by Column: attribute names and column names may differ.
    assignments: dict[Any, Any] = {
        cols[f]: sa.cast(data.c[n], cols[f].type) for n, f in zip(value_names, fields, strict=True)
    }
    assignments.update(touched(info, touch, fields))
    if version is not None:
        where.append(cols[version] == sa.cast(data.c["w_version"], cols[version].type))
        assignments[cols[version]] = cols[version] + 1
    return (
        sa.update(target)
        .where(*info.live(*where))
        .values(assignments)
        .returning(*(c.column for c in info.pk))
        .execution_options(synchronize_session=False)
    )
