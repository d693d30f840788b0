"""Feedback workbooks that cannot be forged or replayed: every export is recorded (agency, plan,
as-of date, its rows and their state), signed with a key that lives in the database and that
agencies cannot read, and each row of an export is imported at most once.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NEW_HISTORY = ("feedback_export", "feedback_row")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table("tasklist_secret", sa.Column("name", sa.Text(), primary_key=True),
                    sa.Column("value", sa.Text(), nullable=False))
    op.execute(f"INSERT INTO tasklist_secret (name, value) VALUES ('feedback_hmac', '{secrets.token_hex(32)}')")
    op.create_table(
        "feedback_export", sa.Column("id", ID, primary_key=True),
        sa.Column("agency_id", sa.Integer(), nullable=False), sa.Column("plan_id", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Text(), nullable=False), sa.Column("exported_at", sa.Text(), nullable=False),
        sa.Column("exported_by", sa.Text(), nullable=False), sa.Column("rows", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]), sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "feedback_row", sa.Column("id", ID, primary_key=True),
        sa.Column("export_id", sa.Integer(), nullable=False), sa.Column("code", sa.Text(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=True), sa.Column("imported_at", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False), sa.Column("forced", sa.Integer(), nullable=False,
                                                                    server_default="0"),
        sa.ForeignKeyConstraint(["export_id"], ["feedback_export.id"]),
        sa.ForeignKeyConstraint(["update_id"], ["status_update.id"]),
        sa.UniqueConstraint("export_id", "code"), sqlite_autoincrement=True,
    )
    for table in NEW_HISTORY:
        op.execute(f"INSERT INTO history_count (table_name, rows) VALUES ('{table}', 0)")
    if sqlite:
        for table in NEW_HISTORY:
            op.execute(f"CREATE TRIGGER {table}_counted AFTER INSERT ON {table} "
                       f"BEGIN UPDATE history_count SET rows = rows + 1 WHERE table_name = '{table}'; END")
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        return
    who = {"feedback_export": "exported_by"}
    for table in NEW_HISTORY:
        op.execute(f"CREATE TRIGGER {table}_counted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
                   "FOR EACH STATEMENT EXECUTE FUNCTION tasklist_count_history()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION tasklist_append_only()")
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION tasklist_append_only()")
        if table in who:
            op.execute(f"CREATE TRIGGER {table}_who BEFORE INSERT ON {table} FOR EACH ROW "
                       f"EXECUTE FUNCTION tasklist_stamp_actor('{who[table]}')")


def downgrade() -> None:
    raise NotImplementedError("tasklist's history is append-only: schemas move forward only")
