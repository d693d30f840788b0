"""People and rights on a shared PostgreSQL database, enforced by the database itself.

Two group roles per database: the coordinating office and the agencies. Every login role made by
``tasklist users add`` joins one of them. Agencies read everything (督办 is transparent) and may
append status updates only to their own agency's parts (row-level security); everything else that
writes (extensions, addresses, registry loads, reminders, imports, users) is the office's. No group
may UPDATE, DELETE or TRUNCATE history; triggers refuse it even to the schema's owner.

A SQLite file is one desk's database: it has no logins and no rights.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from ..errors import BadInput
from .connection import Connection, now_utc
from .lookup import AgencyRef

#: tables whose rows are history: appended, never changed
HISTORY = ("status_update", "extension", "load_log", "reminder_log", "import_log", "audit_log", "feedback_export",
           "feedback_row", "review", "evidence_blob", "evidence", "target_report")
#: history tables with no column saying who wrote the row (no trigger stamps one)
UNSTAMPED = ("feedback_row", "evidence_blob")
#: tables a registry load (and set-email) writes: the office's
REGISTRY = ("plan", "agency", "agency_alias", "agency_member", "item", "assignment", "target",
            "target_agency")
#: tables only the office may read
SECRET = ("tasklist_secret",)
ROLE_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,62}$")


def group_roles(database: str) -> tuple[str, str]:
    """The office's and the agencies' group roles of a database (roles belong to the whole server)."""
    tag = re.sub(r"[^a-z0-9_]", "_", database.lower())
    if tag != database or len(tag) > 40:
        tag = tag[:30] + "_" + hashlib.sha1(database.encode()).hexdigest()[:8]
    return f"tasklist_{tag}_office", f"tasklist_{tag}_agency"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rights_sql(database: str) -> list[str]:
    """The statements that give both groups exactly their rights (idempotent: run after every upgrade)."""
    office, agency = (_q(r) for r in group_roles(database))
    both = f"{office}, {agency}"
    create = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN "
        f"CREATE ROLE {_q(name)} NOLOGIN; END IF; END $$"
        for name in group_roles(database)
    ]
    return [
        *create,
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {both}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {both}",
        *[f"REVOKE ALL ON {t} FROM {agency}" for t in SECRET],
        f"GRANT INSERT ON status_update, evidence, evidence_blob, target_report TO {agency}",
        f"GRANT USAGE ON SEQUENCE status_update_id_seq, evidence_id_seq, target_report_id_seq TO {agency}",
        f"GRANT INSERT ON {', '.join(HISTORY)} TO {office}",
        f"GRANT INSERT, UPDATE, DELETE ON {', '.join(REGISTRY)}, tasklist_user TO {office}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {office}",
        # an agency's clerk writes only to its own agency's parts (or its group's)
        "CREATE OR REPLACE FUNCTION tasklist_may_report(aid bigint) RETURNS boolean LANGUAGE sql STABLE AS $$ "
        "SELECT EXISTS (SELECT 1 FROM assignment a JOIN tasklist_user u ON u.role_name = session_user::text "
        "WHERE a.id = aid AND (a.agency_id = u.agency_id OR a.via_group_id = u.agency_id)) $$",
        # where the plan verifies completion (plan.review), only the office closes a part: an agency's
        # "done" is a claim (status 'claimed') until the office accepts it
        "CREATE OR REPLACE FUNCTION tasklist_may_close(aid bigint) RETURNS boolean LANGUAGE sql STABLE AS $$ "
        "SELECT NOT EXISTS (SELECT 1 FROM assignment a JOIN item i ON i.id = a.item_id JOIN plan p ON p.id = i.plan_id "
        "WHERE a.id = aid AND p.review <> 0) $$",
        "ALTER TABLE status_update ENABLE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS tasklist_read ON status_update",
        "CREATE POLICY tasklist_read ON status_update FOR SELECT USING (true)",
        "DROP POLICY IF EXISTS tasklist_office_writes ON status_update",
        f"CREATE POLICY tasklist_office_writes ON status_update FOR INSERT TO {office} WITH CHECK (true)",
        "DROP POLICY IF EXISTS tasklist_agency_writes ON status_update",
        f"CREATE POLICY tasklist_agency_writes ON status_update FOR INSERT TO {agency} "
        "WITH CHECK (tasklist_may_report(assignment_id) AND (status <> 'done' OR tasklist_may_close(assignment_id)))",
        # evidence: an agency attaches files only to its own parts' claims
        "ALTER TABLE evidence ENABLE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS tasklist_read ON evidence",
        "CREATE POLICY tasklist_read ON evidence FOR SELECT USING (true)",
        "DROP POLICY IF EXISTS tasklist_office_writes ON evidence",
        f"CREATE POLICY tasklist_office_writes ON evidence FOR INSERT TO {office} WITH CHECK (true)",
        "DROP POLICY IF EXISTS tasklist_agency_writes ON evidence",
        f"CREATE POLICY tasklist_agency_writes ON evidence FOR INSERT TO {agency} WITH CHECK (tasklist_may_report("
        "(SELECT s.assignment_id FROM status_update s WHERE s.id = update_id)))",
        # a target's measured values: an agency's clerk reports only on the targets it is responsible for
        "CREATE OR REPLACE FUNCTION tasklist_may_report_target(tid bigint) RETURNS boolean LANGUAGE sql STABLE AS $$ "
        "SELECT EXISTS (SELECT 1 FROM target_agency ta JOIN tasklist_user u ON u.role_name = session_user::text "
        "WHERE ta.target_id = tid AND ta.agency_id = u.agency_id) $$",
        "ALTER TABLE target_report ENABLE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS tasklist_read ON target_report",
        "CREATE POLICY tasklist_read ON target_report FOR SELECT USING (true)",
        "DROP POLICY IF EXISTS tasklist_office_writes ON target_report",
        f"CREATE POLICY tasklist_office_writes ON target_report FOR INSERT TO {office} WITH CHECK (true)",
        "DROP POLICY IF EXISTS tasklist_agency_writes ON target_report",
        f"CREATE POLICY tasklist_agency_writes ON target_report FOR INSERT TO {agency} "
        "WITH CHECK (tasklist_may_report_target(target_id))",
    ]


@dataclass(frozen=True)
class User:
    name: str
    agency: str | None  # None: the coordinating office
    created_at: str
    created_by: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "agency": self.agency, "office": self.agency is None,
                "created_at": self.created_at, "created_by": self.created_by}


def _postgres_only(conn: Connection) -> None:
    if conn.dialect != "postgresql":
        raise BadInput("error.rights_sqlite", hint="error.rights_sqlite_hint")


def new_password() -> str:
    return secrets.token_urlsafe(18)


def add_user(conn: Connection, name: str, *, agency: AgencyRef | None, password: str) -> User:
    """A login role for a clerk of ``agency``, or for the office (``agency`` None)."""
    from psycopg import sql

    from .writes import audit

    _postgres_only(conn)
    if not ROLE_NAME.match(name):
        raise BadInput("error.user_name", name=name)
    if len(password) < 12:
        raise BadInput("error.user_password")
    office, clerks = group_roles(conn.value("SELECT current_database()"))
    group = office if agency is None else clerks
    with conn.transaction():
        if conn.value("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)):
            raise BadInput("error.user_exists", name=name)
        statement = sql.SQL("CREATE ROLE {} LOGIN {} PASSWORD {} IN ROLE {}").format(
            sql.Identifier(name), sql.SQL("CREATEROLE" if agency is None else "NOCREATEROLE"), sql.Literal(password),
            sql.Identifier(group))
        conn.execute(statement.as_string(conn.raw))
        conn.execute("INSERT INTO tasklist_user (role_name, agency_id, office, created_at, created_by) "
                     "VALUES (?, ?, ?, ?, session_user)", (name, agency.id if agency else None, int(agency is None),
                                                           now_utc()))
        audit(conn, "user-add", name, {"agency": agency.name if agency else None, "office": agency is None})
        row = conn.one("SELECT created_at, created_by FROM tasklist_user WHERE role_name = ?", (name,))
    assert row is not None
    return User(name, agency.name if agency else None, row[0], row[1])


def remove_user(conn: Connection, name: str) -> None:
    from psycopg import sql

    from .writes import audit

    _postgres_only(conn)
    with conn.transaction():
        if not conn.value("SELECT 1 FROM tasklist_user WHERE role_name = ?", (name,)):
            raise BadInput("error.user_unknown", hint="error.user_unknown_hint", name=name)
        conn.execute("DELETE FROM tasklist_user WHERE role_name = ?", (name,))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)).as_string(conn.raw))
        audit(conn, "user-remove", name, None)


def users(conn: Connection) -> list[User]:
    _postgres_only(conn)
    return [User(*r) for r in conn.all(
        "SELECT u.role_name, g.name, u.created_at, u.created_by FROM tasklist_user u "
        "LEFT JOIN agency g ON g.id = u.agency_id ORDER BY u.office DESC, g.position, u.role_name")]
