"""Every reminder e-mail sent, so that the next one escalates and none is sent twice by mistake.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = [sa.Column(name, sa.Text(), nullable=False)
            for name in ("items", "as_of", "sent_at", "message_id", "recipients", "sent_by")]
    op.create_table(
        "reminder_log", sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("agency_id", sa.Integer(), nullable=False), sa.Column("level", sa.Integer(), nullable=False), *text,
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]), sqlite_autoincrement=True,
    )
    op.create_index("ix_reminder_agency", "reminder_log", ["agency_id"])


def downgrade() -> None:
    raise NotImplementedError("tasklist's history is append-only: schemas move forward only")
