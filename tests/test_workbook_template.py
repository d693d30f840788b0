"""A feedback workbook filled in from the run's template is the file openpyxl writes for that agency."""

from __future__ import annotations

import io
import re
import time
import zipfile
from copy import copy
from datetime import date

import pytest

from tasklist.feedback import workbook as wb
from tasklist.feedback.workbook import LAYOUT, OpenRow, Provenance
from tasklist.storage.lookup import AgencyRef

START = date(2024, 3, 1)
AS_OF = date(2025, 9, 15)
# text that is escaped, kept as text or measured on several lines, and each kind of due date and count
ROWS = [
    OpenRow("T1", "=SUM(A1:A2) 标题 & <b>", date(2025, 6, 30), 77, "in_progress", "进展\n第二行\n第三行", 11, "lead"),
    OpenRow("T2", "  spaced title  ", None, 0, "not_started", "", 12, "co", "持续推进"),
    OpenRow("O3", "@mention\x1b[31m红", None, 0, "blocked", "-1 受阻", 13, "lead", None),
    OpenRow("T1", "=SUM(A1:A2) 标题 & <b>", date(2025, 6, 30), 77, "claimed", "+待审核 " + "很长的进展" * 30, 14, "co"),
    OpenRow("T5", "一" * 80, date(2026, 1, 31), 0, "in_progress", "\t制表符开头", 15, "lead", "2026年1月底"),
]


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist() if info.filename != "docProps/core.xml"}


def _by_openpyxl(agency: AgencyRef, prov: Provenance, rows: list[OpenRow]) -> bytes:
    """The workbook made and saved by openpyxl alone, every body cell written and styled by it."""
    title = wb.sheet_title(agency, None, AS_OF)
    book, ws, _, _ = wb._book(START, title, wb._help_lines(START, agency, AS_OF, prov), wb._meta_rows(prov), len(rows))
    first = LAYOUT.header_row + 1
    styles = [copy(ws.cell(row=first, column=n)._style) for n in range(1, len(wb.COLUMNS) + 1)] if rows else []
    for n, r in enumerate(rows, start=first):
        for column, value in enumerate([*wb._cells(r), None, None, None, None], start=1):
            cell = ws.cell(row=n, column=column, value=value)
            cell._style = copy(styles[column - 1])
        ws.row_dimensions[n].height = wb._height(max(wb._lines(r.title, wb.WIDTHS["title"]),
                                                     wb._lines(r.last_note, wb.WIDTHS["last_note"])))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _from_template(agency: AgencyRef, prov: Provenance, rows: list[OpenRow]) -> bytes:
    return wb._template(START, bool(rows)).workbook(wb.sheet_title(agency, None, AS_OF),
                                                    wb._help_lines(START, agency, AS_OF, prov), wb._meta_rows(prov), rows)


@pytest.mark.parametrize("rows", [ROWS, ROWS[:1], [], ROWS * 400, ROWS * 1500],
                         ids=["rows", "one row", "no rows", "2,000 rows", "codes past a cell's text"])
def test_a_workbook_from_the_template_is_part_for_part_the_one_openpyxl_writes(rows):
    agency = AgencyRef(7, "省科技厅 & <合作>", "福建省科学技术厅", "department")
    prov = Provenance(4242, "ab" * 32, agency.name, "plan-1", AS_OF.isoformat(), [r.code for r in rows])
    assert _members(_from_template(agency, prov, rows)) == _members(_by_openpyxl(agency, prov, rows))


# the template's own marks, % formats, XML that would end a section, refused and invisible characters
HOSTILE = ["TasklistBody TasklistHelp TasklistMeta TasklistTitle", "A1:K987653 A1:B987652 C5:C987653",
           "%s%d%% {0} ]]><x/> &amp; <c r=\"A1\">", "\u202e反转\u200b\ufffe\x7f", "=cmd|' /C calc'!A0", "  两端空格  "]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names_and_titles_are_written_as_openpyxl_writes_them(text):
    agency = AgencyRef(8, text, text + "全称", "department")
    rows = [OpenRow("T1", text, date(2025, 6, 30), 3, "in_progress", text, 21, "lead", text), *ROWS[:2]]
    prov = Provenance(77, "ef" * 32, agency.name, text, AS_OF.isoformat(), [text, "T2", "T2"])
    assert _members(_from_template(agency, prov, rows)) == _members(_by_openpyxl(agency, prov, rows))


def test_the_template_serves_agency_after_agency_with_nothing_left_of_the_one_before():
    first = AgencyRef(1, "=甲单位", "甲", "department")
    second = AgencyRef(2, "乙单位", "乙", "department")
    _from_template(first, Provenance(1, "cd" * 32, first.name, "p", "2025-09-15", ["T1"]), ROWS)
    prov = Provenance(2, "ef" * 32, second.name, "p", "2025-09-15", ["T2"])
    assert _members(_from_template(second, prov, ROWS[1:3])) == _members(_by_openpyxl(second, prov, ROWS[1:3]))


def test_a_workbooks_time_stamps_are_when_it_was_written():
    agency = AgencyRef(3, "丙单位", "丙", "department")
    wb._template(START, True)  # made before: its own time stamps are not the workbook's
    time.sleep(1.1)
    before = wb.now_utc_stamp()
    data = _from_template(agency, Provenance(3, "00" * 32, agency.name, "p", "2025-09-15", []), ROWS)
    after = wb.now_utc_stamp()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        core = archive.read("docProps/core.xml").decode()
    stamps = re.findall(r"<dcterms:(?:created|modified) [^>]*>([^<]*)<", core)
    assert len(stamps) == 2 and all(before <= stamp <= after for stamp in stamps)


def test_a_list_of_codes_longer_than_a_cell_holds_is_read_back_whole(tmp_path):
    """7,500 rows: the hidden record's list of codes (45,000 characters) goes on over two rows, and
    the import reads it back whole. Written in one cell, as the list of titles was, openpyxl cut it at
    32,767 characters and the import refused an untouched workbook as damaged."""
    agency = AgencyRef(5, "丁单位", "丁", "department")
    rows = ROWS * 1500
    prov = Provenance(9, "12" * 32, agency.name, "p", AS_OF.isoformat(), [r.code for r in rows])
    meta = wb._meta_rows(prov)
    assert [key for key, _ in meta].count("codes") == 2 and all(len(str(v)) <= wb.CELL_TEXT for _, v in meta)
    path = tmp_path / "feedback.xlsx"
    path.write_bytes(_from_template(agency, prov, rows))
    seen: list[Provenance] = []

    def expected(found: Provenance) -> list[str]:
        seen.append(found)
        return prov.codes

    read, body = wb.read_xlsx(path, expected)
    assert read == seen[0] == prov
    assert len(body) == len(rows)
