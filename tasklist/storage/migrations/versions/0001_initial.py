"""The first schema: plan, agencies, items, assignments, and the history tables (append-only).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AUTO = {"sqlite_autoincrement": True}


def _id() -> sa.Column:
    return sa.Column("id", ID, primary_key=True)


def _text(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _int(name: str, nullable: bool = False, **kw: object) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable, **kw)


def upgrade() -> None:
    op.create_table("plan", sa.Column("id", sa.Text(), primary_key=True), _text("title"), _text("doc_no", True),
                    _text("issued", True), _text("issuer", True), _text("timezone"), _text("reporting"),
                    _text("loaded_at"))
    op.create_table("agency", _id(), _text("name"), _text("full_name"), _text("kind"), _text("name_en", True),
                    _text("email", True), _int("position", server_default="0"), _int("archived", server_default="0"),
                    sa.UniqueConstraint("name"), **AUTO)
    op.create_table("agency_alias", sa.Column("alias", sa.Text(), primary_key=True),
                    _int("agency_id"), sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]))
    op.create_table("agency_member", sa.Column("group_id", sa.Integer(), primary_key=True),
                    sa.Column("member_id", sa.Integer(), primary_key=True), _int("position"),
                    sa.ForeignKeyConstraint(["group_id"], ["agency.id"]),
                    sa.ForeignKeyConstraint(["member_id"], ["agency.id"]))
    op.create_table("item", _id(), _text("plan_id"), _text("code"), _text("kind"), _int("no"), _text("grp", True),
                    _text("title"), _text("content", True), _text("due", True), _text("due_text", True),
                    _int("position", server_default="0"), _int("archived", server_default="0"),
                    sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]), sa.UniqueConstraint("plan_id", "code"), **AUTO)
    op.create_table("assignment", _id(), _int("item_id"), _int("agency_id"), _text("role"), _int("position"),
                    _int("via_group_id", True), _int("archived", server_default="0"),
                    sa.ForeignKeyConstraint(["item_id"], ["item.id"]), sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
                    sa.ForeignKeyConstraint(["via_group_id"], ["agency.id"]), sa.UniqueConstraint("item_id", "agency_id"),
                    **AUTO)
    op.create_index("ix_assignment_agency", "assignment", ["agency_id"])
    op.create_table("status_update", _id(), _int("assignment_id"), _text("status"), _int("progress", True),
                    _text("note", True), _text("reported_on"), _text("recorded_at"), _text("recorded_by"),
                    _text("source"), _text("batch", True), _int("reverses_id", True),
                    sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"]),
                    sa.ForeignKeyConstraint(["reverses_id"], ["status_update.id"]), **AUTO)
    op.create_index("ix_update_latest", "status_update", ["assignment_id", "reported_on", "recorded_at", "id"])
    op.create_index("ix_update_reported", "status_update", ["reported_on"])
    op.create_table("extension", _id(), _int("item_id"), _int("assignment_id", True), _text("new_due"), _text("reason"),
                    _text("approved_by", True), _text("granted_on"), _text("recorded_at"), _text("recorded_by"),
                    sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
                    sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"]), **AUTO)
    op.create_index("ix_extension_item", "extension", ["item_id"])
    # Updates and extensions are history: the database itself refuses to change or delete them.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        op.execute("CREATE OR REPLACE FUNCTION tasklist_append_only() RETURNS trigger AS $$ "
                   "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql")
    for table in ("status_update", "extension"):
        if sqlite:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        else:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION tasklist_append_only()")


def downgrade() -> None:
    raise NotImplementedError("tasklist's history is append-only: schemas move forward only")
