"""What the generated package needs at run time: its dependency bounds, declared once.

A generated ``pyproject.toml`` (or any packaging) reads ``REQUIREMENTS``. Each lower bound is the
oldest release the runtime is tested on: CI runs the live repository tests on those releases as
well as on the newest ones. SQLAlchemy's upper bound is the next minor series, because the
driver's fast path uses a few of its private APIs (``_compat.py`` lists them); the others are the
next major version.
"""

REQUIREMENTS: tuple[str, ...] = (
    "sqlalchemy[asyncio]>=2.0.30,<2.2",
    "asyncpg>=0.29,<1",
    "psycopg2-binary>=2.9.9,<3",
    "pydantic>=2.6,<3",
    "alembic>=1.13,<2",
)
