"""Hostile text (issue 12): nothing a user types or sends can crash, poison or overwrite.

Four families, each one parametrised test over every entry point or every output:

- refused text (control, bidirectional-override, invisible characters, bytes that are not UTF-8)
  typed on the command line, written in the registry, or sent back in a feedback file: refused
  with one line naming the field, exit 2, nothing recorded;
- tricky text that is accepted (Rich markup, HTML, formulas, line breaks and tabs): stored as
  typed and shown as text in every output, escaped for its medium;
- text already in the database from before the rule (raw SQL): every reading command exits 0
  and nothing raw reaches the terminal or a file;
- arbitrary Unicode (Hypothesis) through the command line: exit 0 or 2, never a traceback, and
  every export still opens.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from html.parser import HTMLParser

import pytest
from conftest import ROOT, query
from openpyxl import load_workbook

from tasklist import text
from tasklist.cli import app
from tasklist.output.formats import neutralise

AS_OF = ["--as-of", "2026-11-23"]

# --------------------------------------------------------------------------- helpers


def execute(sql, params=()):
    """Write with raw SQL on the database the CLI uses, past every check (text from before the rule)."""
    from tasklist.storage.connection import connect

    conn = connect()
    try:
        with conn.transaction():
            conn.execute(sql, params)
    finally:
        conn.close()


def counts():
    return query("SELECT count(*) FROM status_update")[0][0], query("SELECT count(*) FROM extension")[0][0]


class Tags(HTMLParser):
    """The tags of an HTML document, and its text."""

    def __init__(self, data: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.text: list[str] = []
        self.feed(data)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        self.text.append(data)


#: every tag the HTML writers use: anything else came from data
OUR_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "thead", "tbody", "tr", "th",
            "td", "br", "span", "div", "section", "figure", "figcaption",
            "svg", "line", "polyline", "circle", "rect", "text"}  # the weekly report's charts


def assert_html_is_ours(data: str) -> str:
    page = Tags(data)
    assert page.tags <= OUR_TAGS, page.tags - OUR_TAGS
    return "".join(page.text)


def assert_markdown_is_ours(data: str) -> None:
    """No HTML but <br>, and every row of a table has as many cells as its header."""
    assert not re.search(r"<(?!br>)", data), data
    cells = None
    for line in data.splitlines():
        if not line.startswith("|"):
            cells = None
            continue
        n = len(re.findall(r"(?<!\\)\|", line))
        cells = cells or n
        assert n == cells, line


def xlsx_strings(data_or_path) -> list:
    """Every cell of every sheet; no cell may hold a formula."""
    book = load_workbook(io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula reached the workbook"
    return [c.value for c in cells if isinstance(c.value, str)]


def csv_cells(data: str) -> list[str]:
    cells = [c for row in csv.reader(io.StringIO(data)) for c in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], "a formula reached the CSV"
    return cells


def no_raw(output: str) -> None:
    """Nothing the input rule refuses is in ``output`` (an ESC above all)."""
    found = text.REFUSED.search(output)
    assert found is None, f"raw {found.group()!r} in output: {output[max(0, found.start() - 40):found.end() + 40]!r}"


def yaml_string(value: str) -> str:
    """``value`` as a YAML double-quoted scalar, each refused character as an escape (JSON's escapes
    are YAML's; YAML would not read most of them raw)."""
    return text.json_safe(json.dumps(value, ensure_ascii=False))


def has_cell(value: str, cells: list) -> bool:
    """``value`` is a cell, as a spreadsheet holds it: kept as text, and CR LF read back as LF."""
    return neutralise(value) in cells or neutralise(value).replace("\r\n", "\n") in cells


def set_registry_text(registry, file, old_line, key, value):
    path = registry / file
    source = path.read_text(encoding="utf-8")
    assert old_line in source, old_line
    indent = old_line[: len(old_line) - len(old_line.lstrip())]
    path.write_text(source.replace(old_line, f"{indent}{key}: {yaml_string(value)}", 1), encoding="utf-8")


# --------------------------------------------------------------------------- the rule itself

REFUSED = {  # name: (text, how the message names the character)
    "escape": ("clear\x1b[2Jscreen", "U+001B (escape)"),
    "osc8-link": ("\x1b]8;;http://evil.example\x07click\x1b]8;;\x07", "U+001B (escape)"),
    "title-osc": ("\x1b]0;pwned\x07", "U+001B (escape)"),
    "word-line-break": ("第一行\x0b第二行", "U+000B (vertical tab, Word's manual line break)"),
    "bell": ("ding\x07", "U+0007 (bell)"),
    "delete": ("ASCII only\x7f", "U+007F (delete)"),  # the one refused character JSON leaves raw in ASCII text
    "nul": ("a\x00b", "U+0000 (NUL)"),
    "lone-cr": ("overwrite\rme", "U+000D (carriage return)"),
    "c1-csi": ("a\x9b31mred", "U+009B"),
    "rtl-override": ("\u202eexe.txt", "U+202E (right-to-left override)"),
    "isolate": ("a\u2066b", "U+2066 (left-to-right isolate)"),
    "rl-mark": ("a\u200fb", "U+200F (right-to-left mark)"),
    "zero-width": ("省发改委\u200b", "U+200B (zero-width space)"),
    "bom": ("\ufeffnote", "U+FEFF"),
    "line-separator": ("a\u2028b", "U+2028 (line separator)"),
    "noncharacter": ("a\uffffb", "U+FFFF"),
    "not-utf8": ("进展\udcff", "byte 0xff (not UTF-8)"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_the_rule_refuses_names_and_shows_escaped(name):
    value, named = REFUSED[name]
    assert named in text.problem(value)
    assert text.REFUSED.search(text.visible(value)) is None
    assert json.loads(text.json_safe(json.dumps(value, ensure_ascii=False))) == value
    assert text.REFUSED.search(text.json_safe(json.dumps(value, ensure_ascii=False))) is None


def test_every_character_the_rule_refuses_is_not_printable():
    """text.visible and text.may_refuse pass text that str.isprintable() accepts without a scan (the
    scan's pattern is then never compiled): sound only if no printable character is refused. All
    1,114,112 code points, and a CR alone (refused unless a LF follows)."""
    from tasklist import text

    refused = text.REFUSED
    printable_refused = [hex(p) for p in range(0x110000) if chr(p).isprintable() and refused.match(chr(p) + "x")]
    assert printable_refused == []
    for value in ["a\rb", "中文\u202e", "🚀\U0010fffe", "x\x7f", "tab\there", "line\r\nnext", "🚀 emoji 🇨🇳", "中文"]:
        escaped = refused.sub(text._escape, value)
        assert text.visible(value) == escaped
        assert text.may_refuse(value) or escaped == value


@pytest.mark.parametrize("value", ["line one\nline two\r\nthree", "tab\there", "[/] <b> =1+1", "🚀 emoji 🇨🇳", "", "中文"])
def test_the_rule_accepts_newlines_tabs_and_ordinary_text(value):
    assert text.problem(value) is None and text.visible(value) == value


# --------------------------------------------------------------------------- refused where it enters: the command line


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("name", REFUSED)
def test_refused_text_on_the_command_line_gets_one_line_naming_the_field(cli, name):
    value, named = REFUSED[name]
    (first,) = cli.json("update", "T6", "--status", "in_progress", *AS_OF)
    before = counts()
    entry_points = [
        (["update", "T6", "--status", "推进中", f"--note={value}", *AS_OF], "note"),
        (["done", "--verified", "T6", f"--note={value}", *AS_OF], "note"),
        (["update", "T6", "--agency", "省农业农村厅", "--status", "推进中", f"--by={value}", *AS_OF], "--by"),
        (["extend", "T6", "--to", "2027-06-30", f"--reason={value}", *AS_OF], "reason"),
        (["extend", "T6", "--to", "2027-06-30", "--reason", "待批复", f"--approved-by={value}", *AS_OF], "--approved-by"),
        (["undo", str(first["id"]), f"--by={value}"], "--by"),
        (["update", "T6", f"--agency={value}", "--status", "推进中", *AS_OF], "agency name"),
        (["update", f"T{value}", "--status", "推进中", *AS_OF], "item id"),
        (["list", f"--agency={value}", *AS_OF], "agency name"),
    ]
    for args, field in entry_points:
        result = cli(*args, code=2)
        lines = result.stderr.splitlines()
        typed = f"T{value}" if field == "item id" else value
        assert lines == [f"error: {field} {text.problem(typed)}"], (args, result.stderr)
        assert named in lines[0] and "\x1b" not in result.stderr
    result = cli("agencies", "set-email", "省农业农村厅", f"a{value}@example.org", code=2)
    assert result.stderr.startswith("error: not an e-mail address") and "\x1b" not in result.stderr
    assert counts() == before


def test_bytes_that_are_not_utf8_in_a_real_argument_are_refused(cli, isolated_home):
    """What a shell passes for --note $'\\xff': one line, exit 2 (it was an unexpected UnicodeEncodeError)."""
    cli("list")  # the database exists
    env = {**os.environ, "TASKLIST_HOME": str(isolated_home), "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "tasklist", "update", "T6", "--status", "推进中", b"--note", b"\xff"],
                         capture_output=True, env=env, timeout=60)
    assert run.returncode == 2, run.stderr
    assert run.stderr.decode() == ("error: note contains byte 0xff (not UTF-8) at character 1; control, "
                                   "bidirectional-override and invisible characters are not accepted\n")


# --------------------------------------------------------------------------- refused where it enters: the registry

REGISTRY_FIELDS = {  # field as a problem names it: (file, line as written, key)
    "agencies[1].name": ("agencies.yaml", "  - name: 省发改委", "- name"),  # (an agency without a name is named by its index)
    "agencies[省发改委].full_name": ("agencies.yaml", "    full_name: 福建省发展和改革委员会", "full_name"),
    "agencies[省发改委].aliases[0]": ("agencies.yaml", ("    aliases: [省發改委, 发改委, 發改委, 福建省发展和改革委员会, 福建省發展和改革委員會, 省发展改革委, 省發展改革委, 发展改革委, "
                                   "發展改革委, 福建省发展改革委, 福建省發展改革委]"),
                                   "aliases"),
    "tasks[T6].title": ("tasks.yaml", "    title: 大力发展数字农业", "title"),
    "tasks[T6].content": ("tasks.yaml", "    content: 实施“互联网+现代农业”行动，创建一批省级现代农业智慧园，实施“农业云131”信息工程，全面推进村级益农信息社建设。",
                          "content"),
    "tasks[T1].due_text": ("tasks.yaml", "    due_text: 2022年前", "due_text"),
    "tasks[T1].section": ("tasks.yaml", "    section: 一、加快提升数字产业化，培育新产业新业态新模式", "section"),
    "plan.title": ("tasks.yaml", "  title: 国家数字经济创新发展试验区（福建）工作方案", "title"),
}


@pytest.mark.parametrize("name", ["escape", "word-line-break", "c1-csi", "rtl-override", "zero-width", "bom", "noncharacter"])
@pytest.mark.parametrize("field", REGISTRY_FIELDS)
def test_refused_text_in_a_registry_field_is_a_problem_at_its_place(cli, registry_copy, field, name):
    value, named = REFUSED[name]
    file, line, key = REGISTRY_FIELDS[field]
    if key == "aliases":
        new = f"    aliases: [{yaml_string('省發改委' + value)}, 发改委]"
        registry_copy.joinpath(file).write_text(registry_copy.joinpath(file).read_text(encoding="utf-8").replace(line, new, 1),
                                                encoding="utf-8")
        value = "省發改委" + value
    else:
        original = line.split(": ", 1)[1]
        set_registry_text(registry_copy, file, line, key, original + value)
        value = original + value
    source = registry_copy.joinpath(file).read_text(encoding="utf-8").splitlines()
    row = next(n for n, text_line in enumerate(source, start=1) if yaml_string(value) in text_line)
    column = source[row - 1].index(yaml_string(value)) + 1
    result = cli("load", "--check", registry_copy, code=2)
    expected = f"{file}:{row}:{column}: {field}: {text.problem(value)}"
    assert any(line.endswith(expected) for line in result.stderr.splitlines()), (expected, result.stderr)
    assert named in result.stderr and "\x1b" not in result.stderr


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("raw", ["\x1b", "\x7f", "\u202e", "\u200b", "\ufeff"])
def test_a_character_written_raw_in_a_registry_file_is_refused_where_it_is_and_nothing_loads(cli, registry_copy, raw):
    cli("list")
    path = registry_copy / "tasks.yaml"
    source = path.read_text(encoding="utf-8")
    path.write_text(source.replace("    title: 大力发展数字农业", f"    title: 大力发展{raw}[2J数字农业", 1), encoding="utf-8")
    row = next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if raw in line)
    result = cli("load", registry_copy, code=2)
    if raw in "\x1b\x7f":  # YAML itself takes no control character: still named, where it is
        expected = f"tasks.yaml:{row}:16: yaml: {text.refusal(raw)}"
    else:
        expected = f"tasks.yaml:{row}:16: tasks[T6].title: {text.problem('大力发展' + raw)}"
    assert any(line.endswith(expected) for line in result.stderr.splitlines()), (expected, result.stderr)
    assert "\x1b" not in result.stderr
    assert query("SELECT title FROM item WHERE code = 'T6'") == [("大力发展数字农业",)]


def test_two_agencies_that_differ_by_an_invisible_character_cannot_both_load(cli, registry_copy):
    cli("list")
    path = registry_copy / "agencies.yaml"
    source = path.read_text(encoding="utf-8")
    twin = "  - name: \"省发改委\\u200b\"\n    full_name: 福建省发改委(副本)\n    kind: provincial_department\n"
    path.write_text(source.replace("agencies:\n", "agencies:\n" + twin, 1), encoding="utf-8")
    result = cli("load", registry_copy, code=2)
    assert "name: contains U+200B (zero-width space)" in result.stderr
    assert query("SELECT count(*) FROM agency") == [(37,)]


# --------------------------------------------------------------------------- refused where it enters: feedback files


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("fmt, name", [("xlsx", "c1-csi"), ("xlsx", "rtl-override"), ("xlsx", "zero-width"), ("xlsx", "bom"),
                                       ("csv", "escape"), ("csv", "bell"), ("csv", "rtl-override"), ("csv", "zero-width")])
def test_refused_text_in_a_feedback_cell_is_a_problem_naming_row_and_column(cli, tmp_path, fmt, name):
    """(An .xlsx cannot carry C0 controls at all; a CSV can.)"""
    value, named = REFUSED[name]
    exported = tmp_path / f"fgw.{fmt}"
    cli("feedback", "export", "--agency", "省发改委", "--format", fmt, "--out", exported, *AS_OF)
    fills = {3: (7, value), 4: (8, "5" + value), 5: (9, "进展" + value), 6: (10, "2026-11-20" + value)}  # 0-based columns
    filled = tmp_path / f"filled.{fmt}"
    if fmt == "xlsx":
        book = load_workbook(exported)
        ws = book["反馈表"]
        for row, (col, cell) in fills.items():
            ws.cell(row=row, column=8, value="推进中")
            ws.cell(row=row, column=col + 1, value=cell)
        book.save(filled)
    else:
        lines = exported.read_bytes().decode("utf-8-sig").split("\r\n")
        rows = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
        for row, (col, cell) in fills.items():
            rows[row - 2][7] = "推进中"
            rows[row - 2][col] = cell
        body = io.StringIO(newline="")
        csv.writer(body, lineterminator="\r\n").writerows(rows)
        filled.write_bytes((lines[0] + "\r\n" + body.getvalue()).encode("utf-8-sig"))
    before = counts()
    result = cli("feedback", "import", filled, *AS_OF, code=2)
    where, word = ("filled.xlsx: sheet 反馈表", "row") if fmt == "xlsx" else ("filled.csv", "line")
    for row, label in zip(fills, ("新状态", "进度（%）", "进展情况", "报送日期")):
        cell = fills[row][1]
        assert f"{where} {word} {row}: {label}: {text.problem(cell)}" in result.stderr, result.stderr
    assert named in result.stderr and "\x1b" not in result.stderr
    assert counts() == before


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("name", ["escape", "rtl-override", "zero-width"])
def test_refused_recorder_or_file_name_of_a_feedback_import(cli, tmp_path, name):
    value, _ = REFUSED[name]
    exported = tmp_path / "nyt.xlsx"
    cli("feedback", "export", "--agency", "省农业农村厅", "--out", exported, *AS_OF)
    book = load_workbook(exported)
    book["反馈表"]["H3"] = "推进中"
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    result = cli("feedback", "import", filled, f"--by={value}", *AS_OF, code=2)
    assert result.stderr.splitlines() == [f"error: --by {text.problem(value)}"]
    odd = tmp_path / f"filled{value}.xlsx"
    book.save(odd)
    result = cli("feedback", "import", odd, *AS_OF, code=2)
    assert result.stderr.startswith("error: feedback file name contains") and "\x1b" not in result.stderr
    assert counts() == (0, 0)


# --------------------------------------------------------------------------- accepted, and shown as text everywhere

TRICKY = {
    "rich-markup": "[/] [/bold] [link=http://evil.example]click[/link] [bold red]x[/] :smile:",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)> & <b>bold</b>",
    "formula": '=HYPERLINK("http://evil.example","x")',
    "lines-and-tabs": "line one\nline two\twith tab\r\nline three | pipe",
}


def tokens(value: str) -> list[str]:
    """The words of ``value``: each must appear in an output that shows it (line breaks and tabs may
    become spaces there)."""
    return value.split()


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("kind", TRICKY)
def test_tricky_text_is_stored_as_typed_and_shown_as_text_in_every_output(cli, tmp_path, registry_copy, monkeypatch, kind):
    value = TRICKY[kind]
    monkeypatch.setenv("COLUMNS", "400")  # nothing cut short: every word must be there to see
    # entry points: the registry (an item title, an agency's full name), the command line, a feedback file
    set_registry_text(registry_copy, "tasks.yaml", "    title: 大力发展数字农业", "title", value)
    set_registry_text(registry_copy, "agencies.yaml", "    full_name: 福建省农业农村厅", "full_name", value)
    cli("load", registry_copy)
    cli("update", "T6", "--status", "推进中", f"--note={value}", f"--by={value}", "--as-of", "2026-11-20")
    cli("extend", "T5", "--to", "2026-11-01", f"--reason={value}", f"--approved-by={value}", "--as-of", "2026-10-01")
    (row,) = cli.json("history", "T6")
    assert row["note"] == value and row["reported_by"] == value.strip()
    assert cli.json("show", "T6")["title"] == value
    assert cli.json("show", "T5")["extension_log"][0]["reason"] == value.strip()

    # the terminal: markup never interpreted, nothing raw
    for args in (["history"], ["show", "T6"], ["show", "T5"], ["status", "--all"], ["overdue", "--all"], ["list", "--all"],
                 ["weekly", "--all"], ["agencies"]):
        out = cli(*args, *AS_OF) if args[0] not in ("history", "agencies") else cli(*args)
        no_raw(out.stdout + out.stderr)
        if args[0] == "list":  # (80 columns whatever the screen: the title is cut short)
            assert value[:8] in out.stdout
        elif args[0] != "agencies":  # (its full-name column folds at 30 cells)
            missing = [t for t in tokens(value) if t not in out.stdout]
            assert not missing, (args, missing, out.stdout)

    # exports: each format escapes for its medium
    for report in ("history", "status", "overdue", "items"):
        data = cli("export", report, "--format", "csv", *AS_OF).stdout_bytes.decode("utf-8-sig")
        assert neutralise(value) in csv_cells(data)
        out = tmp_path / f"{report}.xlsx"
        cli("export", report, "--format", "xlsx", "--out", out, *AS_OF)
        assert has_cell(value, xlsx_strings(out))
        records = json.loads(cli("export", report, "--format", "json", *AS_OF).stdout)
        assert value in [v for r in records for v in r.values()]
        assert_markdown_is_ours(cli("export", report, "--format", "md", *AS_OF).stdout)
        page = assert_html_is_ours(cli("export", report, "--format", "html", *AS_OF).stdout)
        assert all(t in page for t in tokens(value))
    assert_markdown_is_ours(cli("weekly", "--format", "md", *AS_OF).stdout)
    page = assert_html_is_ours(cli("weekly", "--format", "html", *AS_OF).stdout)
    assert all(t in page for t in tokens(value))

    # the reminder: its HTML part, its plain part and its attachment
    info = next(m for m in cli.json("remind", "--out-dir", tmp_path, *AS_OF)["messages"] if m["agency"] == "省农业农村厅")
    with open(info["file"], "rb") as fh:
        message = BytesParser(policy=policy.default).parse(fh)
    page = assert_html_is_ours(message.get_body(("html",)).get_content())
    assert all(t in page for t in tokens(value))
    plain = message.get_body(("plain",)).get_content()
    assert all(t in plain for t in tokens(value))
    (attachment,) = list(message.iter_attachments())
    assert has_cell(value, xlsx_strings(attachment.get_content()))

    # feedback workbooks: the title and the last note are text; an unchanged title imports back
    for fmt in ("xlsx", "csv"):
        exported = tmp_path / f"nyt.{fmt}"
        cli("feedback", "export", "--agency", "省农业农村厅", "--format", fmt, "--out", exported, *AS_OF)
        if fmt == "xlsx":
            cells = xlsx_strings(exported)
            book = load_workbook(exported)
            ws = book["反馈表"]
            ws["H4"], ws["J4"] = "已完成", value  # T6's row, a note typed as text (not a formula)
            ws["J4"].data_type = "s"
            book.save(tmp_path / "filled.xlsx")
        else:
            raw = exported.read_bytes().decode("utf-8-sig")
            _, body = raw.split("\r\n", 1)
            cells = csv_cells(body)
        assert has_cell(value, cells)
    result = cli.json("feedback", "import", tmp_path / "filled.xlsx", *AS_OF)
    assert [(u["id"], u["note"]) for u in result["updates"]] == [("T6", value.strip().replace("\r\n", "\n"))]


# --------------------------------------------------------------------------- text already in the database

OLD = "\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil.example\x07click\x1b]8;;\x07 \x0b\x0c\x7f\x9b\u202e\u200b\ufeff\u2028 [/] end"


@pytest.mark.usefixtures("engine")
def test_text_stored_before_the_rule_never_crashes_a_command_and_is_shown_escaped(cli, tmp_path):
    cli("list")
    t6 = query("SELECT a.id FROM assignment a JOIN item i ON i.id = a.item_id WHERE i.code = 'T6'")[0][0]
    execute("INSERT INTO status_update (assignment_id, status, progress, note, reported_on, recorded_at, recorded_by, source) "
            "VALUES (?, 'in_progress', 10, ?, '2026-11-20', '2026-11-20T08:00:00Z', ?, 'cli')", (t6, "=cmd|" + OLD, OLD))
    item = query("SELECT id FROM item WHERE code = 'T6'")[0][0]
    execute("INSERT INTO extension (item_id, new_due, reason, approved_by, granted_on, recorded_at, recorded_by) "
            "VALUES (?, '2026-01-31', ?, ?, '2025-12-01', '2025-12-01T08:00:00Z', ?)", (item, OLD, OLD, OLD))
    execute("UPDATE item SET title = ?, content = ? WHERE code = 'T6'", ("=" + OLD, OLD))
    execute("UPDATE agency SET name = ?, full_name = ? WHERE name = '省农业农村厅'", ("省农业农村厅" + OLD[:5], OLD))
    as_json = cli.json("history", "T6")
    assert as_json[0]["note"] == "=cmd|" + OLD  # JSON escapes it and keeps it exactly

    commands = [["history"], ["history", "T6", "--json"], ["show", "T6"], ["show", "T6", "--json"], ["status", "--all"],
                ["status", "--json"], ["overdue", "--all"], ["overdue", "--json"], ["list", "--all"], ["list", "--json"],
                ["agencies"], ["agencies", "--json"], ["weekly", "--all"], ["weekly", "--json"], ["reminders"]]
    commands += [["weekly", "--format", fmt] for fmt in ("md", "html")]
    commands += [["export", report, "--format", fmt] for report in ("history", "status", "overdue", "items")
                 for fmt in ("csv", "json", "md", "html")]
    for args in commands:
        result = cli(*args, *([] if args[0] in ("history", "agencies", "reminders") else AS_OF))
        no_raw(result.stdout_bytes.decode("utf-8-sig") + result.stderr)  # (a CSV starts with a byte order mark)
        if "html" in args:
            assert_html_is_ours(result.stdout)
        if "md" in args:
            assert_markdown_is_ours(result.stdout)
        if "csv" in args:
            csv_cells(result.stdout_bytes.decode("utf-8-sig"))
    for report in ("history", "status", "overdue", "items"):
        out = tmp_path / f"{report}.xlsx"
        cli("export", report, "--format", "xlsx", "--out", out, *AS_OF)
        for cell in xlsx_strings(out):
            no_raw(cell)

    mail = tmp_path / "mail"
    mail.mkdir()
    result = cli("remind", "--out-dir", mail, *AS_OF)
    no_raw(result.stdout + result.stderr)
    files = sorted(mail.glob("*.eml"))
    # every agency's, none lost (but 省直有关部门's: a group with no members, left to the office)
    assert len(files) == len({a["agency"] for a in cli.json("overdue", *AS_OF)["agencies"]} - {"省直有关部门"})
    for path in files:
        with open(path, "rb") as fh:
            message = BytesParser(policy=policy.default).parse(fh)
        no_raw(str(message["Subject"]) + str(message["To"] or ""))
        no_raw(message.get_body(("plain",)).get_content())
        assert_html_is_ours(message.get_body(("html",)).get_content())
        for attachment in message.iter_attachments():
            for cell in xlsx_strings(attachment.get_content()):
                no_raw(cell)

    for fmt in ("xlsx", "csv"):
        feedback = tmp_path / f"feedback-{fmt}"
        feedback.mkdir()
        result = cli("feedback", "export", "--all", "--format", fmt, "--out-dir", feedback, *AS_OF)
        no_raw(result.stdout + result.stderr)
        written = sorted(feedback.glob(f"*.{fmt}"))
        assert len(written) > 30 and any("省农业农村厅" in p.name for p in written)
        for path in written:
            if fmt == "xlsx":
                for cell in xlsx_strings(path):
                    no_raw(cell)
            else:
                data = path.read_bytes().decode("utf-8-sig")
                no_raw(data)
                csv_cells(data.split("\r\n", 1)[1])


# --------------------------------------------------------------------------- anything at all (Hypothesis)

from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

#: what is most likely to break something: accepted (markup, formulas, line breaks) and refused
_TAKEN = list("[]/=<>&|\\'\"@+-:\n\t") + ["\r\n", "[/]", "[link=x]", "=HYPERLINK(", "<script>", "&amp;", "`"]
_REFUSED_SHARP = ["\x1b", "\x00", "\x0b", "\r", "\x9b", "\u202e", "\u200b", "\ufeff", "\u2028", "\udcff", "\uffff"]
#: half the time text the rule takes (no controls, format characters, separators or surrogates), half
#: the time anything at all, surrogates included
_ANY = st.one_of(
    st.lists(st.one_of(st.characters(exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), st.sampled_from(_TAKEN)),
             max_size=40).map("".join),
    st.lists(st.one_of(st.characters(exclude_categories=()), st.sampled_from(_TAKEN + _REFUSED_SHARP)), max_size=40).map("".join),
)


def _run(cli, *args):
    result = cli.runner.invoke(app, [str(a) for a in args])
    assert result.exit_code in (0, 2), (args, result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    return result


@pytest.mark.usefixtures("engine")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(note=_ANY, by=_ANY, reason=_ANY)
def test_any_text_is_recorded_or_refused_and_every_output_still_opens(cli, tmp_path, note, by, reason):
    recorded = _run(cli, "update", "T6", "--status", "推进中", f"--note={note}", f"--by={by}", *AS_OF).exit_code == 0
    event(f"update {'recorded' if recorded else 'refused'}")
    granted = _run(cli, "extend", "T6", "--to", "2027-06-30", f"--reason={reason}", f"--approved-by={by}", *AS_OF).exit_code == 0
    event(f"extension {'granted' if granted else 'refused'}")
    for args in (["history", "T6"], ["show", "T6", *AS_OF], ["overdue", "--agency", "省农业农村厅", *AS_OF]):
        result = _run(cli, *args)
        assert result.exit_code == 0
        no_raw(result.stdout)
    assert_html_is_ours(_run(cli, "export", "history", "--format", "html").stdout)
    assert_markdown_is_ours(_run(cli, "export", "history", "--format", "md").stdout)
    csv_cells(_run(cli, "export", "history", "--format", "csv").stdout_bytes.decode("utf-8-sig"))
    json.loads(_run(cli, "export", "history", "--format", "json").stdout)
    _run(cli, "export", "history", "--format", "xlsx", "--out", tmp_path / "h.xlsx")
    xlsx_strings(tmp_path / "h.xlsx")
    _run(cli, "feedback", "export", "--agency", "省农业农村厅", "--out", tmp_path / "f.xlsx", *AS_OF)
    xlsx_strings(tmp_path / "f.xlsx")


_JSON_CHARS = st.sampled_from(list("ab \"\\\n\t\r\x7f\x85\x1b中文（），—…·￥\u3000\u061c\u200b\u202e\u2028\u2066\ufeff\ufdd0\ufffe"
                                  "\U0001f600\U00020000\U0001fffe\U0010ffff\ud800"))


@settings(max_examples=400, deadline=None)
@given(values=st.lists(st.one_of(st.text(_JSON_CHARS, max_size=12), st.none(), st.integers()), max_size=6),
       indent=st.sampled_from([None, 2]))
def test_json_text_needs_no_scan_when_printable_but_for_its_line_breaks(values, indent):
    """json_safe leaves JSON text that is printable once its line breaks are left out as it is, unscanned:
    the same text as the scan gives (no refused character is printable, above), whatever it holds."""
    from tasklist import text

    for dumped in (json.dumps(values, ensure_ascii=False, indent=indent), json.dumps(values, ensure_ascii=False, separators=(",\n", ": "))):
        assert text.json_safe(dumped) == text._compiled(text._RAW_IN_JSON_OR_ASTRAL).sub(text._json_escape_found, dumped)


def test_printable_json_text_is_not_scanned(monkeypatch):
    """list --json's titles, contents and agencies (Chinese text, full-width punctuation, line breaks
    between values) are written without the scan (at 100k items: 2.7 % of the command's instructions)."""
    from tasklist import text

    def scan(pattern):
        raise AssertionError("scanned")

    monkeypatch.setattr(text, "_compiled", scan)
    dumped = json.dumps(["推进公共数据开放（一）", "到期末建成22个示范点，“数字”—…", "\U00020000 𠀀", None], ensure_ascii=False, indent=2)
    assert text.json_safe(dumped) == dumped
    with pytest.raises(AssertionError):
        text.json_safe(json.dumps(["中文\u202e"], ensure_ascii=False))
