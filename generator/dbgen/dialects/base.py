"""What a dialect provides: the interface every per-dialect module implements.

A dialect is data: a name, four entry points and the driver facts the generated runtime needs.
Adding one (MySQL, SQLite) is a new module that builds a ``Dialect``, plus its line in
``dialects/__init__.py``; nothing else branches on the dialect's name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbgen.diagnostics import Diagnostic
from dbgen.ir import Catalog
from dbgen.plan.migration import MigrationPlan
from dbgen.plan.models import ModelDialect
from dbgen.plan.typemap import TypeContext, TypeMapper

# DDL sources as (display path, text) pairs, in read order -> the catalog and what was reported.
ReadSchema = Callable[[Sequence[tuple[str, str]]], tuple[Catalog, tuple[Diagnostic, ...]]]
# A column type -> its Python annotation, model type and migration type.
MapType = TypeMapper
# The catalog -> the initial revision, which rebuilds it from an empty database.
PlanInitialMigration = Callable[[Catalog, TypeContext], MigrationPlan]
VerifyLocal = Callable[[list[Path], dict[str, str]], list[Any]]
# `dbgen verify` on a server: (its sqlalchemy URL, the spec's SQL files, the generated files) ->
# the differences; a step that cannot run, or the server refusing us, is dbgen.verify.VerifyError.
VerifyServer = Callable[[Any, list[Path], dict[str, str]], list[Any]]


@dataclass(frozen=True, slots=True)
class DriverFacts:
    """What the generated engines, sessions and Alembic environment need to know."""

    url_schemes: tuple[str, ...]  # URL schemes a user's DATABASE_URL may start with
    async_driver: str  # SQLAlchemy driver name of the async engine ("asyncpg")
    sync_driver: str  # ... and of the sync engine ("psycopg2")
    async_url: str  # SQLAlchemy drivername for the async engine ("postgresql+asyncpg")
    sync_url: str  # ... and for the sync engine ("postgresql+psycopg2")
    example_url: str  # what DATABASE_URL looks like, for messages and docs
    # The runtime piece (dbgen/runtime/_dialects/<runtime>.py) the package gets as _dialect.py:
    # URL checks, engine and connection setup. Its constants agree with these facts
    # (tests/unit/test_dialects.py).
    runtime: str
    # The drivers' distributions, added to the runtime's common REQUIREMENTS in the generated
    # pyproject.toml (dbgen's own pyproject.toml carries the same bounds, in the test extra
    # for drivers dbgen itself does not need).
    requirements: tuple[str, ...]
    # Whether a database holds schemas of its own (PostgreSQL's; SQLite's attached "main").
    # MySQL's schemas are its databases: the Alembic environment then compares the one
    # DATABASE_URL names, not every database on the server (mysql, performance_schema ...).
    schemas_in_database: bool = True


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str  # the value of `dialect` in dbgen.toml
    read_schema: ReadSchema
    map_type: MapType
    plan_initial_migration: PlanInitialMigration
    driver: DriverFacts
    # How the models spell the dialect's tables, constraints and indexes (PostgreSQL's: the
    # defaults).
    models: ModelDialect = field(default_factory=ModelDialect)
    # `dbgen verify` without a server: (the spec's SQL files, the generated files) -> the
    # differences (dbgen.verify.Difference). None: verify needs a server (verify_server).
    verify_local: VerifyLocal | None = None
    # `dbgen verify` on the server --database-url names (a URL of one of driver.url_schemes).
    # None (with no verify_local): the dialect is not verified yet.
    verify_server: VerifyServer | None = None
    # Whether the diff planner (dbgen.evolve, PostgreSQL's) plans a revision after a schema edit.
    # A dialect without it gets its initial revision only; a later edit is refused
    # (history/unsupported.py) with ``docs``, the page that says what to do instead.
    plans_evolution: bool = False
    docs: str = "README.md"
