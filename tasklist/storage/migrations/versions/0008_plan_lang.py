"""The language a plan's office reads (``lang:`` in the registry's plan header): what tasklist
speaks when neither --lang nor TASKLIST_LANG says otherwise.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("lang", sa.Text(), nullable=False, server_default="zh-CN"))


def downgrade() -> None:
    raise NotImplementedError("tasklist's history is append-only: schemas move forward only")
