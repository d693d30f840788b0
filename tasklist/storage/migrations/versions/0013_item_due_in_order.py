"""On PostgreSQL the live items in registry order also carry their due date, so the reports read the
items they need from the index alone.

- ``ix_item_live_order`` (item.plan_id, position, id where not archived) INCLUDEs ``due`` on
  PostgreSQL. Overdue's candidates (the items past their due date), the week's table and the item
  totals need of an item only its id, plan, position and due date; the item rows also hold the
  titles and texts (100k items: 26 MB of rows against 6.4 MB of index). Read from the index alone,
  the scan is cheaper, and overdue's working set (the rows and indexes it touches) shrinks enough
  to stay in the default 128 MB of shared buffers beside ix_update_latest, where the item rows
  pushed ~11,000 of its index pages out to be read again from the OS on every run. SQLite has no
  INCLUDE: its index is unchanged.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

LIVE = sa.text("archived = 0")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_item_live_order", table_name="item")
        op.create_index("ix_item_live_order", "item", ["plan_id", "position", "id"], postgresql_where=LIVE,
                        postgresql_include=["due"])


def downgrade() -> None:
    raise NotImplementedError("tasklist's history is append-only: schemas move forward only")
