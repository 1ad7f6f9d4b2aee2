"""Helpers shared by the test suites (imported as ``support``; tests/conftest.py sees to that)."""

from support.imports import import_generated, purge_modules
from support.paths import REPO_ROOT, require_shared, shared_dir
from support.pg import (
    FreshDb,
    PgServer,
    database_exists,
    discover_server,
    drop_database,
    in_ci,
    psql,
    temporary_database,
    unavailable,
)

__all__ = [
    "REPO_ROOT",
    "FreshDb",
    "PgServer",
    "database_exists",
    "discover_server",
    "drop_database",
    "import_generated",
    "in_ci",
    "psql",
    "purge_modules",
    "require_shared",
    "shared_dir",
    "temporary_database",
    "unavailable",
]
