"""The shadow tables SQLite makes for a virtual table (FTS3/4/5, R*Tree, Geopoly keep their
data in ordinary tables named ``<table>_<suffix>``): the migration makes them by creating the
virtual table, and the models map neither, so `alembic check` must not count them."""

from __future__ import annotations

import re

_RTREE = ("node", "parent", "rowid")
# Per module, its shadow tables' suffixes (SQLite's documentation of each module). A module
# that keeps some of them only with some options (fts4's docsize and stat) is listed with all:
# the list filters what reflection finds, so a name that does not exist costs nothing.
_SUFFIXES = {
    "fts3": ("content", "segments", "segdir", "docsize", "stat"),
    "fts4": ("content", "segments", "segdir", "docsize", "stat"),
    "fts5": ("data", "idx", "content", "docsize", "config"),
    "rtree": _RTREE,
    "rtree_i32": _RTREE,
    "geopoly": _RTREE,
}
_MODULE = re.compile(r"\bUSING\s+(\w+)", re.IGNORECASE)


def shadow_tables(name: str, sql: str) -> tuple[str, ...]:
    """The shadow tables of the virtual table ``name`` that ``sql`` creates (none for a module
    not listed: its own tables, if any, are the user's to leave out)."""
    found = _MODULE.search(sql)
    module = found.group(1).lower() if found else ""
    return tuple(f"{name}_{suffix}" for suffix in _SUFFIXES.get(module, ()))
