"""What the generated package needs at run time: its dependency bounds, declared once.

The generated ``pyproject.toml`` lists ``REQUIREMENTS`` and its dialect's drivers (dbgen's
``DriverFacts.requirements``: asyncpg and psycopg2, aiosqlite) as its dependencies and
``TESTING_REQUIREMENTS`` as its ``testing`` extra (the pytest fixtures of ``testing.py``). Each
lower bound is the oldest release the runtime is tested on: CI runs the live repository tests on
those releases as well as on the newest ones. SQLAlchemy's upper bound is the next minor series,
because the driver's fast path uses a few of its private APIs (``_compat.py`` lists them); the
others are the next major version.
"""

REQUIREMENTS: tuple[str, ...] = (
    "sqlalchemy[asyncio]>=2.0.30,<2.2",
    "pydantic>=2.6,<3",
    "alembic>=1.13,<2",
)

# What ``testing.py`` (the pytest fixtures) adds: pytest-asyncio runs the async fixtures.
TESTING_REQUIREMENTS: tuple[str, ...] = (
    "pytest>=8",
    "pytest-asyncio>=0.23",
)
