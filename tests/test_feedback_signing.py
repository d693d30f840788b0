"""Feedback workbooks that cannot be forged or replayed (issue 11): the database records every
export and the workbook carries its id and signature; rows are imported once; a late workbook does
not overwrite what was recorded after it was exported."""

from __future__ import annotations

import pytest
from conftest import query
from openpyxl import load_workbook

pytestmark = pytest.mark.usefixtures("engine")
AS_OF = ["--as-of", "2026-11-23"]


def updates():
    return query("SELECT count(*) FROM status_update")[0][0]


def export(cli, tmp_path, agency="省农业农村厅", as_of="2026-11-23", name="nyt.xlsx"):
    path = tmp_path / name
    cli("feedback", "export", "--agency", agency, "--out", path, "--as-of", as_of)
    return path


def fill(path, cells, target=None, meta=None):
    book = load_workbook(path)
    for ref, value in cells.items():
        book["反馈表"][ref] = value
    for key, value in (meta or {}).items():
        for row in book["_tasklist"].iter_rows():
            if row[0].value == key:
                row[1].value = value
    out = target or path.with_name("filled-" + path.name)
    book.save(out)
    return out


def meta(path, key):
    return next(r[1].value for r in load_workbook(path)["_tasklist"].iter_rows() if r[0].value == key)


@pytest.mark.parametrize("agency_option", [[], ["--agency", "省商务厅"]])
def test_the_clerks_forgery_is_refused_with_or_without_agency(cli, tmp_path, agency_option):
    """The attack from the issue: 省农业农村厅's clerk turns its workbook into 省商务厅's, with rows
    T8 and T16 marked done, and makes the hidden sheet agree."""
    own = export(cli, tmp_path)
    forged = fill(own, {"A3": "T8", "B3": "发展数字商贸", "H3": "已完成", "J3": "已验收", "A4": "T16", "H4": "已完成", "J4": "已验收"},
                  meta={"agency": "省商务厅", "codes": '["T8", "T16", "O16"]'})
    result = cli("feedback", "import", forged, *agency_option, *AS_OF, code=2)
    assert "the hidden sheet was edited" in result.stderr and "nothing recorded" in result.stderr
    assert updates() == 0


def test_a_workbook_pointed_at_another_agencys_export_fails_the_signature(cli, tmp_path):
    own = export(cli, tmp_path)
    theirs = export(cli, tmp_path, agency="省商务厅", name="swt.xlsx")
    their_id = meta(theirs, "export_id")
    their_book = load_workbook(theirs)
    rows = [[c.value for c in row] for row in their_book["反馈表"].iter_rows(min_row=3)]
    cells = {f"{col}{n}": value for n, row in enumerate(rows, start=3) for col, value in zip("ABCDEFG", row)}
    cells.update({"H3": "已完成", "J3": "已验收"})
    forged = fill(own, cells, meta={"export_id": their_id, "agency": "省商务厅",
                                    "codes": their_book["_tasklist"]["B6"].value, "titles": their_book["_tasklist"]["B7"].value})
    result = cli("feedback", "import", forged, *AS_OF, code=2)
    assert f"the signature does not match export #{their_id}" in result.stderr and updates() == 0


@pytest.mark.parametrize("edit, message", [
    ({"signature": "0" * 64}, "the signature does not match export #1"),
    ({"export_id": 999}, "export #999 is not recorded in this database"),
    ({"export_id": "x"}, "the hidden sheet _tasklist is damaged"),
])
def test_an_edited_hidden_sheet_is_refused(cli, tmp_path, edit, message):
    filled = fill(export(cli, tmp_path), {"H3": "推进中"}, meta=edit)
    assert message in cli("feedback", "import", filled, *AS_OF, code=2).stderr and updates() == 0


def test_the_same_workbook_imported_on_three_days_is_recorded_once(cli, tmp_path):
    filled = fill(export(cli, tmp_path), {"H3": "推进中", "H4": "推进中", "H5": "已完成", "J5": "已验收"})
    first = cli.json("feedback", "import", filled, "--as-of", "2026-11-23")
    assert len(first["recorded"]) == 3
    for day in ("2026-11-24", "2026-11-25"):
        again = cli("feedback", "import", filled, "--as-of", day)
        assert "already imported; nothing recorded" in again.stderr
    assert updates() == 3


def test_a_second_fill_of_the_same_export_takes_only_the_rows_not_yet_imported(cli, tmp_path):
    exported = export(cli, tmp_path)
    cli("feedback", "import", fill(exported, {"H3": "推进中"}, target=tmp_path / "a.xlsx"), *AS_OF)
    result = cli("feedback", "import", fill(exported, {"H3": "已完成", "J3": "已验收", "H4": "受阻"}, target=tmp_path / "b.xlsx"), *AS_OF)
    assert "T5 imported from export #1 before; skipped" in result.stderr and "recorded 1 update" in result.stderr
    assert [(r["item"], r["status"]) for r in cli.json("history")] == [("T5", "in_progress"), ("T6", "blocked")]


def test_a_late_workbook_does_not_reopen_finished_work(cli, tmp_path):
    """Exported 09-30, T6 marked done on 11-20, the workbook (推进中, no date) imported on 11-23."""
    exported = export(cli, tmp_path, as_of="2026-09-30")
    cli("done", "--verified", "T6", "--agency", "省农业农村厅", "--note", "已验收", "--as-of", "2026-11-20")
    filled = fill(exported, {"H3": "推进中", "H4": "推进中"})  # T5 and T6
    result = cli("feedback", "import", filled, *AS_OF, code=1)
    assert "row 4 T6: the workbook says in progress, but update #1 (done, reported 2026-11-20" in result.stderr
    assert "held back" in result.stderr and "recorded 1 update" in result.stderr
    t6 = cli.json("show", "T6", *AS_OF)
    assert t6["status"] == "done"
    # the office decides the workbook is right after all
    forced = cli("feedback", "import", filled, "--force", *AS_OF)
    assert "applied anyway (--force)" in forced.stderr
    assert cli.json("show", "T6", *AS_OF)["assignments"][0]["status"] == "in_progress"
    entry = [e for e in cli.json("audit") if e["action"] == "import"][-1]
    assert entry["detail"]["forced"] == ["T6"]


def test_csv_feedback_is_signed_on_its_first_line_and_checked(cli, tmp_path):
    path = tmp_path / "nyt.csv"
    cli("feedback", "export", "--agency", "省农业农村厅", "--out", path, "--format", "csv", *AS_OF)
    first, rest = path.read_bytes().decode("utf-8-sig").split("\r\n", 1)
    assert first.startswith("#tasklist-feedback export=1 signature=") and "," not in first
    forged = tmp_path / "forged.csv"
    forged.write_text(first[:-1] + ("0" if first[-1] != "0" else "1") + "\r\n" + rest, encoding="utf-8-sig")
    assert "the signature does not match export #1" in cli("feedback", "import", forged, *AS_OF, code=2).stderr
    assert updates() == 0


def test_a_workbook_from_before_signing_is_refused_with_a_clear_line(cli, tmp_path):
    exported = export(cli, tmp_path)
    book = load_workbook(exported)
    sheet = book["_tasklist"]
    sheet.delete_rows(1, sheet.max_row)
    for key, value in [("agency", "省农业农村厅"), ("plan", "fujian-dez-2021"), ("exported_at", "x"),
                       ("as_of", "2026-11-23"), ("checksum", "0" * 64), ("codes", '["T5"]')]:
        sheet.append([key, value])
    old = tmp_path / "old.xlsx"
    book.save(old)
    assert "made by an earlier tasklist, without a signature" in cli("feedback", "import", old, *AS_OF, code=2).stderr
