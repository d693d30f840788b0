"""Bad registry files are refused: every problem as file:line:col: field: message, exit 2, database untouched."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml
from conftest import DATA

from tasklist.errors import RegistryError
from tasklist.registry import read_registry


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def position(path, needle, at=None, occurrence=0):
    """1-based (line, column) of ``at`` (default: the needle itself) on the line holding ``needle``."""
    hits = [
        (number, line.index(at if at is not None else needle) + 1)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if needle in line
    ]
    assert hits, f"{needle!r} not found in {path}"
    return hits[occurrence]


def problems_of(directory):
    with pytest.raises(RegistryError) as exc:
        read_registry([directory])
    return [str(p) for p in exc.value.problems]


CASES = {
    # name: (file, old, new, field, message, needle, at)
    "impossible_date": ("tasks.yaml", "due: 2022-12-31\n    due_text: 2022年前", "due: 2022-02-30\n    due_text: 2022年前",
                        "tasks[T1].due", "impossible date '2022-02-30'", "due: 2022-02-30", "2022-02-30"),
    "due_contradicts_text": ("tasks.yaml", "due: 2022-12-31\n    due_text: 2022年前", "due: 2022-06-30\n    due_text: 2022年前",
                             "tasks[T1].due", "contradicts due_text '2022年前', which means 2022-12-31", "due: 2022-06-30", "2022-06-30"),
    "ongoing_with_a_date": ("tasks.yaml", "due: null\n    due_text: 持续推进", "due: 2023-01-01\n    due_text: 持续推进",
                            "tasks[T2].due", "which means no due date (ongoing)", "due: 2023-01-01", "2023-01-01"),
    "unknown_agency": ("tasks.yaml", "agencies: [省科技厅, 省发改委, 省数字办, 省工信厅]", "agencies: [省科技厅, 省发改委员, 省数字办, 省工信厅]",
                       "tasks[T1].agencies", "unknown agency '省发改委员' (did you mean '省发改委'", "省发改委员", "省发改委员"),
    "empty_agencies": ("outcomes.yaml", "agencies: [省发改委, 省数字办, 省司法厅]", "agencies: []",
                       "outcomes[O1].agencies", "must name at least one responsible agency", "agencies: []", "[]"),
    "duplicate_id": ("tasks.yaml", "id: T2\n", "id: T1\n", "tasks[T1].id", "duplicate id T1 (first defined at", "id: T1", "T1", 1),
    "unknown_field": ("outcomes.yaml", "  - id: O3\n", "  - id: O3\n    owner: 张三\n", "outcomes[O3].owner",
                      "unknown field", "owner: 张三", "owner"),
    "missing_field": ("outcomes.yaml", "    due_text: 2021年\n", "", "outcomes[O7].due_text", "missing required field",
                      "id: O7", "id"),
    "wrong_type": ("tasks.yaml", "seq: 5\n", "seq: five\n", "tasks[T5].seq", "must be a whole number", "seq: five", "five"),
    # O1 would sort last, and be known as the first
    "seq_not_the_id_number": ("outcomes.yaml", "  - id: O1\n    seq: 1\n", "  - id: O1\n    seq: 33\n", "outcomes[O1].seq",
                              "33 does not match the id O1 (O1 needs seq 1)", "seq: 33", "33"),
    "seq_with_a_leading_zero": ("tasks.yaml", "seq: 10\n", "seq: 010\n", "tasks[T10].seq",
                                "write 10, not 010 (a leading zero reads as an octal number in YAML 1.1)", "seq: 010", "010"),
    # 08 is no octal number: YAML 1.1 reads it as text, YAML 1.2 as 8
    "seq_08": ("tasks.yaml", "seq: 8\n", "seq: 08\n", "tasks[T8].seq", "write 8, not 08", "seq: 08", "08"),
    "seq_and_no_together": ("tasks.yaml", "  - id: T3\n    seq: 3\n", "  - id: T3\n    seq: 3\n    no: 3\n", "tasks[T3].no",
                            "'no' and 'seq' are the same field ('no' is its old name); keep 'seq' only", "no: 3", "no"),
    "unsafe_tag": ("tasks.yaml", "title: 推动数字经济集聚发展", "title: !!python/object/apply:os.system [echo pwned]",
                   "document", "tag '!!python/object/apply:os.system' is not allowed", "!!python", "!!python"),
    "unknown_kind": ("agencies.yaml", "kind: central_bank_branch", "kind: bank", "agencies[人行福州中心支行].kind",
                     "must be one of", "kind: bank", "bank"),
    # the first agency to list an alias keeps it; the second is told
    "alias_collision": ("agencies.yaml", "aliases: [省科技廳,", "aliases: [发改委, 省科技廳,", "agencies[省发改委].aliases",
                        "alias '发改委' already names '省科技厅'", "aliases: [省發改委, 发改委", "发改委"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_bad_registry_is_reported_with_file_line_column_and_field(case, registry_copy):
    filename, old, new, field, message, needle, at, *occurrence = CASES[case]
    path = registry_copy / filename
    edit(path, old, new)
    line, col = position(path, needle, at, *occurrence)
    found = problems_of(registry_copy)
    expected_prefix = f"{path}:{line}:{col}: {field}: "
    assert any(p.startswith(expected_prefix) and message in p for p in found), (expected_prefix, message, found)


def test_duplicate_seq_is_reported(registry_copy):
    # Another letter, the same number: the id agrees with its seq, and O1 already has it.
    path = registry_copy / "outcomes.yaml"
    edit(path, "  - id: O2\n    seq: 2\n", "  - id: P1\n    seq: 1\n")
    line, col = position(path, "seq: 1", "1", 1)
    (problem,) = problems_of(registry_copy)
    assert problem.startswith(f"{path}:{line}:{col}: outcomes[P1].seq: duplicate seq 1 among outcomes (first at "), problem


def test_a_seq_the_id_disagrees_with_is_refused_also_in_a_task(registry_copy):
    edit(registry_copy / "tasks.yaml", "  - id: T5\n    seq: 5\n", "  - id: T5\n    seq: 6\n")
    found = problems_of(registry_copy)
    assert any("tasks[T5].seq: 6 does not match the id T5 (T5 needs seq 5)" in p for p in found), found


def test_an_item_with_neither_seq_nor_no_misses_seq(registry_copy):
    path = registry_copy / "tasks.yaml"
    edit(path, "  - id: T4\n    seq: 4\n", "  - id: T4\n")
    line, col = position(path, "id: T4", "id")
    (problem,) = problems_of(registry_copy)
    assert problem == f"{path}:{line}:{col}: tasks[T4].seq: missing required field"


def test_unknown_field_lists_seq_and_never_suggests_the_old_no(registry_copy):
    edit(registry_copy / "outcomes.yaml", "  - id: O3\n", "  - id: O3\n    deadline: 2022-12-31\n")
    (problem,) = problems_of(registry_copy)
    assert problem.endswith("outcomes[O3].deadline: unknown field (known: agencies, assigned, category, content, due, due_text, id, seq, title)")


# --------------------------------------------------------------------------- the deprecated name ``no``


def _with_old_name(directory):
    """The registry as written before seq: every item's seq spelt ``no``."""
    for name in ("tasks.yaml", "outcomes.yaml"):
        path = directory / name
        path.write_text(path.read_text(encoding="utf-8").replace("\n    seq: ", "\n    no: "), encoding="utf-8")
    return directory


def test_the_old_name_no_still_loads_with_one_warning_per_file(registry_copy):
    bundled = read_registry(None)
    registry = read_registry([_with_old_name(registry_copy)])
    assert [(i.code, i.no) for i in registry.items] == [(i.code, i.no) for i in bundled.items]
    tasks, outcomes = registry_copy / "tasks.yaml", registry_copy / "outcomes.yaml"
    t_line, t_col = position(tasks, "no: 1", "no")
    o_line, o_col = position(outcomes, "no: 1", "no")
    why = "'no' is deprecated (YAML 1.1 tools read it as false); write 'seq'"
    assert [str(w) for w in registry.warnings] == [f"{outcomes}:{o_line}:{o_col}: outcomes[O1].no: {why}",
                                                   f"{tasks}:{t_line}:{t_col}: tasks[T1].no: {why}"]
    assert bundled.warnings == []


def test_one_item_with_the_old_name_among_new_ones_is_named(registry_copy):
    path = registry_copy / "outcomes.yaml"
    edit(path, "  - id: O7\n    seq: 7\n", "  - id: O7\n    no: 7\n")
    line, col = position(path, "no: 7", "no")
    (warning,) = read_registry([registry_copy]).warnings
    assert str(warning).startswith(f"{path}:{line}:{col}: outcomes[O7].no: 'no' is deprecated")


def test_the_old_name_is_checked_like_seq(registry_copy):
    _with_old_name(registry_copy)
    edit(registry_copy / "tasks.yaml", "  - id: T10\n    no: 10\n", "  - id: T10\n    no: 010\n")
    edit(registry_copy / "outcomes.yaml", "  - id: O2\n    no: 2\n", "  - id: O2\n    no: 3\n")
    found = problems_of(registry_copy)
    assert any("tasks[T10].no: write 10, not 010" in p for p in found), found
    assert any("outcomes[O2].no: 3 does not match the id O2 (O2 needs no 2)" in p for p in found), found


@pytest.mark.parametrize("check", [True, False])
def test_cli_prints_the_warning_on_stderr_and_exits_0(cli, registry_copy, check):
    _with_old_name(registry_copy)
    result = cli("load", *(["--check"] if check else []), str(registry_copy))
    warnings = [line for line in result.stderr.strip().splitlines() if not line.startswith("created a new database")]
    assert len(warnings) == 2 and all("'no' is deprecated (YAML 1.1 tools read it as false); write 'seq'" in w
                                       for w in warnings), result.stderr
    assert "deprecated" not in result.stdout
    assert ("54 items" in result.stdout) if check else ("items added (54)" in result.stdout)


def test_cli_keeps_stdout_json_clean_of_warnings(cli, registry_copy):
    _with_old_name(registry_copy)
    result = cli("load", "--check", "--json", str(registry_copy))
    assert json.loads(result.stdout)["items"] == 54
    assert "deprecated" in result.stderr


def test_the_bundled_registry_loads_without_warnings(cli):
    assert cli("load", "--check").stderr == ""


# --------------------------------------------------------------------------- other YAML readers


def _bool_keys(value, path="document"):
    """Every place in a plain-YAML value where a mapping key is true/false."""
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(key, bool):
                yield f"{path}.{key}"
            yield from _bool_keys(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _bool_keys(child, f"{path}[{index}]")


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.yaml")))
def test_a_yaml_1_1_reader_sees_no_true_or_false_keys_in_the_bundled_files(name):
    # What another tool in the office (PyYAML, Ruby, SnakeYAML) would make of the file.
    assert list(_bool_keys(yaml.safe_load((DATA / name).read_text(encoding="utf-8")))) == []


def test_the_bool_key_walk_finds_the_old_name():
    assert list(_bool_keys(yaml.safe_load("tasks:\n  - id: T1\n    no: 1\n"))) == ["document.tasks[0].False"]


def test_yaml_syntax_error_names_line(registry_copy):
    path = registry_copy / "tasks.yaml"
    edit(path, "  - id: T3\n", "  - id: T3\n   broken: [\n")
    (problem,) = problems_of(registry_copy)
    assert problem.startswith(f"{path}:") and ": yaml: syntax error" in problem
    assert int(problem.split(":")[1]) > 1


def test_non_utf8_file_is_refused_with_position(registry_copy):
    path = registry_copy / "outcomes.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("gb18030"))
    (problem,) = problems_of(registry_copy)
    assert problem.startswith(f"{path}:1:") and "not UTF-8 text" in problem


def test_all_problems_are_reported_at_once(registry_copy):
    edit(registry_copy / "tasks.yaml", "due: 2022-12-31", "due: 2022-02-30")
    edit(registry_copy / "outcomes.yaml", "agencies: [省发改委, 省数字办, 省司法厅]", "agencies: [省发该委]")
    edit(registry_copy / "agencies.yaml", "kind: group", "kind: club")
    found = problems_of(registry_copy)
    assert len(found) >= 3
    assert any("impossible date" in p for p in found)
    assert any("unknown agency '省发该委'" in p for p in found)
    assert any("must be one of" in p for p in found)


def test_member_of_a_group_must_be_a_known_agency(registry_copy):
    edit(registry_copy / "agencies.yaml", "members: [福州市人民政府,", "members: [福洲市人民政府,")
    found = problems_of(registry_copy)
    assert any("members: unknown agency '福洲市人民政府' (did you mean '福州市人民政府'" in p for p in found), found


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", ["impossible_date", "unknown_agency", "unsafe_tag"])
def test_cli_refuses_bad_registry_with_exit_2_and_leaves_database_untouched(case, cli, registry_copy, isolated_home):
    cli("list")  # creates the database with the bundled registry
    db = isolated_home / "tasklist.db"
    cli("update", "T6", "--status", "done", "--verified")
    before = cli.json("list")
    digest = _digest(db)
    filename, old, new, _field, message, *_ = CASES[case]
    edit(registry_copy / filename, old, new)
    for args in (["load", "--check", str(registry_copy)], ["load", str(registry_copy)]):
        result = cli(*args, code=2)
        assert message in result.stderr
        assert result.stderr.strip().splitlines()[-1].startswith("error: registry refused")
    assert _digest(db) == digest
    assert cli.json("list") == before


def test_check_accepts_the_bundled_registry(cli):
    result = cli("load", "--check")
    assert "54 items" in result.stdout and "37 agencies" in result.stdout


def test_missing_file_is_reported(cli, tmp_path):
    result = cli("load", "--check", str(tmp_path / "nope.yaml"), code=2)
    assert "nope.yaml:0:0: file: does not exist" in result.stderr


def test_registry_email_follows_the_same_rule_as_set_email(registry_copy):
    edit(registry_copy / "agencies.yaml", "kind: central_bank_branch", 'kind: central_bank_branch\n    email: "rh@example"')
    found = problems_of(registry_copy)
    assert any("agencies[人行福州中心支行].email: 'rh@example' is not an email address" in p for p in found), found


@pytest.mark.parametrize("address, ok", [("nyt@example.org", True), ("nyt@", False), ("a@example.org\n", False),
                                         ("a b@example.org", False), ("<a@example.org>", False)])
def test_email_rule(address, ok):
    from tasklist.registry import valid_email

    assert valid_email(address) is ok


# --------------------------------------------------------------------------- in Chinese


@pytest.fixture
def zh(monkeypatch):
    from tasklist.messages import set_lang

    monkeypatch.setenv("TASKLIST_LANG", "zh")
    set_lang(None)
    yield
    set_lang(None)


ZH_CASES = {  # name: the message in Chinese, after `field: ` (the field stays the YAML key)
    "impossible_date": "tasks[T1].due: 日期“2022-02-30”不存在：2 月没有 30 日",
    "due_contradicts_text": "tasks[T1].due: 2022-06-30 与 due_text“2022年前”矛盾，后者表示 2022-12-31",
    "unknown_agency": "tasks[T1].agencies: 未知单位“省发改委员”（是否要写“省发改委”？）",
    "empty_agencies": "outcomes[O1].agencies: 至少要写一个责任单位（尚未交办的事项请写 assigned: false）",
    "unknown_field": "outcomes[O3].owner: 未知字段（可用字段：agencies, assigned, category, content, due, due_text, id, seq, title）",
    "missing_field": "outcomes[O7].due_text: 缺少必填字段",
    "wrong_type": "tasks[T5].seq: 应为整数，而不是文本 five",
    "seq_with_a_leading_zero": "tasks[T10].seq: 应写 10，而不是 010（YAML 1.1 会把前导零读作八进制数）",
    "unsafe_tag": "document: 不允许使用标签 !!python/object/apply:os.system（只能写普通的 YAML 值）",
    "alias_collision": "agencies[省发改委].aliases: 别名“发改委”已用作“省科技厅”的名称",
}


@pytest.mark.parametrize("case", sorted(ZH_CASES))
def test_problems_read_in_chinese_with_the_same_place_and_field(case, registry_copy, zh):
    filename, old, new, _field, _message, needle, at, *occurrence = CASES[case]
    path = registry_copy / filename
    edit(path, old, new)
    line, col = position(path, needle, at, *occurrence)
    assert f"{path}:{line}:{col}: {ZH_CASES[case]}" in problems_of(registry_copy)


def test_a_yaml_syntax_error_reads_in_chinese(registry_copy, zh):
    edit(registry_copy / "tasks.yaml", "  - id: T3\n", "  - id: T3\n   broken: [\n")
    (problem,) = problems_of(registry_copy)
    assert ": yaml: 语法错误：" in problem and "while" not in problem and "expected" not in problem, problem


def test_the_cli_refuses_a_bad_registry_in_chinese(cli, registry_copy, zh):
    edit(registry_copy / "tasks.yaml", "due: 2022-12-31", "due: 2022-02-30")
    result = cli("load", "--check", str(registry_copy), code=2)
    lines = result.stderr.strip().splitlines()
    assert lines[0].endswith("tasks[T1].due: 日期“2022-02-30”不存在：2 月没有 30 日")
    assert lines[-1] == "错误：登记册有误，共 1 处问题"


def test_the_old_name_warning_reads_in_chinese(registry_copy, zh):
    _with_old_name(registry_copy)
    warnings = [str(w) for w in read_registry([registry_copy]).warnings]
    assert warnings and all(w.endswith("“no”已弃用（YAML 1.1 工具会把它读作布尔值），请改写为“seq”") for w in warnings)


def test_check_says_ok_in_chinese(cli, zh):
    out = cli("load", "--check").stdout
    assert out.startswith("校验通过：") and "方案 fujian-dez-2021，54 个事项，37 个单位" in out


# --------------------------------------------------------------------------- Chinese punctuation


def test_ascii_punctuation_between_chinese_characters_is_one_warning_per_file_at_the_first(registry_copy):
    path = registry_copy / "tasks.yaml"
    text = path.read_text(encoding="utf-8")
    # what a copy through an ASCII-only tool does: every section and T21's content
    path.write_text(text.replace("产业化，培育", "产业化,培育").replace("（二期）、", "(二期)、"), encoding="utf-8")
    line, col = position(path, "section: 一、加快提升数字产业化,培育", ",")
    registry = read_registry([registry_copy])
    assert [str(w) for w in registry.warnings] == [
        f"{path}:{line}:{col}: tasks[T1].section: ASCII punctuation between Chinese characters "
        "(',' here, where the official text writes '，'); 7 in this file"]
    assert registry.items[0].group == "一、加快提升数字产业化,培育新产业新业态新模式"  # loaded as written


@pytest.mark.parametrize("text", ["推动5G技术应用", "达2.6万亿元", "IPv6规模部署", "福建智能视觉AI开放平台（二期）",
                                  "Digital Fujian (pilot), phase 2"])
def test_ascii_punctuation_among_latin_letters_and_digits_is_no_warning(registry_copy, text):
    edit(registry_copy / "tasks.yaml", "title: 大力发展数字农业", f"title: {text}")
    assert read_registry([registry_copy]).warnings == []


def test_the_punctuation_warning_goes_to_stderr_in_chinese_and_the_load_goes_ahead(cli, registry_copy, zh):
    edit(registry_copy / "outcomes.yaml", "建成智慧海洋大数据中心（一期）", "建成智慧海洋大数据中心(一期)")
    result = cli("load", "--check", str(registry_copy))
    path = registry_copy / "outcomes.yaml"
    line, col = position(path, "大数据中心(一期)", "(")
    assert result.stderr.strip() == (f"{path}:{line}:{col}: outcomes[O12].title: "
                                     "中文之间用了半角标点（此处“(”，正式文本写作“（”），本文件共 1 处")
    assert result.stdout.startswith("校验通过：")
