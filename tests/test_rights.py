"""Who said what: per-agency rights enforced by PostgreSQL itself, attribution by the database,
history nothing can rewrite, and an audit log of everything else. Real server, real roles."""

from __future__ import annotations

import uuid

import pytest
from conftest import query

AS_OF = ["--as-of", "2026-11-23"]


@pytest.fixture
def shared(pg_server, monkeypatch, cli):
    """A fresh shared database, set up by the office (the schema's owner), and a clerk of 省农业农村厅."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = pg_server.create_database(name)
    monkeypatch.setenv("TASKLIST_DB", url)
    cli("db", "upgrade")
    cli("load")
    clerk = f"nyt_{uuid.uuid4().hex[:8]}"
    password = cli("users", "add", clerk, "--agency", "省农业农村厅").stdout.strip()
    return {"url": url, "name": name, "clerk": clerk, "password": password, "server": pg_server}


def as_role(monkeypatch, shared, role):
    monkeypatch.setenv("TASKLIST_DB", shared["url"].replace("postgres@", f"{role}@", 1))


def raw(shared, role):
    import psycopg

    return psycopg.connect(f"host={shared['server'].socket_dir} user={role} dbname={shared['name']}", autocommit=True)


def test_users_are_listed_with_their_agency_and_the_password_is_shown_once(cli, shared):
    assert len(shared["password"]) >= 20 and "\n" not in shared["password"]
    users = cli.json("users", "list")
    assert [(u["name"], u["agency"], u["office"]) for u in users] == [(shared["clerk"], "省农业农村厅", False)]
    assert shared["password"] not in cli("audit").stdout + cli("audit", "--json").stdout


def test_a_clerk_records_for_its_own_agency_and_the_database_says_who(cli, shared, monkeypatch):
    as_role(monkeypatch, shared, shared["clerk"])
    monkeypatch.setenv("LOGNAME", "zhang.director")  # the old way to pretend to be someone else
    monkeypatch.setenv("USER", "zhang.director")
    (row,) = cli.json("update", "T6", "--agency", "省农业农村厅", "-s", "推进中", "--by", "王科长", *AS_OF)
    assert (row["recorded_by"], row["reported_by"]) == (shared["clerk"], "王科长")
    (undone,) = cli.json("undo", str(row["id"]))
    assert undone["recorded_by"] == shared["clerk"]


@pytest.mark.parametrize("args, message", [
    (["update", "T8", "--agency", "省商务厅", "-s", "done", "--note", "冒名申请"], "only for the agency's own parts"),
    (["extend", "T6", "--to", "2027-06-30", "--reason", "自己批准"], "only the coordinating office"),
    (["agencies", "set-email", "省商务厅", "attacker@evil.example"], "only the coordinating office"),
    (["users", "add", "mallory", "--office"], "only the coordinating office"),
])
def test_a_clerk_cannot_write_what_is_not_theirs(cli, shared, monkeypatch, args, message):
    before = query("SELECT count(*) FROM status_update") + query("SELECT count(*) FROM extension")
    as_role(monkeypatch, shared, shared["clerk"])
    result = cli(*args, *(AS_OF if args[0] in ("update", "extend") else []), code=2)
    assert result.stderr.startswith("error: ") and message in result.stderr.splitlines()[0], result.stderr
    assert "unexpected" not in result.stderr
    monkeypatch.setenv("TASKLIST_DB", shared["url"])
    assert query("SELECT count(*) FROM status_update") + query("SELECT count(*) FROM extension") == before
    assert query("SELECT email FROM agency WHERE name = '省商务厅'") == [(None,)]


def test_a_clerk_cannot_undo_another_agencys_update(cli, shared, monkeypatch):
    (theirs,) = cli.json("update", "T8", "--agency", "省商务厅", "-s", "done", "--verified", *AS_OF)  # the office records it
    as_role(monkeypatch, shared, shared["clerk"])
    assert "only for the agency's own parts" in cli("undo", str(theirs["id"]), code=2).stderr


@pytest.mark.parametrize("sql", [
    "INSERT INTO status_update (assignment_id, status, reported_on, recorded_at, recorded_by, source) "
    "SELECT a.id, 'done', '2026-11-23', 'x', 'x', 'psql' FROM assignment a JOIN agency g ON g.id = a.agency_id "
    "WHERE g.name = '省商务厅' LIMIT 1",
    "UPDATE status_update SET status = 'done'",
    "DELETE FROM status_update",
    "TRUNCATE status_update, extension CASCADE",
    "UPDATE agency SET email = 'attacker@evil.example' WHERE name = '省商务厅'",
    "INSERT INTO extension (item_id, new_due, reason, granted_on, recorded_at, recorded_by) "
    "SELECT id, '2030-01-01', 'x', '2026-11-23', 'x', 'x' FROM item LIMIT 1",
    "DELETE FROM audit_log",
    "SELECT value FROM tasklist_secret",  # the key that signs feedback workbooks
    "UPDATE history_count SET rows = 0",
    "INSERT INTO tasklist_user (role_name, agency_id, office, created_at, created_by) VALUES ('x', NULL, 1, 'x', 'x')",
])
def test_psql_as_a_clerk_is_refused_every_forbidden_write(cli, shared, sql):
    import psycopg

    cli("update", "T6", "--agency", "省农业农村厅", "-s", "推进中", *AS_OF)
    before = query("SELECT count(*) FROM status_update")
    with raw(shared, shared["clerk"]) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(sql)
    assert query("SELECT count(*) FROM status_update") == before


def test_psql_as_a_clerk_records_only_in_its_own_name(cli, shared):
    with raw(shared, shared["clerk"]) as conn:
        conn.execute(
            "INSERT INTO status_update (assignment_id, status, reported_on, recorded_at, recorded_by, source) "
            "SELECT a.id, 'in_progress', '2026-11-23', 'x', 'zhang.director', 'psql' FROM assignment a "
            "JOIN agency g ON g.id = a.agency_id JOIN item i ON i.id = a.item_id WHERE g.name = '省农业农村厅' AND i.code = 'T6'")
    assert query("SELECT recorded_by FROM status_update") == [(shared["clerk"],)]


def test_history_cannot_be_truncated_even_by_the_owner_and_db_check_sees_a_shrink(cli, shared):
    import psycopg

    cli("update", "T6", "--agency", "省农业农村厅", "-s", "推进中", *AS_OF)
    cli("extend", "T6", "--to", "2027-06-30", "--reason", "调整", *AS_OF)
    with raw(shared, "postgres") as conn:
        for sql in ("TRUNCATE status_update, extension CASCADE", "TRUNCATE audit_log", "DELETE FROM status_update",
                    "DELETE FROM audit_log"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(sql)
    assert cli("db", "check").stdout.strip().endswith("ok")
    with raw(shared, "postgres") as conn:  # the owner goes around the guards
        conn.execute("ALTER TABLE status_update DISABLE TRIGGER USER")
        conn.execute("DELETE FROM status_update")
    result = cli("db", "check", code=1)
    assert "history has shrunk: status_update holds 0 rows, 1 were recorded" in result.stderr
    assert "history is unguarded: trigger status_update_append_only is missing or disabled" in result.stderr


def test_every_office_action_is_in_the_audit_log(cli, shared, tmp_path):
    cli("agencies", "set-email", "省农业农村厅", "nyt@example.org")
    cli("extend", "T6", "--to", "2027-06-30", "--reason", "用地审批延后", *AS_OF)
    cli("remind", "--out-dir", tmp_path / "eml", *AS_OF)
    cli("users", "remove", shared["clerk"])
    entries = cli.json("audit")
    actions = [(e["action"], e["subject"]) for e in entries]
    assert ("load", "fujian-dez-2021") in actions and ("user-add", shared["clerk"]) in actions
    assert ("set-email", "省农业农村厅") in actions and ("extend", "T6") in actions
    assert ("user-remove", shared["clerk"]) in actions
    assert {e["actor"] for e in entries} == {"postgres"}
    load = next(e for e in entries if e["action"] == "load")
    assert all(len(digest) == 64 for digest in load["detail"]["files"].values()) and len(load["detail"]["files"]) == 4
    email = next(e for e in entries if e["action"] == "set-email")
    assert email["detail"] == {"from": [], "to": ["nyt@example.org"]}
    assert cli.json("users", "list") == []


def test_an_existing_database_upgrades_and_keeps_who_recorded_each_row(cli, pg_server, monkeypatch):
    from tasklist.storage import schema
    from tasklist.storage.connection import connect

    url = pg_server.create_database(f"t_{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("TASKLIST_DB", url)
    conn = connect(url)
    schema.upgrade(conn, to="0005")
    conn.close()
    cli("load", code=1)  # out of date: the administrator upgrades first
    cli("db", "upgrade")
    cli("load")
    conn = connect(url)
    try:
        conn.execute("ALTER TABLE status_update DISABLE TRIGGER status_update_who")  # as the old code wrote it
        with conn.transaction():
            conn.execute("INSERT INTO status_update (assignment_id, status, reported_on, recorded_at, recorded_by, source) "
                         "SELECT min(id), 'done', '2026-01-01', 'x', 'old.clerk', 'cli' FROM assignment")
        conn.execute("ALTER TABLE status_update ENABLE TRIGGER status_update_who")
        conn.raw.commit()
    finally:
        conn.close()
    cli("db", "upgrade")
    assert query("SELECT recorded_by FROM status_update") == [("old.clerk",)]


def test_a_sqlite_file_has_no_users(cli):
    result = cli("users", "add", "wang", "--agency", "省农业农村厅", code=2)
    assert "a SQLite file is one desk's database: it has no users and no rights" in result.stderr


def test_a_clerk_claims_its_own_part_with_evidence_and_only_the_office_closes_it(cli, shared, monkeypatch, tmp_path):
    import psycopg

    report = tmp_path / "验收报告.pdf"
    report.write_bytes(b"%PDF-1.4\n%%EOF\n")
    cli("update", "T8", "--agency", "省商务厅", "-s", "推进中", *AS_OF)  # another agency's part, by the office
    as_role(monkeypatch, shared, shared["clerk"])
    (claim,) = cli.json("done", "T6", "--agency", "省农业农村厅", "--note", "已建成", "--evidence", report, *AS_OF)
    assert (claim["status"], claim["recorded_by"]) == ("claimed", shared["clerk"])
    for args in (["verify", "T6", "--agency", "省农业农村厅"],
                 ["verify", "T6", "--agency", "省农业农村厅", "--return", "--reason", "自己退回"],
                 ["done", "T5", "--agency", "省农业农村厅", "--verified"]):
        result = cli(*args, code=2)
        assert result.stderr.splitlines()[0] == "error: only the coordinating office may review completion claims"
    # the database itself refuses what the command line would not send: a clerk's done, a verdict
    with raw(shared, shared["clerk"]) as conn:
        for sql in ("INSERT INTO status_update (assignment_id, status, reported_on, recorded_at, recorded_by, source) "
                    "SELECT assignment_id, 'done', '2026-11-23', 'x', 'x', 'psql' FROM status_update WHERE status = 'claimed'",
                    "INSERT INTO review (claim_id, verdict, reviewed_on, update_id, recorded_at, recorded_by) "
                    "SELECT id, 'accepted', '2026-11-23', id, 'x', 'x' FROM status_update WHERE status = 'claimed'"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # evidence on another agency's part
            conn.execute("INSERT INTO evidence (update_id, sha256, file_name, recorded_at, recorded_by) "
                         "SELECT u.id, b.sha256, 'x.pdf', 'x', 'x' FROM status_update u, evidence_blob b "
                         "WHERE u.status <> 'claimed' LIMIT 1")
    monkeypatch.setenv("TASKLIST_DB", shared["url"])  # the office
    (accepted,) = cli.json("verify", "T6", "--agency", "省农业农村厅")
    assert accepted["status"] == "done"
    assert query("SELECT recorded_by FROM review") == [("postgres",)]


def test_a_clerk_reads_the_weekly_report_the_office_reads(cli, shared, monkeypatch):
    """weekly works its two days out in a temp table of the session's own: a clerk, who may write
    no table of the database, may make one, and reads the office's report; none is left behind."""
    office = cli.json("weekly", *AS_OF)
    as_role(monkeypatch, shared, shared["clerk"])
    clerk = cli.json("weekly", *AS_OF)
    office.pop("generated_at"), clerk.pop("generated_at")
    assert clerk == office and office["agencies"]
    with raw(shared, shared["clerk"]) as conn:
        assert conn.execute("SELECT count(*) FROM pg_class WHERE relname = 'week_facts'").fetchone() == (0,)
