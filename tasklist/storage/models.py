"""The schema: one SQLModel class per table. The one definition of every table, column and index.

The database is created and migrated from these classes by Alembic (``storage/migrations``);
``tests/test_schema.py`` fails when a migrated database and these classes drift apart, on both
engines. Dates are ISO text (``YYYY-MM-DD``) and timestamps ISO text in UTC, so that the same SQL
runs on SQLite and PostgreSQL. Importing this module costs ~0.3 s (SQLAlchemy, pydantic): the
command-line hot paths query through the DB-API driver instead, by these tables' names.

Python users get an ORM over a tasklist database::

    from sqlmodel import Session, create_engine, select
    from tasklist.storage.models import Item

    with Session(create_engine("sqlite:///tasklist.db")) as session:
        overdue_soon = session.exec(select(Item).where(Item.due < "2026-12-31")).all()
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, Index, Integer, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

#: primary keys: BIGSERIAL on PostgreSQL, SQLite's rowid alias (INTEGER PRIMARY KEY AUTOINCREMENT) there
ID = BigInteger().with_variant(Integer(), "sqlite")
_AUTOINCREMENT = {"sqlite_autoincrement": True}


def _zero() -> dict[str, str]:
    return {"server_default": "0"}


class Plan(SQLModel, table=True):
    __tablename__ = "plan"
    id: str = Field(primary_key=True, sa_type=Text)
    title: str = Field(sa_type=Text)
    doc_no: str | None = Field(default=None, sa_type=Text)
    issued: str | None = Field(default=None, sa_type=Text)  # YYYY-MM-DD
    issuer: str | None = Field(default=None, sa_type=Text)
    timezone: str = Field(sa_type=Text)
    reporting: str = Field(sa_type=Text)  # JSON: {"cadence": "quarterly"} etc.
    loaded_at: str = Field(sa_type=Text)
    lang: str = Field(default="zh-CN", sa_type=Text, sa_column_kwargs={"server_default": "zh-CN"})  # zh-CN or en
    # 1: an agency's "done" is a completion claim (申请销号) the office verifies (审核销号); 0: it closes the part
    review: int = Field(default=1, sa_type=Integer, sa_column_kwargs={"server_default": "1"})
    evaluation: str | None = Field(default=None, sa_type=Text)  # JSON: the quarterly scorecard's weights (考评)


class Agency(SQLModel, table=True):
    __tablename__ = "agency"
    __table_args__ = (_AUTOINCREMENT,)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    name: str = Field(sa_type=Text, unique=True)
    full_name: str = Field(sa_type=Text)
    kind: str = Field(sa_type=Text)
    name_en: str | None = Field(default=None, sa_type=Text)
    email: str | None = Field(default=None, sa_type=Text)  # comma-separated addresses
    position: int = Field(default=0, sa_type=Integer, sa_column_kwargs=_zero())
    archived: int = Field(default=0, sa_type=Integer, sa_column_kwargs=_zero())


class AgencyAlias(SQLModel, table=True):
    __tablename__ = "agency_alias"
    alias: str = Field(primary_key=True, sa_type=Text)
    agency_id: int = Field(foreign_key="agency.id", sa_type=Integer)


class AgencyMember(SQLModel, table=True):
    __tablename__ = "agency_member"
    group_id: int = Field(foreign_key="agency.id", primary_key=True, sa_type=Integer)
    member_id: int = Field(foreign_key="agency.id", primary_key=True, sa_type=Integer)
    position: int = Field(sa_type=Integer)


class Item(SQLModel, table=True):
    __tablename__ = "item"
    __table_args__ = (UniqueConstraint("plan_id", "code"),
                      # the live items in registry order (revision 0011), on PostgreSQL with their due dates
                      # so that a scan of them reads no row (0013)
                      Index("ix_item_live_order", "plan_id", "position", "id", sqlite_where=text("archived = 0"),
                            postgresql_where=text("archived = 0"), postgresql_include=["due"]),
                      _AUTOINCREMENT)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    plan_id: str = Field(foreign_key="plan.id", sa_type=Text)
    code: str = Field(sa_type=Text)  # T1, O32: unique within the plan
    kind: str = Field(sa_type=Text)  # task | outcome
    no: int = Field(sa_type=Integer)  # the number in the annex (the registry's `seq`)
    grp: str | None = Field(default=None, sa_type=Text)  # section (tasks) or category (outcomes)
    title: str = Field(sa_type=Text)
    content: str | None = Field(default=None, sa_type=Text)
    due: str | None = Field(default=None, sa_type=Text)  # YYYY-MM-DD; none: ongoing
    due_text: str | None = Field(default=None, sa_type=Text)  # as the annex writes it
    position: int = Field(default=0, sa_type=Integer, sa_column_kwargs=_zero())
    archived: int = Field(default=0, sa_type=Integer, sa_column_kwargs=_zero())


class Assignment(SQLModel, table=True):
    """One agency's part of an item (a group named on an item gives one per member)."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("item_id", "agency_id"), Index("ix_assignment_agency", "agency_id"),
                      # an item's live parts, read from the index alone (revision 0011)
                      Index("ix_assignment_live_item", "item_id", sqlite_where=text("archived = 0"),
                            postgresql_where=text("archived = 0")),
                      _AUTOINCREMENT)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    item_id: int = Field(foreign_key="item.id", sa_type=Integer)
    agency_id: int = Field(foreign_key="agency.id", sa_type=Integer)
    role: str = Field(sa_type=Text)  # lead | co
    position: int = Field(sa_type=Integer)
    via_group_id: int | None = Field(default=None, foreign_key="agency.id", sa_type=Integer)
    archived: int = Field(default=0, sa_type=Integer, sa_column_kwargs=_zero())


class StatusUpdate(SQLModel, table=True):
    """History: appended, never changed (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "status_update"
    __table_args__ = (
        # on PostgreSQL it carries what the reports read of the update in force (revision 0011)
        Index("ix_update_latest", "assignment_id", "reported_on", "recorded_at", "id",
              postgresql_include=["status", "reverses_id"]),
        Index("ix_update_reported", "reported_on"),
        # which assignments have a done update: only they may be done (revision 0012)
        Index("ix_update_done", "assignment_id", "reported_on", sqlite_where=text("status = 'done'"),
              postgresql_where=text("status = 'done'")),
        # an update is reversed at most once, however many processes try at the same moment
        Index("ux_update_reverses", "reverses_id", unique=True),
        _AUTOINCREMENT,
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    assignment_id: int = Field(foreign_key="assignment.id", sa_type=Integer)
    status: str = Field(sa_type=Text)  # not_started | in_progress | done | blocked | claimed (待审核)
    progress: int | None = Field(default=None, sa_type=Integer)
    note: str | None = Field(default=None, sa_type=Text)
    reported_on: str = Field(sa_type=Text)
    recorded_at: str = Field(sa_type=Text)
    recorded_by: str = Field(sa_type=Text)
    source: str = Field(sa_type=Text)  # cli | undo | import:<file name>
    batch: str | None = Field(default=None, sa_type=Text)  # shared by the updates of one --all or group report
    reverses_id: int | None = Field(default=None, foreign_key="status_update.id", sa_type=Integer)
    # who recorded it: the database's session user on PostgreSQL (a trigger sets it), the OS user on
    # SQLite; reported_by: the person the clerk typed for (--by), when there is one
    reported_by: str | None = Field(default=None, sa_type=Text)


class Extension(SQLModel, table=True):
    """History: a new due date (延期) for an item or one agency's part; appended, never changed."""

    __tablename__ = "extension"
    __table_args__ = (Index("ix_extension_item", "item_id"), _AUTOINCREMENT)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    item_id: int = Field(foreign_key="item.id", sa_type=Integer)
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", sa_type=Integer)
    new_due: str = Field(sa_type=Text)
    reason: str = Field(sa_type=Text)
    approved_by: str | None = Field(default=None, sa_type=Text)
    granted_on: str = Field(sa_type=Text)
    recorded_at: str = Field(sa_type=Text)
    recorded_by: str = Field(sa_type=Text)


class LoadLog(SQLModel, table=True):
    __tablename__ = "load_log"
    __table_args__ = (_AUTOINCREMENT,)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    plan_id: str = Field(foreign_key="plan.id", sa_type=Text)
    loaded_at: str = Field(sa_type=Text)
    loaded_by: str = Field(sa_type=Text)
    files: str = Field(sa_type=Text)  # JSON list
    summary: str = Field(sa_type=Text)  # JSON: what the load changed


class ReminderLog(SQLModel, table=True):
    __tablename__ = "reminder_log"
    __table_args__ = (Index("ix_reminder_agency", "agency_id"), _AUTOINCREMENT)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    agency_id: int = Field(foreign_key="agency.id", sa_type=Integer)
    items: str = Field(sa_type=Text)  # JSON list of item ids
    level: int = Field(sa_type=Integer)  # 1 督办提醒, 2 催办, 3 通报
    as_of: str = Field(sa_type=Text)
    sent_at: str = Field(sa_type=Text)
    message_id: str = Field(sa_type=Text)
    recipients: str = Field(sa_type=Text)  # comma-separated
    sent_by: str = Field(sa_type=Text)


class ImportLog(SQLModel, table=True):
    __tablename__ = "import_log"
    __table_args__ = (_AUTOINCREMENT,)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    agency_id: int = Field(foreign_key="agency.id", sa_type=Integer)
    file_name: str = Field(sa_type=Text)
    content_key: str = Field(sa_type=Text, unique=True)  # sha256 of the agency and the filled rows
    rows: int = Field(sa_type=Integer)
    imported_at: str = Field(sa_type=Text)
    imported_by: str = Field(sa_type=Text)


class TasklistUser(SQLModel, table=True):
    """A PostgreSQL login role and what it may do: an agency's clerk, or the coordinating office."""

    __tablename__ = "tasklist_user"
    role_name: str = Field(primary_key=True, sa_type=Text)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", sa_type=Integer)  # None: the office
    office: int = Field(default=0, sa_type=Integer, sa_column_kwargs=_zero())
    created_at: str = Field(sa_type=Text)
    created_by: str = Field(sa_type=Text)


class AuditLog(SQLModel, table=True):
    """Everything that is not a status update: addresses, extensions, loads, users, imports, reminders.
    Appended, never changed; the actor is set by the database on PostgreSQL."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_at", "at"), _AUTOINCREMENT)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    at: str = Field(sa_type=Text)
    actor: str = Field(sa_type=Text)
    action: str = Field(sa_type=Text)  # set-email, extend, load, user-add, user-remove, import, remind, ...
    subject: str = Field(sa_type=Text)  # what it was done to: an agency, an item, a file, a role
    detail: str | None = Field(default=None, sa_type=Text)  # JSON


class HistoryCount(SQLModel, table=True):
    """Rows ever appended to each history table, kept by triggers: `db check` compares it with what is
    there, so history that shrank (triggers disabled, rows deleted) is found."""

    __tablename__ = "history_count"
    table_name: str = Field(primary_key=True, sa_type=Text)
    rows: int = Field(sa_type=BigInteger)


class TasklistSecret(SQLModel, table=True):
    """Keys only the office can read (on PostgreSQL): the one that signs feedback workbooks."""

    __tablename__ = "tasklist_secret"
    name: str = Field(primary_key=True, sa_type=Text)
    value: str = Field(sa_type=Text)


class FeedbackExport(SQLModel, table=True):
    """A feedback workbook as it was exported: whose, which plan, as of when, and each row's state
    then. The workbook carries its id and a signature over this record."""

    __tablename__ = "feedback_export"
    __table_args__ = (_AUTOINCREMENT,)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    agency_id: int = Field(foreign_key="agency.id", sa_type=Integer)
    plan_id: str = Field(foreign_key="plan.id", sa_type=Text)
    as_of: str = Field(sa_type=Text)
    exported_at: str = Field(sa_type=Text)
    exported_by: str = Field(sa_type=Text)
    rows: str = Field(sa_type=Text)  # JSON: [{code, title, assignment_id, status, last_update_id}]


class FeedbackRow(SQLModel, table=True):
    """One row of an export imported: a row is imported at most once, whatever the day or the file."""

    __tablename__ = "feedback_row"
    __table_args__ = (UniqueConstraint("export_id", "code"), _AUTOINCREMENT)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    export_id: int = Field(foreign_key="feedback_export.id", sa_type=Integer)
    code: str = Field(sa_type=Text)
    update_id: int | None = Field(default=None, foreign_key="status_update.id", sa_type=Integer)
    imported_at: str = Field(sa_type=Text)
    file_name: str = Field(sa_type=Text)
    forced: int = Field(default=0, sa_type=Integer, sa_column_kwargs=_zero())  # applied over a newer update (--force)


class Review(SQLModel, table=True):
    """The office's verdict on a completion claim (审核销号): accepted (the part is closed as of the
    claim's date) or returned (退回, with a reason: the part is in progress again). A claim gets one
    verdict; each verdict appends the status update it implies (``update_id``). History."""

    __tablename__ = "review"
    __table_args__ = (_AUTOINCREMENT,)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    # the claim reviewed; for the office's own report verified as it is made (done --verified), that
    # report itself (then claim_id = update_id)
    claim_id: int = Field(foreign_key="status_update.id", sa_type=Integer, unique=True)
    verdict: str = Field(sa_type=Text)  # accepted | returned
    reason: str | None = Field(default=None, sa_type=Text)
    reviewed_on: str = Field(sa_type=Text)  # YYYY-MM-DD
    update_id: int = Field(foreign_key="status_update.id", sa_type=Integer)
    recorded_at: str = Field(sa_type=Text)
    recorded_by: str = Field(sa_type=Text)


class EvidenceBlob(SQLModel, table=True):
    """A file submitted as evidence (佐证材料), stored once by its SHA-256 whatever the number of
    claims that name it. History."""

    __tablename__ = "evidence_blob"
    sha256: str = Field(primary_key=True, sa_type=Text)
    media_type: str = Field(sa_type=Text)
    size: int = Field(sa_type=BigInteger)
    content: bytes = Field(sa_type=LargeBinary)


class Evidence(SQLModel, table=True):
    """A file attached to a completion claim, under the name it was submitted with. History."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_update", "update_id"), _AUTOINCREMENT)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    update_id: int = Field(foreign_key="status_update.id", sa_type=Integer)
    sha256: str = Field(foreign_key="evidence_blob.sha256", sa_type=Text)
    file_name: str = Field(sa_type=Text)
    recorded_at: str = Field(sa_type=Text)
    recorded_by: str = Field(sa_type=Text)


class Target(SQLModel, table=True):
    """A plan's quantitative target (指标): a number to reach (``>=``) or stay under (``<=``) by a
    deadline, from a sentence of the plan. Registry data, loaded like items."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("plan_id", "code"), _AUTOINCREMENT)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    plan_id: str = Field(foreign_key="plan.id", sa_type=Text)
    code: str = Field(sa_type=Text)  # Z1: unique within the plan
    name: str = Field(sa_type=Text)
    unit: str = Field(sa_type=Text)
    comparator: str = Field(sa_type=Text)  # >= | <=
    value: float = Field(sa_type=Float)
    deadline: str = Field(sa_type=Text)  # YYYY-MM-DD
    baseline: float | None = Field(default=None, sa_type=Float)
    baseline_on: str | None = Field(default=None, sa_type=Text)  # YYYY-MM-DD
    source: str = Field(sa_type=Text)  # the sentence of the plan it comes from
    position: int = Field(default=0, sa_type=Integer, sa_column_kwargs=_zero())
    archived: int = Field(default=0, sa_type=Integer, sa_column_kwargs=_zero())


class TargetAgency(SQLModel, table=True):
    """An agency responsible for a target (none when the plan names none). Registry data."""

    __tablename__ = "target_agency"
    target_id: int = Field(foreign_key="target.id", primary_key=True, sa_type=Integer)
    agency_id: int = Field(foreign_key="agency.id", primary_key=True, sa_type=Integer)
    position: int = Field(sa_type=Integer)


class TargetReport(SQLModel, table=True):
    """A measured value of a target, as of a date, in the target's unit. History: appended, never changed."""

    __tablename__ = "target_report"
    __table_args__ = (Index("ix_target_report_target", "target_id", "reported_on"), _AUTOINCREMENT)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID)
    target_id: int = Field(foreign_key="target.id", sa_type=Integer)
    value: float = Field(sa_type=Float)
    reported_on: str = Field(sa_type=Text)  # YYYY-MM-DD: the date the value is measured at
    note: str | None = Field(default=None, sa_type=Text)
    source: str | None = Field(default=None, sa_type=Text)  # where the number comes from (统计公报 ...)
    recorded_at: str = Field(sa_type=Text)
    recorded_by: str = Field(sa_type=Text)  # the session user on PostgreSQL (a trigger sets it)
