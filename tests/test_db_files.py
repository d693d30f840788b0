"""The database file in every state a desk can leave it: new, missing, empty, deleted under a
writer, damaged, holding text that is not UTF-8. One line each, nothing silently made or lost."""

from __future__ import annotations

import os
import sqlite3
from datetime import date

import pytest

from tasklist.errors import DatabaseError
from tasklist.storage.lookup import resolve_item
from tasklist.storage.schema import open_db
from tasklist.storage.writes import record_update


def test_the_default_database_is_made_on_first_use_and_says_so(cli, isolated_home):
    result = cli("status", "--summary")
    assert f"created a new database at {isolated_home / 'tasklist.db'}" in result.stderr
    assert "created" not in cli("status", "--summary").stderr


def test_a_named_database_that_does_not_exist_is_made_only_by_load_or_db_upgrade(cli, tmp_path):
    target = tmp_path / "office.db"
    for args in (["list"], ["status"], ["update", "T6", "--status", "done", "--verified"], ["history"], ["db", "backup", "b.db"]):
        result = cli("--db", str(target), *args, code=1)
        assert result.stderr.splitlines()[0] == f"error: database {target} does not exist", args
        assert not target.exists()
    result = cli("--db", str(target), "db", "check", code=1)  # check reports it as its finding, and makes nothing
    assert f"problem: database {target} does not exist" in result.stderr and result.stdout.strip().endswith("NOT OK")
    assert not target.exists()
    assert f"created a new database at {target}" in cli("--db", str(target), "load").stderr
    assert len(cli.json("--db", str(target), "list")) == 54


@pytest.mark.parametrize("named", [True, False])
def test_an_empty_file_is_refused_and_left_as_it_is(cli, isolated_home, tmp_path, named):
    target = tmp_path / "empty.db" if named else isolated_home / "tasklist.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"")
    args = ["--db", str(target)] if named else []
    for command in (["list"], ["load"], ["db", "upgrade"]):
        result = cli(*args, *command, code=1)
        assert "the file is empty (0 bytes), not a tasklist database" in result.stderr.splitlines()[0]
    assert target.stat().st_size == 0


def test_a_database_deleted_under_a_writer_records_nothing_and_says_so(cli, isolated_home):
    cli("list")
    conn = open_db()
    try:
        item = resolve_item(conn, "T6")
        os.remove(isolated_home / "tasklist.db")
        with pytest.raises(DatabaseError, match="was removed or replaced while this command ran; nothing was recorded"):
            record_update(conn, item, status="done", verified=True, as_of=date(2026, 11, 23))
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        (isolated_home / f"tasklist.db{suffix}").unlink(missing_ok=True)
    result = cli("history")
    assert "created a new database" in result.stderr  # never silently


def _checkpointed(path):
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def test_db_check_reports_a_damaged_page_as_its_finding(cli, isolated_home):
    cli("done", "--verified", "T6", "--note", "损坏之前")
    db = isolated_home / "tasklist.db"
    _checkpointed(db)
    page = sqlite3.connect(db).execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(db.read_bytes())
    data[page * 2] ^= 0xFF  # the page-type byte of the third page's header
    db.write_bytes(bytes(data))
    result = cli("db", "check", code=1)
    assert "unexpected" not in result.stderr + result.stdout
    assert result.stdout.strip().endswith("NOT OK")
    assert "problem:" in result.stderr


def test_db_check_on_a_file_that_is_not_a_database_is_a_finding(cli, tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"this is not a database" * 100)
    result = cli("--db", str(bad), "db", "check", code=1)
    assert result.stdout.strip().endswith("NOT OK") and "not a database" in result.stderr
    assert bad.read_bytes() == b"this is not a database" * 100


def test_text_that_is_not_utf8_is_shown_replaced_and_reported_by_db_check(cli, isolated_home):
    (row,) = cli.json("done", "--verified", "T6")
    db = isolated_home / "tasklist.db"
    with sqlite3.connect(db) as raw:  # another program writes bytes that are not UTF-8
        raw.execute("INSERT INTO status_update (assignment_id, status, note, reported_on, recorded_at, recorded_by, source) "
                    "SELECT assignment_id, 'in_progress', CAST(x'e8bf9bff' AS TEXT), '2026-11-24', 'x', 'other', 'cli' "
                    "FROM status_update WHERE id = ?", (row["id"],))
    (other,) = [r for r in cli.json("history") if r["recorded_by"] == "other"]
    assert other["note"] == "进\ufffd"
    assert "\ufffd" in cli("history").stdout
    from tasklist.storage.schema import open_db

    conn = open_db()  # a streamed read that meets the bad row half-way gives every row once, the same as a whole read
    try:
        sql = "SELECT id, note FROM status_update ORDER BY id"
        whole = conn.all(sql)
        assert len(whole) >= 2 and whole[-1][1] == "进\ufffd" and whole[0][1] != "进\ufffd"
        assert list(conn.stream(sql, batch=1)) == whole
    finally:
        conn.close()
    result = cli("db", "check", code=1)
    assert "status_update row" in result.stderr and "note is not UTF-8 text" in result.stderr


def test_a_failure_after_the_commit_is_not_reported_as_a_failure(cli, monkeypatch):
    from tasklist.reports import views

    cli("list")

    def broken(*args, **kwargs):
        raise RuntimeError("the screen went away")

    with monkeypatch.context() as patch:
        patch.setattr(views, "history", broken)
        result = cli("done", "--verified", "T6", "--note", "只记一次")
    assert "warning: the change was recorded, but showing the result failed" in result.stderr
    assert [r["note"] for r in cli.json("history")] == ["只记一次"]
