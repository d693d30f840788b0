"""An update can be reversed only once, on both engines, even when two processes try at once.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A PostgreSQL database may already hold two reversals of one update (the race this closes): the
    # index cannot be built over them, so the upgrade stops, changing nothing, with the database's
    # message naming the duplicate for the administrator to look at.
    op.drop_index("ix_update_reverses", table_name="status_update")
    op.create_index("ux_update_reverses", "status_update", ["reverses_id"], unique=True)


def downgrade() -> None:
    raise NotImplementedError("tasklist's history is append-only: schemas move forward only")
