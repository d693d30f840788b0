"""The Qingdao plan's registry (data/plans/qingdao-2023) says what the document says.

The source is kept verbatim in tests/fixtures/qingdao_2023_seed.txt: 青财经委发〔2023〕3号, thirty
numbered paragraphs (1 the guiding idea, 2 the targets to 2025, 3-30 the 28 measures) under the
headings 一 to 八. This module parses that text itself and checks every measure: its number, heading,
title (the words before the first 。), text (the rest), that no agency is named, and the due date.

One difference is normalised, and only this one: the seed copy writes ASCII ``, ; : ( )`` where the
document prints ``， ； ： （ ）``, and the registry follows the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tasklist.registry import read_registry
from tasklist.registry.reader import bundled_data_dir, registry_files

FIXTURE = Path(__file__).parent / "fixtures" / "qingdao_2023_seed.txt"
REGISTRY = Path(__file__).parent.parent / "data" / "plans" / "qingdao-2023"
HEADING_RE = re.compile(r"^([一二三四五六七八九十]+)、(.+)$")
PARAGRAPH_RE = re.compile(r"^(\d+)\.(.+)$")
FULL_WIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）"})


@dataclass(frozen=True)
class Measure:
    no: int
    heading: str
    title: str
    text: str


def parse_seed(text: str) -> list[Measure]:
    """Every numbered paragraph of the plan's body, under the heading it sits in."""
    body = text[text.index("关于加快数字经济高质量发展的实施方案\n\n为深入贯彻"):]
    heading = None
    out = []
    for raw in body.splitlines():
        line = raw.strip()
        if m := HEADING_RE.match(line):
            heading = line
        elif m := PARAGRAPH_RE.match(line):
            title, _, rest = m[2].partition("。")
            assert heading is not None and rest, f"paragraph {m[1]} has no heading or no text after its title"
            out.append(Measure(int(m[1]), heading, title, rest))
    return out


SEED = parse_seed(FIXTURE.read_text(encoding="utf-8"))
MEASURES = [m for m in SEED if m.no >= 3]


def doc(text: str) -> str:
    return text.translate(FULL_WIDTH)


def due_by_rule(text: str) -> date | None:
    """A measure whose own text sets a year (到2025年) is due at its end; the others state none."""
    years = {int(y) for y in re.findall(r"到\s*(\d{4})\s*年", text)}
    assert len(years) <= 1
    return date(years.pop(), 12, 31) if years else None


@pytest.fixture(scope="module")
def items():
    return {item.code: item for item in read_registry([REGISTRY]).items}


def test_the_seed_parses_as_the_document_describes_itself():
    assert [m.no for m in SEED] == list(range(1, 31))
    assert [m.title for m in SEED[:2]] == ["指导思想", "发展目标"]
    assert len(MEASURES) == 28
    assert len({m.heading for m in MEASURES}) == 7  # 二 to 八; 一 holds paragraphs 1 and 2


def test_the_registry_holds_the_28_measures_and_nothing_else(items):
    assert list(items) == [f"T{m.no}" for m in MEASURES]


@pytest.mark.parametrize("measure", MEASURES, ids=[f"T{m.no}" for m in MEASURES])
def test_each_measure_is_transcribed_exactly(items, measure):
    item = items[f"T{measure.no}"]
    assert item.no == measure.no
    assert item.group == doc(measure.heading)
    assert item.title == doc(measure.title)
    assert item.content == doc(measure.text)
    assert item.agencies == [] and item.assigned is False  # the document names no responsible unit
    assert item.due == due_by_rule(measure.text)


def test_the_dated_measures_are_9_20_and_22(items):
    assert [code for code, item in items.items() if item.due is not None] == ["T9", "T20", "T22"]


def test_the_plan_header_is_the_documents():
    reg = read_registry([REGISTRY])
    seed = FIXTURE.read_text(encoding="utf-8")
    assert reg.plan.doc_no in seed and reg.plan.issuer in seed and reg.plan.title in seed
    assert reg.plan.issued == date(2023, 10, 20) and "2023年10月20日" in seed
    assert reg.agencies == [] and reg.warnings == []


def test_the_bundled_registry_does_not_read_the_plans_under_it():
    files = registry_files(None)
    assert files and all(f.parent == bundled_data_dir() for f in files)
    assert {item.code for item in read_registry(None).items} == {f"T{n}" for n in range(1, 23)} | {f"O{n}" for n in range(1, 33)}


def test_the_targets_are_paragraph_2s_numbers_in_its_own_words():
    (goals,) = [m for m in SEED if m.no == 2]
    paragraph = re.sub(r"\s", "", doc(goals.text))
    targets = read_registry([REGISTRY]).targets
    assert [(t.code, t.comparator, t.value, t.unit, t.deadline) for t in targets] == [
        ("Z1", ">=", 13, "%", date(2025, 12, 31)), ("Z2", ">=", 12, "%", date(2025, 12, 31)),
        ("Z3", ">=", 12, "家", date(2025, 12, 31)), ("Z4", ">=", 3, "个", date(2025, 12, 31))]
    for t in targets:  # each source sentence is the document's, only the seed's stray spaces dropped
        assert t.source in paragraph, t.code
        assert f"{t.value:g}" in t.source and not t.agencies
