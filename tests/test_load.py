"""Loading the registry: first use, idempotent reload, edits in place, archive-not-delete, history kept."""

from __future__ import annotations

import json

import pytest
from conftest import query
from test_registry_validation import edit

pytestmark = pytest.mark.usefixtures("engine")


def counts(_db=None):
    return {t: query(f"SELECT count(*) FROM {t}")[0][0] for t in ("plan", "agency", "item", "assignment", "status_update")}


def test_first_command_creates_database_and_loads_bundled_registry(cli, isolated_home, engine):
    items = cli.json("list")
    assert (isolated_home / "tasklist.db").is_file() == (engine == "sqlite")
    assert len(items) == 54
    assert [i["id"] for i in items[:3]] == ["T1", "T2", "T3"] and items[-1]["id"] == "O32"
    assert sum(i["kind"] == "task" for i in items) == 22


def test_list_json_has_the_documented_fields(cli):
    t1 = cli.json("list")[0]
    assert {"id", "kind", "no", "group", "title", "agencies", "lead", "due", "due_text"} <= t1.keys()
    assert t1["agencies"] == ["省科技厅", "省发改委", "省数字办", "省工信厅"] and t1["lead"] == "省科技厅"
    assert t1["due"] == "2022-12-31" and t1["due_text"] == "2022年前"
    assert t1["group"].startswith("一、加快提升数字产业化")
    t2 = cli.json("list")[1]
    assert t2["due"] is None and t2["due_text"] == "持续推进"


def test_group_with_members_becomes_one_assignment_per_member(cli):
    o17 = cli.json("show", "O17")
    assert o17["agencies"] == ["各设区市人民政府", "平潭综合实验区管委会"]
    assert len(o17["assignments"]) == 10
    assert {a["via_group"] for a in o17["assignments"][:9]} == {"各设区市人民政府"}
    assert all(a["role"] == "lead" for a in o17["assignments"][:9])
    # 省直有关部门 has no fixed members: it is assigned as itself
    assert cli.json("show", "T11")["assignees"] == ["省发改委", "省数字办", "省直有关部门"]


def test_second_load_changes_nothing(cli, isolated_home):
    cli("list")
    before = counts(isolated_home / "tasklist.db")
    report = cli.json("load")
    assert report["changed"] is False
    assert counts(isolated_home / "tasklist.db") == before


def test_edited_entry_is_updated_in_place_and_keeps_its_history(cli, registry_copy, isolated_home):
    cli("load", registry_copy)
    cli("update", "T6", "--status", "in_progress", "--note", "已启动", "--as-of", "2026-01-05")
    edit(registry_copy / "tasks.yaml", "title: 大力发展数字农业", "title: 大力发展数字农业(修订)")
    report = cli.json("load", registry_copy)
    assert report["items_changed"] == {"T6": ["title"]}
    t6 = cli.json("show", "T6", "--as-of", "2026-01-05")
    assert t6["title"] == "大力发展数字农业(修订)"
    assert [h["note"] for h in t6["history"]] == ["已启动"]
    assert t6["status"] == "in_progress"


def test_removed_entry_is_archived_not_deleted_and_restored_when_it_returns(cli, registry_copy, isolated_home):
    cli("load", registry_copy)
    cli("done", "--verified", "T10", "--as-of", "2022-06-01")
    original = (registry_copy / "tasks.yaml").read_text(encoding="utf-8")
    start = original.index("  - id: T10\n")
    end = original.index("  - id: T11\n")
    (registry_copy / "tasks.yaml").write_text(original[:start] + original[end:], encoding="utf-8")
    assert cli.json("load", registry_copy)["items_archived"] == ["T10"]
    assert "T10" not in [i["id"] for i in cli.json("list")]
    archived = cli.json("show", "T10")
    assert archived["archived"] is True and len(archived["history"]) == 1
    result = cli("update", "T10", "--status", "done", "--verified", code=2)
    assert "archived" in result.stderr
    (registry_copy / "tasks.yaml").write_text(original, encoding="utf-8")
    assert cli.json("load", registry_copy)["items_restored"] == ["T10"]
    assert cli.json("show", "T10", "--as-of", "2022-06-01")["status"] == "done"


def test_changed_agency_list_archives_the_dropped_assignment_and_keeps_its_updates(cli, registry_copy, isolated_home):
    cli("load", registry_copy)
    cli("update", "T7", "--agency", "省通信管理局", "--status", "in_progress")
    edit(registry_copy / "tasks.yaml", "agencies: [省工信厅, 省通信管理局, 福州市人民政府]", "agencies: [省工信厅, 福州市人民政府]")
    report = cli.json("load", registry_copy)
    assert report["assignments_archived"] == ["T7/省通信管理局"]
    assert cli.json("show", "T7")["assignees"] == ["省工信厅", "福州市人民政府"]
    assert len(cli.json("history", "--agency", "省通信管理局")) == 1


def test_dry_run_reports_changes_but_writes_nothing(cli, registry_copy, isolated_home):
    cli("load", registry_copy)
    edit(registry_copy / "outcomes.yaml", "title: 建成福建省区块链主干网", "title: 建成福建省区块链主干网络")
    before = counts(isolated_home / "tasklist.db")
    report = cli.json("load", registry_copy, "--dry-run")
    assert report["dry_run"] is True and report["items_changed"] == {"O30": ["title"]}
    assert cli.json("show", "O30")["title"] == "建成福建省区块链主干网"
    assert counts(isolated_home / "tasklist.db") == before
    human = cli("load", registry_copy, "--dry-run").stdout
    assert "would update item O30: title" in human


@pytest.fixture
def zh(monkeypatch):
    from tasklist.messages import set_lang

    monkeypatch.setenv("TASKLIST_LANG", "zh")
    yield
    set_lang(None)


def test_load_reports_in_chinese_and_dry_run_says_what_it_would_do(cli, registry_copy, isolated_home, zh):
    assert cli("load", registry_copy).stdout.splitlines()[:3] == [
        "方案 fujian-dez-2021：新增",
        "新增单位（37）：省科技厅、省发改委、省数字办、省工信厅、省交通运输厅、省广电局、省住建厅、省农业农村厅、"
        "省教育厅、省民政厅、省商务厅、省文旅厅…（另 25 个）",
        "新增事项（54）：T1、T2、T3、T4、T5、T6、T7、T8、T9、T10、T11、T12…（另 42 个）",
    ]
    edit(registry_copy / "outcomes.yaml", "title: 建成福建省区块链主干网", "title: 建成福建省区块链主干网络")
    assert cli("load", registry_copy, "--dry-run").stdout.splitlines() == ["将更新事项 O30：title"]
    assert cli("load", registry_copy).stdout.splitlines() == ["更新事项 O30：title"]
    assert cli("load", registry_copy).stdout.splitlines() == ["fujian-dez-2021：无变化（共 54 个事项）"]


def test_review_and_evaluation_in_the_plan_header_are_stored_and_count_as_plan_changes(cli, registry_copy):
    cli("load", registry_copy)
    assert query("SELECT review, evaluation FROM plan") == [(1, None)]
    edit(registry_copy / "tasks.yaml", "  reporting: {cadence: quarterly}",
         "  reporting: {cadence: quarterly}\n  review: false\n  evaluation: {overdue: -10, completed_on_time: 1.5}")
    report = cli.json("load", registry_copy)
    assert report["plan_changed"] == ["review", "evaluation"]
    [(review, evaluation)] = query("SELECT review, evaluation FROM plan")
    assert review == 0 and json.loads(evaluation) == {"completed_on_time": 1.5, "overdue": -10}
    assert cli.json("load", registry_copy)["changed"] is False
    # with review off, an agency's done closes its part at once (no claim to verify)
    cli("done", "T6", "--note", "已完成", "--as-of", "2026-01-05")
    assert cli.json("show", "T6", "--as-of", "2026-01-05")["status"] == "done"


def test_load_writes_with_a_big_page_cache_and_puts_the_connections_back(engine, monkeypatch):
    """The items are written under a 64 MiB SQLite page cache (faster at 100k items); afterwards,
    after a dry run (which rolls back) too, the connection's own cache size is back."""
    from tasklist.registry import read_registry
    from tasklist.storage import load
    from tasklist.storage.schema import open_db

    seen = []
    real = load._apply_items

    def spy(conn, *args):
        if conn.dialect == "sqlite":
            seen.append(conn.all("PRAGMA cache_size")[0][0])
        return real(conn, *args)

    monkeypatch.setattr(load, "_apply_items", spy)
    conn = open_db()
    try:
        before = conn.all("PRAGMA cache_size")[0][0] if engine == "sqlite" else None
        assert load.apply_registry(conn, read_registry(None), dry_run=True).dry_run
        load.apply_registry(conn, read_registry(None))
        assert query("SELECT count(*) FROM item")[0][0] == 54
        if engine == "sqlite":
            assert len(seen) >= 2 and set(seen) == {-65536}
            assert conn.all("PRAGMA cache_size")[0][0] == before != -65536
    finally:
        conn.close()


@pytest.mark.parametrize("refused", [False, True])
def test_load_freezes_what_it_read_before_the_collector_is_on_again(cli, registry_copy, monkeypatch, refused):
    """What ``load`` read is frozen out of the collector's passes while the collector is still off (on
    first, its next young pass walked every object just read: 0.25 s at 100k items), the items are
    written with it off, and it is on again after; a registry refused freezes nothing."""
    import gc

    from tasklist.cli import common
    from tasklist.storage import load

    seen: dict[str, bool] = {}
    real_keep, real_items = common.keep_to_the_end, load._apply_items

    def keep():
        seen["frozen"] = gc.isenabled()
        real_keep()

    def items(*args):
        seen["items"] = gc.isenabled()
        return real_items(*args)

    monkeypatch.setattr(common, "keep_to_the_end", keep)
    monkeypatch.setattr(load, "_apply_items", items)
    if refused:
        edit(registry_copy / "tasks.yaml", "due: 2022-12-31", "due: 2022-13-31")
    gc.unfreeze()
    try:
        cli("load", str(registry_copy), code=2 if refused else 0)  # 2: the registry refused
        assert gc.isenabled()
        assert seen == ({} if refused else {"frozen": False, "items": False})
        assert (gc.get_freeze_count() > 0) != refused
    finally:
        gc.unfreeze()
