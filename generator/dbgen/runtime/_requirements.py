"""What the generated package needs at run time: its dependency bounds, declared once.

The generated ``pyproject.toml`` lists ``REQUIREMENTS`` and its dialect's drivers (dbgen's
``DriverFacts.requirements``: asyncpg and psycopg2, aiosqlite) as its dependencies and
``TESTING_REQUIREMENTS`` as its ``testing`` extra (the pytest fixtures of ``testing.py``). Each
lower bound is the oldest release the runtime is tested on: CI runs the live repository tests on
those releases as well as on the newest ones. SQLAlchemy's upper bound is the next minor series,
because the driver's fast path uses a few of its private APIs (``_compat.py`` lists them); the
others are the next major version.

SQLAlchemy 2.0.42 is the floor because the SQLite and MySQL runtime needs it: bulk_update's
``WITH v(k_id, ...) AS (VALUES ...)`` on SQLite (``Values.cte``, new in 2.0.42), the queue pool
for aiosqlite file databases that DATABASE_POOL_SIZE configures (2.0.30 gave them a NullPool,
which refuses the pool settings) and ``ON DUPLICATE KEY UPDATE`` keyed by Column on MySQL
(2.0.30 dropped such keys, leaving an empty update). The contract suite (tests/acceptance) runs
on all three dialects on the lowest releases too (.ci/run).
"""

REQUIREMENTS: tuple[str, ...] = (
    "sqlalchemy[asyncio]>=2.0.42,<2.2",
    "pydantic>=2.6,<3",
    "alembic>=1.13,<2",
)

# What ``testing.py`` (the pytest fixtures) adds: pytest-asyncio runs the async fixtures.
TESTING_REQUIREMENTS: tuple[str, ...] = (
    "pytest>=8",
    "pytest-asyncio>=0.23",
)
