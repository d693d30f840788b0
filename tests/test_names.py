"""Names people type: official short forms, part of a name (福州), the annex's words for items (任务1,
成果3), full-width characters, and mistyped ids (Tl) that get a "did you mean"."""

from __future__ import annotations

import pytest
from conftest import query
from test_startup import imported

from tasklist.messages import set_lang
from tasklist.registry.names import close_codes, item_by_number, normalize_code, parse_kind

CODES = [f"T{n}" for n in range(1, 23)] + [f"O{n}" for n in range(1, 33)]


@pytest.fixture
def zh(monkeypatch):
    """Chinese for the commands run in the test; the process's language is left undecided after."""
    monkeypatch.setenv("TASKLIST_LANG", "zh")
    yield
    set_lang(None)


def ids(items):
    return [i["id"] for i in items]


def stderr_lines(result):
    return [line for line in result.stderr.splitlines() if not line.startswith(("created a new database", "已新建数据库"))]


# --------------------------------------------------------------------------- the shapes (no database)


@pytest.mark.parametrize(("typed", "code"), [("t1", "T1"), ("T01", "T1"), ("Ｔ１", "T1"), ("ｏ３２", "O32"), (" T 1 ", "T1")])
def test_ids_are_read_case_padding_width_and_space_blind(typed, code):
    assert normalize_code(typed) == code


@pytest.mark.parametrize(("typed", "meant"), [
    ("任务1", ("task", 1)), ("任務１", ("task", 1)), ("成果3", ("outcome", 3)), ("成果 03", ("outcome", 3)),
    ("第3项成果", ("outcome", 3)), ("任务22", ("task", 22)),
    ("任务", None), ("3", None), ("任务1成果", None), ("任务0", None), ("T1", None),
])
def test_the_annex_words_name_an_item_by_kind_and_number(typed, meant):
    assert item_by_number(typed) == meant


@pytest.mark.parametrize(("typed", "kind"), [("任务", "task"), ("任務", "task"), ("tasks", "task"), ("Task", "task"),
                                             ("成果", "outcome"), ("outcomes", "outcome"), (" 成果 ", "outcome"),
                                             ("项目", None), ("t", None)])
def test_kind_words(typed, kind):
    assert parse_kind(typed) == kind


@pytest.mark.parametrize(("typed", "close"), [
    ("Tl", ["T1"]), ("TL", ["T1"]), ("tI", ["T1"]), ("T2l", ["T21"]), ("OO3", ["O3"]), ("TO3", ["T3"]),
    ("T222", ["T22", "T2"]), ("XYZ", []),
])
def test_a_mistyped_id_is_matched_to_the_closest_real_ones(typed, close):
    assert close_codes(typed, CODES) == close


# --------------------------------------------------------------------------- agencies


@pytest.mark.parametrize(("typed", "agency"), [
    ("省发展改革委", "省发改委"), ("福建省发展改革委", "省发改委"), ("省發展改革委", "省发改委"),
    ("省卫生健康委", "省卫健委"), ("省住房城乡建设厅", "省住建厅"), ("省工业和信息化厅", "省工信厅"),
    ("人民银行福州中心支行", "人行福州中心支行"), ("福州市", "福州市人民政府"), ("廈門市", "厦门市人民政府"),
])
def test_official_short_forms_and_city_names_are_names_of_their_agency(cli, typed, agency):
    result = cli("list", "--agency", typed, "--json")
    assert result.stdout == cli("list", "--agency", agency, "--json").stdout
    assert stderr_lines(result) == []  # an alias is a name: nothing to say


@pytest.mark.usefixtures("engine")
def test_update_with_the_official_short_form_records_for_the_agency(cli):
    cli("update", "T1", "-a", "省发展改革委", "--status", "推进中", "--note", "已召开协调会")
    (row,) = query("SELECT g.name, u.status, u.note FROM status_update u JOIN assignment a ON a.id = u.assignment_id "
                   "JOIN agency g ON g.id = a.agency_id")
    assert row == ("省发改委", "in_progress", "已召开协调会")


def test_a_city_name_is_the_city_government_not_the_bank_branch_that_holds_it(cli):
    result = cli("list", "--agency", "福州", "--json")
    assert result.stdout == cli("list", "--agency", "福州市人民政府", "--json").stdout
    assert "O19" in ids(cli.json("list", "--agency", "福州")) and "T19" not in ids(cli.json("list", "--agency", "福州"))
    assert stderr_lines(result) == ['"福州" taken as 福州市人民政府']


@pytest.mark.usefixtures("engine")
def test_a_guessed_agency_is_said_once_on_stderr_in_chinese_and_the_write_goes_to_it(cli, zh):
    result = cli("update", "O19", "-a", "福州", "--status", "推进中")
    lines = stderr_lines(result)
    assert lines[0] == "“福州”按福州市人民政府处理" and result.stderr.count("福州”") == 1
    assert "O19 福州市人民政府" in lines[1]  # the confirmation names the agency recorded for
    assert query("SELECT g.name FROM status_update u JOIN assignment a ON a.id = u.assignment_id "
                 "JOIN agency g ON g.id = a.agency_id") == [("福州市人民政府",)]


def test_the_library_returns_the_guess_for_its_caller_to_say(cli):
    from tasklist.storage.connection import connect
    from tasklist.storage.lookup import resolve_agency

    cli("list")
    conn = connect()
    try:
        assert resolve_agency(conn, "福州").taken_from == "福州"
        assert resolve_agency(conn, "省农业农村").name == "省农业农村厅"  # held by one name only
        assert resolve_agency(conn, "省农业农村").taken_from == "省农业农村"
        assert resolve_agency(conn, "福州市").taken_from is None
        assert resolve_agency(conn, "省发展改革委").taken_from is None
    finally:
        conn.close()


def test_a_start_two_names_share_is_still_ambiguous(cli, zh):
    result = cli("list", "--agency", "省委", code=2)
    assert stderr_lines(result) == ["错误：单位“省委”不明确：省委台港澳办、省委网信办", "  提示：请按清单写出单位名称"]


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["error: unknown agency '省发该委'", "  hint: did you mean 省发改委?"]),
    ("zh", ["错误：未知单位“省发该委”", "  提示：是否要找 省发改委？"]),
])
def test_an_unknown_agency_gets_the_closest_names(cli, monkeypatch, lang, expected):
    monkeypatch.setenv("TASKLIST_LANG", lang)
    try:
        assert stderr_lines(cli("list", "--agency", "省发该委", code=2)) == expected
    finally:
        set_lang(None)


# --------------------------------------------------------------------------- items


@pytest.mark.parametrize("kind, first, count", [("任务", "T1", 22), ("task", "T1", 22), ("任務", "T1", 22),
                                                ("成果", "O1", 32), ("outcome", "O1", 32), ("outcomes", "O1", 32)])
def test_list_kind_takes_the_annex_words_and_english(cli, kind, first, count):
    items = cli.json("list", "--kind", kind)
    assert ids(items)[0] == first and len(items) == count


def test_an_unknown_kind_is_one_line_naming_the_words_it_takes(cli, zh):
    assert stderr_lines(cli("list", "--kind", "项目", code=2)) == ["错误：--kind 应为 任务 或 成果（task 或 outcome），而不是“项目”"]


@pytest.mark.parametrize(("typed", "code"), [("任务1", "T1"), ("成果3", "O3"), ("任務１", "T1"), ("t1", "T1"), ("Ｔ１", "T1"),
                                             ("ｏ３２", "O32"), ("成果 32", "O32"), ("第22项任务", "T22")])
def test_show_takes_the_annex_words_full_width_and_lower_case(cli, typed, code):
    assert cli.json("show", typed)["id"] == code


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["error: no item 'Tl'", "  hint: did you mean T1?"]),
    ("zh", ["错误：没有事项“Tl”", "  提示：是否要找 T1？"]),
])
def test_a_letter_typed_for_a_digit_fails_with_did_you_mean(cli, monkeypatch, lang, expected):
    monkeypatch.setenv("TASKLIST_LANG", lang)
    try:
        result = cli("show", "Tl", code=2)
    finally:
        set_lang(None)
    assert stderr_lines(result) == expected and result.stdout == ""


def test_an_id_like_none_points_to_the_listing(cli):
    assert stderr_lines(cli("show", "XYZ", code=2)) == ["error: no item 'XYZ'", "  hint: `tasklist list` shows the ids"]
    assert stderr_lines(cli("show", "成果33", code=2))[0] == "error: no item '成果33'"


@pytest.mark.usefixtures("engine")
def test_update_by_the_annex_words_records_on_that_item(cli):
    cli("update", "成果28", "--status", "done", "--verified")
    assert query("SELECT i.code FROM status_update u JOIN assignment a ON a.id = u.assignment_id "
                 "JOIN item i ON i.id = a.item_id") == [("O28",)]


# --------------------------------------------------------------------------- the agencies table and start-up


def test_agencies_table_shows_kinds_in_words_and_json_keeps_the_registry_values(cli, zh):
    table = cli("agencies", "--all").stdout
    for words in ("省直部门", "省委部门", "垂直管理部门", "央行分支机构", "设区市政府", "管委会", "分组（9）"):
        assert words in table, words
    assert "provincial_department" not in table and "group" not in table and "(9)" not in table
    kinds = {a["name"]: a["kind"] for a in cli.json("agencies")}
    assert kinds["省发改委"] == "provincial_department" and kinds["各设区市人民政府"] == "group"


def test_agencies_table_in_english_has_english_kinds(cli):
    table = cli("agencies", "--all").stdout
    assert "department" in table and "group (9)" in table and "provincial_department" not in table


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("args", [["list", "--kind", "任务"], ["show", "任务1"], ["list", "--agency", "福州"]])
def test_names_cost_no_heavy_import(cli, engine, args):
    cli("list")
    heavy = {"yaml", "sqlalchemy", "sqlmodel", "pydantic", "alembic", "openpyxl"} | ({"psycopg"} if engine == "sqlite" else set())
    assert imported(*args) & heavy == set()
