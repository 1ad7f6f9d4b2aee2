"""MySQL / MariaDB: the reader, type map and initial-revision planner in dbgen.mysql, aiomysql
and PyMySQL as drivers; verify on a MariaDB/MySQL server."""

from __future__ import annotations

from dbgen.dialects.base import Dialect, DriverFacts
from dbgen.mysql.migration import plan_migration
from dbgen.mysql.model_kwargs import index_kwargs, primary_key_kwargs, table_kwargs
from dbgen.mysql.reader import read_schema
from dbgen.mysql.typemap import map_type
from dbgen.mysql.verify import verify
from dbgen.plan.models import ModelDialect

MYSQL = Dialect(
    name="mysql",
    read_schema=read_schema,
    map_type=map_type,
    plan_initial_migration=plan_migration,
    driver=DriverFacts(
        url_schemes=("mysql", "mariadb"),
        async_driver="aiomysql",
        sync_driver="pymysql",
        async_url="mysql+aiomysql",
        sync_url="mysql+pymysql",
        example_url="mysql+aiomysql://user:password@host:3306/db",
        runtime="mysql",
        requirements=("aiomysql>=0.2,<1", "PyMySQL>=1.1,<2"),
        schemas_in_database=False,
    ),
    models=ModelDialect(
        table_kwargs=table_kwargs,
        index_kwargs=index_kwargs,
        primary_key_kwargs=primary_key_kwargs,
        column_elements=True,
    ),
    verify_server=verify,
    docs="docs/mysql.md",
)
