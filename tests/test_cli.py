"""Round trips through the command line on a real SQLite file."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import query

pytestmark = pytest.mark.usefixtures("engine")


def test_update_status_overdue_history_undo_round_trip(cli):
    as_of = ["--as-of", "2023-01-15"]
    late = cli.json("overdue", *as_of)
    t6 = [a for g in late["agencies"] if g["agency"] == "省农业农村厅" for a in g["items"] if a["id"] == "T6"]
    assert t6 and t6[0]["days_overdue"] == 15 and t6[0]["lead"] is True

    (recorded,) = cli.json("done", "--verified", "T6", "--note", "智慧园已创建", "--on", "2023-01-10", *as_of)
    assert recorded["status"] == "done" and recorded["reported_on"] == "2023-01-10" and recorded["source"] == "cli"

    late = cli.json("overdue", *as_of)
    assert not any(a["id"] == "T6" for g in late["agencies"] for a in g["items"])
    status = cli.json("status", "--agency", "省农业农村厅", "--summary", *as_of)
    (row,) = status["agencies"]
    assert row["done"] == 1 and row["last_report"] == "2023-01-10"

    history = cli.json("history", "T6")
    assert [h["status"] for h in history] == ["done"]
    cli("undo", str(history[0]["id"]))
    history = cli.json("history", "T6")
    assert [h["status"] for h in history] == ["done", "not_started"]
    assert history[1]["reverses"] == history[0]["id"]
    assert any(a["id"] == "T6" for g in cli.json("overdue", *as_of)["agencies"] for a in g["items"])
    result = cli("undo", str(history[0]["id"]), code=2)
    assert "already been undone" in result.stderr


def test_lead_that_finished_is_not_chased_for_the_others(cli):
    cli("done", "--verified", "T1", "--agency", "省科技厅", "--as-of", "2023-01-02")
    late = cli.json("overdue", "--as-of", "2023-01-02")
    chased = {g["agency"] for g in late["agencies"] for a in g["items"] if a["id"] == "T1"}
    assert chased == {"省发改委", "省数字办", "省工信厅"}
    assert cli.json("show", "T1", "--as-of", "2023-01-02")["status"] == "in_progress"


def test_done_for_all_closes_the_item_and_undo_reverses_the_whole_batch(cli):
    recorded = cli.json("done", "--verified", "T1", "--all", "--as-of", "2022-12-01")
    assert len(recorded) == 4
    assert cli.json("show", "T1", "--as-of", "2022-12-01")["status"] == "done"
    refused = cli("undo", str(recorded[2]["id"]), code=2)  # one part of a batch: the batch is named, nothing undone
    ids = ", ".join(f"#{r['id']}" for r in recorded)
    assert f"update #{recorded[2]['id']} belongs to a batch of 4 updates ({ids})" in refused.stderr
    assert f"tasklist undo {recorded[2]['id']} --batch" in refused.stderr
    assert len(cli.json("history", "T1")) == 4
    cli("undo", str(recorded[2]["id"]), "--batch")
    assert cli.json("show", "T1", "--as-of", "2022-12-01")["status"] == "not_started"
    assert len(cli.json("history", "T1")) == 8


def test_undo_batch_leaves_the_parts_reported_again_since(cli):
    recorded = cli.json("update", "T1", "--all", "-s", "推进中", "--on", "2022-12-01")
    cli("done", "--verified", "T1", "-a", "省发改委", "--on", "2022-12-02")
    result = cli("undo", str(recorded[0]["id"]), "--batch")
    moved = next(r["id"] for r in recorded if r["agency"] == "省发改委")
    assert f"#{moved}: reported again since; left as it is" in result.stderr
    parts = {a["agency"]: a["status"] for a in cli.json("show", "T1")["assignments"]}
    assert parts["省发改委"] == "done" and parts["省科技厅"] == "not_started"
    zh = cli("--lang", "zh", "undo", str(recorded[0]["id"]), "--batch", code=2)
    assert "已经撤销过了" in zh.stderr


def test_update_needs_agency_on_a_multi_agency_item_and_not_on_a_single_one(cli):
    result = cli("update", "T1", "--status", "in_progress", code=2)
    assert "省科技厅、省发改委、省数字办、省工信厅" in result.stderr
    cli("update", "T6", "--status", "in_progress")  # single agency: no --agency needed
    result = cli("update", "T6", "--status", "done", "--verified", "--agency", "省发改委", code=2)
    assert "省发改委 is not assigned to T6; assigned: 省农业农村厅" in result.stderr


def test_group_member_can_report_its_own_part(cli):
    cli("update", "O17", "--agency", "福州市政府", "--status", "in_progress")
    assignments = cli.json("show", "O17")["assignments"]
    assert [a["status"] for a in assignments if a["agency"] == "福州市人民政府"] == ["in_progress"]
    assert sum(a["status"] == "in_progress" for a in assignments) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["update", "T99", "--status", "done", "--verified"], "no item 'T99'"),
        (["update", "T6", "--status", "finished"], "unknown status 'finished'"),
        (["update", "T6", "--status", "in_progress", "--progress", "120"], "progress must be 0 to 100, not 120"),
        (["update", "T6", "--status", "done", "--verified", "--on", "2026-02-30"], "not a real date: '2026-02-30'"),
        (["update", "T6", "--status", "done", "--verified", "--on", "2030-01-01"], "report date 2030-01-01 is in the future"),
        (["update", "T6", "--status", "done", "--verified", "--as-of", "2062-01-01"], "report date 2062-01-01 is in the future"),
        (["extend", "T1", "--to", "2020-01-01", "--reason", "提前"], "an extension must move it later, not to 2020-01-01"),
        (["update", "T1", "--status", "done", "--verified", "--agency", "外交部"], "unknown agency '外交部'"),
        (["overdue", "--as-of", "someday"], "cannot read 'someday' as a date"),
        (["list", "--agency", "省委"], "ambiguous"),  # 省委网信办 and 省委台港澳办 both start with it
        (["list", "--kind", "project"], "--kind must be task or outcome"),
    ],
)
def test_bad_input_gets_one_clear_line_exit_2_and_records_nothing(cli, isolated_home, args, message):
    cli("list")
    result = cli(*args, code=2)
    assert result.stderr.startswith("error: ") and message in result.stderr.splitlines()[0]
    assert query("SELECT count(*) FROM status_update") == [(0,)]


HOSTILE = [
    'say "hi" and \'bye\'',
    "line one\nline two\r\nline three",
    "'; DROP TABLE status_update; --",
    "进展" * 1000,  # 2 000 characters: the longest note taken anywhere
    "🚀✅ emoji 🇨🇳",
    "[bold red]not markup[/]",
    "tab\there",
]


@pytest.mark.parametrize("note", HOSTILE)
def test_hostile_notes_are_stored_and_shown_verbatim(cli, note):
    cli("update", "T6", "--status", "in_progress", "--note", note)
    assert cli.json("history", "T6")[0]["note"] == note
    assert cli.json("show", "T6")["assignments"][0]["note"] == note
    cli("history", "T6")  # renders without error


def test_ids_are_case_insensitive_and_tolerate_zero_padding(cli):
    assert cli.json("show", "t01")["id"] == "T1"
    assert cli.json("show", "o032")["id"] == "O32"


@pytest.mark.parametrize("name", ["省发改委", "发改委", "省發改委", "福建省发展和改革委员会"])
def test_agency_accepted_by_short_full_alias_or_traditional_name(cli, name):
    items = cli.json("list", "--agency", name)
    assert len(items) == 37  # every item it carries, however it is named
    assert all("省发改委" in i["assignees"] for i in items)


def test_extension_moves_the_due_date_and_keeps_the_original(cli):
    cli("extend", "T5", "--to", "2023-06-30", "--reason", "卫星数据中心建设延期", "--approved-by", "省政府办公厅",
        "--as-of", "2022-12-20")
    t5 = cli.json("show", "T5", "--as-of", "2023-01-15")
    assert t5["due_original"] == "2022-12-31" and t5["due"] == "2023-06-30" and t5["extensions"] == 1
    assert t5["overdue"] is False
    assert cli.json("show", "T5", "--as-of", "2023-07-01")["overdue"] is True
    # before the extension was granted, the original date stood
    assert cli.json("show", "T5", "--as-of", "2022-12-19")["due"] == "2022-12-31"


def test_extension_for_one_agency_only(cli):
    cli("extend", "T7", "--agency", "福州市人民政府", "--to", "2023-12-31", "--reason", "待国家批复", "--as-of", "2022-12-01")
    late = cli.json("overdue", "--as-of", "2023-02-01")
    chased = {g["agency"] for g in late["agencies"] for a in g["items"] if a["id"] == "T7"}
    assert chased == {"省工信厅", "省通信管理局"}


def test_as_of_from_the_environment(cli, monkeypatch):
    monkeypatch.setenv("TASKLIST_AS_OF", "2020-06-01")
    assert cli.json("overdue")["as_of"] == "2020-06-01"
    assert cli.json("overdue")["summary"]["items"] == 0


def test_status_lists_every_agency_and_its_lights(cli):
    cli("update", "O28", "--status", "blocked", "--note", "选址受阻", "--as-of", "2022-06-01")
    status = cli.json("status", "--as-of", "2022-06-01")
    row = next(r for r in status["agencies"] if r["agency"] == "省通信管理局")
    assert row["blocked"] == 1 and row["assigned"] == 7
    o28 = next(a for a in status["items"]["省通信管理局"] if a["id"] == "O28")
    assert o28["light"] == "yellow"


def test_human_tables_fit_80_columns_with_chinese_text(cli, monkeypatch):
    from rich.cells import cell_len

    for lang in ("zh", "en"):
        monkeypatch.setenv("TASKLIST_LANG", lang)
        for args in (["list", "--all"], ["overdue", "--all"], ["status", "--all"], ["show", "T9"], ["weekly", "--all"],
                     ["agencies"]):
            out = cli(*args, "--as-of", "2026-11-23") if args[0] != "agencies" else cli(*args)
            widths = [cell_len(line) for line in out.stdout.splitlines()]
            assert max(widths) <= 80, (lang, args, max(widths))


def test_long_listing_shows_a_screenful_and_says_how_many_more(cli):
    out = cli("list").stdout
    assert "more rows (--all shows everything)" in out
    assert "more rows" not in cli("list", "--all").stdout


def test_no_colour_codes_when_piped(cli):
    assert "\x1b[" not in cli("status", "--as-of", "2026-11-23").stdout


def test_json_output_of_every_listing_has_its_documented_shape(cli):
    cli("update", "T6", "--status", "in_progress", "--as-of", "2026-11-20")
    items = cli.json("list", "--as-of", "2026-11-23")
    assert len(items) == 54 and {"id", "title", "lead", "status", "light", "overdue"} <= set(items[0])
    agencies = cli.json("agencies")
    assert len(agencies) == 37 and {"name", "full_name", "kind", "members", "assignments"} <= set(agencies[0])
    (row,) = cli.json("history")
    assert (row["item"], row["agency"], row["status"]) == ("T6", "省农业农村厅", "in_progress")
    status = cli.json("status", "--as-of", "2026-11-23")
    assert status["as_of"] == "2026-11-23" and "省农业农村厅" in status["items"]
    overdue = cli.json("overdue", "--as-of", "2026-11-23")
    assert overdue["summary"]["assignments"] == sum(len(a["items"]) for a in overdue["agencies"]) > 0
    t1 = cli.json("show", "T1")
    assert t1["id"] == "T1" and t1["assignments"] and t1["history"] == []


def test_an_undone_update_is_not_a_report(cli):
    (first,) = cli.json("update", "T6", "--status", "in_progress", "--as-of", "2026-08-01")
    (second,) = cli.json("done", "--verified", "T6", "--as-of", "2026-10-10")
    cli("undo", str(second["id"]))
    t6 = cli.json("show", "T6", "--as-of", "2026-11-23")["assignments"][0]
    assert t6["status"] == "in_progress" and t6["last_report"] == "2026-08-01"
    cli("undo", str(first["id"]), code=2)  # no longer the latest: the reversal came after it


def test_extension_for_a_group_covers_every_member(cli):
    cli("extend", "T9", "--agency", "各设区市人民政府", "--to", "2023-12-31", "--reason", "统一延期", "--as-of", "2022-12-01")
    dues = {a["agency"]: a["due"] for a in cli.json("show", "T9", "--as-of", "2023-01-05")["assignments"]}
    assert sum(d == "2023-12-31" for d in dues.values()) == 9
    assert dues["省发改委"] == "2022-12-31"


def test_list_filters_by_status_overdue_and_due_date(cli):
    cli("done", "--verified", "O28", "--as-of", "2022-06-01")
    assert [i["id"] for i in cli.json("list", "--status", "已完成", "--as-of", "2022-06-01")] == ["O28"]
    early = cli.json("list", "--due-before", "2021-01-01", "--as-of", "2022-06-01")
    assert [i["id"] for i in early] == ["O2", "O3", "O4", "O5", "O6", "O30"]
    late = cli.json("list", "--overdue", "--as-of", "2022-06-01")
    assert {i["id"] for i in late} == {"O2", "O3", "O4", "O5", "O6", "O7", "O8", "O30"}


@pytest.mark.parametrize("rows", [[], [{"a": 1, "b": [1, 2], "c": "x\ny"}], [{"a": {"b": []}}, 2, "中文"]])
def test_streamed_json_is_the_same_text_as_one_dump(rows, capsys):
    import json

    from tasklist.cli.common import print_json_list

    print_json_list(iter(rows))
    assert capsys.readouterr().out == json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def test_each_value_s_text_is_its_own_dump():
    """_values_text encodes a column in one call and splits the text back into one piece per value, on
    the line break between values: no value's own text holds one (nor is cut at a comma or a quote)."""
    from tasklist.cli.common import _values_text, dumps

    values = ["a,\nb", "line\nbreak", "\\n", ",", '","', "", "中文，“引号”\u2028\x1b", "\r\n\t", 1, -2, 2.5, float("nan"),
              float("inf"), True, False, None, "\U0001f600\ufffe", "]", "[\n"]
    assert _values_text(values) == [dumps(value).encode() for value in values]
    assert _values_text([]) == []


@pytest.mark.parametrize("rows", [
    [],
    [(1, "T%s1", None, 2.5, True), (2, "中文\n\"引号\"", "\x1b[31m\u202e", -3, False)],  # refused characters escaped
    [(1, "a", None, 0, "b"), (2, b"bytes", date(2024, 1, 2), 1, None)],  # types json cannot write as such
    [(1, "short row")],
])
def test_streamed_records_are_the_same_text_as_one_dump_of_their_dicts(rows, capsys):
    """print_json_records lays the values out around a template per row; any row it cannot lay out
    sends its batch the general way, with the same text."""
    from tasklist.cli.common import dumps, print_json_records

    keys = ("id", "item%s", "note", "n", "last")
    print_json_records(keys, iter(rows))
    assert capsys.readouterr().out == dumps([dict(zip(keys, row)) for row in rows]) + "\n"


@pytest.mark.parametrize("rows", [
    [("T1", [], "a", ["x", "y"], 1), ("T2", ["中文\u202e", "b]"], None, [], 2), ("T3", ["[", 3, None, True], "c", ["z"], 3)],
    [("T1", ["a"], "%s", ["x"], 1), ("T2", [["nested"]], "b", [], 2)],  # a list in a list: the general way
    [("T1", ["a"], "a", ["x"], 1), ("T2", ("a tuple",), "b", [], 2)],  # not a list: the general way
    [("T1", ["a"], "a", ["x"], 1), ("T2", [{"a": 1}], "b", [], 2)],
])
def test_streamed_records_with_lists_are_the_same_text_as_one_dump_of_their_dicts(rows, capsys):
    """print_json_records lays out the keys named in lists (list --json's agencies and assignees) from a
    second encoding of every row's lists, with empty lists as []; anything else in them sends the batch
    the general way, with the same text."""
    from tasklist.cli.common import dumps, print_json_records

    keys = ("id", "agencies", "note", "assignees", "n")
    print_json_records(keys, iter(rows), lists=("agencies", "assignees"))
    assert capsys.readouterr().out == dumps([dict(zip(keys, row)) for row in rows]) + "\n"


@pytest.mark.parametrize("rows", [
    [(1, "省发改委", "a\u202e", None), (2, "省发改委", "a\u202e", None), (3, "中文\n\"引号\"", "\x1b[31m", "x\x7f")],
    [(1, 1, True, 1.0), (2, True, 1.0, 1), (3, 1.0, 1, True), (4, "1", None, 0)],  # equal values of other types
    [(1, "a", "b", "c"), (2, b"bytes", "b", "c"), (3, "a", date(2024, 1, 2), "c")],  # the general way
    [(n, f"agency {n % 3}", "done" if n % 2 else None, "note") for n in range(250)],  # three batches share the texts
])
def test_streamed_records_with_repeated_values_are_the_same_text_as_one_dump_of_their_dicts(rows, capsys):
    """print_json_records remembers the text of each value of the keys named in repeated (history's
    agencies, statuses, days): the text stays that of every value, whatever its type."""
    from tasklist.cli.common import dumps, print_json_records

    keys = ("id", "agency", "status", "note")
    print_json_records(keys, iter(rows), repeated=("agency", "status"))
    assert capsys.readouterr().out == dumps([dict(zip(keys, row)) for row in rows]) + "\n"
    print_json_records(keys, iter(rows), repeated=("id", "agency", "status", "note"))  # every key: no value encoded with others
    assert capsys.readouterr().out == dumps([dict(zip(keys, row)) for row in rows]) + "\n"


@pytest.mark.parametrize("rows", [
    [("T1", ["a", "b"], "x", ["a", "b"]), ("T2", ["g"], "y", ["a", "b"]), ("T3", [], "z", []), ("T4", ["中文\u202e"], "", ["中文\u202e"])],
    [("T1", ["a"], "x", ["a"]), ("T2", ["a"], "y", ["a", "a"])],  # none equal but the first
    [("T1", [1], "x", [True]), ("T2", [1.0], "y", [1])],  # equal lists, other texts
    [("T1", ["1"], "x", [1]), ("T2", [True], "y", ["true"])],
    [("T1", ["a"], "x", ["a"]), ("T2", ["a"], "y", ("a",))],  # not a list: the general way
    [("T1", ["a", "b"], "x", ["a", "b"]), ("T2", ["b"], "y", [None]), ("T3", [None], "z", [None])],  # not only strings
])
def test_streamed_records_with_equal_lists_are_the_same_text_as_one_dump_of_their_dicts(rows, capsys):
    """A list equal to the one of the key in lists before it (list --json's assignees and agencies, in
    98 % of the items) takes that one's text only when both are lists of strings: [1] == [True]. The
    text of each string is remembered (the agencies' names), that of no other value: 1 == 1.0 == True."""
    from tasklist.cli.common import dumps, print_json_records

    keys = ("id", "agencies", "note", "assignees")
    print_json_records(keys, iter(rows), lists=("agencies", "assignees"), repeated=("note",))
    assert capsys.readouterr().out == dumps([dict(zip(keys, row)) for row in rows]) + "\n"
    print_json_records(keys, iter(rows), lists=("agencies", "assignees"))
    assert capsys.readouterr().out == dumps([dict(zip(keys, row)) for row in rows]) + "\n"


def test_streamed_records_with_lists_and_repeated_values_are_the_same_text_as_one_dump_of_their_dicts(capsys):
    from tasklist.cli.common import dumps, print_json_records

    keys = ("id", "agencies", "status", "assignees", "n")
    rows = [("T1", [], "a", ["x", "y"], 1), ("T2", ["中文\u202e", "b]"], "a", [], 2), ("T3", ["["], "b\u2028", ["z"], 3)]
    print_json_records(keys, iter(rows), lists=("agencies", "assignees"), repeated=("status", "agencies"))
    assert capsys.readouterr().out == dumps([dict(zip(keys, row)) for row in rows]) + "\n"


def test_an_item_s_values_are_its_dict_s_values_in_key_order():
    """list --json writes ItemState.values() under ITEM_FIELDS, as_dict() is made of them: one value per key."""
    from tasklist.reports.facts import ITEM_FIELDS, ITEM_LIST_FIELDS, AssignmentState, ItemState

    item = ItemState(1, "T1", "p", "task", 1, "g", "title", None, None, date(2024, 1, 2), "2024年", 0, False)
    for name, via in (("a", "grp"), ("b", "grp"), ("c", None)):
        item.assignments.append(AssignmentState(1, 1, name, "co", via, None, "in_progress", None, None, None, None,
                                                False, 0, False, False, "green", item))
    assert len(item.values()) == len(ITEM_FIELDS)  # zip would drop a key silently
    shown = item.as_dict(assignments=False)
    assert (shown["id"], shown["agencies"], shown["lead"], shown["assignees"], shown["due"]) == \
        ("T1", ["grp", "c"], "grp", ["a", "b", "c"], "2024-01-02")
    assert set(ITEM_LIST_FIELDS) <= set(ITEM_FIELDS)


@pytest.mark.usefixtures("engine")
def test_a_write_is_dated_today_whatever_tasklist_as_of_says(cli, monkeypatch):
    """TASKLIST_AS_OF sets the date of reports; it once back-dated `done` silently."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    monkeypatch.setenv("TASKLIST_AS_OF", "2026-01-05")
    (row,) = cli.json("done", "--verified", "T6")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert row["reported_on"] == today.isoformat() != "2026-01-05"
    assert cli.json("overdue")["as_of"] == "2026-01-05"  # reports still follow it
    cli("undo", str(row["id"]))  # a write dated today never blocks undo
    assert date.fromisoformat(cli.json("history")[-1]["reported_on"]) == today


@pytest.mark.usefixtures("engine")
def test_a_report_with_no_figure_keeps_the_last_progress_while_work_goes_on(cli):
    cli("update", "T6", "--status", "推进中", "--progress", "60", "--on", "2026-11-01")
    (carried,) = cli.json("update", "T6", "--status", "推进中", "--note", "无新进度数字", "--on", "2026-11-10")
    (blocked,) = cli.json("update", "T6", "--status", "受阻", "--on", "2026-11-12")
    (restart,) = cli.json("update", "T6", "--status", "未启动", "--on", "2026-11-13")
    assert (carried["progress"], blocked["progress"], restart["progress"]) == (60, 60, None)


@pytest.mark.usefixtures("engine")
def test_several_agencies_on_one_update_each_get_it_in_one_batch(cli):
    rows = cli.json("update", "T1", "-a", "省发改委", "-a", "省科技厅", "--status", "推进中", "--on", "2026-11-20")
    assert sorted(r["agency"] for r in rows) == ["省发改委", "省科技厅"]
    assert len({r["batch"] for r in rows}) == 1 and rows[0]["batch"]


def test_version_is_printed_without_touching_a_database(cli, isolated_home):
    from tasklist import __version__

    assert cli("--version").stdout == f"tasklist {__version__}\n"
    assert not (isolated_home / "tasklist.db").exists()


def test_chinese_is_the_default_and_english_is_asked_for(cli, monkeypatch):
    monkeypatch.delenv("TASKLIST_LANG")
    monkeypatch.setenv("LANG", "en_US.UTF-8")  # the machine's locale does not choose for the reader
    assert "各单位进展" in cli("status", "--summary", "--as-of", "2026-11-23").stdout
    assert "Status by agency" in cli("--lang", "en", "status", "--summary", "--as-of", "2026-11-23").stdout
    monkeypatch.setenv("TASKLIST_LANG", "en")
    assert "Status by agency" in cli("status", "--summary", "--as-of", "2026-11-23").stdout


@pytest.mark.usefixtures("engine")
def test_a_group_report_leaves_each_members_own_word_standing(cli):
    """update O17 -a 福州市 -s 已完成, then -a 各设区市人民政府 -s 推进中: Fuzhou stays done."""
    cli("update", "O17", "-a", "福州市人民政府", "-s", "已完成", "--verified", "--on", "2026-11-20")
    cli("update", "O17", "-a", "厦门市人民政府", "-s", "推进中", "--progress", "50", "--on", "2026-11-22")
    result = cli("update", "O17", "-a", "各设区市人民政府", "-s", "推进中", "--on", "2026-11-21")
    assert "O17 福州市人民政府: left as it is (done, its own report of 2026-11-20)" in result.stderr
    assert "O17 厦门市人民政府: left as it is (in progress, its own report of 2026-11-22)" in result.stderr
    parts = {a["agency"]: a["status"] for a in cli.json("show", "O17")["assignments"]}
    assert parts["福州市人民政府"] == "done" and parts["厦门市人民政府"] == "in_progress"
    assert sum(1 for h in cli.json("history", "O17") if h["batch"]) == 7  # the other seven cities
    # a later group report still stands for the cities that did not report on their own since
    cli("update", "O17", "-a", "各设区市人民政府", "-s", "受阻", "--on", "2026-11-23")
    parts = {a["agency"]: a["status"] for a in cli.json("show", "O17")["assignments"]}
    assert parts["福州市人民政府"] == "done" and parts["厦门市人民政府"] == "blocked"


@pytest.mark.usefixtures("engine")
def test_a_group_report_when_every_member_is_done_records_nothing_and_says_why(cli):
    cli("done", "--verified", "O17", "-a", "各设区市人民政府", "--on", "2026-11-20")
    result = cli("update", "O17", "-a", "各设区市人民政府", "-s", "推进中", "--on", "2026-11-21", code=2)
    assert "nothing recorded: every member of the group has its own word on O17" in result.stderr


def test_history_of_a_group_lists_its_members_parts_as_status_does(cli):
    cli("update", "O17", "-a", "各设区市人民政府", "-s", "推进中", "--on", "2022-12-01")
    cli("update", "O17", "-a", "福州市", "-s", "已完成", "--verified", "--on", "2022-12-02")
    rows = cli.json("history", "-a", "各设区市人民政府")
    assert len(rows) == 10 and {r["agency"] for r in rows} >= {"福州市人民政府", "厦门市人民政府"}
    status = cli.json("status", "-a", "各设区市人民政府", "--as-of", "2022-12-02")
    members = {a["agency"] for a in status["agencies"]}
    assert len(members) == 9 and {r["agency"] for r in rows} <= members
    assert [r["agency"] for r in cli.json("history", "-a", "福州市")] == ["福州市人民政府", "福州市人民政府"]


def _records_stdout(monkeypatch, encoding: str, rows, keys, **kw) -> bytes:
    """What print_json_records writes, as bytes, to a buffered (not write-through) text stdout in
    ``encoding``, between text written through the stream before and after it."""
    import io

    from tasklist.cli.common import print_json_records

    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding=encoding, newline="")
    monkeypatch.setattr("sys.stdout", out)
    out.write("before\n")
    print_json_records(keys, iter(rows), **kw)
    out.write("after\n")
    out.flush()
    return raw.getvalue()


_HOSTILE_ROWS = [(1, "省发改委", "a\u202e\"\\", None), (2, "省发改委", "\U0001f600𠀀", "x\x7f\x1b"),
                 (3, "中文\n\"引号\"", "\x1b[31m\ufffe", "\ud800")]


@pytest.mark.parametrize("encoding", ["utf-8", "UTF8", "gb18030", "utf-16"])
def test_streamed_records_go_to_stdout_in_its_encoding_and_order(encoding, monkeypatch):
    """print_json_records writes its UTF-8 text straight to the bytes beneath a UTF-8 stdout, after
    what was written through the stream before it; to any other stdout, through it in its encoding."""
    from tasklist.cli.common import dumps

    keys = ("id", "agency", "status", "note")
    for repeated in ((), ("agency", "status")):
        expected = "before\n" + dumps([dict(zip(keys, row)) for row in _HOSTILE_ROWS]) + "\nafter\n"
        assert _records_stdout(monkeypatch, encoding, _HOSTILE_ROWS, keys, repeated=repeated) == expected.encode(encoding)
    empty = _records_stdout(monkeypatch, encoding, [], keys)
    assert empty == "before\n[]\nafter\n".encode(encoding)


def test_streamed_records_are_written_as_bytes_to_a_utf8_stdout(monkeypatch):
    """A UTF-8 stdout is given the records' text as bytes: it is neither widened to a str of its widest
    character nor encoded again as a whole (history --json at 10k: 11 % fewer instructions)."""
    import io

    from tasklist.cli.common import print_json_records

    class Counted(io.TextIOWrapper):
        through = 0

        def write(self, text: str) -> int:
            Counted.through += len(text)
            return super().write(text)

    raw = io.BytesIO()
    monkeypatch.setattr("sys.stdout", Counted(raw, encoding="utf-8", newline=""))
    print_json_records(("id", "note"), iter([(n, f"备注 {n}") for n in range(300)]), repeated=("note",))
    import sys

    sys.stdout.flush()
    assert Counted.through == 0 and raw.getvalue().startswith(b'[\n  {\n    "id": 0,\n    "note": "\xe5')


def test_streamed_records_go_to_a_stdout_with_no_bytes_beneath(monkeypatch):
    import io

    from tasklist.cli.common import dumps, print_json_records

    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    keys = ("id", "agency", "status", "note")
    print_json_records(keys, iter(_HOSTILE_ROWS))
    assert out.getvalue() == dumps([dict(zip(keys, row)) for row in _HOSTILE_ROWS]) + "\n"


@pytest.mark.usefixtures("engine")
def test_history_json_by_ids_is_the_text_of_the_rows_with_their_names_joined(cli):
    """history --json of the whole history, or of one item, reads the item and agency of each update as
    ids and their texts once (views.history_names); its text is that of the rows read with the item's
    code and the agency's name joined (views.history), as an agency's or a day's history is written."""
    from tasklist.cli.common import dumps
    from tasklist.reports.views import history, history_names
    from tasklist.storage.connection import connect
    from tasklist.storage.lookup import resolve_agency, resolve_item

    cli("update", "O17", "-a", "各设区市人民政府", "-s", "推进中", "--on", "2026-11-20", "--note", 'a "quoted" \\ 备注')
    cli("update", "T6", "-s", "推进中", "--on", "2026-11-21")
    cli("done", "--verified", "T1", "--all", "--on", "2026-11-19", "--note", "\U0001f600 done")
    conn = connect()
    try:
        o17, agency = resolve_item(conn, "O17"), resolve_agency(conn, "福州市")
        for args, rows in ((("history",), history(conn)), (("history", "O17"), history(conn, item=o17)),
                           (("history", "-a", "福州市"), history(conn, agency=agency)),
                           (("history", "--since", "2026-11-20"), history(conn, since=date(2026, 11, 20)))):
            assert rows
            assert cli(*args, "--json").stdout == dumps([r.as_dict() for r in rows]) + "\n"
        names = history_names(conn)
        code, name = names["item"].pop(o17.id), names["agency"].pop(agency.id)
        assert (code, name) == ("O17", "福州市人民政府")
        assert (names["item"][o17.id], names["agency"][agency.id]) == (code, name)  # one read since: looked up
        assert list(history_names(conn, item=o17)["item"].items()) == [(o17.id, "O17")]
    finally:
        conn.close()


def test_the_whole_history_is_sorted_on_its_own_columns_and_a_part_of_it_seeks_its_index(cli, engine):
    """SQLite: the whole history is read in table order and sorted (NOT INDEXED), by the result's own
    columns, which the sorter then carries once (a 1M-row sort carries 13 values a row, not 16); an
    item's history and a --since range still seek their indexes (the unary +), and every form keeps
    the order reported_on, recorded_at, id."""
    from tasklist.reports.views import history, history_values
    from tasklist.storage.connection import connect
    from tasklist.storage.lookup import resolve_item

    cli("update", "T6", "-s", "推进中", "--on", "2026-11-21")
    cli("update", "O17", "-a", "各设区市人民政府", "-s", "推进中", "--on", "2026-11-20")
    cli("update", "T6", "-s", "推进中", "--on", "2026-11-20", "--note", "recorded later, reported earlier")
    cli("update", "T1", "--all", "-s", "推进中", "--on", "2026-11-20")
    conn = connect()
    try:
        t6 = resolve_item(conn, "T6")
        for rows in (history(conn), history(conn, item=t6), history(conn, since=date(2026, 11, 20))):
            keys = [(r.reported_on, r.recorded_at, r.id) for r in rows]
            assert len(rows) > 1 and keys == sorted(keys)
        if engine != "sqlite":
            return

        class Asked:
            dialect = "sqlite"

            def stream(self, sql, params):
                return sql, params

        def plan(**how):
            sql, params = history_values(Asked(), by_id=True, **how)  # type: ignore[arg-type]
            steps = [r[3] for r in conn.all("EXPLAIN QUERY PLAN " + sql, params)]
            code = conn.all("EXPLAIN " + sql, params)
            sorted_values = [code[at - 1][3] for at, r in enumerate(code) if r[1] == "SorterInsert"]
            return steps, sorted_values

        steps, sorted_values = plan()
        assert "SCAN u" in steps and not any(s.startswith("SEARCH u") for s in steps), steps
        assert sorted_values == [13], sorted_values  # the 13 columns, the sort's three among them
        assert any(s.startswith("SEARCH u USING INDEX") for s in plan(item=t6)[0])
        assert any(s.startswith("SEARCH u USING INDEX ix_update_reported") for s in plan(since=date(2026, 11, 20))[0])
    finally:
        conn.close()


def test_streamed_records_write_the_names_of_the_ids_of_named_keys(capsys):
    """print_json_records(named=...): the value of such a key is an id, written as its name; an id not
    among the names given at first is looked up when it comes, and a batch written the general way
    names its ids too."""
    from tasklist.cli.common import dumps, print_json_records

    class Names(dict[int, str]):
        def __missing__(self, key: int) -> str:
            return f"late {key} \u202e"

    keys = ("id", "item", "note")
    names = Names({1: "T1", 2: "中文\"\\", 3: "\U0001f600\x7f"})
    for rows in ([(n, n % 4 + 1, f"note {n}") for n in range(250)], [(1, 1, "a"), (2, 2, b"bytes")]):
        print_json_records(keys, iter(rows), repeated=("item",), named={"item": names})
        expected = [dict(zip(keys, (n, names[item], note))) for n, item, note in rows]
        assert capsys.readouterr().out == dumps(expected) + "\n"


def test_named_ids_are_looked_up_by_index_and_any_other_id_by_its_name(capsys):
    """The names of a table's ids (ints from 0 to about their count) are kept in a list at the index
    of their id (_NamedTexts.by_id: history --json at 100k looks 1M item ids up among 100k codes); an id
    that list does not hold is still written as its name: a negative one (which would count from the
    list's end), one beyond it, one in a hole of it (an item recorded since), and an id that is not an int."""
    from tasklist.cli.common import _NamedTexts, dumps, print_json_records

    class Names(dict[int, str]):
        def __missing__(self, key: int) -> str:
            return f"late {key}"

    names = Names({0: "T0", 1: "T1", 2: "中文", 4: "T4"})
    assert _NamedTexts(names).by_id[4] == b'"T4"'  # the list is used for such ids
    assert not _NamedTexts(Names({1: "a", 10**9: "b"})).by_id  # too sparse for a list: the dict alone
    keys = ("id", "item")
    for items in ([0, 1, 2, 4, 1] * 30, [1, -1, 2, -4], [4, 2, 5, 1000], [1, 3, 0], [1, 2.0, True, None]):
        rows = [(n, item) for n, item in enumerate(items)]
        print_json_records(keys, iter(rows), named={"item": names})
        assert capsys.readouterr().out == dumps([{"id": n, "item": names[item]} for n, item in rows]) + "\n"


def test_list_json_makes_the_text_of_each_recurring_value_once(cli, monkeypatch):
    """list --json writes the values of ITEM_REPEATED (the plan, groups, leads, dates, statuses) from a
    text made once per distinct value of each key: they are strings or None, which _Texts remembers
    (at 10k items: 9 % fewer instructions than encoding and scanning them with every item)."""
    from tasklist.cli import common
    from tasklist.reports.facts import ITEM_FIELDS, ITEM_REPEATED

    made: list[object] = []
    original = common._Texts.__missing__

    def counted(self, value):
        made.append(value)
        return original(self, value)

    monkeypatch.setattr(common._Texts, "__missing__", counted)
    cli("update", "T6", "-s", "推进中", "--on", "2026-11-20")
    result = cli("list", "--json", "--as-of", "2026-11-23")
    items = json.loads(result.stdout)
    assert set(ITEM_REPEATED) < set(ITEM_FIELDS) and result.stdout == common.dumps(items) + "\n"
    assert 0 < len(made) == sum(len({item[key] for item in items}) for key in ITEM_REPEATED)


def _fresh_home_env(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "PYTHONIOENCODING")}  # TASKLIST_DB: the engine's
    env.update(TASKLIST_HOME=str(tmp_path / "home"), TASKLIST_LANG="zh")
    subprocess.run([sys.executable, "-m", "tasklist", "status"], env=env, capture_output=True, check=True)  # the home made
    return env


@pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["list", "--json"], ["history", "--json"], ["status"], ["overdue", "--all", "--json"]])
def test_an_output_that_cannot_be_written_is_one_error_line_and_exit_1(tmp_path, args):
    """stdout on a full disk: the error line, its hint and 1, as for any operational failure; not
    Python's own "Exception ignored" traceback and 120 when the exit tries to write the rest again
    (streamed JSON written as bytes left its "[" in the buffer), nor 0 with the output lost (a short
    listing that the exit alone would have written)."""
    import subprocess
    import sys

    env = _fresh_home_env(tmp_path)
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "tasklist", *args], env=env, stdout=full,
                              stderr=subprocess.PIPE, text=True)
    lines = done.stderr.splitlines()
    assert (done.returncode, len(lines)) == (1, 2), done.stderr
    assert lines[0].startswith("错误：") and "No space left on device" in lines[0]


@pytest.mark.parametrize("args", [["list", "--json"], ["history", "T1", "--json"]])
def test_json_that_stdout_cannot_encode_leaves_nothing_half_written(tmp_path, args):
    """A stdout that cannot encode Chinese (PYTHONIOENCODING=ascii): one error line and 1, and not the
    "[" of a list that never came."""
    import subprocess
    import sys

    env = _fresh_home_env(tmp_path)
    if args[0] == "history":  # a note to list
        subprocess.run([sys.executable, "-m", "tasklist", "update", "T1", "--status", "in_progress", "--agency", "省发改委",
                        "--note", "已启动"], env=env, capture_output=True, check=True)
    done = subprocess.run([sys.executable, "-m", "tasklist", *args], env={**env, "PYTHONIOENCODING": "ascii"},
                          capture_output=True)
    assert (done.returncode, done.stdout) == (1, b""), done.stderr
    assert b"UnicodeEncodeError" in done.stderr
