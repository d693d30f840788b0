"""The schema as SQLModel classes, for Python users who want ORM access to a tasklist database.

Migrations (:mod:`tasklist.migrations`) create the tables; ``tests/test_schema.py`` proves that
these classes and the migrated database agree column for column. Dates are stored as ISO text
(``YYYY-MM-DD``) and timestamps as ISO text in UTC on both engines, so that the same SQL runs on
SQLite and PostgreSQL. Importing this module costs ~400 ms (SQLAlchemy), so the command-line
read paths do not.
"""

from __future__ import annotations

from typing import Optional

from sqlmodel import Field, SQLModel


class Plan(SQLModel, table=True):
    __tablename__ = "plan"
    id: str = Field(primary_key=True)
    title: str
    doc_no: Optional[str] = None
    issued: Optional[str] = None
    issuer: Optional[str] = None
    timezone: str
    reporting: str  # JSON: {"cadence": "quarterly"} etc.
    loaded_at: str


class Agency(SQLModel, table=True):
    __tablename__ = "agency"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    full_name: str
    kind: str
    name_en: Optional[str] = None
    email: Optional[str] = None  # comma-separated addresses
    position: int = 0
    archived: int = 0


class AgencyAlias(SQLModel, table=True):
    __tablename__ = "agency_alias"
    alias: str = Field(primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")


class AgencyMember(SQLModel, table=True):
    __tablename__ = "agency_member"
    group_id: int = Field(foreign_key="agency.id", primary_key=True)
    member_id: int = Field(foreign_key="agency.id", primary_key=True)
    position: int


class Item(SQLModel, table=True):
    __tablename__ = "item"
    id: Optional[int] = Field(default=None, primary_key=True)
    plan_id: str = Field(foreign_key="plan.id")
    code: str  # T1, O32: unique within the plan
    kind: str  # task | outcome
    no: int
    grp: Optional[str] = None  # section (tasks) or category (outcomes)
    title: str
    content: Optional[str] = None
    due: Optional[str] = None
    due_text: Optional[str] = None
    position: int = 0
    archived: int = 0


class Assignment(SQLModel, table=True):
    __tablename__ = "assignment"
    id: Optional[int] = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    agency_id: int = Field(foreign_key="agency.id")
    role: str  # lead | co
    position: int
    via_group_id: Optional[int] = Field(default=None, foreign_key="agency.id")
    archived: int = 0


class StatusUpdate(SQLModel, table=True):
    __tablename__ = "status_update"
    id: Optional[int] = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id")
    status: str
    progress: Optional[int] = None
    note: Optional[str] = None
    reported_on: str
    recorded_at: str
    recorded_by: str
    source: str
    batch: Optional[str] = None
    reverses_id: Optional[int] = Field(default=None, foreign_key="status_update.id")


class Extension(SQLModel, table=True):
    __tablename__ = "extension"
    id: Optional[int] = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    assignment_id: Optional[int] = Field(default=None, foreign_key="assignment.id")
    new_due: str
    reason: str
    approved_by: Optional[str] = None
    granted_on: str
    recorded_at: str
    recorded_by: str


class LoadLog(SQLModel, table=True):
    __tablename__ = "load_log"
    id: Optional[int] = Field(default=None, primary_key=True)
    plan_id: str = Field(foreign_key="plan.id")
    loaded_at: str
    loaded_by: str
    files: str  # JSON list
    summary: str  # JSON: what the load changed


class ReminderLog(SQLModel, table=True):
    __tablename__ = "reminder_log"
    id: Optional[int] = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    items: str  # JSON list of item ids
    level: int  # 1 提醒, 2 催办, 3 通报
    as_of: str
    sent_at: str
    message_id: str
    recipients: str  # comma-separated
    sent_by: str


class ImportLog(SQLModel, table=True):
    __tablename__ = "import_log"
    id: Optional[int] = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    file_name: str
    content_key: str = Field(unique=True)  # sha256 of the agency and the filled rows
    rows: int
    imported_at: str
    imported_by: str
