"""Backfill titles from the first line of each body (written by hand).

Revision ID: 5e1f0c2a9b7d
Revises: 72bb5d0cf75b
"""

from alembic import op

revision = "5e1f0c2a9b7d"
down_revision = "72bb5d0cf75b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE notes SET title = split_part(body, E'\\n', 1) WHERE title = ''")


def downgrade() -> None:
    pass
