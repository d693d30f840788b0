"""The SQLModel classes are the schema: Alembic's revisions build exactly them, on both engines;
databases from before Alembic upgrade with every row kept; history is append-only."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import query

from tasklist.errors import DatabaseError
from tasklist.storage import schema
from tasklist.storage.connection import connect

FIXTURES = Path(__file__).parent / "fixtures"


def _drift(url: str) -> list:
    """What Alembic's autogenerate finds between the database at ``url`` and the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    import tasklist.storage.models  # noqa: F401  (registers the tables)

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as sa_conn:
            context = MigrationContext.configure(sa_conn, opts={"compare_type": True, "compare_server_default": True})
            return compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()


@pytest.mark.usefixtures("engine")
def test_the_migrated_database_is_exactly_the_models(cli):
    from tasklist.storage.connection import resolve_url

    cli("list")  # a new database, created by the revisions
    assert _drift(resolve_url()) == []


def test_a_database_from_before_alembic_upgrades_to_exactly_the_models(cli, tmp_path):
    db = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema_m001.db", db)
    cli("--db", str(db), "history")
    # The one difference: the first schema wrote `id INTEGER PRIMARY KEY` without NOT NULL, which
    # SQLite reports as nullable though a rowid can never be NULL (and `plan.id`/`agency_alias.alias`,
    # TEXT keys tasklist never leaves empty). Rebuilding those tables to say NOT NULL is not worth
    # the risk to the rows in them; anything else would be drift.
    drift = [d for diff in _drift(f"sqlite:///{db}") for d in diff]
    assert {(d[0], d[2], d[3]) for d in drift} <= {
        ("modify_nullable", t, c) for t, c in [("agency", "id"), ("agency_alias", "alias"), ("assignment", "id"),
                                               ("extension", "id"), ("item", "id"), ("plan", "id"), ("status_update", "id")]
    }


def test_the_revisions_listed_for_start_up_are_alembics():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(schema.MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(config)
    assert [r.revision for r in reversed(list(script.walk_revisions()))] == list(schema.REVISIONS)
    assert script.get_current_head() == schema.HEAD


def test_alembic_check_passes_from_the_command_line(tmp_path):
    """The developers' gate: `alembic check` finds nothing to generate on a database at head."""
    db = tmp_path / "check.db"
    conn = connect(f"sqlite:///{db}")
    schema.upgrade(conn)
    conn.close()
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-m", "alembic", "-c", str(root / "alembic.ini"), "check"],
                            capture_output=True, text=True, env={"TASKLIST_DB": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr


def test_status_updates_cannot_be_changed_or_deleted(cli, isolated_home):
    cli("update", "T6", "--status", "done", "--verified")
    with sqlite3.connect(isolated_home / "tasklist.db") as conn:
        for sql in ("UPDATE status_update SET status = 'blocked'", "DELETE FROM status_update"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)


def test_upgrade_is_idempotent_and_recorded(tmp_path):
    conn = connect(f"sqlite:///{tmp_path / 'm.db'}")
    assert schema.upgrade(conn, to="0001") == ["0001"]
    assert schema.pending(conn) == ["0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011", "0012", "0013"]
    assert schema.upgrade(conn) == ["0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011", "0012", "0013"]
    assert schema.upgrade(conn) == []
    assert schema.applied(conn) == list(schema.REVISIONS) and schema.current_revision(conn) == schema.HEAD


def test_database_from_a_newer_tasklist_is_refused(cli, isolated_home):
    cli("list")
    with sqlite3.connect(isolated_home / "tasklist.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    result = cli("list", code=1)
    assert "database schema is newer than this tasklist (it has 9999)" in result.stderr
    with pytest.raises(DatabaseError):
        schema.pending(connect(f"sqlite:///{isolated_home / 'tasklist.db'}"))


def test_database_from_a_newer_tasklist_before_alembic_is_refused(cli, tmp_path):
    db = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema_m001.db", db)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO tasklist_migrations (id, name, applied_at) VALUES (99, 'm099_future', 'x')")
    result = cli("--db", str(db), "list", code=1)
    assert "database schema is newer than this tasklist (it has m099_future)" in result.stderr


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
        result = cli("update", "T6", "--status", "done", "--verified", code=1)
        assert "database is busy" in result.stderr
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert cli.json("history") == []


def test_status_updates_are_append_only_on_postgresql_too(pg_server):
    import psycopg

    url = pg_server.create_database("append_only_check")
    conn = connect(url)
    schema.upgrade(conn)
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


def test_postgresql_reads_the_update_in_force_from_its_index(pg_server):
    """Revision 0011 on PostgreSQL: ix_update_latest carries what the reports read of the update in
    force, and reported_on keeps the finer statistics weekly's period needs."""
    conn = connect(pg_server.create_database("read_indexes"))
    try:
        schema.upgrade(conn)
        index = conn.value("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_update_latest'")
        assert index.endswith("(assignment_id, reported_on, recorded_at, id) INCLUDE (status, reverses_id)")
        assert conn.value("SELECT attstattarget FROM pg_attribute WHERE attrelid = 'status_update'::regclass "
                          "AND attname = 'reported_on'") == 1000
        live = {r[0] for r in conn.all("SELECT indexdef FROM pg_indexes WHERE indexname LIKE 'ix_%_live_%'")}
        assert any("(item_id) WHERE (archived = 0)" in d for d in live)
        # revision 0013: the items' due dates with them, so that their scans never read the rows
        assert any("(plan_id, \"position\", id) INCLUDE (due) WHERE (archived = 0)" in d for d in live)
    finally:
        conn.close()


def test_processes_starting_together_on_an_empty_postgresql_database_create_it_once(pg_server, tmp_path):
    url = pg_server.create_database("first_use")
    env = {"TASKLIST_DB": url, "TASKLIST_HOME": str(tmp_path), "TASKLIST_LANG": "en", "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen([sys.executable, "-m", "tasklist", "list", "--json"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    conn = connect(url)
    try:
        assert conn.all("SELECT version_num FROM alembic_version") == [(schema.HEAD,)]
        assert conn.value("SELECT count(*) FROM plan") == 1 and conn.value("SELECT count(*) FROM item") == 54
    finally:
        conn.close()


@pytest.mark.usefixtures("engine")
def test_an_update_can_be_reversed_only_once_even_by_two_processes_at_once(cli):
    from concurrent.futures import ThreadPoolExecutor

    (row,) = cli.json("done", "--verified", "T6")

    def undo_in_a_process(_: int) -> subprocess.CompletedProcess[str]:
        import os

        return subprocess.run([sys.executable, "-m", "tasklist", "undo", str(row["id"])], capture_output=True, text=True,
                              env=dict(os.environ))

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(undo_in_a_process, range(2)))
    assert sorted(r.returncode for r in results) == [0, 2], [r.stderr for r in results]
    refused = next(r for r in results if r.returncode)
    assert refused.stderr.count("\n") <= 2 and "error:" in refused.stderr and "unexpected" not in refused.stderr
    assert query("SELECT count(*) FROM status_update WHERE reverses_id = ?", (row["id"],)) == [(1,)]


def test_python_users_read_the_database_through_the_sqlmodel_classes(cli, isolated_home):
    from sqlalchemy import create_engine
    from sqlmodel import Session, select

    import tasklist

    cli("done", "--verified", "T6", "--note", "经 ORM 读取")
    engine = create_engine(f"sqlite:///{isolated_home / 'tasklist.db'}")
    try:
        with Session(engine) as session:
            assert len(session.exec(select(tasklist.Item)).all()) == 54
            update = session.exec(select(tasklist.StatusUpdate)).one()
            part = session.get(tasklist.Assignment, update.assignment_id)
            assert (update.note, update.status, session.get(tasklist.Agency, part.agency_id).name) == \
                ("经 ORM 读取", "done", "省农业农村厅")
    finally:
        engine.dispose()
