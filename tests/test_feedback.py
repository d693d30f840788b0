"""The agencies' spreadsheet loop: export, fill in as an agency would with openpyxl, import, refuse."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import unicodedata
import zipfile
from datetime import date

import pytest
from conftest import query
from openpyxl import load_workbook
from openpyxl.utils.datetime import to_excel

# every test here writes (exports, reminders, feedback imports): each runs on SQLite and PostgreSQL
pytestmark = pytest.mark.usefixtures("engine")
AS_OF = ["--as-of", "2026-11-23"]


def updates():
    return query("SELECT count(*) FROM status_update")[0][0]


@pytest.fixture
def workbook(cli, tmp_path):
    path = tmp_path / "nyt.xlsx"
    cli("feedback", "export", "--agency", "省农业农村厅", "--out", path, *AS_OF)
    return path


def fill(path, cells, target=None, edit=None):
    book = load_workbook(path)
    ws = book["反馈表"]
    for ref, value in cells.items():
        ws[ref] = value
    if edit:
        edit(book)
    out = target or path.with_name("filled-" + path.name)
    book.save(out)
    return out


@pytest.mark.usefixtures("engine")
def test_export_fill_import_then_status_reflects_it(cli, workbook):
    book = load_workbook(workbook)
    ws = book["反馈表"]
    assert book.sheetnames == ["反馈表", "填写说明", "_tasklist"] and book["_tasklist"].sheet_state == "veryHidden"
    assert [ws.cell(row=r, column=1).value for r in range(3, ws.max_row + 1)] == ["T5", "T6", "O16"]
    assert ws.protection.sheet and ws["A3"].protection.locked and not ws["H3"].protection.locked
    assert any("推进中" in dv.formula1 for dv in ws.data_validations.dataValidation)
    assert "填写说明" in book["填写说明"]["A1"].value
    filled = fill(workbook, {"H3": "推进中", "I3": 40, "J3": "卫星中心完成选址", "K3": "2026-11-20", "H5": "已完成", "J5": "已验收"})
    result = cli.json("feedback", "import", filled, *AS_OF)
    assert [(u["id"], u["status"]) for u in result["updates"]] == [("T5", "in_progress"), ("O16", "claimed")]
    row = cli.json("status", "--agency", "省农业农村厅", "--summary", *AS_OF)["agencies"][0]
    assert (row["done"], row["claimed"], row["in_progress"], row["last_report"]) == (0, 1, 1, "2026-11-23")
    history = cli.json("history", "--agency", "省农业农村厅")
    assert {h["source"] for h in history} == {"import:filled-nyt.xlsx"}
    # the workbook's 已完成 is a claim: the part is closed once the office accepts it
    cli("verify", "O16", "--agency", "省农业农村厅", "--on", "2026-11-23")
    row = cli.json("status", "--agency", "省农业农村厅", "--summary", *AS_OF)["agencies"][0]
    assert (row["done"], row["claimed"], row["in_progress"]) == (1, 0, 1)
    assert next(h for h in history if h["item"] == "T5")["reported_on"] == "2026-11-20"


def test_importing_the_same_file_twice_records_nothing_the_second_time(cli, workbook):
    filled = fill(workbook, {"H4": "受阻", "J4": "资金未到位"})
    cli("feedback", "import", filled, *AS_OF)
    assert updates() == 1
    result = cli("feedback", "import", filled, *AS_OF)
    assert "already imported" in result.stderr and updates() == 1


def test_dry_run_records_nothing(cli, workbook):
    filled = fill(workbook, {"H4": "已完成", "J4": "已验收"})
    assert cli.json("feedback", "import", filled, "--dry-run", *AS_OF)["updates"][0]["id"] == "T6"
    assert updates() == 0


def test_blank_rows_are_skipped(cli, workbook):
    filled = fill(workbook, {"H5": "推进中"})
    assert [u["id"] for u in cli.json("feedback", "import", filled, *AS_OF)["updates"]] == ["O16"]


@pytest.mark.parametrize(
    "cells, message",
    [
        ({"H3": "差不多了"}, "row 3: 新状态: unknown status '差不多了'"),
        ({"H3": "推进中", "I3": 120}, "row 3: 进度（%）: must be a whole number 0 to 100, not 120"),
        ({"H3": "推进中", "K3": "2027-01-01"}, "row 3: 报送日期: report date 2027-01-01 is in the future (today is 2026-11-23)"),
        ({"H3": "推进中", "K3": "下周"}, "row 3: 报送日期: cannot read '下周' as a date"),
        ({"H3": "推进中", "J3": "长" * 2001}, "row 3: 进展情况: note is too long (2001 characters"),
        ({"I3": 50}, "row 3: 新状态: empty"),
        ({"A4": "T7", "H4": "已完成", "J4": "已验收"}, "row 4: 编号: 'T7' was 'T6' in the export (locked columns must not be edited)"),
        ({"B4": "改过的标题", "H4": "已完成", "J4": "已验收"}, "row 4: 名称: changed since the export"),
        ({"A6": "T1", "H6": "已完成", "J6": "已验收"}, "row 6: a row that was not in the export"),
    ],
)
def test_each_bad_row_is_reported_with_sheet_row_and_field_and_nothing_is_recorded(cli, workbook, cells, message):
    filled = fill(workbook, {"H5": "已完成", "J5": "已验收", **cells})  # a good row too: it must not be recorded either
    result = cli("feedback", "import", filled, *AS_OF, code=2)
    assert "filled-nyt.xlsx: sheet 反馈表 " in result.stderr and message in result.stderr
    assert updates() == 0


def test_all_row_problems_are_reported_at_once(cli, workbook):
    filled = fill(workbook, {"H3": "x", "H4": "已完成", "J4": "已验收", "I4": -1, "H5": "受阻", "K5": "2026-02-30"})
    lines = cli("feedback", "import", filled, *AS_OF, code=2).stderr.splitlines()
    assert len([line for line in lines if "sheet 反馈表 row" in line]) == 3


def test_workbook_of_another_agency_is_refused(cli, workbook):
    filled = fill(workbook, {"H3": "推进中"})
    result = cli("feedback", "import", filled, "--agency", "省商务厅", *AS_OF, code=2)
    assert "belongs to 省农业农村厅, not 省商务厅" in result.stderr and updates() == 0


def test_workbook_of_another_plan_is_refused(cli, workbook):
    def other_plan(book):
        meta = book["_tasklist"]
        for row in meta.iter_rows():
            if row[0].value == "plan":
                row[1].value = "xiamen-2025"

    filled = fill(workbook, {"H3": "推进中"}, edit=other_plan)
    result = cli("feedback", "import", filled, *AS_OF, code=2)
    assert "the hidden sheet was edited (plan differ from export #1" in result.stderr and updates() == 0


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda book: book.create_sheet("我的备注"), "sheets must not be added, removed or renamed"),
        (lambda book: setattr(book["填写说明"], "title", "说明"), "sheets must not be added, removed or renamed"),
        (lambda book: book.remove(book["_tasklist"]), "sheets must not be added, removed or renamed"),
        (lambda book: book["反馈表"].cell(row=2, column=8, value="状态"), "columns are not those exported"),
    ],
)
def test_changed_sheets_or_columns_are_refused(cli, workbook, edit, message):
    filled = fill(workbook, {"H3": "推进中"}, edit=edit)
    assert message in cli("feedback", "import", filled, *AS_OF, code=2).stderr
    assert updates() == 0


def test_files_that_are_not_what_they_claim_are_refused(cli, tmp_path, workbook):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("编号,名称\nT5,x\n", encoding="utf-8")
    assert "not an .xlsx workbook (it is not a zip file)" in cli("feedback", "import", fake, *AS_OF, code=2).stderr
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK" + b"\0" * (6 * 1024 * 1024))
    assert "file is too large" in cli("feedback", "import", big, *AS_OF, code=2).stderr
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(workbook) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/media/zeros.bin", b"\0" * (80 * 1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    assert "a zip bomb" in cli("feedback", "import", bomb, *AS_OF, code=2).stderr
    assert "cannot read" in cli("feedback", "import", tmp_path / "missing.xlsx", *AS_OF, code=2).stderr
    assert updates() == 0


def test_csv_round_trip_and_refusal(cli, tmp_path):
    path = tmp_path / "nyt.csv"
    cli("feedback", "export", "--agency", "省农业农村厅", "--format", "csv", "--out", path, *AS_OF)
    text = path.read_bytes().decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("#tasklist-feedback ")
    rows = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
    rows[2][7:11] = ["已完成", "100", "验收通过", "2026-11-22"]
    filled = tmp_path / "nyt-filled.csv"
    body = io.StringIO(newline="")
    csv.writer(body, lineterminator="\r\n").writerows(rows)
    filled.write_bytes((lines[0] + "\r\n" + body.getvalue()).encode("utf-8-sig"))
    result = cli.json("feedback", "import", filled, *AS_OF)
    assert [(u["id"], u["status"], u["reported_on"]) for u in result["updates"]] == [("T6", "claimed", "2026-11-22")]
    rows[1][0] = "T7"
    body = io.StringIO(newline="")
    csv.writer(body, lineterminator="\r\n").writerows(rows)
    filled.write_bytes((lines[0] + "\r\n" + body.getvalue()).encode("utf-8-sig"))
    assert "line 3: 编号: 'T7' was 'T5'" in cli("feedback", "import", filled, *AS_OF, code=2).stderr


def test_export_all_writes_one_workbook_per_agency_with_open_items(cli, tmp_path):
    cli("feedback", "export", "--all", "--out-dir", tmp_path, *AS_OF)
    files = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    # every agency with open items but 省直有关部门, a group with no members that nobody answers for
    assert len(files) == len({a["agency"] for a in cli.json("status", *AS_OF)["agencies"]} - {"省直有关部门"})
    assert "2026-11-23_省农业农村厅_反馈表.xlsx" in files


@pytest.mark.usefixtures("engine")
def test_a_group_gets_no_empty_workbook_each_member_gets_its_own(cli, tmp_path):
    result = cli("feedback", "export", "--agency", "各设区市人民政府", "--out", tmp_path / "g.xlsx", *AS_OF, code=2)
    assert "is a group: each member reports for its own part" in result.stderr and "福州市人民政府" in result.stderr
    assert not (tmp_path / "g.xlsx").exists()
    cli("feedback", "export", "--all", "--out-dir", tmp_path, *AS_OF)
    names = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert not any("各设区市" in n for n in names)
    fuzhou = next(tmp_path.glob("*福州市人民政府*"))
    codes = [r[0] for r in load_workbook(fuzhou)["反馈表"].iter_rows(min_row=3, values_only=True)]
    # the city's parts of the items the registry gives to 各设区市人民政府 are in its own workbook
    status = cli.json("status", "--agency", "福州市人民政府", *AS_OF)["items"]["福州市人民政府"]
    assert codes == [a["id"] for a in status if a["status"] != "done"] and codes


# --------------------------------------------------------------------------- the sheet as it is printed and filled in

HEADERS = ["编号", "名称", "牵头/配合", "完成时间", "逾期天数", "当前状态", "最近进展", "新状态", "进度（%）", "进展情况", "报送日期"]


@pytest.fixture
def kjt(cli, tmp_path):
    """省科技厅's workbook: a part it leads, parts it shares, two items with no date (持续推进)."""
    path = tmp_path / "kjt.xlsx"
    cli("feedback", "export", "--agency", "省科技厅", "--out", path, *AS_OF)
    return path


def test_the_sheet_opens_with_a_title_row_naming_agency_plan_and_date(kjt):
    ws = load_workbook(kjt)["反馈表"]
    title, doc_no = query("SELECT title, doc_no FROM plan")[0]
    assert ws["A1"].value == f"省科技厅 进展反馈表 · {doc_no}《{title}》 · 截至 2026-11-23"
    assert doc_no == "闽政〔2021〕5号"
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:K1"] and ws["A1"].font.b
    assert [c.value for c in ws[2]] == HEADERS


def test_each_row_gives_the_agencys_role_and_the_due_text_of_ongoing_items(cli, kjt):
    ws = load_workbook(kjt)["反馈表"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    parts = cli.json("status", "--agency", "省科技厅", *AS_OF)["items"]["省科技厅"]
    assert list(rows) == [p["id"] for p in parts if p["status"] != "done"] and len(rows) == 9
    assert {code: r[2] for code, r in rows.items()} == {p["id"]: {"lead": "牵头", "co": "配合"}[p["role"]] for p in parts}
    assert {r[2] for r in rows.values()} == {"牵头", "配合"}
    ongoing = {p["id"] for p in parts if p["due"] is None}
    assert ongoing == {"T2", "T4"}  # 持续推进 in the registry: the cell was blank before
    assert all(rows[code][3] == "持续推进" for code in ongoing)
    assert all(r[3] is not None and r[3].date() == date(2022, 12, 31) for code, r in rows.items() if code not in ongoing)
    # the CSV form has the same columns
    path = kjt.with_suffix(".csv")
    cli("feedback", "export", "--agency", "省科技厅", "--format", "csv", "--out", path, *AS_OF)
    lines = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig").split("\r\n", 1)[1])))
    assert lines[0] == HEADERS
    assert {r[0]: (r[2], r[3]) for r in lines[1:]}["T2"] == (rows["T2"][2], "持续推进")


def test_fill_in_cells_are_checked_in_the_spreadsheet_program(kjt):
    ws = load_workbook(kjt)["反馈表"]
    checks = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert set(checks) == {"H3:H11", "I3:I11", "J3:J11", "K3:K11"}
    status, progress, day = checks["H3:H11"], checks["I3:I11"], checks["K3:K11"]
    assert status.type == "list" and status.formula1 == '"未启动,推进中,已完成,受阻"' and status.showErrorMessage
    assert progress.type == "whole" and (progress.formula1, progress.formula2) == ("0", "100")
    # a real date, from the day the plan was issued to the day it is filled in
    assert day.type == "date" and day.operator == "between" and day.showErrorMessage and day.showInputMessage
    assert day.formula1 == str(int(to_excel(date(2021, 3, 3)))) and day.formula2 == "TODAY()"
    for text in (day.prompt, day.error):
        assert "2021-03-03" in text and "YYYY-MM-DD" in text and "，" in text and not re.search(r"[A-Za-z]{2,}", text.replace("YYYY-MM-DD", ""))
    assert day.promptTitle == day.errorTitle == "报送日期"
    assert not ws["K3"].protection.locked and ws["K3"].number_format == "yyyy-mm-dd"


def test_a_report_date_before_the_plan_was_issued_is_refused_at_import_too(cli, kjt):
    filled = fill(kjt, {"H3": "推进中", "K3": "2021-03-02", "H4": "推进中", "K4": "2021-03-03"})
    result = cli("feedback", "import", filled, *AS_OF, code=2)
    assert "filled-kjt.xlsx: sheet 反馈表 row 3: 报送日期: 2021-03-02 is before the plan was issued (2021-03-03)" in result.stderr
    assert "row 4" not in result.stderr and updates() == 0


def test_the_sheet_prints_on_a4_landscape_one_page_wide_with_its_headers_on_every_page(kjt):
    book = load_workbook(kjt)
    ws = book["反馈表"]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)  # as many pages tall as it takes
    assert ws.print_title_rows == "$1:$2"
    assert ws.freeze_panes == "C3"
    assert ws["B3"].alignment.wrap_text and ws["G3"].alignment.wrap_text and ws["J3"].alignment.wrap_text
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEFGHIJK"}
    assert widths["B"] >= 30 and widths["J"] >= 30 and sum(widths.values()) <= 170
    # a row is as tall as its name wrapped in the name column (a Chinese character is two wide)
    for row in ws.iter_rows(min_row=3):
        wide = sum(2 if unicodedata.east_asian_width(ch) == "W" else 1 for ch in row[1].value)
        assert ws.row_dimensions[row[0].row].height >= 15 * -(-wide // (widths["B"] - 1))
    help_sheet = book["填写说明"]
    assert int(help_sheet.page_setup.paperSize) == 9 and help_sheet.page_setup.orientation == "portrait"


def _pdf_pages(pdf):
    """(width, height, text) of each page of a PDF, read by poppler's pdfinfo and pdftotext."""
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [(w, h, page) for (w, h), page in zip(sizes, text.split("\f"), strict=False)]


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")) and not os.environ.get("CI"),
                    reason="LibreOffice and poppler-utils are not installed (CI installs them)")
def test_libreoffice_prints_the_sheet_one_page_wide_in_landscape_with_every_row(cli, tmp_path):
    """Printed the way an office would (LibreOffice to PDF): 省发改委's 37 open parts. Before, the
    sheet took 4 portrait pages, the names cut and the fill-in columns on pages of their own."""
    path = tmp_path / "fgw.xlsx"
    cli("feedback", "export", "--agency", "省发改委", "--out", path, *AS_OF)
    codes = [r[0] for r in load_workbook(path)["反馈表"].iter_rows(min_row=3, values_only=True)]
    assert len(codes) == 37
    profile = tmp_path / "lo-profile"  # its own profile: never the user's, and no clash with another run
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], capture_output=True, check=True, timeout=240)
    pages = _pdf_pages(tmp_path / "fgw.pdf")
    sheet = [(w, h, text) for w, h, text in pages if "进展反馈表" in text]
    assert 1 <= len(sheet) <= 3 and pages[: len(sheet)] == sheet  # then the instructions
    for w, h, text in sheet:
        assert (round(w), round(h)) == (842, 595)  # A4 landscape
        header = next(line for line in text.splitlines() if "编号" in line)
        # every column on the page: one page wide, the headers repeated on each page
        assert all(word in header for word in ("编号", "名称", "新状态", "进展情况", "报送日期")), header
    printed = re.findall(r"^\s*([TO]\d+)\s", "\n".join(text for _, _, text in sheet), flags=re.M)
    assert printed == codes


# --------------------------------------------------------------------------- workbooks of the previous layout


def as_previous_layout(path, target):
    """The workbook as tasklist wrote it before the title row and the 牵头/配合 column: headers on row 1,
    进度(%) in ASCII brackets, no layout in the hidden sheet."""
    book = load_workbook(path)
    ws = book["反馈表"]
    ws.unmerge_cells("A1:K1")
    ws.delete_rows(1)
    ws.delete_cols(3)
    ws["H1"] = "进度(%)"
    meta = book["_tasklist"]
    (row,) = [r[0].row for r in meta.iter_rows() if r[0].value == "layout"]
    meta.delete_rows(row)
    book.save(target)
    return target


def test_a_workbook_of_the_previous_layout_still_imports(cli, workbook, tmp_path):
    old = as_previous_layout(workbook, tmp_path / "old.xlsx")
    ws = load_workbook(old)["反馈表"]
    assert [c.value for c in ws[1]] == ["编号", "名称", "完成时间", "逾期天数", "当前状态", "最近进展", "新状态", "进度(%)",
                                        "进展情况", "报送日期"]
    filled = fill(old, {"G2": "推进中", "H2": 30, "I2": "已完成选址", "J2": "2026-11-20", "G4": "已完成", "I4": "已验收"})
    result = cli.json("feedback", "import", filled, *AS_OF)
    assert [(u["id"], u["status"], u["progress"], u["note"], u["reported_on"]) for u in result["updates"]] == [
        ("T5", "in_progress", 30, "已完成选址", "2026-11-20"), ("O16", "claimed", None, "已验收", "2026-11-23")]
    # its rows are checked as before: by the previous layout's columns
    wrong = fill(old, {"A3": "T7", "G3": "已完成", "I3": "已验收"}, target=tmp_path / "wrong.xlsx")
    assert "wrong.xlsx: sheet 反馈表 row 3: 编号: 'T7' was 'T6' in the export" in cli(
        "feedback", "import", wrong, *AS_OF, code=2).stderr


def test_a_workbook_must_have_the_headers_of_its_own_layout(cli, workbook, tmp_path):
    book = load_workbook(workbook)
    meta = book["_tasklist"]
    next(r for r in meta.iter_rows() if r[0].value == "layout")[1].value = 1  # says the previous layout, is not
    book["反馈表"]["H3"] = "推进中"
    book.save(tmp_path / "mixed.xlsx")
    assert "mixed.xlsx: sheet 反馈表 row 1: columns are not those exported (expected 编号, 名称, 完成时间" in cli(
        "feedback", "import", tmp_path / "mixed.xlsx", *AS_OF, code=2).stderr
    next(r for r in meta.iter_rows() if r[0].value == "layout")[1].value = 3
    book.save(tmp_path / "future.xlsx")
    result = cli("feedback", "import", tmp_path / "future.xlsx", *AS_OF, code=2)
    assert result.stderr.splitlines() == [
        "error: future.xlsx: a workbook layout (version 3) this tasklist cannot read; export a new workbook for the agency"]
    assert updates() == 0


def test_a_csv_file_of_the_previous_layout_still_imports(cli, tmp_path):
    path = tmp_path / "nyt.csv"
    cli("feedback", "export", "--agency", "省农业农村厅", "--format", "csv", "--out", path, *AS_OF)
    first, rest = path.read_bytes().decode("utf-8-sig").split("\r\n", 1)
    rows = [r[:2] + r[3:] for r in csv.reader(io.StringIO(rest))]  # no 牵头/配合 column
    rows[0][7] = "进度(%)"
    rows[2][6:10] = ["已完成", "100", "验收通过", "2026-11-22"]
    body = io.StringIO(newline="")
    csv.writer(body, lineterminator="\r\n").writerows(rows)
    old = tmp_path / "old.csv"
    old.write_bytes((first + "\r\n" + body.getvalue()).encode("utf-8-sig"))
    result = cli.json("feedback", "import", old, *AS_OF)
    assert [(u["id"], u["status"], u["note"]) for u in result["updates"]] == [("T6", "claimed", "验收通过")]


# --------------------------------------------------------------------------- in Chinese, every line

# What a Chinese line may hold in Latin letters: ids, file names and extensions, option names, the date
# format it asks for, and the error:/hint: prefixes that stay in every language (scripts look for them)
ALLOWED = re.compile(r"[\w./-]*\.(?:xlsx|csv|eml)\b|--[a-z-]+|\b[TO]\d+\b|YYYY-MM-DD|^error: |^  hint: ")


def english_words(text):
    return re.findall(r"[A-Za-z]{2,}", ALLOWED.sub(" ", text))


def test_feedback_import_speaks_chinese_on_every_line(cli, tmp_path, workbook, monkeypatch):
    monkeypatch.setenv("TASKLIST_LANG", "zh")
    replies = tmp_path / "replies"
    replies.mkdir()
    fill(workbook, {"H3": "推进中", "I3": 40, "J3": "已完成选址", "K3": "2026-11-20"}, target=replies / "a-good.xlsx")
    fill(workbook, {"H3": "差不多了", "I4": 120, "H4": "推进中", "K4": "下周", "H5": "已完成", "J5": "已验收", "K5": "2020-01-01"},
         target=replies / "b-bad.xlsx")
    fill(workbook, {"A6": "T1", "H6": "已完成", "J6": "已验收"}, target=replies / "c-added.xlsx")
    (replies / "d-notes.xlsx").write_text("不是工作簿", encoding="utf-8")
    lines = []
    dry = cli("feedback", "import", replies / "a-good.xlsx", "--dry-run", *AS_OF)
    assert "试运行" in dry.stdout + dry.stderr
    lines += (dry.stdout + dry.stderr).splitlines()
    batch = cli("feedback", "import", replies, *AS_OF, code=2)
    lines += batch.stderr.splitlines()
    assert batch.stderr.splitlines()[-1] == "共 4 个文件：1 个已导入（1 条更新），0 个此前已导入，3 个未导入"
    assert "b-bad.xlsx：未导入：反馈表有 4 处问题，未记录任何内容" in lines
    assert "  b-bad.xlsx：工作表“反馈表”第 3 行：新状态：无法识别的状态“差不多了”" in lines
    assert "  b-bad.xlsx：工作表“反馈表”第 4 行：进度（%）：应为 0 至 100 的整数，而不是 120" in lines
    assert "  b-bad.xlsx：工作表“反馈表”第 5 行：报送日期：2020-01-01 早于方案印发日 2021-03-03" in lines
    assert "c-added.xlsx：未导入：c-added.xlsx：工作表“反馈表”第 6 行：导出时没有这一行（不得增加行）" in lines
    lines += cli("feedback", "import", replies / "a-good.xlsx", *AS_OF).stderr.splitlines()  # already imported
    lines += cli("feedback", "import", replies / "b-bad.xlsx", *AS_OF, code=2).stderr.splitlines()
    # a late workbook: T6 done since the export, the workbook still says 推进中
    cli("done", "--verified", "T6", "--agency", "省农业农村厅", "--note", "已验收", "--on", "2026-11-21")
    late = fill(workbook, {"H4": "推进中", "H5": "推进中"}, target=tmp_path / "late.xlsx")
    held = cli("feedback", "import", late, *AS_OF, code=1)
    lines += (held.stdout + held.stderr).splitlines()
    assert any("暂不记录" in line and "已完成" in line for line in held.stderr.splitlines())
    lines += cli("feedback", "export", "--agency", "各设区市人民政府", "--out", tmp_path / "g.xlsx", *AS_OF,
                 code=2).stderr.splitlines()
    lines += cli("feedback", "export", "--agency", "省科技厅", "--out", tmp_path / "k.xlsx", *AS_OF).stderr.splitlines()
    assert len(lines) > 20
    assert [(line, english_words(line)) for line in lines if english_words(line)] == []
    assert not [line for line in lines if re.search(r"[\u4e00-\u9fff][,:;()]|[,:;()][\u4e00-\u9fff]", line)]  # full-width


def test_english_counts_are_singular_for_one_and_plural_otherwise(cli, tmp_path, workbook):
    (tmp_path / "folder").mkdir()
    one = fill(workbook, {"H3": "推进中"}, target=tmp_path / "folder" / "one.xlsx")
    result = cli("feedback", "import", tmp_path / "folder", "--dry-run", *AS_OF)
    assert result.stderr.splitlines() == ["one.xlsx: 省农业农村厅: would record 1 update",
                                          "1 file: 1 imported (1 update), 0 already imported, 0 refused"]
    three = fill(workbook, {"H3": "推进中", "H4": "受阻", "H5": "已完成", "J5": "已验收"}, target=tmp_path / "three.xlsx")
    assert cli("feedback", "import", three, *AS_OF).stderr.splitlines()[-1] == "recorded 3 updates"
    assert cli("feedback", "import", one, *AS_OF).stderr.splitlines() == ["one.xlsx: already imported; nothing recorded"]
    bad = fill(workbook, {"H3": "差不多了"}, target=tmp_path / "bad.xlsx")
    assert cli("feedback", "import", bad, *AS_OF, code=2).stderr.splitlines()[-1] == "error: feedback refused: 1 problem"
    assert cli("feedback", "export", "--agency", "省科技厅", "--out", tmp_path / "k.xlsx", *AS_OF).stderr == \
        f"wrote {tmp_path / 'k.xlsx'}\n"
