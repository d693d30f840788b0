"""Opening a database ready for use: its schema brought up to date, and the bundled registry loaded
into an empty one (the embedded default needs no set-up step)."""

from __future__ import annotations

from ..errors import DatabaseError
from . import legacy as migrations
from .connection import Connection, connect


def open_db(url: str | None = None, *, setup: bool = True) -> Connection:
    """Open the database; with ``setup`` bring its schema up to date and, if it holds no plan
    yet, load the bundled Fujian registry."""
    conn = connect(url)
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


def ensure_schema(conn: Connection) -> None:
    """Schema policy: a new database is created; the embedded SQLite file is upgraded in place; a
    shared PostgreSQL database is upgraded only by `tasklist db upgrade`, which its administrator
    runs once, so that no user's command changes the schema under everyone else."""
    todo = migrations.pending(conn)
    if not todo:
        return
    if conn.dialect == "postgresql" and migrations.applied(conn):
        raise DatabaseError(
            f"database schema is out of date ({len(todo)} migration{'s' if len(todo) > 1 else ''} pending: {', '.join(todo)})",
            hint="run `tasklist db upgrade` once for this database",
        )
    migrations.upgrade(conn)
