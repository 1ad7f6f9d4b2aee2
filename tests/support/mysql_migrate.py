"""Run one generated initial revision's upgrade() or downgrade() on $DATABASE_URL_SYNC through
Alembic's Operations, without the generated env.py (the tests' runner for mysql-roundtrip).

    python -m support.mysql_migrate upgrade|downgrade path/to/<rev>_initial.py
"""

from __future__ import annotations

import importlib.util
import os
import sys

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations


def main(argv: list[str]) -> int:
    direction, path = argv
    spec = importlib.util.spec_from_file_location("initial_revision", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    engine = sa.create_engine(os.environ["DATABASE_URL_SYNC"])
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn)
            with Operations.context(ctx):
                getattr(module, direction)()
            conn.commit()
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
