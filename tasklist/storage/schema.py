"""Opening a database ready for use: its schema at the head revision, and the bundled registry loaded
into an empty one (the embedded default needs no set-up step).

The schema is the SQLModel classes (:mod:`tasklist.storage.models`), created and migrated by the
Alembic revisions in ``storage/migrations/versions``. Start-up pays for none of that: a command
reads the revision with one query through the driver and imports SQLAlchemy and Alembic only when
an upgrade is actually needed.

Policy: a new database is created (on PostgreSQL, processes starting at once on an empty database
create it once: an advisory lock makes the others wait, then go on); the embedded SQLite file is
upgraded in place; a shared PostgreSQL database is upgraded only by `tasklist db upgrade`, which its
administrator runs once, so that no user's command changes the schema under everyone else; a
schema from a newer tasklist is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import DatabaseError
from .connection import Connection, connect

#: every revision in storage/migrations/versions, oldest first (a test checks it against Alembic's)
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011", "0012", "0013")
HEAD = REVISIONS[-1]
#: the migrations of tasklist before Alembic, and the revision each corresponds to
LEGACY = {"m001_initial": "0001", "m002_load_log": "0002", "m003_reminder_log": "0003", "m004_import_log": "0004"}
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_ADVISORY_LOCK = 0x7461736B6C697374 % (2**63)  # "tasklist"


def open_db(url: str | None = None, *, setup: bool = True, create: bool = True) -> Connection:
    """Open the database; with ``setup`` bring its schema up to date and, if it holds no plan
    yet, load the bundled Fujian registry. ``create``: a SQLite file that does not exist may be made
    (``conn.created`` then says so)."""
    conn = connect(url, create=create)
    try:
        if setup:
            ensure_ready(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def ensure_ready(conn: Connection) -> None:
    """The schema up to date (see :func:`ensure_schema`) and, in an empty database, the bundled registry."""
    ensure_schema(conn)
    if conn.one("SELECT 1 FROM plan LIMIT 1") is None:
        from ..registry import read_registry
        from .load import apply_registry

        apply_registry(conn, read_registry(None))


def applied(conn: Connection) -> list[str]:
    """The revisions the database's schema has, oldest first."""
    todo = pending(conn)
    return [r for r in REVISIONS if r not in todo]


def current_revision(conn: Connection) -> str | None:
    """The schema revision recorded in the database; None when it has none (new, or from before Alembic)."""
    if not conn.table_exists("alembic_version"):
        return None
    return conn.value("SELECT version_num FROM alembic_version")


def legacy_migrations(conn: Connection) -> list[str]:
    """The migrations recorded by a tasklist from before Alembic (empty for any other database)."""
    if not conn.table_exists("tasklist_migrations"):
        return []
    return [r[0] for r in conn.all("SELECT name FROM tasklist_migrations ORDER BY id")]


def pending(conn: Connection) -> list[str]:
    """The revisions not yet applied, oldest first; refuses a schema from a newer tasklist."""
    return _pending(current_revision(conn), legacy_migrations(conn))


def _pending(revision: str | None, legacy: list[str]) -> list[str]:
    if revision is None and legacy:
        unknown = [name for name in legacy if name not in LEGACY]
        if unknown:
            raise _newer(", ".join(unknown))
        revision = LEGACY[legacy[-1]]
    if revision is None:
        return list(REVISIONS)
    if revision not in REVISIONS:
        raise _newer(revision)
    return list(REVISIONS[REVISIONS.index(revision) + 1:])


def _newer(what: str) -> DatabaseError:
    return DatabaseError("error.db_newer", hint="error.db_newer_hint", what=what)


def ensure_schema(conn: Connection) -> None:
    """Bring the schema to the head revision where policy allows (see the module's doc)."""
    try:  # the one query a command pays on an up-to-date database
        if conn.value("SELECT version_num FROM alembic_version") == HEAD:
            return
    except DatabaseError:
        conn.end_read()  # no such table: a new database, or one from before Alembic
    todo = pending(conn)
    if not todo:
        return
    if conn.dialect == "postgresql" and len(todo) < len(REVISIONS):
        raise DatabaseError("error.db_outdated", hint="error.db_outdated_hint", count=len(todo), todo=", ".join(todo))
    upgrade(conn)


def upgrade(conn: Connection, *, to: str = "head") -> list[str]:
    """Apply every pending revision (up to ``to``) in one transaction, under a lock that makes
    concurrent upgraders wait and then find nothing to do. Returns the revisions applied."""
    conn.end_read()
    migrator = connect(conn.url)  # its own connection: SQLAlchemy drives it, then it is closed
    try:
        return _upgrade(migrator, to)
    finally:
        migrator.close()


def _upgrade(conn: Connection, to: str) -> list[str]:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import StaticPool

    raw = conn.raw
    url = "sqlite://" if conn.dialect == "sqlite" else "postgresql+psycopg://"
    engine = create_engine(url, creator=lambda: raw, poolclass=StaticPool)
    if conn.dialect == "sqlite":
        # the driver runs in autocommit mode; take the write lock when SQLAlchemy begins
        event.listen(engine, "begin", lambda sa_conn: sa_conn.exec_driver_sql("BEGIN IMMEDIATE"))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(config)
    applied: list[str] = []

    def revisions_to_run(revision: Any, context: Any) -> Any:
        steps = script._upgrade_revs(to, revision)
        applied.extend(step.revision.revision for step in steps)
        return steps

    try:
        with engine.begin() as sa_conn:
            if conn.dialect == "postgresql":
                sa_conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK})")
            _adopt_legacy(sa_conn)
            with EnvironmentContext(config, script, fn=revisions_to_run, destination_rev=to) as env:
                env.configure(connection=sa_conn, transactional_ddl=True)
                with env.begin_transaction():
                    env.run_migrations()
            if conn.dialect == "postgresql" and to in ("head", HEAD):  # every table gets exactly its rights
                from .rights import rights_sql

                for statement in rights_sql(sa_conn.exec_driver_sql("SELECT current_database()").scalar_one()):
                    sa_conn.exec_driver_sql(statement)
    except DatabaseError:
        raise
    except Exception as exc:
        raise conn.translate(exc) from exc
    return applied


def _adopt_legacy(sa_conn: Any) -> None:
    """A database from before Alembic: record its last legacy migration as the matching revision."""
    from sqlalchemy import inspect

    tables = set(inspect(sa_conn).get_table_names())
    if "tasklist_migrations" not in tables or "alembic_version" in tables:
        return
    names = [r[0] for r in sa_conn.exec_driver_sql("SELECT name FROM tasklist_migrations ORDER BY id")]
    _pending(None, names)  # refuses migrations from a newer tasklist
    sa_conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                            "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
    if names:
        sa_conn.exec_driver_sql(f"INSERT INTO alembic_version (version_num) VALUES ('{LEGACY[names[-1]]}')")
    sa_conn.exec_driver_sql("DROP TABLE tasklist_migrations")
