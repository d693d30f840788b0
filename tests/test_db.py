"""Shared use: concurrent writers, crash safety, schema upgrades and backups, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DATA, ROOT, query

from tasklist.storage import schema
from tasklist.storage.connection import connect, resolve_url

FIXTURES = Path(__file__).parent / "fixtures"

WORKER = r"""
import sys, time
from datetime import date
from pathlib import Path
from tasklist.storage.lookup import resolve_item
from tasklist.storage.schema import open_db
from tasklist.storage.writes import record_update

url, go, worker = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
while not go.exists():
    time.sleep(0.002)
conn = open_db(url)
item = resolve_item(conn, "T6")
for n in range(25):
    record_update(conn, item, status="in_progress", as_of=date(2026, 11, 23), progress=n,
                  note=f"w{worker}-{n}", reported_by=f"worker{worker}")
"""

RELOADER = r"""
import sys, time
from pathlib import Path
from tasklist.registry import read_registry
from tasklist.storage.load import apply_registry
from tasklist.storage.schema import open_db

url, go, edited = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
while not go.exists():
    time.sleep(0.002)
conn = open_db(url)
for n in range(6):
    apply_registry(conn, read_registry([edited] if n % 2 == 0 else None))
"""


def _spawn(code: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.usefixtures("engine")
def test_eight_writers_and_a_reload_at_once_lose_nothing(cli, tmp_path, registry_copy):
    cli("list")  # create and load
    url = resolve_url()
    edited = registry_copy / "tasks.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("title: 推动数字经济集聚发展", "title: 推动数字经济集聚发展(修订)"),
                      encoding="utf-8")
    go = tmp_path / "go"
    procs = [_spawn(WORKER, url, str(go), str(w)) for w in range(8)]
    procs.append(_spawn(RELOADER, url, str(go), str(registry_copy)))
    time.sleep(0.5)  # let every process start and wait at the line
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "locked" not in err and "busy" not in err
    notes = {row[0] for row in query("SELECT note FROM status_update")}
    assert notes == {f"w{w}-{n}" for w in range(8) for n in range(25)}
    assert len(cli.json("history", "T6")) == 200


KILLED_LOADER = r"""
import sys, time
from pathlib import Path
from tasklist.registry import read_registry
from tasklist.storage.load import apply_registry
from tasklist.storage.schema import open_db

url, registry, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])
conn = open_db(url)

def progress(done, total):
    if done >= total // 2:  # the loader reports every few hundred items, not every one
        marker.touch()   # half the items are written, inside the transaction
        time.sleep(60)   # and here the process is killed

apply_registry(conn, read_registry([registry]), progress=progress)
"""


def _big_registry(directory: Path, items: int) -> Path:
    directory.mkdir()
    shutil.copy(DATA / "agencies.yaml", directory / "agencies.yaml")
    header = (DATA / "tasks.yaml").read_text(encoding="utf-8").split("tasks:")[0]
    lines = [header, "tasks:\n"]
    for n in range(1, items + 1):
        lines.append(f"  - id: T{n}\n    seq: {n}\n    title: 任务{n}\n    agencies: [省发改委, 各设区市人民政府]\n"
                     f"    due: 2025-12-31\n    due_text: 2025年\n")
    (directory / "tasks.yaml").write_text("".join(lines), encoding="utf-8")
    return directory


@pytest.mark.usefixtures("engine")
def test_sigkill_in_the_middle_of_a_load_leaves_the_database_as_it_was(cli, tmp_path):
    cli("update", "T6", "--status", "in_progress", "--note", "before the crash")
    before = {t: query(f"SELECT count(*) FROM {t}")[0][0] for t in ("item", "assignment", "status_update", "agency")}
    registry = _big_registry(tmp_path / "big", 3000)
    marker = tmp_path / "half-way"
    proc = _spawn(KILLED_LOADER, resolve_url(), str(registry), str(marker))
    deadline = time.time() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.time() < deadline, "the loader never reached half-way"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    time.sleep(0.2)  # PostgreSQL notices the dead client and rolls its transaction back
    after = {t: query(f"SELECT count(*) FROM {t}")[0][0] for t in ("item", "assignment", "status_update", "agency")}
    assert after == before
    assert cli.json("history", "T6")[0]["note"] == "before the crash"
    assert cli("db", "check").stdout.strip().endswith("ok")


def test_database_from_the_first_schema_upgrades_keeping_every_update(cli, tmp_path):
    db = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema_m001.db", db)
    with sqlite3.connect(db) as old:
        assert [r[0] for r in old.execute("SELECT name FROM tasklist_migrations")] == ["m001_initial"]
        updates = old.execute("SELECT * FROM status_update ORDER BY id").fetchall()
        extensions = old.execute("SELECT * FROM extension ORDER BY id").fetchall()
    assert len(updates) == 10
    history = cli.json("--db", str(db), "history")  # the embedded database upgrades itself
    assert sorted(h["id"] for h in history) == [u[0] for u in updates]
    with sqlite3.connect(db) as new:
        assert new.execute("SELECT version_num FROM alembic_version").fetchall() == [(schema.HEAD,)]
        assert not new.execute("SELECT 1 FROM sqlite_master WHERE name = 'tasklist_migrations'").fetchall()
        # every row as it was (the column added since, reported_by, is empty in old rows)
        assert [r[:-1] for r in new.execute("SELECT * FROM status_update ORDER BY id")] == updates
        assert {r[-1] for r in new.execute("SELECT * FROM status_update")} == {None}
        assert new.execute("SELECT * FROM extension ORDER BY id").fetchall() == extensions
    t6 = cli.json("--db", str(db), "show", "T6", "--as-of", "2022-03-02")
    assert t6["status"] == "in_progress" and t6["history"][0]["note"] == "首版数据库中的更新"
    assert cli.json("--db", str(db), "show", "T5", "--as-of", "2023-01-01")["due"] == "2023-06-30"


def test_shared_postgresql_database_is_upgraded_only_on_request(cli, pg_server, monkeypatch):
    url = pg_server.create_database("old_schema")
    monkeypatch.setenv("TASKLIST_DB", url)
    conn = connect(url)
    schema.upgrade(conn, to="0001")
    conn.execute("INSERT INTO plan VALUES ('p', '旧方案', NULL, NULL, NULL, 'Asia/Shanghai', '{\"cadence\": \"quarterly\"}', 'x')")
    conn.raw.commit()
    conn.close()
    result = cli("list", code=1)
    assert "schema is out of date" in result.stderr and "tasklist db upgrade" in result.stderr
    assert cli("db", "check", code=1).stdout.strip().endswith("NOT OK")
    cli("db", "upgrade")
    assert query("SELECT title FROM plan") == [("旧方案",)]
    assert cli("db", "check").stdout.strip().endswith("ok")


@pytest.mark.usefixtures("engine")
def test_backup_is_a_complete_copy_and_never_overwrites(cli, tmp_path, engine):
    cli("done", "--verified", "T6", "--note", "备份前")
    target = tmp_path / "backup.db"
    if engine == "postgresql" and shutil.which("pg_dump") is None:
        result = cli("db", "backup", str(target), code=1)
        assert "pg_dump is not on PATH" in result.stderr
        return
    cli("db", "backup", str(target))
    assert target.stat().st_size > 0
    if engine == "sqlite":
        assert cli.json("--db", str(target), "history")[0]["note"] == "备份前"
    result = cli("db", "backup", str(target), code=2)
    assert "already exists" in result.stderr


def test_check_reports_a_damaged_database(cli, isolated_home):
    cli("done", "--verified", "T6")
    db = isolated_home / "tasklist.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("DROP TRIGGER status_update_no_delete")
        conn.execute("DELETE FROM assignment WHERE id = (SELECT assignment_id FROM status_update)")
    result = cli("db", "check", code=1)
    assert "foreign key: status_update" in result.stderr


KILLED_IMPORT = r"""
import sys, time
from datetime import date
from pathlib import Path
from tasklist.storage import connection as db
from tasklist.feedback.importer import import_feedback
from tasklist.storage.schema import open_db

url, file, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])
real_insert = db.Connection.insert
calls = 0

def insert_then_stall(self, sql, params):
    global calls
    calls += 1
    if calls == 10:          # ten updates written inside the import's transaction
        marker.touch()
        time.sleep(60)       # and here the process is killed
    return real_insert(self, sql, params)

db.Connection.insert = insert_then_stall
import_feedback(open_db(url), file, as_of=date(2026, 11, 23), reported_by="test")
"""


@pytest.mark.usefixtures("engine")
def test_sigkill_in_the_middle_of_a_feedback_import_records_nothing(cli, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "fgw.xlsx"
    cli("feedback", "export", "--agency", "省发改委", "--out", path, "--as-of", "2026-11-23")
    book = load_workbook(path)
    ws = book["反馈表"]
    for row in range(3, ws.max_row + 1):  # below the title and the headers
        ws.cell(row=row, column=8, value="推进中")
    book.save(path)
    assert ws.max_row > 20
    marker = tmp_path / "half-way"
    proc = _spawn(KILLED_IMPORT, resolve_url(), str(path), str(marker))
    deadline = time.time() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.time() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    time.sleep(0.2)
    assert query("SELECT count(*) FROM status_update") == [(0,)]
    assert query("SELECT count(*) FROM import_log") == [(0,)]
    result = cli.json("feedback", "import", path, "--as-of", "2026-11-23")  # the real import still goes through
    assert len(result["recorded"]) == ws.max_row - 2


def test_load_does_not_upgrade_a_shared_database_behind_the_administrators_back(cli, pg_server, monkeypatch):
    url = pg_server.create_database("old_schema_load")
    monkeypatch.setenv("TASKLIST_DB", url)
    conn = connect(url)
    schema.upgrade(conn, to="0001")
    conn.close()
    assert "tasklist db upgrade" in cli("load", code=1).stderr
    assert query("SELECT version_num FROM alembic_version") == [("0001",)]


def test_postgresql_sessions_are_set_for_whole_reports(pg_server):
    """Every PostgreSQL connection plans for reading all of a cursor, without JIT, with room to sort
    in memory, random reads priced as from memory; a streamed listing gives every row in order, fetched
    in batches of the size asked."""
    from tasklist.storage import connection

    conn = connect(pg_server.create_database("session_settings"))
    try:
        assert conn.value("SHOW jit") == "off"
        assert float(conn.value("SHOW cursor_tuple_fraction")) == 1.0
        assert conn.value("SHOW work_mem") == connection.PG_WORK_MEM
        assert conn.value("SHOW random_page_cost") == connection.PG_RANDOM_PAGE_COST
        n = 2 * connection.PG_STREAM_BATCH + 3
        rows = list(conn.stream("SELECT g FROM generate_series(1, ?) g ORDER BY g", (n,), batch=10))
        assert [r[0] for r in rows] == list(range(1, n + 1))
    finally:
        conn.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_planner_settings_hold_for_the_block_only(kind, tmp_path, request):
    """Connection.planned: PostgreSQL plans the block's statements with the settings given, and the
    statements after it, and those of a block left by an error, with the session's own; SQLite runs
    the block as it is."""
    from tasklist.errors import DatabaseError

    url = str(tmp_path / "planned.db") if kind == "sqlite" else request.getfixturevalue("pg_server").create_database("planned")
    conn = connect(url)
    setting = "SELECT current_setting('enable_hashjoin'), current_setting('max_parallel_workers_per_gather')"
    try:
        if kind == "sqlite":
            with conn.planned(enable_hashjoin="off"):
                assert conn.value("SELECT 1") == 1
            return
        session = conn.one(setting)
        assert session is not None and session[0] == "on"
        with conn.planned(enable_hashjoin="off", max_parallel_workers_per_gather="0"):
            assert conn.one(setting) == ("off", "0")
        assert conn.one(setting) == session
        with pytest.raises(DatabaseError), conn.planned(enable_hashjoin="off"):
            conn.value("SELECT no_such_column")
        conn.end_read()
        assert conn.one(setting) == session
        with pytest.raises(ValueError), conn.planned(enable_hashjoin="off"):  # not the database's error:
            raise ValueError  # the transaction goes on, with the settings as they were
        assert conn.one(setting) == session
        conn.end_read()
        with conn.transaction():  # the session's own value (committed), not the server's
            conn.execute("SET max_parallel_workers_per_gather = 5")
        with conn.transaction():  # in a write transaction too
            with conn.planned(max_parallel_workers_per_gather="0"):
                assert conn.one(setting) == ("on", "0")
            assert conn.one(setting) == ("on", "5")
        assert conn.one(setting) == ("on", "5")
    finally:
        conn.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_connection_beside_is_a_second_backend_outside_transactions_only(kind, tmp_path, request, monkeypatch):
    """Connection.beside: on PostgreSQL a second connection (a backend of its own) for the block, whose
    statement sent with asked runs while this one's does, closed when the block is left; None on
    SQLite, inside a transaction (its writes are this connection's alone), and when the server
    refuses a second connection."""
    from tasklist.errors import DatabaseError
    from tasklist.storage import connection

    url = str(tmp_path / "beside.db") if kind == "sqlite" else request.getfixturevalue("pg_server").create_database("beside")
    conn = connect(url)
    try:
        if kind == "sqlite":
            with conn.beside() as other:
                assert other is None
            return
        pid = "SELECT pg_backend_pid()"
        with conn.beside() as other:
            assert other is not None and other.value(pid) != conn.value(pid)
            with other.asked("SELECT n FROM generate_series(1, 3) n") as rows:
                assert conn.value("SELECT 7") == 7
                assert rows() == [(1,), (2,), (3,)]
        assert other.raw.closed
        with conn.transaction(), conn.beside() as inside:
            assert inside is None
        conn.end_read()

        def refused(url: str) -> None:
            raise DatabaseError("error.db_connect", why="too many clients already")

        monkeypatch.setattr(connection, "_connect_postgres", refused)
        with conn.beside() as other:
            assert other is None
        assert conn.value("SELECT 1") == 1
    finally:
        conn.close()


def test_postgresql_streams_read_side_by_side_and_close_when_left(pg_server):
    """Two streams of one connection are read in turn (each its own server-side cursor); a stream
    left before its end closes its cursor, and the connection goes on reading."""
    conn = connect(pg_server.create_database("side_by_side"))
    try:
        sql = "SELECT g FROM generate_series(1, ?) g ORDER BY g"
        first, second = conn.stream(sql, (25,), batch=4), conn.stream(sql, (30,), batch=7)
        pairs = list(zip(first, second))
        assert pairs == [((g,), (g,)) for g in range(1, 26)]
        second.close()
        assert conn.value("SELECT count(*) FROM pg_cursors") == 0
        left = conn.stream(sql, (10,), batch=3)
        assert next(left) == (1,)
        left.close()
        assert conn.value("SELECT count(*) FROM pg_cursors") == 0
        assert [r[0] for r in conn.stream(sql, (5,))] == [1, 2, 3, 4, 5]
    finally:
        conn.close()


def test_a_load_on_postgresql_leaves_fresh_planner_statistics(cli, pg_server, monkeypatch):
    monkeypatch.setenv("TASKLIST_DB", pg_server.create_database("analyzed"))
    cli("load", str(DATA))
    analyzed = dict(query("SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                          "WHERE relname IN ('item', 'assignment', 'agency')"))
    assert analyzed == {"item": True, "assignment": True, "agency": True}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_statement_asked_before_its_rows_are_read_gives_the_rows_of_all(kind, tmp_path, request):
    """Connection.asked: the rows of Connection.all, read later in the block (PostgreSQL runs the
    statement meanwhile, other statements having run before it); a database error is the one-line
    DatabaseError of any statement, the caller's own error passes through as it was."""
    from tasklist.errors import DatabaseError

    url = str(tmp_path / "asked.db") if kind == "sqlite" else request.getfixturevalue("pg_server").create_database("asked")
    conn = connect(url)
    try:
        with conn.transaction():
            conn.execute("CREATE TABLE t (n INTEGER, s TEXT)")
            conn.executemany("INSERT INTO t VALUES (?, ?)", [(n, f"row {n}") for n in range(1, 2001)])
        sql = "SELECT n, s FROM t WHERE n > ? ORDER BY n DESC"
        with conn.asked(sql, (1500,)) as rows:
            built = [n * 2 for n in range(1000)]  # the caller's work meanwhile
            got = rows()
        assert got == conn.all(sql, (1500,)) == [(n, f"row {n}") for n in range(2000, 1500, -1)]
        assert built[-1] == 1998 and conn.value("SELECT count(*) FROM t") == 2000  # the connection is usable after
        with pytest.raises(DatabaseError), conn.asked("SELECT no_such_column FROM t") as rows:
            rows()
        conn.end_read()
        with pytest.raises(KeyError), conn.asked(sql, (0,)):
            raise KeyError("the caller's")
        conn.end_read()
        assert conn.value("SELECT max(n) FROM t") == 2000
    finally:
        conn.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_statements_sent_run_while_the_caller_works_and_their_error_is_raised_at_the_block_s_end(kind, tmp_path,
                                                                                                   request):
    """Connection.sent: statements that give no rows, sent on entering the block (PostgreSQL: at once, in
    a pipeline, so the server runs them while the caller works), all run by the block's end; a failing
    one raises the connection's DatabaseError there, and the connection stays usable after a rollback."""
    from tasklist.errors import DatabaseError

    url = str(tmp_path / "sent.db") if kind == "sqlite" else request.getfixturevalue("pg_server").create_database("sent")
    conn = connect(url)
    temp = "pg_temp" if kind == "postgresql" else "temp"
    try:
        with conn.sent((f"CREATE TEMP TABLE {temp}.t AS SELECT 1 AS n", []),
                       (f"INSERT INTO {temp}.t VALUES (?)", [2])):
            pass
        assert conn.all(f"SELECT n FROM {temp}.t ORDER BY n") == [(1,), (2,)]
        with pytest.raises(DatabaseError), conn.sent((f"INSERT INTO {temp}.nowhere VALUES (?)", [1])):
            pass
        conn.end_read()
        assert conn.value("SELECT 5") == 5
    finally:
        conn.close()
