"""SQLite: the reader in dbgen.sqlite, its declared-type map, the initial revision that replays
the schema's CREATE statements, aiosqlite and sqlite3 as drivers."""

from __future__ import annotations

from dbgen.dialects.base import Dialect, DriverFacts
from dbgen.sqlite import read_schema
from dbgen.sqlite.migration import plan_migration
from dbgen.sqlite.models import SQLITE_MODELS
from dbgen.sqlite.types import map_type
from dbgen.sqlite.verify import verify

SQLITE = Dialect(
    name="sqlite",
    read_schema=read_schema,
    map_type=map_type,
    plan_initial_migration=plan_migration,
    driver=DriverFacts(
        url_schemes=("sqlite",),
        async_driver="aiosqlite",
        sync_driver="pysqlite",
        async_url="sqlite+aiosqlite",
        sync_url="sqlite+pysqlite",
        example_url="sqlite+aiosqlite:///path/to/app.db",
        runtime="sqlite",
        requirements=("aiosqlite>=0.20,<1",),
    ),
    verify_local=verify,
    models=SQLITE_MODELS,
    docs="docs/sqlite.md",
)
