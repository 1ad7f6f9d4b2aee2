"""Which columns identify a row: the keys that finders, upsert and cursor pagination rely on."""

from __future__ import annotations

from collections.abc import Sequence

from dbgen.ir import Catalog, Table
from dbgen.spec import types as ty


def unique_keys(table: Table, *, for_conflict: bool = False) -> set[frozenset[str]]:
    """Column sets that identify at most one row: the PK, unique constraints, unique indexes.

    ``for_conflict`` keeps only what ON CONFLICT (cols) can infer: partial and expression
    indexes need more than a column list.
    """
    keys: set[frozenset[str]] = set()
    if table.primary_key is not None:
        keys.add(frozenset(table.primary_key.columns))
    for u in table.uniques:
        keys.add(frozenset(u.columns))
    for ix in table.indexes:
        if not ix.unique or ix.where is not None:
            continue
        cols = [e.column for e in ix.elements]
        if all(c is not None for c in cols):
            keys.add(frozenset(c for c in cols if c is not None))
    return keys


def order_key(table: Table, catalog: Catalog) -> tuple[str, ...]:
    """Columns that give every row its own place in an order: the primary key, else the
    narrowest unique key (constraint, or unique index on plain columns without predicate) whose
    columns are all NOT NULL and orderable. Empty when there is none: then equal rows can exist,
    and a cursor could not say where a page ends."""
    if table.primary_key is not None:
        return table.primary_key.columns
    candidates: list[tuple[str, ...]] = [u.columns for u in table.uniques]
    for ix in table.indexes:
        cols = tuple(e.column for e in ix.elements)
        if ix.unique and ix.where is None and all(c is not None for c in cols):
            candidates.append(tuple(c for c in cols if c is not None))
    usable: list[tuple[str, ...]] = []
    for cols in candidates:
        columns = [table.column(c) for c in cols]
        if cols and all(
            c is not None and not c.nullable and ty.is_orderable(ty.resolve(c.type, catalog))
            for c in columns
        ):
            usable.append(cols)
    # Fewest columns first (cheapest to compare); ties keep declaration order (sort is stable).
    return min(usable, key=len) if usable else ()


def covers_unique(table: Table, cols: Sequence[str]) -> bool:
    wanted = frozenset(cols)
    return any(k <= wanted for k in unique_keys(table))
