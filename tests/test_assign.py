"""Items listed before they are assigned (立项 before 交办): the registry's ``assigned: false``, 待交办 in
every report, ``tasklist assign`` (the office's, recorded in the audit log), and registry loads that keep
what ``assign`` recorded. The Qingdao plan (data/plans/qingdao-2023) is loaded into a database of its own."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT, query

from tasklist.errors import RegistryError
from tasklist.registry import read_registry

QINGDAO = ROOT / "data" / "plans" / "qingdao-2023"
AGENCIES = """agencies:
  - name: 市工业和信息化局
    full_name: 青岛市工业和信息化局
    kind: other
    aliases: [市工信局]
  - name: 市发展改革委
    full_name: 青岛市发展和改革委员会
    kind: other
  - name: 市大数据局
    full_name: 青岛市大数据发展管理局
    kind: other
"""
GXJ, FGW, DSJ = "市工业和信息化局", "市发展改革委", "市大数据局"


@pytest.fixture
def qingdao(tmp_path):
    """A copy of the Qingdao registry with the agencies the office adds before assigning."""
    target = tmp_path / "qingdao"
    shutil.copytree(QINGDAO, target)
    (target / "agencies.yaml").write_text(AGENCIES, encoding="utf-8")
    return target


def _registry(tmp_path: Path, item: str) -> Path:
    folder = tmp_path / "reg"
    folder.mkdir(exist_ok=True)
    (folder / "tasks.yaml").write_text(
        "plan:\n  id: p\n  title: 示例方案\n"
        "tasks:\n"
        "  - id: T1\n    seq: 1\n    title: 甲\n    agencies: [省甲厅]\n    due: null\n    due_text: 持续推进\n"
        + item, encoding="utf-8")
    (folder / "agencies.yaml").write_text("agencies:\n  - name: 省甲厅\n    full_name: 某省甲厅\n    kind: other\n",
                                          encoding="utf-8")
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(RegistryError) as caught:
        read_registry([folder])
    return [str(p) for p in caught.value.problems]


# --------------------------------------------------------------------------- the registry


ITEM = "  - id: T2\n    seq: 2\n    title: 乙\n    due: null\n    due_text: 持续推进\n"


def test_an_item_with_no_agencies_and_assigned_false_reads_as_unassigned(tmp_path):
    reg = read_registry([_registry(tmp_path, ITEM + "    agencies: []\n    assigned: false\n")])
    assert [(i.code, i.agencies, i.assigned) for i in reg.items] == [("T1", ["省甲厅"], True), ("T2", [], False)]


def test_an_empty_agency_list_without_assigned_false_is_refused_at_its_place(tmp_path):
    folder = _registry(tmp_path, ITEM + "    agencies: []\n")
    assert _problems(folder) == [f"{folder / 'tasks.yaml'}:16:15: tasks[T2].agencies: must name at least one responsible "
                                 "agency (an item not yet assigned: write assigned: false)"]


def test_assigned_false_with_agencies_is_refused_at_its_place(tmp_path):
    folder = _registry(tmp_path, ITEM + "    agencies: [省甲厅]\n    assigned: false\n")
    assert _problems(folder) == [f"{folder / 'tasks.yaml'}:16:15: tasks[T2].agencies: an item with assigned: false "
                                 "names no agencies (write agencies: [])"]


def test_assigned_must_be_true_or_false(tmp_path):
    folder = _registry(tmp_path, ITEM + "    agencies: []\n    assigned: 'no'\n")
    (problem,) = _problems(folder)  # the flag only: the empty list is no second problem
    assert problem.startswith(f"{folder / 'tasks.yaml'}:17:15: tasks[T2].assigned: must be true or false")


def test_assigned_true_with_no_agencies_is_still_refused(tmp_path):
    folder = _registry(tmp_path, ITEM + "    agencies: []\n    assigned: true\n")
    assert "must name at least one responsible agency" in _problems(folder)[0]


def test_a_registry_whose_agencies_list_is_empty_loads_when_every_item_is_unassigned(tmp_path):
    folder = _registry(tmp_path, "")
    (folder / "tasks.yaml").write_text(
        "plan:\n  id: p\n  title: 示例方案\ntasks:\n"
        "  - id: T1\n    seq: 1\n    title: 甲\n    agencies: []\n    assigned: false\n    due: null\n    due_text: 持续推进\n",
        encoding="utf-8")
    (folder / "agencies.yaml").write_text("agencies: []\n", encoding="utf-8")
    reg = read_registry([folder])
    assert reg.agencies == [] and reg.items[0].assigned is False


# --------------------------------------------------------------------------- 待交办 in every report


def test_the_qingdao_plan_loads_into_a_database_of_its_own_and_every_measure_is_unassigned(cli):
    cli("load", QINGDAO)
    items = cli.json("list")
    assert len(items) == 28 and {(i["status"], i["lead"], i["overdue"]) for i in items} == {("unassigned", None, False)}
    assert query("SELECT count(*) FROM assignment") == [(0,)]
    assert cli.json("show", "T3")["status"] == "unassigned"
    assert [i["id"] for i in cli.json("list", "--status", "unassigned")] == [f"T{n}" for n in range(3, 31)]
    zh = cli("--lang", "zh", "list", "--all").stdout
    assert zh.count("待交办") == 28
    assert "待交办（尚无责任单位）" in cli("--lang", "zh", "show", "T3", "--as-of", "2024-01-01").stdout


def test_an_unassigned_item_past_its_due_date_is_no_agencys_overdue_but_the_office_sees_it(cli):
    cli("load", QINGDAO)
    before, after = ["--as-of", "2025-12-31"], ["--as-of", "2026-01-01"]  # T9, T20 and T22 are due 2025-12-31
    assert [i["id"] for i in cli.json("list", *before) if i["past_due_unassigned"]] == []
    late = [i for i in cli.json("list", *after) if i["past_due_unassigned"]]
    assert [(i["id"], i["overdue"], i["light"]) for i in late] == [("T9", False, "red"), ("T20", False, "red"),
                                                                   ("T22", False, "red")]
    overdue = cli.json("overdue", *after)
    assert overdue["agencies"] == [] and overdue["summary"]["items"] == 0
    assert overdue["summary"]["unassigned_past_due"] == 3
    assert "3 items awaiting assignment past the due date" in cli("overdue", *after).stderr
    status = cli.json("status", *after)
    assert status["agencies"] == [] and len(status["unassigned"]) == 28
    assert sum(i["past_due_unassigned"] for i in status["unassigned"]) == 3
    assert "Items awaiting assignment: 28 (3 past their due date)" in cli("status", "--all", *after).stdout
    assert "unassigned (no agency yet), past its due date" in cli("show", "T20", *after).stdout


def test_the_weekly_report_counts_the_items_awaiting_assignment_and_lists_them(cli, tmp_path):
    cli("load", QINGDAO)
    report = cli.json("weekly", "--as-of", "2026-01-01")
    assert report["overall"]["by_status"]["unassigned"] == 28 and report["overall"]["overdue"] == 0
    assert [u["id"] for u in report["unassigned"] if u["past_due"]] == ["T9", "T20", "T22"]
    md = cli("--lang", "zh", "weekly", "--as-of", "2026-01-01", "--format", "md").stdout
    assert "| 待交办 | 28 | 28 | 0 |" in md and "## 待交办事项（28 项，其中 3 项已过完成时间）" in md


def test_exports_carry_the_unassigned_items(cli, tmp_path):
    cli("load", QINGDAO)
    items = cli("--lang", "zh", "export", "items", "--format", "csv").stdout
    assert items.count("待交办") == 28
    status = json.loads(cli("export", "status", "--format", "json").stdout)
    assert [(r["agency"], r["status"]) for r in status] == [("unassigned", "unassigned")] * 28


def test_item_totals_in_sql_agree_with_the_snapshot_when_items_await_assignment(cli, qingdao):
    from tasklist import rules
    from tasklist.reports.facts import snapshot
    from tasklist.reports.totals import item_totals
    from tasklist.storage.connection import connect

    cli("load", qingdao)
    cli("assign", "T3", GXJ, "--on", "2025-06-01")
    cli("assign", "T9", FGW, "--on", "2025-06-01")
    conn = connect()
    try:
        for as_of in (date(2025, 12, 31), date(2026, 1, 1)):
            items = snapshot(conn, as_of)
            by_status = {s: sum(i.status == s for i in items) for s in rules.ITEM_STATUSES}
            n, counted, overdue, _, _ = item_totals(conn, as_of)
            assert (n, counted, overdue) == (28, by_status, sum(i.overdue for i in items))
            assert counted["unassigned"] == 26
    finally:
        conn.close()


# --------------------------------------------------------------------------- assign, on both engines


@pytest.mark.usefixtures("engine")
class TestAssign:
    def test_the_first_named_leads_and_the_audit_log_has_the_date(self, cli, qingdao):
        cli("load", qingdao)
        out = cli.json("assign", "T3", GXJ, FGW, "--on", "2026-11-20")
        assert out == {"item": "T3", "on": "2026-11-20",
                       "assigned": [{"agency": GXJ, "role": "lead"}, {"agency": FGW, "role": "co"}]}
        item = cli.json("show", "T3")
        assert (item["status"], item["lead"], item["agencies"]) == ("not_started", GXJ, [GXJ, FGW])
        entry = next(e for e in cli.json("audit") if e["action"] == "assign")
        assert entry["subject"] == "T3"
        assert entry["detail"] == {"plan": "qingdao-de-2023", "on": "2026-11-20", "agencies": [GXJ, FGW], "lead": GXJ}
        said = cli("assign", "T4", GXJ, FGW, "--on", "2026-11-20").stderr
        assert said == "T4 assigned (2026-11-20): 市工业和信息化局 (lead)、市发展改革委\n"

    def test_lead_names_the_lead_and_a_later_assignment_joins_as_co(self, cli, qingdao):
        cli("load", qingdao)
        cli("assign", "T5", FGW, "市工信局", "--lead", GXJ)  # an alias names the agency
        cli("assign", "T5", DSJ)
        roles = [(a["agency"], a["role"]) for a in cli.json("show", "T5")["assignments"]]
        assert roles == [(GXJ, "lead"), (FGW, "co"), (DSJ, "co")]

    @pytest.mark.parametrize("args, message", [
        (["T3", "市不存在局"], "unknown agency"),
        (["T3", GXJ], "T3 is already assigned to 市工业和信息化局"),
        (["T3", DSJ, "--lead", DSJ], "T3 already has a lead agency, 市工业和信息化局"),
        (["T3", DSJ, DSJ], "named twice"),
        (["T4", DSJ, "--on", "2999-01-01"], "has not come"),
        (["T99", DSJ], "T99"),
    ])
    def test_refusals_exit_2_with_one_line_and_change_nothing(self, cli, qingdao, args, message):
        cli("load", qingdao)
        cli("assign", "T3", GXJ)
        before = query("SELECT item_id, agency_id, role, archived FROM assignment ORDER BY id")
        audit = query("SELECT count(*) FROM audit_log")
        result = cli("assign", *args, code=2)
        assert result.stderr.startswith("error: ") and message in result.stderr.splitlines()[0], result.stderr
        assert query("SELECT item_id, agency_id, role, archived FROM assignment ORDER BY id") == before
        assert query("SELECT count(*) FROM audit_log") == audit

    def test_an_archived_item_cannot_be_assigned(self, cli, qingdao):
        cli("load", qingdao)
        tasks = qingdao / "tasks.yaml"
        text = tasks.read_text(encoding="utf-8")
        tasks.write_text(text[:text.index("  - id: T30")], encoding="utf-8")
        assert cli.json("load", qingdao)["items_archived"] == ["T30"]
        result = cli("assign", "T30", GXJ, code=2)
        assert "T30 has been removed from the registry (archived)" in result.stderr

    def test_the_items_awaiting_assignment_are_the_live_items_with_no_live_part(self, cli, qingdao):
        """unassigned_item_ids (every report's check, written for PostgreSQL as a search of all item ids
        with no live part, then of those the live ones): an item assigned is not among them, nor one
        removed from the registry (archived) that no agency was ever given; one whose only agency the
        registry dropped (its part archived) is, in registry order."""
        from tasklist.reports.totals import unassigned_item_ids
        from tasklist.storage.schema import open_db

        cli("load", qingdao)
        cli("assign", "T3", GXJ)
        tasks = qingdao / "tasks.yaml"
        text = tasks.read_text(encoding="utf-8")
        t4 = text[text.index("  - id: T4\n"):text.index("  - id: T5\n")]
        tasks.write_text(text.replace(t4, t4.replace("agencies: []\n    assigned: false\n", f"agencies: [{FGW}]\n")),
                         encoding="utf-8")
        cli("load", qingdao)
        tasks.write_text(text[:text.index("  - id: T30")], encoding="utf-8")
        report = cli.json("load", qingdao)
        assert report["assignments_archived"] == [f"T4/{FGW}"] and report["items_archived"] == ["T30"]
        ids = dict(query("SELECT code, id FROM item"))
        conn = open_db()
        try:
            assert unassigned_item_ids(conn) == [ids[f"T{n}"] for n in range(4, 30)]
        finally:
            conn.close()

    def test_no_update_is_taken_for_an_item_no_agency_owes(self, cli, qingdao):
        cli("load", qingdao)
        result = cli("update", "T4", "-s", "in_progress", code=2)
        assert "T4 is not assigned yet" in result.stderr
        assert "T4 is not assigned yet" in cli("done", "T4", code=2).stderr  # before any word about a claim's note
        assert "unknown status" in cli("update", "T4", "-s", "待交办", code=2).stderr

    def test_a_reload_of_the_same_registry_keeps_what_assign_recorded(self, cli, qingdao):
        cli("load", qingdao)
        cli("assign", "T3", GXJ, FGW)
        cli("assign", "T9", DSJ)
        dry = cli.json("load", qingdao, "--dry-run")
        assert dry["assignments_kept"] == [f"T3/{GXJ}", f"T3/{FGW}", f"T9/{DSJ}"]
        assert dry["assignments_archived"] == [] and dry["changed"] is False
        assert "would keep assignments (made with assign; not in the registry) (3)" in cli("load", qingdao, "--dry-run").stdout
        report = cli.json("load", qingdao)
        assert report["assignments_kept"] == dry["assignments_kept"] and report["assignments_archived"] == []
        assert query("SELECT count(*) FROM assignment WHERE archived = 0") == [(3,)]
        assert [(a["agency"], a["role"]) for a in cli.json("show", "T3")["assignments"]] == [(GXJ, "lead"), (FGW, "co")]
        assert cli.json("show", "T4")["status"] == "unassigned"

    def test_a_registry_that_then_names_the_agencies_takes_over_and_drops_only_its_own(self, cli, qingdao):
        cli("load", qingdao)
        cli("assign", "T3", GXJ)
        tasks = qingdao / "tasks.yaml"
        text = tasks.read_text(encoding="utf-8")
        at = text.index("  - id: T3\n")
        t3 = text[at:text.index("  - id: T4\n")]
        named = t3.replace("agencies: []\n    assigned: false\n", f"agencies: [{FGW}, {GXJ}]\n")
        tasks.write_text(text.replace(t3, named), encoding="utf-8")
        report = cli.json("load", qingdao)
        assert report["assignments_kept"] == [] and report["assignments_changed"] == [f"T3/{GXJ}"]
        assert [(a["agency"], a["role"]) for a in cli.json("show", "T3")["assignments"]] == [(FGW, "lead"), (GXJ, "co")]
        # the registry drops 市发展改革委 (its own) and 市工业和信息化局 (which assign gave): the latter stays
        tasks.write_text(text, encoding="utf-8")
        report = cli.json("load", qingdao)
        assert report["assignments_archived"] == [f"T3/{FGW}"] and report["assignments_kept"] == [f"T3/{GXJ}"]


# --------------------------------------------------------------------------- PostgreSQL: only the office assigns


def test_a_clerk_cannot_assign_on_postgresql(cli, pg_server, monkeypatch, qingdao):
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = pg_server.create_database(name)
    monkeypatch.setenv("TASKLIST_DB", url)
    cli("db", "upgrade")
    cli("load", qingdao)
    clerk = f"gxj_{uuid.uuid4().hex[:8]}"
    cli("users", "add", clerk, "--agency", GXJ)
    monkeypatch.setenv("TASKLIST_DB", url.replace("postgres@", f"{clerk}@", 1))
    result = cli("assign", "T3", GXJ, code=2)
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and "only the coordinating office" in lines[0], result.stderr
    assert "unexpected" not in result.stderr
    monkeypatch.setenv("TASKLIST_DB", url)
    assert query("SELECT count(*) FROM assignment") == [(0,)]
    assert query("SELECT count(*) FROM audit_log WHERE action = 'assign'") == [(0,)]
    cli("assign", "T3", GXJ)  # the office may
    assert query("SELECT count(*) FROM assignment") == [(1,)]
