"""Schema versions: an ordered list of small named migrations, each applied in its own transaction.

The table ``tasklist_migrations`` records which have run. A database that records a migration
this version does not know was written by a newer tasklist and is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from .connection import Connection
from ..errors import DatabaseError


def _pk(conn: Connection) -> str:
    return "INTEGER PRIMARY KEY AUTOINCREMENT" if conn.dialect == "sqlite" else "BIGSERIAL PRIMARY KEY"


def m001_initial(conn: Connection) -> None:
    pk = _pk(conn)
    statements = [
        """CREATE TABLE plan (
            id TEXT PRIMARY KEY, title TEXT NOT NULL, doc_no TEXT, issued TEXT, issuer TEXT,
            timezone TEXT NOT NULL, reporting TEXT NOT NULL, loaded_at TEXT NOT NULL)""",
        f"""CREATE TABLE agency (
            id {pk}, name TEXT NOT NULL UNIQUE, full_name TEXT NOT NULL, kind TEXT NOT NULL,
            name_en TEXT, email TEXT, position INTEGER NOT NULL DEFAULT 0,
            archived INTEGER NOT NULL DEFAULT 0)""",
        """CREATE TABLE agency_alias (
            alias TEXT PRIMARY KEY, agency_id INTEGER NOT NULL REFERENCES agency(id))""",
        """CREATE TABLE agency_member (
            group_id INTEGER NOT NULL REFERENCES agency(id), member_id INTEGER NOT NULL REFERENCES agency(id),
            position INTEGER NOT NULL, PRIMARY KEY (group_id, member_id))""",
        f"""CREATE TABLE item (
            id {pk}, plan_id TEXT NOT NULL REFERENCES plan(id), code TEXT NOT NULL, kind TEXT NOT NULL,
            no INTEGER NOT NULL, grp TEXT, title TEXT NOT NULL, content TEXT, due TEXT, due_text TEXT,
            position INTEGER NOT NULL DEFAULT 0, archived INTEGER NOT NULL DEFAULT 0,
            UNIQUE (plan_id, code))""",
        f"""CREATE TABLE assignment (
            id {pk}, item_id INTEGER NOT NULL REFERENCES item(id), agency_id INTEGER NOT NULL REFERENCES agency(id),
            role TEXT NOT NULL, position INTEGER NOT NULL, via_group_id INTEGER REFERENCES agency(id),
            archived INTEGER NOT NULL DEFAULT 0, UNIQUE (item_id, agency_id))""",
        "CREATE INDEX ix_assignment_agency ON assignment (agency_id)",
        f"""CREATE TABLE status_update (
            id {pk}, assignment_id INTEGER NOT NULL REFERENCES assignment(id), status TEXT NOT NULL,
            progress INTEGER, note TEXT, reported_on TEXT NOT NULL, recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL, source TEXT NOT NULL, batch TEXT,
            reverses_id INTEGER REFERENCES status_update(id))""",
        "CREATE INDEX ix_update_latest ON status_update (assignment_id, reported_on, recorded_at, id)",
        "CREATE INDEX ix_update_reported ON status_update (reported_on)",
        f"""CREATE TABLE extension (
            id {pk}, item_id INTEGER NOT NULL REFERENCES item(id), assignment_id INTEGER REFERENCES assignment(id),
            new_due TEXT NOT NULL, reason TEXT NOT NULL, approved_by TEXT, granted_on TEXT NOT NULL,
            recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL)""",
        "CREATE INDEX ix_extension_item ON extension (item_id)",
    ]
    for sql in statements:
        conn.execute(sql)
    # Updates and extensions are history: the database itself refuses to change or delete them.
    for table in ("status_update", "extension"):
        if conn.dialect == "sqlite":
            for op in ("UPDATE", "DELETE"):
                conn.execute(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        else:
            conn.execute(
                "CREATE OR REPLACE FUNCTION tasklist_append_only() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql"
            )
            conn.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION tasklist_append_only()"
            )


def m002_load_log(conn: Connection) -> None:
    """Who loaded which registry when (the registry itself changes over the years); and an index
    for finding whether an update was undone, which every report asks."""
    conn.execute("CREATE INDEX ix_update_reverses ON status_update (reverses_id)")
    conn.execute(
        f"""CREATE TABLE load_log (
            id {_pk(conn)}, plan_id TEXT NOT NULL REFERENCES plan(id), loaded_at TEXT NOT NULL,
            loaded_by TEXT NOT NULL, files TEXT NOT NULL, summary TEXT NOT NULL)"""
    )


def m003_reminder_log(conn: Connection) -> None:
    """Every reminder e-mail sent, so that the next one escalates and none is sent twice by mistake."""
    conn.execute(
        f"""CREATE TABLE reminder_log (
            id {_pk(conn)}, agency_id INTEGER NOT NULL REFERENCES agency(id), items TEXT NOT NULL,
            level INTEGER NOT NULL, as_of TEXT NOT NULL, sent_at TEXT NOT NULL, message_id TEXT NOT NULL,
            recipients TEXT NOT NULL, sent_by TEXT NOT NULL)"""
    )
    conn.execute("CREATE INDEX ix_reminder_agency ON reminder_log (agency_id)")


def m004_import_log(conn: Connection) -> None:
    """Feedback files imported, by content: the same file imported twice records nothing."""
    conn.execute(
        f"""CREATE TABLE import_log (
            id {_pk(conn)}, agency_id INTEGER NOT NULL REFERENCES agency(id), file_name TEXT NOT NULL,
            content_key TEXT NOT NULL UNIQUE, rows INTEGER NOT NULL, imported_at TEXT NOT NULL,
            imported_by TEXT NOT NULL)"""
    )


MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("m001_initial", m001_initial),
    ("m002_load_log", m002_load_log),
    ("m003_reminder_log", m003_reminder_log),
    ("m004_import_log", m004_import_log),
]
SCHEMA_VERSION = len(MIGRATIONS)


def applied(conn: Connection) -> list[str]:
    if not conn.table_exists("tasklist_migrations"):
        return []
    return [row[0] for row in conn.all("SELECT name FROM tasklist_migrations ORDER BY id")]


def pending(conn: Connection) -> list[str]:
    """Names of migrations not yet applied; refuses a database from a newer tasklist."""
    done = applied(conn)
    known = [name for name, _ in MIGRATIONS]
    unknown = [name for name in done if name not in known]
    if unknown:
        raise DatabaseError(
            f"database schema is newer than this tasklist (it has {', '.join(unknown)})",
            hint="upgrade tasklist to use this database",
        )
    return [name for name in known if name not in done]


def upgrade(conn: Connection, *, to: str | None = None) -> list[str]:
    """Apply pending migrations (all, or up to and including ``to``), each in its own transaction.
    Returns the names applied."""
    if not conn.table_exists("tasklist_migrations"):
        with conn.transaction():
            if not conn.table_exists("tasklist_migrations"):
                conn.execute(
                    "CREATE TABLE tasklist_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)"
                )
    ran = []
    for index, (name, migrate) in enumerate(MIGRATIONS, start=1):
        with conn.transaction():
            # Checked inside the write transaction so two processes never run the same migration.
            if conn.one("SELECT 1 FROM tasklist_migrations WHERE name = ?", (name,)):
                continue
            pending(conn)
            migrate(conn)
            conn.execute(
                "INSERT INTO tasklist_migrations (id, name, applied_at) VALUES (?, ?, ?)",
                (index, name, datetime.now(timezone.utc).isoformat(timespec="seconds")),
            )
            ran.append(name)
        if name == to:
            break
    return ran
