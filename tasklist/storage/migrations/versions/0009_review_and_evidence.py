"""Completion verified before a part is closed (办结报告 -> 审核销号): an agency's "done" is a claim
the office accepts or returns (``review``), with the files it submits as evidence stored in the
database itself (``evidence``, ``evidence_blob``); the plan says whether it works this way
(``plan.review``) and how its quarterly scorecard weighs what happened (``plan.evaluation``).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NEW_HISTORY = ("review", "evidence_blob", "evidence")
WHO = {"review": "recorded_by", "evidence": "recorded_by"}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("review", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("evaluation", sa.Text(), nullable=True))
    op.create_table(
        "review", sa.Column("id", ID, primary_key=True),
        sa.Column("claim_id", sa.Integer(), nullable=False), sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True), sa.Column("reviewed_on", sa.Text(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False), sa.Column("recorded_at", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["status_update.id"]),
        sa.ForeignKeyConstraint(["update_id"], ["status_update.id"]),
        sa.UniqueConstraint("claim_id"), sqlite_autoincrement=True,
    )
    op.create_table(
        "evidence_blob", sa.Column("sha256", sa.Text(), primary_key=True),
        sa.Column("media_type", sa.Text(), nullable=False), sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "evidence", sa.Column("id", ID, primary_key=True),
        sa.Column("update_id", sa.Integer(), nullable=False), sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False), sa.Column("recorded_at", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["update_id"], ["status_update.id"]),
        sa.ForeignKeyConstraint(["sha256"], ["evidence_blob.sha256"]), sqlite_autoincrement=True,
    )
    op.create_index("ix_evidence_update", "evidence", ["update_id"])
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
    # a statement that inserts no row (evidence already stored: ON CONFLICT DO NOTHING) counts nothing;
    # the count's own guard refuses an update that does not grow it
    op.execute(
        "CREATE OR REPLACE FUNCTION tasklist_count_history() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
        "SET search_path = public AS $$ DECLARE n bigint := (SELECT count(*) FROM new_rows); BEGIN "
        "IF n > 0 THEN UPDATE history_count SET rows = rows + n WHERE table_name = TG_TABLE_NAME; END IF; "
        "RETURN NULL; END $$"
    )
    for table in NEW_HISTORY:
        op.execute(f"CREATE TRIGGER {table}_counted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
                   "FOR EACH STATEMENT EXECUTE FUNCTION tasklist_count_history()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION tasklist_append_only()")
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION tasklist_append_only()")
        if table in WHO:
            op.execute(f"CREATE TRIGGER {table}_who BEFORE INSERT ON {table} FOR EACH ROW "
                       f"EXECUTE FUNCTION tasklist_stamp_actor('{WHO[table]}')")


def downgrade() -> None:
    raise NotImplementedError("tasklist's history is append-only: schemas move forward only")
