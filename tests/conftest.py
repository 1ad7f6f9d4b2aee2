"""Session-wide test plumbing: PostgreSQL for live tests, golden-update switch, markers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# ``support`` is imported by name from every suite. pytest's default import mode puts this
# directory on sys.path already; --import-mode=importlib does not, so make it explicit.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from support.pg import FreshDb, PgServer, discover_server, temporary_database  # noqa: E402


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite the expected trees of tests/golden/cases from the current generator",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Anything that needs the server is a live test, whether or not its author remembered the
    # marker, so `pytest -m "not live"` reliably runs without PostgreSQL.
    for item in items:
        if "pg_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.live)


@pytest.fixture(scope="session")
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """True when the run was started with --update-goldens."""
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The PostgreSQL server of this session (skips, or fails under CI=true, when none).

    ``pg_server.admin_dsn`` reaches the maintenance database; ``pg_server.libpq_env()`` gives
    PGHOST/PGPORT/PGUSER for command-line tools.
    """
    with discover_server() as server:
        yield server


@pytest.fixture
def fresh_db(pg_server: PgServer) -> Iterator[FreshDb]:
    """An empty database of its own for one test; dropped WITH (FORCE) afterwards."""
    with temporary_database(pg_server) as db:
        yield db
