"""The order the downgrade drops SQLite's tables in: every table after the tables whose foreign
keys refer to it.

SQLite lets CREATE TABLE refer to a table created later, and DROP TABLE deletes the table's rows
first, which, with foreign keys on (the engines turn them on), fails while another table's rows
still refer to them. Reverse creation order is therefore no order to drop in; children first
is. A cycle of keys (a -> b -> a) has no such order: its tables are dropped in reverse creation
order under ``PRAGMA defer_foreign_keys``, which holds the checks until the COMMIT, when none of
them is left (DROP TABLE's own delete runs no ON DELETE action, RESTRICT's immediate check
included: only the deferred count of the keys remains).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from dbgen.ir import Catalog

DEFER = "PRAGMA defer_foreign_keys = ON"


def table_drop_order(catalog: Catalog, names: Sequence[str]) -> tuple[list[str], bool]:
    """``names`` (tables in creation order) in the order to drop them, and whether keys made a
    cycle (the downgrade then needs DEFER first). Keys to tables outside ``names`` (a table the
    schema never made: SQLite allows it) do not order anything."""
    rank = {n.lower(): i for i, n in enumerate(names)}
    # parent -> the tables whose keys refer to it, other than itself
    children: dict[str, set[str]] = {n: set() for n in rank}
    for t in catalog.tables:
        child = t.qname.name.lower()
        if child not in rank:
            continue
        for fk in t.foreign_keys:
            parent = fk.ref_table.name.lower()
            if parent in rank and parent != child:
                children[parent].add(child)
    waiting = {n: len(c) for n, c in children.items()}  # children not dropped yet
    parents: dict[str, list[str]] = {n: [] for n in rank}
    for parent, kids in children.items():
        for child in kids:
            parents[child].append(parent)
    # Ready tables, last created first (the order the downgrade always had, where keys allow).
    ready = [-rank[n] for n, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    dropped: set[str] = set()
    order: list[str] = []
    cyclic = False
    while len(order) < len(rank):
        if ready:
            name = names[-heapq.heappop(ready)].lower()
        else:  # a cycle: entered at the last created table left
            cyclic = True
            name = next(n.lower() for n in reversed(names) if n.lower() not in dropped)
        if name in dropped:
            continue
        dropped.add(name)
        order.append(names[rank[name]])
        for parent in parents[name]:
            waiting[parent] -= 1
            if waiting[parent] == 0 and parent not in dropped:
                heapq.heappush(ready, -rank[parent])
    return order, cyclic
