"""Live-suite plumbing: the repository tests run twice, directly and through a real PgBouncer
in transaction pooling mode (``route``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.pg import FreshDb, PgServer, temporary_database
from support.pgbouncer import Bouncer, running_pgbouncer
from support.replica import ReplicaPair, running_replica_pair

# Modules whose tests run a second time through PgBouncer, and tests left to the direct run
# (100,000 rows through COPY take a minute more and test nothing the pooler changes).
THROUGH_PGBOUNCER = frozenset({"test_repo", "test_repo_core"})
DIRECT_ONLY = frozenset({"test_bulk_100k_async"})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if (
        "route" in metafunc.fixturenames
        and module in THROUGH_PGBOUNCER
        and metafunc.function.__name__ not in DIRECT_ONLY
    ):
        metafunc.parametrize("route", ["direct", "pgbouncer"], indirect=True, scope="function")


@pytest.fixture
def route(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "direct"))


@pytest.fixture(scope="module")
def layout() -> str:
    """The layout the demo is built in for the modules that share test_repo's fixtures
    (test_repo itself runs on both: its own ``layout`` fixture overrides this one)."""
    return "layer"


@pytest.fixture(scope="session")
def pgbouncer(pg_server: PgServer) -> Iterator[Bouncer]:
    """PgBouncer (transaction pooling) in front of the session's server."""
    with running_pgbouncer(pg_server) as bouncer:
        yield bouncer


@pytest.fixture
def fresh_db(pg_server: PgServer, route: str, request: pytest.FixtureRequest) -> Iterator[FreshDb]:
    """An empty database of its own for one test (dropped afterwards), reached directly or,
    for ``route == "pgbouncer"``, through PgBouncer."""
    with temporary_database(pg_server) as db:
        if route == "pgbouncer":
            bouncer: Bouncer = request.getfixturevalue("pgbouncer")
            yield bouncer.route(db)
        else:
            yield db


@pytest.fixture(scope="session")
def replica_pair() -> Iterator[ReplicaPair]:
    """A primary and a streaming replica of its own (initdb, pg_basebackup -R), on free ports;
    stopped and removed after the session."""
    with running_replica_pair() as pair:
        yield pair
