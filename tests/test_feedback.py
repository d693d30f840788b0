"""The agencies' spreadsheet loop: export, fill in as an agency would with openpyxl, import, refuse."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from conftest import query
from openpyxl import load_workbook

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
    assert [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)] == ["T5", "T6", "O16"]
    assert ws.protection.sheet and ws["A2"].protection.locked and not ws["G2"].protection.locked
    assert any("推进中" in dv.formula1 for dv in ws.data_validations.dataValidation)
    assert "填写说明" in book["填写说明"]["A1"].value
    filled = fill(workbook, {"G2": "推进中", "H2": 40, "I2": "卫星中心完成选址", "J2": "2026-11-20", "G4": "已完成"})
    result = cli.json("feedback", "import", filled, *AS_OF)
    assert [(u["id"], u["status"]) for u in result["updates"]] == [("T5", "in_progress"), ("O16", "done")]
    row = cli.json("status", "--agency", "省农业农村厅", "--summary", *AS_OF)["agencies"][0]
    assert row["done"] == 1 and row["in_progress"] == 1 and row["last_report"] == "2026-11-23"
    history = cli.json("history", "--agency", "省农业农村厅")
    assert {h["source"] for h in history} == {"import:filled-nyt.xlsx"}
    assert next(h for h in history if h["item"] == "T5")["reported_on"] == "2026-11-20"


def test_importing_the_same_file_twice_records_nothing_the_second_time(cli, workbook):
    filled = fill(workbook, {"G3": "受阻", "I3": "资金未到位"})
    cli("feedback", "import", filled, *AS_OF)
    assert updates() == 1
    result = cli("feedback", "import", filled, *AS_OF)
    assert "already imported" in result.stderr and updates() == 1


def test_dry_run_records_nothing(cli, workbook):
    filled = fill(workbook, {"G3": "已完成"})
    assert cli.json("feedback", "import", filled, "--dry-run", *AS_OF)["updates"][0]["id"] == "T6"
    assert updates() == 0


def test_blank_rows_are_skipped(cli, workbook):
    filled = fill(workbook, {"G4": "推进中"})
    assert [u["id"] for u in cli.json("feedback", "import", filled, *AS_OF)["updates"]] == ["O16"]


@pytest.mark.parametrize(
    "cells, message",
    [
        ({"G2": "差不多了"}, "row 2: 新状态: unknown status '差不多了'"),
        ({"G2": "推进中", "H2": 120}, "row 2: 进度(%): must be a whole number 0 to 100, not 120"),
        ({"G2": "推进中", "J2": "2027-01-01"}, "row 2: 报送日期: report date 2027-01-01 is in the future (today is 2026-11-23)"),
        ({"G2": "推进中", "J2": "下周"}, "row 2: 报送日期: cannot read '下周' as a date"),
        ({"G2": "推进中", "I2": "长" * 2001}, "row 2: 进展情况: note is too long (2001 characters"),
        ({"H2": 50}, "row 2: 新状态: empty"),
        ({"A3": "T7", "G3": "已完成"}, "row 3: 编号: 'T7' was 'T6' in the export (locked columns must not be edited)"),
        ({"B3": "改过的标题", "G3": "已完成"}, "row 3: 名称: changed since the export"),
        ({"A5": "T1", "G5": "已完成"}, "row 5: a row that was not in the export"),
    ],
)
def test_each_bad_row_is_reported_with_sheet_row_and_field_and_nothing_is_recorded(cli, workbook, cells, message):
    filled = fill(workbook, {"G4": "已完成", **cells})  # a good row too: it must not be recorded either
    result = cli("feedback", "import", filled, *AS_OF, code=2)
    assert "filled-nyt.xlsx: sheet 反馈表 " in result.stderr and message in result.stderr
    assert updates() == 0


def test_all_row_problems_are_reported_at_once(cli, workbook):
    filled = fill(workbook, {"G2": "x", "G3": "已完成", "H3": -1, "G4": "受阻", "J4": "2026-02-30"})
    lines = cli("feedback", "import", filled, *AS_OF, code=2).stderr.splitlines()
    assert len([line for line in lines if "sheet 反馈表 row" in line]) == 3


def test_workbook_of_another_agency_is_refused(cli, workbook):
    filled = fill(workbook, {"G2": "推进中"})
    result = cli("feedback", "import", filled, "--agency", "省商务厅", *AS_OF, code=2)
    assert "belongs to 省农业农村厅, not 省商务厅" in result.stderr and updates() == 0


def test_workbook_of_another_plan_is_refused(cli, workbook):
    def other_plan(book):
        meta = book["_tasklist"]
        for row in meta.iter_rows():
            if row[0].value == "plan":
                row[1].value = "xiamen-2025"

    filled = fill(workbook, {"G2": "推进中"}, edit=other_plan)
    result = cli("feedback", "import", filled, *AS_OF, code=2)
    assert "the hidden sheet was edited (plan differ from export #1" in result.stderr and updates() == 0


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda book: book.create_sheet("我的备注"), "sheets must not be added, removed or renamed"),
        (lambda book: setattr(book["填写说明"], "title", "说明"), "sheets must not be added, removed or renamed"),
        (lambda book: book.remove(book["_tasklist"]), "sheets must not be added, removed or renamed"),
        (lambda book: book["反馈表"].cell(row=1, column=7, value="状态"), "columns are not those exported"),
    ],
)
def test_changed_sheets_or_columns_are_refused(cli, workbook, edit, message):
    filled = fill(workbook, {"G2": "推进中"}, edit=edit)
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
    rows[2][6:10] = ["已完成", "100", "验收通过", "2026-11-22"]
    filled = tmp_path / "nyt-filled.csv"
    body = io.StringIO(newline="")
    csv.writer(body, lineterminator="\r\n").writerows(rows)
    filled.write_bytes((lines[0] + "\r\n" + body.getvalue()).encode("utf-8-sig"))
    result = cli.json("feedback", "import", filled, *AS_OF)
    assert [(u["id"], u["status"], u["reported_on"]) for u in result["updates"]] == [("T6", "done", "2026-11-22")]
    rows[1][0] = "T7"
    body = io.StringIO(newline="")
    csv.writer(body, lineterminator="\r\n").writerows(rows)
    filled.write_bytes((lines[0] + "\r\n" + body.getvalue()).encode("utf-8-sig"))
    assert "line 3: 编号: 'T7' was 'T5'" in cli("feedback", "import", filled, *AS_OF, code=2).stderr


def test_export_all_writes_one_workbook_per_agency_with_open_items(cli, tmp_path):
    cli("feedback", "export", "--all", "--out-dir", tmp_path, *AS_OF)
    files = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert len(files) == len({a["agency"] for a in cli.json("status", *AS_OF)["agencies"]})
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
    codes = [r[0] for r in load_workbook(fuzhou)["反馈表"].iter_rows(min_row=2, values_only=True)]
    # the city's parts of the items the registry gives to 各设区市人民政府 are in its own workbook
    status = cli.json("status", "--agency", "福州市人民政府", *AS_OF)["items"]["福州市人民政府"]
    assert codes == [a["id"] for a in status if a["status"] != "done"] and codes
