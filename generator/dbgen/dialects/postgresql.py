"""PostgreSQL: the reader in dbgen.ddl, the type map in plan/typemap.py, the initial-revision
planner in plan/migration.py, asyncpg and psycopg2 as drivers."""

from __future__ import annotations

from dbgen.ddl import read_schema
from dbgen.dialects.base import Dialect, DriverFacts
from dbgen.plan.migration import plan_migration
from dbgen.plan.typemap import map_type
from dbgen.verify import verify_url

POSTGRESQL = Dialect(
    name="postgresql",
    read_schema=read_schema,
    map_type=map_type,
    plan_initial_migration=plan_migration,
    driver=DriverFacts(
        url_schemes=("postgresql", "postgres"),
        async_driver="asyncpg",
        sync_driver="psycopg2",
        async_url="postgresql+asyncpg",
        sync_url="postgresql+psycopg2",
        example_url="postgresql+asyncpg://user:password@host:5432/db",
        runtime="postgresql",
        requirements=("asyncpg>=0.29,<1", "psycopg2-binary>=2.9.9,<3"),
    ),
    verify_server=verify_url,
    plans_evolution=True,
)
