"""The bundled registry (data/*.yaml) says what the source annexes say.

The source is kept verbatim in tests/fixtures/fujian_annexes_seed.txt: Annex 1 (任务清单, 22
tasks) and Annex 2 (成果清单, 32 outcomes) of 闽政〔2021〕5号, in a traditional-character mirror
with Taiwan vocabulary, where ``&&`` stands for 牵头. This module parses that text itself (it does
not compare the YAML with a copy of the YAML) and checks, entry by entry, numbering, due dates,
the agencies responsible (lead first) and the number of entries under each heading.

Text is compared where the two copies can agree: the characters that are not Chinese ideographs
(digits, Latin letters, punctuation, quotation marks) of every title, content and heading, in
order. The ideographs themselves differ by script and vocabulary (積體電路 = 集成电路). One
difference is normalised, and only this one: the seed copy writes ASCII ``, ; : ( )`` where the
official document prints ``， ； ： （ ）`` in Chinese text, and the registry follows the document.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tasklist.registry import Registry, read_registry

FIXTURE = Path(__file__).parent / "fixtures" / "fujian_annexes_seed.txt"

# --------------------------------------------------------------------------- parsing the fixture

# A heading row: 一、加快提升…  or, in Annex 2, 二、政策措施(7項)
HEADING_RE = re.compile(r"^([一二三四五六七八九十]+)、(.+?)(?:\((\d+)項\))?$")
ANNEX2_MARKER = "附件2"
CITY_SUFFIX = "市人民政府"
# Units written out in full: they take neither the group's prefix nor its suffix.
COMPLETE_UNITS = frozenset({"各設區市人民政府", "平潭綜合實驗區管委會", "人行福州中心支行", "省直有關部門"})


@dataclass(frozen=True)
class SourceRow:
    annex: int  # 1 = tasks, 2 = outcomes
    no: int
    ordinal: str  # 一, 二, ... of the heading the row sits under
    heading: str  # the heading's text after 、, without its count
    declared: int | None  # the heading's (N項), if it gives one
    title: str
    content: str | None  # Annex 1's 主要内容; Annex 2 has no such column
    agency_cell: str
    due_text: str

    @property
    def code(self) -> str:
        return f"{'T' if self.annex == 1 else 'O'}{self.no}"


def _cells_by_annex(text: str) -> dict[int, list[str]]:
    """Cells of each annex in order. A cell is a line ending with `` |``; lines of bare pipes
    are empty filler; other lines (titles, the annex marker) are not cells."""
    cells: dict[int, list[str]] = {1: [], 2: []}
    annex = 1
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if line.strip() == ANNEX2_MARKER:
            annex = 2
        elif line and set(line) == {"|"}:
            continue
        elif line.endswith(" |"):
            cells[annex].append(line[:-2].strip())
        elif line.endswith("|"):
            raise AssertionError(f"fixture line {number}: a cell must end with ' |': {raw!r}")
    return cells


def _rows(annex: int, cells: list[str]) -> list[SourceRow]:
    """Cells -> rows. The header cells before the first heading give the column count."""
    first = next(i for i, c in enumerate(cells) if HEADING_RE.match(c))
    ncols = first  # 序號 | 工作任務 | 主要內容 | &&(責任)單位 | 完成時間  or  序號 | 成果名稱 | &&部門(單位) | 完成時間
    header, body = cells[:first], cells[first:]
    assert header[0] == "序號" and header[-1] == "完成時間", f"annex {annex}: unexpected header {header}"
    rows: list[SourceRow] = []
    heading = None
    i = 0
    while i < len(body):
        m = HEADING_RE.match(body[i])
        if m:
            heading = (m[1], m[2], int(m[3]) if m[3] else None)
            i += 1
            continue
        row = body[i : i + ncols]
        assert len(row) == ncols and row[0].isdigit(), f"annex {annex}: bad row at cells {row}"
        assert heading is not None
        rows.append(
            SourceRow(
                annex=annex, no=int(row[0]), ordinal=heading[0], heading=heading[1], declared=heading[2],
                title=row[1], content=row[2] if ncols == 5 else None, agency_cell=row[-2], due_text=row[-1],
            )
        )
        i += ncols
    return rows


def parse_fixture(text: str) -> list[SourceRow]:
    cells = _cells_by_annex(text)
    return _rows(1, cells[1]) + _rows(2, cells[2])


def expand_agency_cell(cell: str) -> list[str]:
    """One agency cell -> unit names, in the order written (still traditional characters).

    ``,`` starts a new group. Within a group ``、`` separates units sharing the prefix of the
    first (``省`` or ``省委``, as the first unit has it); a trailing ``市人民政府`` is shared by
    the group's bare city names; complete names are kept as they are.
    """
    units: list[str] = []
    for group in cell.split(","):
        parts = [p.strip() for p in group.split("、")]
        assert all(parts), f"empty unit in {cell!r}"
        first = parts[0]
        prefix = ""
        if first not in COMPLETE_UNITS:
            prefix = "省委" if first.startswith("省委") else "省" if first.startswith("省") else ""
        suffix = CITY_SUFFIX if parts[-1].endswith(CITY_SUFFIX) and parts[-1] not in COMPLETE_UNITS else ""
        for part in parts:
            if part in COMPLETE_UNITS:
                units.append(part)
                continue
            if prefix and not part.startswith(prefix):
                part = prefix + part
            if suffix and not part.endswith(suffix):
                part = part + suffix
            units.append(part)
    return units


# The only due texts in the annexes; traditional == simplified except for 持續推進.
DUE_TEXT_SIMPLIFIED = {
    "2022年前": "2022年前",
    "持續推進": "持续推进",
    "2020年": "2020年",
    "2021年": "2021年",
    "2022年": "2022年",
}

# Annex 2 category names, traditional -> simplified.
CATEGORY_SIMPLIFIED = {
    "法規規章": "法规规章",
    "政策措施": "政策措施",
    "公共服務": "公共服务",
    "産業發展": "产业发展",
    "基礎建設": "基础建设",
}


def due_by_rule(due_text: str) -> date | None:
    """``YYYY年前`` / ``YYYY年`` -> 31 December of YYYY; ``持续推进`` -> no due date."""
    if due_text in ("持續推進", "持续推进"):
        return None
    m = re.fullmatch(r"(\d{4})年前?", due_text)
    assert m, f"due text {due_text!r} follows no known rule"
    return date(int(m[1]), 12, 31)


SOURCE = parse_fixture(FIXTURE.read_text(encoding="utf-8"))
TASK_ROWS = [r for r in SOURCE if r.annex == 1]
OUTCOME_ROWS = [r for r in SOURCE if r.annex == 2]
BY_ROW = pytest.mark.parametrize("row", SOURCE, ids=[r.code for r in SOURCE])


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def reg() -> Registry:
    return read_registry(None)


@pytest.fixture(scope="module")
def items(reg):
    return {item.code: item for item in reg.items}


@pytest.fixture(scope="module")
def canonical(reg) -> dict[str, str]:
    """Every name and alias in agencies.yaml -> the agency's canonical name."""
    out: dict[str, str] = {}
    for agency in reg.agencies:
        for key in (agency.name, *agency.aliases):
            out.setdefault(key, agency.name)
    return out


def _item(items, row: SourceRow):
    assert row.code in items, f"{row.code} (序号 {row.no} of annex {row.annex}) is missing from the registry"
    return items[row.code]


# --------------------------------------------------------------------------- the parser itself


@pytest.mark.parametrize(
    ("cell", "units"),
    [
        ("省發改委、數字辦", ["省發改委", "省數字辦"]),
        ("廈門、泉州市人民政府", ["廈門市人民政府", "泉州市人民政府"]),
        ("省工信廳,省通信管理局", ["省工信廳", "省通信管理局"]),
        ("省委網信辦,省公安廳", ["省委網信辦", "省公安廳"]),
        ("各設區市人民政府、平潭綜合實驗區管委會", ["各設區市人民政府", "平潭綜合實驗區管委會"]),
        ("省發改委、數字辦、金融監管局,人行福州中心支行", ["省發改委", "省數字辦", "省金融監管局", "人行福州中心支行"]),
        ("省發改委、數字辦,省直有關部門", ["省發改委", "省數字辦", "省直有關部門"]),
    ],
)
def test_agency_cell_expansion_follows_the_readme_rules(cell, units):
    assert expand_agency_cell(cell) == units


def test_fixture_parses_into_22_tasks_and_32_outcomes_numbered_in_order():
    assert [r.no for r in TASK_ROWS] == list(range(1, 23))
    assert [r.no for r in OUTCOME_ROWS] == list(range(1, 33))


# --------------------------------------------------------------------------- numbering


def test_registry_holds_tasks_T1_to_T22_then_outcomes_O1_to_O32_in_order(reg):
    assert [(i.kind, i.code) for i in reg.items] == (
        [("task", f"T{n}") for n in range(1, 23)] + [("outcome", f"O{n}") for n in range(1, 33)]
    )


@BY_ROW
def test_entry_id_kind_and_no_match_the_source_serial_number(items, row):
    item = _item(items, row)
    assert item.kind == ("task" if row.annex == 1 else "outcome")
    assert item.no == row.no, f"{row.code}: no is {item.no}, the source's 序号 is {row.no}"


# --------------------------------------------------------------------------- due dates


@BY_ROW
def test_entry_due_text_is_the_source_due_text_in_simplified_characters(items, row):
    assert row.due_text in DUE_TEXT_SIMPLIFIED, f"{row.code}: unexpected due text {row.due_text!r} in the source"
    assert _item(items, row).due_text == DUE_TEXT_SIMPLIFIED[row.due_text]


@BY_ROW
def test_entry_due_date_follows_from_the_source_due_text(items, row):
    assert _item(items, row).due == due_by_rule(row.due_text), f"{row.code}: source says {row.due_text!r}"


# --------------------------------------------------------------------------- agencies


@BY_ROW
def test_every_unit_in_the_source_agency_cell_is_a_registry_name_or_alias(canonical, row):
    units = expand_agency_cell(row.agency_cell)
    missing = [u for u in units if u not in canonical]
    assert not missing, (
        f"{row.code}: the source cell {row.agency_cell!r} names {missing}, "
        "which no agency in data/agencies.yaml has as its name or an alias"
    )


@BY_ROW
def test_entry_agencies_are_the_source_cell_expanded_lead_first(items, canonical, row):
    units = expand_agency_cell(row.agency_cell)
    expected = [canonical.get(u, f"<no agency for {u}>") for u in units]
    assert len(set(expected)) == len(expected), f"{row.code}: the source names a unit twice: {units}"
    assert _item(items, row).agencies == expected, f"{row.code}: source cell {row.agency_cell!r}"


@pytest.mark.parametrize(
    ("code", "lead"),
    [
        ("T1", "省科技厅"),
        ("T2", "省发改委"),
        ("T7", "省工信厅"),
        ("T10", "省海洋渔业局"),
        ("T16", "省工信厅"),
        ("T17", "福州市人民政府"),
        ("T19", "省通信管理局"),
        ("T22", "省委网信办"),
        ("O1", "省发改委"),
        ("O13", "省委台港澳办"),
        ("O17", "各设区市人民政府"),
        ("O21", "省科技厅"),
        ("O26", "厦门市人民政府"),
        ("O28", "省通信管理局"),
    ],
    ids=lambda v: v if re.fullmatch(r"[TO]\d+", v) else "lead",
)
def test_lead_agency_spot_check(items, canonical, code, lead):
    row = next(r for r in SOURCE if r.code == code)
    assert canonical[expand_agency_cell(row.agency_cell)[0]] == lead, f"{code}: the source's first unit"
    assert items[code].agencies[0] == lead, f"{code}: the registry's first (lead) agency"


def test_no_alias_names_two_different_agencies(reg):
    owners: dict[str, set[str]] = {}
    for agency in reg.agencies:
        for key in (agency.name, *agency.aliases):
            owners.setdefault(key, set()).add(agency.name)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


FUJIAN_CITY_GOVERNMENTS = {f"{c}市人民政府" for c in ("福州", "厦门", "漳州", "泉州", "三明", "莆田", "南平", "龙岩", "宁德")}


def test_group_of_prefecture_level_city_governments_is_fujians_nine_cities(reg):
    group = reg.agency("各设区市人民政府")
    assert group.kind == "group"
    assert len(group.members) == 9
    assert set(group.members) == FUJIAN_CITY_GOVERNMENTS
    for member in group.members:
        assert reg.agency(member).kind == "city_government", member


def test_group_of_relevant_provincial_departments_has_no_members(reg):
    group = reg.agency("省直有关部门")
    assert group.kind == "group"
    assert group.members == []


# --------------------------------------------------------------------------- text and its punctuation

IDEOGRAPH_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# The one difference between the seed copy and the document that is normalised (see the module doc).
FULL_WIDTH_AS_SEED = str.maketrans("，；：（）", ",;:()")
# ASCII punctuation written beside Chinese text (a CJK character, a full-width form or a Chinese quote).
CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u201c\u201d"
ASCII_BESIDE_CJK_RE = re.compile(f"[{CJK}][,;:()]|[,;:()][{CJK}]")


def skeleton(text: str) -> str:
    """Everything but the ideographs, in order, full-width punctuation written as the seed writes it."""
    return IDEOGRAPH_RE.sub("", text).translate(FULL_WIDTH_AS_SEED)


def test_skeleton_keeps_latin_digits_and_quotes_and_normalises_only_full_width_punctuation():
    assert skeleton("推动5G技术应用，建设（二期）“城市大脑”") == "5G,()“”"
    assert skeleton("2.6万亿元；IPv6：") == "2.6;IPv6:"
    assert skeleton("甲、乙。") == "、。"


@BY_ROW
def test_entry_text_has_the_source_punctuation_digits_and_latin_letters(items, row):
    item = _item(items, row)
    heading = item.group.split("、", 1)[1]
    assert skeleton(item.title) == skeleton(row.title), f"{row.code} title: source {row.title!r}"
    assert skeleton(heading) == skeleton(row.heading), f"{row.code} heading: source {row.heading!r}"
    if row.content is not None:
        assert item.content is not None, f"{row.code} has no content"
        assert skeleton(item.content) == skeleton(row.content), f"{row.code} content: source {row.content!r}"


def test_registry_text_prints_chinese_punctuation_as_the_document_does(reg):
    texts = {"plan.title": reg.plan.title}
    for item in reg.items:
        texts |= {f"{item.code}.title": item.title, f"{item.code}.group": item.group or "",
                  f"{item.code}.content": item.content or ""}
    found = {where: m.group() for where, text in texts.items() if (m := ASCII_BESIDE_CJK_RE.search(text))}
    assert found == {}
    assert reg.plan.title == "国家数字经济创新发展试验区（福建）工作方案"


# --------------------------------------------------------------------------- headings and counts


@BY_ROW
def test_entry_sits_under_the_same_numbered_heading_as_in_the_source(items, row):
    group = _item(items, row).group
    assert group is not None, f"{row.code} has no section/category"
    assert group.split("、", 1)[0] == row.ordinal, f"{row.code}: source heading {row.ordinal}、{row.heading}, registry {group!r}"
    if row.annex == 2:
        assert group == f"{row.ordinal}、{CATEGORY_SIMPLIFIED[row.heading]}"


def _headings(rows: list[SourceRow]) -> list[tuple[str, str, int | None]]:
    return list(dict.fromkeys((r.ordinal, r.heading, r.declared) for r in rows))


@pytest.mark.parametrize(
    ("annex", "ordinal"),
    [(1, h[0]) for h in _headings(TASK_ROWS)] + [(2, h[0]) for h in _headings(OUTCOME_ROWS)],
    ids=[f"annex1-{h[0]}" for h in _headings(TASK_ROWS)] + [f"annex2-{h[0]}" for h in _headings(OUTCOME_ROWS)],
)
def test_number_of_entries_under_each_heading_matches_the_source(reg, annex, ordinal):
    rows = [r for r in SOURCE if r.annex == annex and r.ordinal == ordinal]
    declared = rows[0].declared
    if annex == 2:
        assert declared is not None, f"annex 2 heading {ordinal} gives no (N項) count"
        assert len(rows) == declared, f"the source lists {len(rows)} rows under a heading that says {declared}項"
    kind = "task" if annex == 1 else "outcome"
    in_registry = [i for i in reg.items if i.kind == kind and i.group and i.group.split("、", 1)[0] == ordinal]
    assert len(in_registry) == len(rows)
    # Entries of one source heading share one group text in the registry (no stray spelling).
    assert len({i.group for i in in_registry}) == 1, sorted({i.group for i in in_registry})


def test_headings_are_numbered_in_order_and_annex2_counts_add_up_to_32():
    numerals = "一二三四五"
    assert [h[0] for h in _headings(TASK_ROWS)] == list(numerals)
    assert [h[0] for h in _headings(OUTCOME_ROWS)] == list(numerals)
    assert sum(h[2] for h in _headings(OUTCOME_ROWS)) == 32
    assert Counter(r.annex for r in SOURCE) == {1: 22, 2: 32}
