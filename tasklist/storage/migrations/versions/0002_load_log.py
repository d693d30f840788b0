"""Who loaded which registry when; an index for finding whether an update was undone.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_update_reverses", "status_update", ["reverses_id"])
    op.create_table(
        "load_log", sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("plan_id", sa.Text(), nullable=False), sa.Column("loaded_at", sa.Text(), nullable=False),
        sa.Column("loaded_by", sa.Text(), nullable=False), sa.Column("files", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False), sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    raise NotImplementedError("tasklist's history is append-only: schemas move forward only")
