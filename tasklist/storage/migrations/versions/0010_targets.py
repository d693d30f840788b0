"""A plan's quantitative targets (指标): each a number to reach by a deadline, the agencies
responsible for it (``target``, ``target_agency``: registry data) and the values measured since
(``target_report``: history, appended, never changed).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NEW_HISTORY = ("target_report",)
WHO = {"target_report": "recorded_by"}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "target", sa.Column("id", ID, primary_key=True),
        sa.Column("plan_id", sa.Text(), nullable=False), sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False), sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("comparator", sa.Text(), nullable=False), sa.Column("value", sa.Float(), nullable=False),
        sa.Column("deadline", sa.Text(), nullable=False), sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("baseline_on", sa.Text(), nullable=True), sa.Column("source", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("archived", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.UniqueConstraint("plan_id", "code"), sqlite_autoincrement=True,
    )
    op.create_table(
        "target_agency",
        sa.Column("target_id", sa.Integer(), primary_key=True), sa.Column("agency_id", sa.Integer(), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"]), sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
    )
    op.create_table(
        "target_report", sa.Column("id", ID, primary_key=True),
        sa.Column("target_id", sa.Integer(), nullable=False), sa.Column("value", sa.Float(), nullable=False),
        sa.Column("reported_on", sa.Text(), nullable=False), sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True), sa.Column("recorded_at", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"]), sqlite_autoincrement=True,
    )
    op.create_index("ix_target_report_target", "target_report", ["target_id", "reported_on"])
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
    for table in NEW_HISTORY:  # the functions are 0006's and 0009's
        op.execute(f"CREATE TRIGGER {table}_counted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
                   "FOR EACH STATEMENT EXECUTE FUNCTION tasklist_count_history()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION tasklist_append_only()")
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION tasklist_append_only()")
        op.execute(f"CREATE TRIGGER {table}_who BEFORE INSERT ON {table} FOR EACH ROW "
                   f"EXECUTE FUNCTION tasklist_stamp_actor('{WHO[table]}')")


def downgrade() -> None:
    raise NotImplementedError("tasklist's history is append-only: schemas move forward only")
