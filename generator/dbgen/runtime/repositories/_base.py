"""What the generated repository modules import: one name space over the shared machinery.

``_query`` builds read statements (cached per call shape), ``_dml`` the writes, ``_driver`` runs
them on asyncpg or psycopg2 (the fast path), ``_hydrate`` turns rows into ORM instances and loads
relations, ``_operation`` is every operation's boundary (typed errors, logging), and ``_async``
and ``_sync`` are the repository base classes.
"""

from ._async import AsyncRepository
from ._dml import Writes, insert_batches, update_batches
from ._driver import COPY_MIN_ROWS, DriverStatement, driver_statement, watched
from ._hydrate import RowMap, hydrate, row_map
from ._operation import configure_logging, operation
from ._query import (
    EntityInfo,
    Filtered,
    ListQuery,
    SortColumn,
    build_list,
    cached,
    chunked,
    count_statement,
    escape_like,
    filtered,
    key_params,
    load_options,
    matches,
    pk_clause,
    pk_in,
    resolve_order,
    rowcount,
    with_loads,
)
from ._sync import SyncRepository
from ._values import MAX_BIND_PARAMS

__all__ = [
    "COPY_MIN_ROWS",
    "MAX_BIND_PARAMS",
    "AsyncRepository",
    "DriverStatement",
    "EntityInfo",
    "Filtered",
    "ListQuery",
    "RowMap",
    "SortColumn",
    "SyncRepository",
    "Writes",
    "build_list",
    "cached",
    "chunked",
    "configure_logging",
    "count_statement",
    "driver_statement",
    "escape_like",
    "filtered",
    "hydrate",
    "insert_batches",
    "key_params",
    "load_options",
    "matches",
    "operation",
    "pk_clause",
    "pk_in",
    "resolve_order",
    "row_map",
    "rowcount",
    "update_batches",
    "watched",
    "with_loads",
]
