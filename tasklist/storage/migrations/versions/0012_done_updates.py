"""The done updates, indexed apart: overdue looks up an assignment's update in force only if it has one.

- ``ix_update_done`` (status_update.assignment_id, reported_on where status = 'done'): an assignment
  with no done update on or before the as-of date is not done, so ``rules.sql_overdue_assignment``
  asks this small index (86k of 1M updates at 100k items) which of the overdue candidates have one,
  and looks up the update in force only for those: at 100k, 62,564 lookups instead of 122,906.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

DONE = sa.text("status = 'done'")


def upgrade() -> None:
    op.create_index("ix_update_done", "status_update", ["assignment_id", "reported_on"], sqlite_where=DONE,
                    postgresql_where=DONE)


def downgrade() -> None:
    raise NotImplementedError("tasklist's history is append-only: schemas move forward only")
