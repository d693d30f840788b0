"""People and evidence: who may write (tasklist_user), an audit log of everything that is not a
status update, the name a clerk typed for (reported_by), and history that can be neither rewritten
nor silently shrunk (append-only logs, TRUNCATE refused, a row count kept by the database).

On PostgreSQL the database, not the client, says who recorded a row: a trigger sets the column to
the session user whatever the client sent.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

HISTORY = ("status_update", "extension", "load_log", "reminder_log", "import_log", "audit_log")
NEW_APPEND_ONLY = ("load_log", "reminder_log", "import_log", "audit_log")  # 0001 made the first two so
WHO = {"status_update": "recorded_by", "extension": "recorded_by", "load_log": "loaded_by",
       "reminder_log": "sent_by", "import_log": "imported_by", "audit_log": "actor"}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("status_update", sa.Column("reported_by", sa.Text(), nullable=True))
    op.create_table(
        "tasklist_user", sa.Column("role_name", sa.Text(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), nullable=True), sa.Column("office", sa.Integer(), nullable=False,
                                                                       server_default="0"),
        sa.Column("created_at", sa.Text(), nullable=False), sa.Column("created_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
    )
    op.create_table(
        "audit_log", sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("at", sa.Text(), nullable=False), sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False), sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True), sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_at", "audit_log", ["at"])
    op.create_table("history_count", sa.Column("table_name", sa.Text(), primary_key=True),
                    sa.Column("rows", sa.BigInteger(), nullable=False))
    for table in HISTORY:
        op.execute(f"INSERT INTO history_count (table_name, rows) SELECT '{table}', count(*) FROM {table}")
    if sqlite:
        for table in HISTORY:
            op.execute(f"CREATE TRIGGER {table}_counted AFTER INSERT ON {table} "
                       f"BEGIN UPDATE history_count SET rows = rows + 1 WHERE table_name = '{table}'; END")
        for table in NEW_APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        op.execute("CREATE TRIGGER history_count_no_update BEFORE UPDATE ON history_count WHEN NEW.rows <= OLD.rows "
                   "BEGIN SELECT RAISE(ABORT, 'history_count only grows'); END")
        op.execute("CREATE TRIGGER history_count_no_delete BEFORE DELETE ON history_count "
                   "BEGIN SELECT RAISE(ABORT, 'history_count only grows'); END")
        return
    # PostgreSQL: the count is kept by a function that runs with its owner's rights, so that a role
    # allowed to INSERT history needs no right on history_count itself.
    op.execute(
        "CREATE OR REPLACE FUNCTION tasklist_count_history() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
        "SET search_path = public AS $$ BEGIN "
        "UPDATE history_count SET rows = rows + (SELECT count(*) FROM new_rows) WHERE table_name = TG_TABLE_NAME; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION tasklist_stamp_actor() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], session_user::text)); RETURN NEW; END $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION tasklist_count_only_grows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'UPDATE' AND NEW.rows > OLD.rows THEN RETURN NEW; END IF; "
        "RAISE EXCEPTION 'history_count only grows'; END $$"
    )
    for table in HISTORY:
        op.execute(f"CREATE TRIGGER {table}_counted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
                   "FOR EACH STATEMENT EXECUTE FUNCTION tasklist_count_history()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION tasklist_append_only()")
        op.execute(f"CREATE TRIGGER {table}_who BEFORE INSERT ON {table} FOR EACH ROW "
                   f"EXECUTE FUNCTION tasklist_stamp_actor('{WHO[table]}')")
    for table in NEW_APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION tasklist_append_only()")
    op.execute("CREATE TRIGGER history_count_only_grows BEFORE UPDATE OR DELETE ON history_count "
               "FOR EACH ROW EXECUTE FUNCTION tasklist_count_only_grows()")
    op.execute("CREATE TRIGGER history_count_no_truncate BEFORE TRUNCATE ON history_count "
               "FOR EACH STATEMENT EXECUTE FUNCTION tasklist_append_only()")


def downgrade() -> None:
    raise NotImplementedError("tasklist's history is append-only: schemas move forward only")
