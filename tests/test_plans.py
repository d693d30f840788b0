"""Several plans in one database: each command works on one (--plan, TASKLIST_PLAN, or P:T6), totals
never mix two, feedback workbooks go back to the plan they came from; agencies renamed keep their
history; a renumbered list is not loaded without confirmation. Both engines."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import DATA, query
from openpyxl import load_workbook

pytestmark = pytest.mark.usefixtures("engine")
AS_OF = ["--as-of", "2026-11-23"]
NYT = ["--agency", "省农业农村厅"]


@pytest.fixture
def second_plan(cli, tmp_path):
    """The bundled plan, and a copy of it under another id (a later year's plan with the same annexes)."""
    cli("load")
    copy = tmp_path / "fujian-2025"
    shutil.copytree(DATA, copy, ignore=shutil.ignore_patterns("targets.yaml"))
    tasks = copy / "tasks.yaml"
    tasks.write_text(tasks.read_text(encoding="utf-8").replace("id: fujian-dez-2021", "id: fujian-2025", 1),
                     encoding="utf-8")
    cli("load", copy)
    return copy


def test_with_two_plans_a_command_names_one_and_totals_never_mix(cli, second_plan, monkeypatch):
    refused = cli("status", "--summary", *AS_OF, code=2)
    assert refused.stderr.splitlines()[0] == "error: the database holds several plans: fujian-2025, fujian-dez-2021; choose one"
    assert "--plan all" in refused.stderr.splitlines()[1]
    one = cli.json("status", "--summary", "--plan", "fujian-2025", *AS_OF)["agencies"]
    both = cli.json("--plan", "all", "status", "--summary", *AS_OF)["agencies"]
    assert sum(a["assigned"] for a in one) == 204 and sum(a["assigned"] for a in both) == 408
    (row,) = cli.json("update", "T6", *NYT, "-s", "推进中", "--plan", "fujian-2025", *AS_OF)
    assert query("SELECT i.plan_id FROM status_update u JOIN assignment a ON a.id = u.assignment_id "
                 "JOIN item i ON i.id = a.item_id WHERE u.id = ?", (row["id"],)) == [("fujian-2025",)]
    monkeypatch.setenv("TASKLIST_PLAN", "fujian-dez-2021")
    assert cli.json("history") == []  # the other plan's update is not this plan's history
    assert [i["plan"] for i in cli.json("list", "--status", "推进中", *AS_OF)] == []
    monkeypatch.delenv("TASKLIST_PLAN")
    assert [i["plan"] for i in cli.json("list", "--plan", "all", "--status", "推进中", *AS_OF)] == ["fujian-2025"]
    # a listing of every plan tells their items apart: each id as PLAN:ID, as it may be typed back
    listing = cli("--plan", "all", "list", "--all", *AS_OF).stdout
    assert "fujian-2025:T6" in listing and "fujian-dez-2021:T6" in listing
    assert "fujian-2025:T6" in cli("--plan", "all", "overdue", "--all", *AS_OF).stdout
    assert ":T6" not in cli("--plan", "fujian-2025", "list", "--all", *AS_OF).stdout


def test_an_id_names_its_plan(cli, second_plan):
    ambiguous = cli("--plan", "all", "update", "T6", *NYT, "-s", "推进中", code=2)
    assert "item T6 exists in several plans: fujian-dez-2021, fujian-2025" in ambiguous.stderr
    assert "fujian-dez-2021:T6" in ambiguous.stderr
    (row,) = cli.json("--plan", "all", "update", "fujian-dez-2021:T6", *NYT, "-s", "推进中", *AS_OF)
    assert row["item"] == "T6"
    other = cli("update", "fujian-dez-2021:T6", *NYT, "-s", "推进中", "--plan", "fujian-2025", code=2)
    assert "'fujian-dez-2021:T6' is not in the chosen plan fujian-2025" in other.stderr
    assert "no plan 'nope' (there are: fujian-2025, fujian-dez-2021)" in cli("list", "--plan", "nope", code=2).stderr


def test_a_workbook_goes_back_to_the_plan_it_was_exported_from(cli, second_plan, tmp_path):
    path = tmp_path / "nyt.xlsx"
    cli("feedback", "export", *NYT, "--out", path, "--plan", "fujian-2025", *AS_OF)
    book = load_workbook(path)
    book["反馈表"]["H4"], book["反馈表"]["J4"] = "推进中", "第二个方案的进展"  # T6
    book.save(tmp_path / "filled.xlsx")
    wrong = cli("feedback", "import", tmp_path / "filled.xlsx", "--plan", "fujian-dez-2021", *AS_OF, code=2)
    assert "fujian-2025" in wrong.stderr
    cli("feedback", "import", tmp_path / "filled.xlsx", *AS_OF)  # no --plan: the workbook says which
    assert query("SELECT i.plan_id, i.code, u.note FROM status_update u JOIN assignment a ON a.id = u.assignment_id "
                 "JOIN item i ON i.id = a.item_id") == [("fujian-2025", "T6", "第二个方案的进展")]


def test_an_agency_renamed_keeps_its_parts_and_history(cli, registry_copy):
    cli("update", "T9", "--agency", "省数字办", "-s", "推进中", *AS_OF)
    for name in ("agencies.yaml", "tasks.yaml", "outcomes.yaml"):
        path = registry_copy / name
        text = path.read_text(encoding="utf-8")
        if name == "agencies.yaml":
            text = text.replace("  - name: 省数字办\n", "  - name: 省数据管理局\n    renamed_from: [省数字办]\n", 1)
        else:
            text = re.sub(r"(?<=[\[ ,])省数字办(?=[\],])", "省数据管理局", text)
        path.write_text(text, encoding="utf-8")
    report = cli.json("load", registry_copy)
    assert report["agencies_renamed"] == {"省数据管理局": "省数字办"} and report["agencies_added"] == []
    assert report["assignments_added"] == [] and report["assignments_archived"] == []
    for name in ("省数据管理局", "省数字办"):  # the old name still finds it, and only it
        assert [h["agency"] for h in cli.json("history", "--agency", name)] == ["省数据管理局"]


def test_a_renumbered_list_is_not_loaded_without_confirmation(cli, registry_copy):
    cli("update", "T21", "--agency", "省数字办", "-s", "推进中", *AS_OF)
    tasks = registry_copy / "tasks.yaml"
    text = tasks.read_text(encoding="utf-8")
    start, middle = text.index("  - id: T21"), text.index("  - id: T22")
    body = re.compile(r"    title:.*?\n    content:.*?\n", re.S)
    old21, old22 = body.search(text, start).group(0), body.search(text, middle).group(0)
    text = text[:start] + text[start:middle].replace(old21, old22) + text[middle:].replace(old22, old21)
    tasks.write_text(text, encoding="utf-8")
    titles = dict(query("SELECT code, title FROM item WHERE code IN ('T21', 'T22')"))
    dry = cli("load", "--dry-run", registry_copy)
    assert "would change both title and content (T21, T22)" in dry.stdout
    refused = cli("load", registry_copy, code=2)
    assert "2 item(s) change both title and content (T21, T22); nothing loaded" in refused.stderr
    assert dict(query("SELECT code, title FROM item WHERE code IN ('T21', 'T22')")) == titles
    cli("load", "--yes", registry_copy)
    assert dict(query("SELECT code, title FROM item WHERE code IN ('T21', 'T22')")) == {
        "T21": titles["T22"], "T22": titles["T21"]}


def test_overdue_parts_come_in_registry_order_when_the_ids_do_not(cli, second_plan):
    """The plan loaded second sorts first by its id (fujian-2025), so its items' row ids, higher, are
    not in registry order: the overdue parts still come as the whole snapshot's overdue groups do."""
    from datetime import date

    from tasklist.reports import facts
    from tasklist.storage.lookup import use_plan
    from tasklist.storage.schema import open_db

    conn = open_db()
    try:
        use_plan(conn, "all")
        as_of = date(2026, 11, 23)
        expected = facts.overdue_groups(conn, facts.snapshot(conn, as_of))
        got = facts.overdue_parts(conn, as_of)
        shown = [(name, a.item.shown_code, a.assignment_id) for name, rows in got.items() for a in rows]
        assert shown == [(name, a.item.shown_code, a.assignment_id) for name, rows in expected.items() for a in rows]
        plans = [code.split(":")[0] for _, code, _ in shown]
        assert "fujian-2025" in plans and "fujian-dez-2021" in plans
    finally:
        conn.close()


def test_connections_working_beside_see_the_chosen_plan(cli, second_plan, monkeypatch):
    """weekly's and overdue's further connections (PostgreSQL's halves and the third connection,
    SQLite's second) see the plan chosen, as the caller's own does: the same report as one connection
    gives, where a connection of their own would read both plans' items and updates."""
    from contextlib import contextmanager

    from tasklist.reports import totals
    from tasklist.storage.connection import Connection

    cli("update", "T6", *NYT, "-s", "推进中", "--plan", "fujian-2025", "--on", "2026-11-20")

    def reports() -> tuple:
        week = cli.json("weekly", "--plan", "fujian-dez-2021", *AS_OF)
        del week["generated_at"]  # the moment it was made
        return week, cli("overdue", "--plan", "fujian-dez-2021", *AS_OF).stdout

    @contextmanager
    def none(self):
        yield None

    beside = Connection.beside
    monkeypatch.setattr(totals, "_BESIDE_FROM", 10 ** 9)
    monkeypatch.setattr(Connection, "beside", none)
    alone = reports()
    monkeypatch.setattr(Connection, "beside", beside)
    monkeypatch.setattr(totals, "_BESIDE_FROM", 0)
    monkeypatch.setattr(totals, "_HALVES_FROM", 0)
    assert reports() == alone
