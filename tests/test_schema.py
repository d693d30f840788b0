"""The migrated database and the SQLModel classes describe the same schema; history is append-only."""

from __future__ import annotations

import sqlite3

import pytest

from tasklist.storage import legacy as migrations
from tasklist.storage.connection import connect
from tasklist.errors import DatabaseError


def test_models_match_the_migrated_schema(tmp_path):
    from sqlalchemy import create_engine, inspect
    from sqlmodel import SQLModel

    import tasklist.storage.models  # noqa: F401  (registers the tables)

    url = f"sqlite:///{tmp_path / 'schema.db'}"
    conn = connect(url)
    migrations.upgrade(conn)
    conn.close()
    inspector = inspect(create_engine(url))
    tables = set(inspector.get_table_names()) - {"tasklist_migrations", "sqlite_sequence"}
    assert tables == set(SQLModel.metadata.tables)
    for name, table in SQLModel.metadata.tables.items():
        columns = {c["name"]: c for c in inspector.get_columns(name)}
        assert set(columns) == {c.name for c in table.columns}, name
        for column in table.columns:
            if not column.primary_key:
                assert columns[column.name]["nullable"] == column.nullable, (name, column.name)


def test_status_updates_cannot_be_changed_or_deleted(cli, isolated_home):
    cli("update", "T6", "--status", "done")
    with sqlite3.connect(isolated_home / "tasklist.db") as conn:
        for sql in ("UPDATE status_update SET status = 'blocked'", "DELETE FROM status_update"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)


def test_upgrade_is_idempotent_and_recorded(tmp_path):
    conn = connect(f"sqlite:///{tmp_path / 'm.db'}")
    assert migrations.upgrade(conn, to="m001_initial") == ["m001_initial"]
    assert migrations.upgrade(conn) == ["m002_load_log", "m003_reminder_log", "m004_import_log"]
    assert migrations.upgrade(conn) == []
    assert migrations.applied(conn) == [name for name, _ in migrations.MIGRATIONS]


def test_database_from_a_newer_tasklist_is_refused(cli, isolated_home):
    cli("list")
    with sqlite3.connect(isolated_home / "tasklist.db") as conn:
        conn.execute("INSERT INTO tasklist_migrations (id, name, applied_at) VALUES (99, 'm099_future', 'x')")
    result = cli("list", code=1)
    assert "database schema is newer than this tasklist (it has m099_future)" in result.stderr
    with pytest.raises(DatabaseError):
        migrations.pending(connect(f"sqlite:///{isolated_home / 'tasklist.db'}"))


def test_database_that_is_not_sqlite_gives_one_line(cli, tmp_path):
    bad = tmp_path / "not.db"
    bad.write_bytes(b"this is not a database" * 100)
    result = cli("--db", str(bad), "list", code=1)
    assert result.stderr.startswith("error: cannot open database") and "not a database" in result.stderr


def test_database_in_a_missing_directory_gives_one_line(cli, tmp_path):
    result = cli("--db", str(tmp_path / "gone" / "x.db"), "list", code=1)
    assert "directory" in result.stderr and "does not exist" in result.stderr


def test_locked_database_waits_then_reports_busy(cli, isolated_home, monkeypatch):
    import tasklist.storage.connection

    cli("list")
    monkeypatch.setattr(tasklist.storage.connection, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(isolated_home / "tasklist.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = cli("update", "T6", "--status", "done", code=1)
        assert "database is busy" in result.stderr
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert cli.json("history") == []


def test_status_updates_are_append_only_on_postgresql_too(pg_server):
    import psycopg

    url = pg_server.create_database("append_only_check")
    conn = connect(url)
    migrations.upgrade(conn)
    conn.close()
    dsn = f"host={pg_server.socket_dir} user=postgres dbname=append_only_check"
    with psycopg.connect(dsn, autocommit=True) as raw:
        raw.execute("INSERT INTO plan VALUES ('p', 't', NULL, NULL, NULL, 'Asia/Shanghai', '{}', 'now')")
        raw.execute("INSERT INTO agency (name, full_name, kind) VALUES ('a', 'a', 'group')")
        raw.execute("INSERT INTO item (plan_id, code, kind, no, title) VALUES ('p', 'T1', 'task', 1, 't')")
        raw.execute("INSERT INTO assignment (item_id, agency_id, role, position) VALUES (1, 1, 'lead', 0)")
        raw.execute("INSERT INTO status_update (assignment_id, status, reported_on, recorded_at, recorded_by, source) "
                    "VALUES (1, 'done', '2026-01-01', 'x', 'me', 'test')")
        for sql in ("UPDATE status_update SET status = 'blocked'", "DELETE FROM status_update"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                raw.execute(sql)
