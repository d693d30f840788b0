"""Feedback files imported, by content: the same file imported twice records nothing.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_log", sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("agency_id", sa.Integer(), nullable=False), sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("content_key", sa.Text(), nullable=False), sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.Text(), nullable=False), sa.Column("imported_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]), sa.UniqueConstraint("content_key"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    raise NotImplementedError("tasklist's history is append-only: schemas move forward only")
