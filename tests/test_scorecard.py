"""The quarterly scorecard against a hand-computed quarter on a small registry: every count, the
score and the shared rank; the same table after later (and back-dated) records; one agency's
quarters; JSON, Markdown, HTML and XLSX read back; both languages; refusals. On both engines.

Records carry the UTC time they were recorded; the tests set that clock (``clock``) so that each
record is entered on the day it is dated, unless a test says otherwise."""

from __future__ import annotations

import json
import re
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from test_html_render import chromium  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("engine")

AS_OF = ["--as-of", "2026-12-06"]
Q3 = ["--quarter", "2026Q3", *AS_OF]

PLAN = """\
plan:
  id: score-test-2026
  title: 示例考评方案
  doc_no: 示政〔2026〕9号
  issued: 2026-01-15
  timezone: Asia/Shanghai
  reporting: {cadence: quarterly}
tasks:
  - {id: T1, seq: 1, title: 建成数据平台, agencies: [甲局], due: 2026-08-31, due_text: 2026年8月底}
  - {id: T2, seq: 2, title: 出台开放办法, agencies: [甲局, 乙局], due: 2026-07-31, due_text: 2026年7月底}
  - {id: T3, seq: 3, title: 完成数据普查, agencies: [乙局], due: 2026-06-30, due_text: 2026年6月底}
  - {id: T4, seq: 4, title: 开展应用试点, agencies: [各市], due: 2026-12-31, due_text: 2026年}
  - {id: T5, seq: 5, title: 推动数据应用, agencies: [丁市], due: null, due_text: 持续推进}
"""
AGENCIES = """\
agencies:
  - {name: 甲局, full_name: 示例省甲局, kind: provincial_department}
  - {name: 乙局, full_name: 示例省乙局, kind: provincial_department}
  - {name: 丙市, full_name: 丙市人民政府, kind: city_government}
  - {name: 丁市, full_name: 丁市人民政府, kind: city_government}
  - {name: 各市, full_name: 示例省各市人民政府, kind: group, members: [丙市, 丁市]}
"""


class Clock:
    """What ``now_utc`` returns to the writers: noon in Beijing on a given day, or an exact instant."""

    def __init__(self) -> None:
        self.now = "2026-01-15T04:00:00.000000+00:00"

    def day(self, day: str) -> None:
        self.now = f"{day}T04:00:00.000000+00:00"

    def at(self, instant: str) -> None:
        self.now = instant


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr("tasklist.storage.writes.now_utc", lambda: c.now)
    return c


@pytest.fixture
def plan(cli, tmp_path):
    reg = tmp_path / "reg"
    reg.mkdir()
    (reg / "tasks.yaml").write_text(PLAN, encoding="utf-8")
    (reg / "agencies.yaml").write_text(AGENCIES, encoding="utf-8")
    cli("load", reg)
    return reg


def remind(agency: str, level: int, on: str) -> None:
    from tasklist.storage.connection import connect
    from tasklist.storage.lookup import resolve_agency
    from tasklist.storage.writes import log_reminder

    conn = connect()
    try:
        log_reminder(conn, agency_id=resolve_agency(conn, agency).id, items=[], level=level, as_of=date.fromisoformat(on),
                     message_id=f"<{agency}-{on}@test>", recipients=[], sent_by="test")
    finally:
        conn.close()


def at(clock, day: str, *args: str, cli) -> None:
    clock.day(day)
    cli(*args)


@pytest.fixture
def quarter(cli, clock, plan):
    """The quarter 2026Q3 of the fixture plan, as the office recorded it."""
    # 甲局: T1 reported, claimed, accepted: on time; T2 claimed, returned, claimed again after its due date,
    # accepted: late; one 督办提醒
    at(clock, "2026-07-10", "update", "T1", "-a", "甲局", "-s", "in_progress", "--note", "平台开发中", "--on", "2026-07-10", cli=cli)
    at(clock, "2026-07-20", "done", "T2", "-a", "甲局", "--note", "办法已起草", "--on", "2026-07-20", cli=cli)
    at(clock, "2026-07-25", "verify", "T2", "-a", "甲局", "--return", "--reason", "尚未印发", "--on", "2026-07-25", cli=cli)
    at(clock, "2026-08-10", "done", "T2", "-a", "甲局", "--note", "办法已印发", "--on", "2026-08-10", cli=cli)
    at(clock, "2026-08-12", "verify", "T2", "-a", "甲局", "--on", "2026-08-12", cli=cli)
    at(clock, "2026-08-20", "done", "T1", "-a", "甲局", "--note", "平台已上线", "--on", "2026-08-20", cli=cli)
    at(clock, "2026-08-25", "verify", "T1", "-a", "甲局", "--on", "2026-08-25", cli=cli)
    clock.day("2026-08-01")
    remind("甲局", 1, "2026-08-01")
    # 乙局: T3 claimed in Q2 (due 06-30), accepted in Q3: counted in Q3, on time; its T2 part never
    # reported: overdue 61 days at 09-30, and its one report owed missed; a 催办 and a 通报
    at(clock, "2026-06-28", "done", "T3", "-a", "乙局", "--note", "普查完成", "--on", "2026-06-28", cli=cli)
    at(clock, "2026-07-03", "verify", "T3", "-a", "乙局", "--on", "2026-07-03", cli=cli)
    clock.day("2026-09-01")
    remind("乙局", 2, "2026-09-01")
    clock.day("2026-09-15")
    remind("乙局", 3, "2026-09-15")
    # 丙市 reports its T4 part at 23:30 Beijing time on the quarter's last day: known in time
    clock.at("2026-09-30T15:30:00.000000+00:00")
    cli("update", "T4", "-a", "丙市", "-s", "in_progress", "--note", "试点启动", "--on", "2026-09-30")
    # 丁市: a T4 report it undid the next day (not a report), a T5 report; and a T4 report dated 09-30
    # but entered at 00:30 on 10-01 Beijing time: after the quarter, so not counted in it
    at(clock, "2026-08-05", "update", "T4", "-a", "丁市", "-s", "in_progress", "--note", "误报", "--on", "2026-08-05", cli=cli)
    (wrong,) = [h for h in cli.json("history", "T4") if h["note"] == "误报"]
    at(clock, "2026-08-06", "undo", str(wrong["id"]), cli=cli)
    at(clock, "2026-08-07", "update", "T5", "-a", "丁市", "-s", "in_progress", "--note", "应用推进", "--on", "2026-08-07", cli=cli)
    clock.at("2026-09-30T16:30:00.000000+00:00")
    cli("update", "T4", "-a", "丁市", "-s", "in_progress", "--note", "补报", "--on", "2026-09-30")
    return cli


#: the quarter worked out by hand (weights: the defaults in rules.EVALUATION_WEIGHTS)
#: 甲局 100 + 2×1 (T1 on time) + 0×1 (T2 late) - 2×1 (returned) - 1×1 (督办提醒)              = 99
#: 乙局 100 + 2×1 (T3 on time) - 5×1 (T2 overdue) - 1×2 (61 days: two full 30s) - 1×1 (report missed)
#:      - 2×1 (催办) - 5×1 (通报)                                                              = 87
#: 丙市 100: owes nothing yet (T4 due 12-31), its one report made                              = 100
#: 丁市 100 - 1×1 (T4's report missed: its T4 report was undone, its late one came after the quarter) = 99
EXPECTED = [
    # agency, rank, score, owed, on time, late, overdue, days, 30s, reports due, on time, returned, reminders 1-3
    ("丙市", 1, 100, 0, 0, 0, 0, 0, 0, 1, 1, 0, (0, 0, 0)),
    ("甲局", 2, 99, 2, 1, 1, 0, 0, 0, 2, 2, 1, (1, 0, 0)),
    ("丁市", 2, 99, 0, 0, 0, 0, 0, 0, 2, 1, 0, (0, 0, 0)),
    ("乙局", 4, 87, 2, 1, 0, 1, 61, 2, 1, 0, 0, (0, 1, 1)),
]


def table_of(report: dict) -> list[tuple]:
    return [(a["agency"], a["rank"], a["score"], a["parts_owed"], a["counts"]["completed_on_time"],
             a["counts"]["completed_late"], a["counts"]["overdue"], a["overdue_days"], a["counts"]["overdue_per_30_days"],
             a["reports_due"], a["reports_on_time"], a["counts"]["claim_returned"],
             (a["counts"]["reminder_1"], a["counts"]["reminder_2"], a["counts"]["reminder_3"]))
            for a in report["agencies"]]


def test_the_quarter_matches_the_hand_computed_table(quarter):
    report = quarter.json("scorecard", *Q3)
    assert (report["quarter"], report["start"], report["end"]) == ("2026Q3", "2026-07-01", "2026-09-30")
    assert report["knowledge_cutoff"] == "2026-09-30T16:00:00.000000+00:00"
    assert table_of(report) == EXPECTED  # the group 各市 is not scored; its members are
    for a in report["agencies"]:  # the score is the documented sum
        assert a["score"] == report["weights"]["base"] + sum(report["weights"][k] * n for k, n in a["counts"].items())
        assert a["counts"]["report_missed"] == a["reports_due"] - a["reports_on_time"]


def test_the_default_quarter_is_the_last_one_ended_before_the_as_of_date(quarter):
    assert quarter.json("scorecard", "--as-of", "2026-10-01")["quarter"] == "2026Q3"
    assert quarter.json("scorecard", "--as-of", "2026-09-30")["quarter"] == "2026Q2"


def test_the_plans_weights_replace_the_defaults(quarter, plan):
    tasks = plan / "tasks.yaml"
    tasks.write_text(tasks.read_text(encoding="utf-8").replace(
        "  reporting: {cadence: quarterly}", "  reporting: {cadence: quarterly}\n  evaluation: {base: 60, overdue: -20}"),
        encoding="utf-8")
    quarter("load", plan)
    report = quarter.json("scorecard", *Q3)
    assert report["weights"]["base"] == 60 and report["weights"]["overdue"] == -20 and report["weights"]["reminder_3"] == -5
    assert [(a["agency"], a["score"], a["rank"]) for a in report["agencies"]] == [
        ("丙市", 60, 1), ("甲局", 59, 2), ("丁市", 59, 2), ("乙局", 60 + 2 - 20 - 2 - 1 - 2 - 5, 4)]


def q4_as_the_library_computes_it() -> list[dict]:
    """2026Q4, not over on the day the tests run (the command refuses it): from the library."""
    from tasklist.reports.scorecard import scorecard
    from tasklist.scoring import Quarter
    from tasklist.storage.schema import open_db

    conn = open_db()
    try:
        return scorecard(conn, Quarter(2026, 4)).as_dict()["agencies"]
    finally:
        conn.close()


def test_a_past_quarter_is_unchanged_by_later_and_back_dated_records(quarter, clock):
    before = quarter("scorecard", *Q3, "--json").stdout
    # after the quarter: 乙局's T2 gets an extension to 12-31 granted (back-dated) on 09-15, and 乙局
    # claims it as done on 09-20 (back-dated) and the office accepts; a claim of 丁市's dated 09-29 is
    # returned on 09-30, a report of 丙市's dated 07-01 and a reminder dated 09-30: all entered on 10-02
    at(clock, "2026-10-02", "extend", "T2", "-a", "乙局", "--to", "2026-12-31", "--reason", "需跨部门协调",
       "--as-of", "2026-09-15", cli=quarter)
    at(clock, "2026-10-02", "done", "T2", "-a", "乙局", "--note", "补报完成", "--on", "2026-09-20", cli=quarter)
    at(clock, "2026-10-02", "verify", "T2", "-a", "乙局", "--on", "2026-10-02", cli=quarter)
    at(clock, "2026-10-02", "done", "T5", "-a", "丁市", "--note", "阶段完成", "--on", "2026-09-29", cli=quarter)
    at(clock, "2026-10-02", "verify", "T5", "-a", "丁市", "--return", "--reason", "证明不足", "--on", "2026-09-30",
       cli=quarter)
    at(clock, "2026-10-02", "update", "T4", "-a", "丙市", "-s", "blocked", "--note", "补记", "--on", "2026-07-01", cli=quarter)
    clock.day("2026-10-02")
    remind("甲局", 3, "2026-09-30")
    after = quarter("scorecard", *Q3, "--json").stdout
    assert after == before
    # the same records do count, in the quarter that first knows them: 乙局's T2 is completed in Q4, on
    # time against the due date then in force (12-31)
    q4 = {a["agency"]: a for a in q4_as_the_library_computes_it()}
    assert q4["乙局"]["counts"]["completed_on_time"] == 1 and q4["乙局"]["counts"]["overdue"] == 0
    assert q4["甲局"]["counts"]["reminder_3"] == 0  # dated in Q3: counted nowhere, as Q3's table was final


def test_one_agency_sees_its_quarters_side_by_side(quarter, monkeypatch):
    report = quarter.json("scorecard", "--agency", "乙局", *Q3)
    assert report["agency"] == "乙局"
    # the plan was issued in 2026Q1: three quarters. Q1: nobody reported (乙局 missed two reports, as
    # did 甲局 and 丁市; 丙市 owed one); Q2: 乙局's claim on T3 was its one report of two
    assert [(q["quarter"], q["score"], q["rank"], q["ranked"]) for q in report["quarters"]] == [
        ("2026Q1", 98, 2, 4), ("2026Q2", 99, 1, 4), ("2026Q3", 87, 4, 4)]
    q2 = report["quarters"][1]
    # Q2: T3 claimed on 06-28 awaits review at the quarter's end: owed, not completed, not overdue (due 06-30)
    assert (q2["parts_owed"], q2["counts"]["completed_on_time"], q2["counts"]["overdue"], q2["reports_on_time"]) == (1, 0, 0, 1)
    monkeypatch.setenv("TASKLIST_LANG", "zh")
    screen = quarter("scorecard", "-a", "乙局", *Q3).stdout
    assert "《示例考评方案》（示政〔2026〕9号）乙局各季度考评" in screen
    assert re.search(r"^得分\s+98\s+99\s+87$", screen, flags=re.M), screen
    assert re.search(r"^排名\s+2/4\s+1/4\s+4/4$", screen, flags=re.M), screen
    assert re.search(r"^季末逾期\s+0\s+0\s+1$", screen, flags=re.M), screen


def test_a_group_is_not_scored_itself(quarter):
    result = quarter("scorecard", "--agency", "各市", *Q3, code=2)
    assert "各市" in result.stderr and "not scored" in result.stderr


@pytest.mark.parametrize("lang, words", [
    ("zh", ["示政〔2026〕9号）2026年第三季度考评", "考评期间：2026-07-01 至 2026-09-30", "排名", "按期完成", "季末逾期", "评分权重",
            "督办提醒/催办/通报"]),
    ("en", ["scorecard, Q3 2026", "Period: 2026-07-01 to 2026-09-30", "Rank", "On time", "Overdue", "Weights",
            "Reminded: reminders/chasers/public notices"]),
])
def test_the_terminal_table_in_both_languages(quarter, monkeypatch, lang, words):
    monkeypatch.setenv("TASKLIST_LANG", lang)
    screen = quarter("scorecard", *Q3).stdout
    for word in words:
        assert word in screen, (word, screen)
    rows = [line.split() for line in screen.splitlines() if re.match(r"^\s+\d+\s+[甲乙丙丁]", line)]
    assert [r[:3] for r in rows] == [["1", "丙市", "100"], ["2", "甲局", "99"], ["2", "丁市", "99"], ["4", "乙局", "87"]]
    assert rows[3][6:] == ["1/61", "0/1", "0", "0/1/1"]
    assert max(len(line) for line in screen.splitlines()) <= 80


def test_markdown_html_and_xlsx_hold_the_same_table(quarter, tmp_path, monkeypatch):
    monkeypatch.setenv("TASKLIST_LANG", "zh")
    md = quarter("scorecard", *Q3, "--format", "md").stdout
    assert md.startswith("# 《示例考评方案》（示政〔2026〕9号）2026年第三季度考评\n")
    assert "| 4 | 乙局 | 87 | 2 | 1 | 0 | 1 | 61 | 1 | 0 | 0 | 0 | 1 | 1 |" in md
    assert "| overdue\\_per\\_30\\_days | -1 | 季度末逾期的分工在本季度内逾期每满30天 |" in md  # Markdown escapes _
    quarter("scorecard", *Q3, "--out", tmp_path / "q3.html")
    page = (tmp_path / "q3.html").read_text(encoding="utf-8")
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert page.count('<svg class="chart bars scores"') == 1
    assert page.count('<svg class="chart spark"') == 4  # one line of recent scores per agency
    bars = re.findall(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)" height="12" fill="(#\w+)"/>', page)
    assert len(bars) == 4 and [c for _, c in bars] == ["#1f4e9a", "#c62828", "#c62828", "#c62828"]  # only 丙市 at 100
    assert "<title>乙局近3个季度得分：2026Q1 98、2026Q2 99、2026Q3 87</title>" in page
    quarter("scorecard", *Q3, "--out", tmp_path / "q3.xlsx")
    book = load_workbook(BytesIO((tmp_path / "q3.xlsx").read_bytes()))
    assert book.sheetnames == ["考评", "权重"]
    rows = list(book["考评"].iter_rows(values_only=True))
    assert rows[0][:4] == ("排名", "单位", "得分", "应完成")
    assert [r[:3] for r in rows[1:]] == [(1, "丙市", 100), (2, "甲局", 99), (2, "丁市", 99), (4, "乙局", 87)]
    assert rows[4] == (4, "乙局", 87, 2, 1, 0, 1, 61, 1, 0, 0, 0, 1, 1)


def test_json_fields_do_not_change_with_the_language(quarter, monkeypatch):
    en = quarter("scorecard", *Q3, "--json").stdout
    monkeypatch.setenv("TASKLIST_LANG", "zh")
    assert quarter("scorecard", *Q3, "--json").stdout == en
    assert set(json.loads(en)) == {"plan", "weights", "quarter", "start", "end", "knowledge_cutoff", "agencies"}


@pytest.mark.parametrize("args, zh, en", [
    (["--quarter", "2026Q5"], "错误：--quarter 应为年份加季度，如 2026Q3，不能是“2026Q5”",
     "error: --quarter must be a year and a quarter such as 2026Q3, not '2026Q5'"),
    (["--quarter", "2026Q4"], "错误：2026Q4 到 2026-12-31 才结束（报表日期 2026-12-06）：季度结束后才能考评",
     "error: 2026Q4 ends on 2026-12-31, after 2026-12-06: a quarter is scored once it is over"),
    (["--quarter", "2099Q1", "--as-of", "2099-06-01"], "错误：2099Q1 到 2099-03-31 才结束",
     "error: 2099Q1 ends on 2099-03-31, after "),  # an as-of date in the future ends no quarter
    (["--format", "pdf"], "错误：--format 只能是 md、html 或 xlsx，不能是“pdf”", "error: --format must be md, html or xlsx, not 'pdf'"),
])
def test_bad_input_is_one_clear_line_and_exit_2(plan, cli, monkeypatch, args, zh, en):
    for lang, expected in (("zh", zh), ("en", en)):
        monkeypatch.setenv("TASKLIST_LANG", lang)
        result = cli("scorecard", *args, *([] if "--as-of" in args else AS_OF), code=2)
        first = result.stderr.splitlines()[0]
        assert (first.startswith(expected) if "2099Q1" in args else first == expected) and result.stdout == ""


@pytest.mark.usefixtures("chromium")  # skipped where Chromium is not installed (failed in CI)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_html_scorecard_renders_its_charts_and_prints_on_one_a4_landscape_page(quarter, tmp_path, monkeypatch, lang):
    from test_html_render import measure, pdf_pages, shots

    monkeypatch.setenv("TASKLIST_LANG", lang)
    page = tmp_path / "q3.html"
    quarter("scorecard", *Q3, "--out", page)
    laid_out = measure(page, tmp_path / "profile")
    assert [c["kind"] for c in laid_out["charts"]] == ["chart bars scores"] + ["chart spark"] * 4
    assert all(w >= 120 and h >= 20 for w, h in (c["box"] for c in laid_out["charts"])), laid_out["charts"]
    widths = [w for w, _ in laid_out["bars"]]
    assert len(widths) == 4 and widths[0] > 300 and abs(widths[3] / widths[0] - 87 / 100) < 0.01  # to scale, from 0
    # nothing wider than the page (the English headers wrap), no number or name broken in two
    assert laid_out["scrollWidth"] <= laid_out["innerWidth"], laid_out
    assert laid_out["cells"] > 60 and laid_out["broken"] == []
    pdf = tmp_path / "q3.pdf"
    shots.run_chromium(tmp_path / "profile", f"--print-to-pdf={pdf}", page.as_uri())
    assert [(round(w), round(h)) for w, h in pdf_pages(pdf)] == [(842, 595)]


def test_many_agencies_get_a_page_of_bars_at_a_time_on_one_scale():
    from tasklist.i18n import Labels
    from tasklist.output.charts import MAX_SCORE_BARS
    from tasklist.output.scorecard import render
    from tasklist.reports.scorecard import AgencyQuarter, QuarterCard, Scorecard
    from tasklist.scoring import Counts, Quarter, weights

    quarters = [QuarterCard(q, "", [AgencyQuarter(f"单位{n}", Counts(), 100.0 - n, n + 1, 70) for n in range(70)])
                for q in (Quarter(2026, 2), Quarter(2026, 3))]
    card = Scorecard({"id": "p", "title": "方案", "doc_no": None, "timezone": "Asia/Shanghai"}, weights(None), quarters)
    page = render(card, "html", Labels("zh")).decode()
    charts = re.findall(r'<svg class="chart bars scores".*?</svg>', page, flags=re.S)
    assert [c.count("<rect") for c in charts] == [MAX_SCORE_BARS, MAX_SCORE_BARS, 70 - 2 * MAX_SCORE_BARS]
    assert page.count("各单位得分（2026年第三季度）（续）") == 2
    # the same axis in every part: a score's bar is as long wherever it is drawn
    width = {name: w for chart in charts
             for name, w in re.findall(r'>(单位\d+)</text>\n<rect x="[\d.]+" y="\d+" width="([\d.]+)"', chart)}
    assert len(width) == 70 and float(width["单位0"]) / float(width["单位69"]) == pytest.approx(100 / 31, rel=0.01)


def test_an_agency_name_stored_before_the_text_rule_is_shown_escaped_in_every_output(quarter, tmp_path):
    from test_hostile_text import OLD, assert_html_is_ours, assert_markdown_is_ours, execute, no_raw, xlsx_strings

    execute("UPDATE agency SET name = ? WHERE name = '乙局'", ("乙局" + OLD,))
    assert quarter.json("scorecard", *Q3)["agencies"][3]["agency"] == "乙局" + OLD  # JSON keeps it exactly, escaped
    for args in ([], ["--json"], ["--format", "md"], ["--format", "html"], ["-a", "甲局"], ["-a", "甲局", "--format", "html"]):
        result = quarter("scorecard", *Q3, *args)
        no_raw(result.stdout + result.stderr)
        if "html" in args:
            assert_html_is_ours(result.stdout)
        if "md" in args:
            assert_markdown_is_ours(result.stdout)
    quarter("scorecard", *Q3, "--out", tmp_path / "q3.xlsx")
    no_raw("".join(xlsx_strings(tmp_path / "q3.xlsx")))


def test_with_review_off_an_agencys_done_is_the_completion(cli, clock, plan):
    tasks = plan / "tasks.yaml"
    tasks.write_text(tasks.read_text(encoding="utf-8").replace(
        "  reporting: {cadence: quarterly}", "  reporting: {cadence: quarterly}\n  review: false"), encoding="utf-8")
    cli("load", plan)
    at(clock, "2026-08-20", "done", "T1", "-a", "甲局", "--note", "平台已上线", "--on", "2026-08-20", cli=cli)
    at(clock, "2026-08-21", "done", "T2", "-a", "甲局", "--on", "2026-08-21", cli=cli)
    row = next(a for a in cli.json("scorecard", *Q3)["agencies"] if a["agency"] == "甲局")
    assert (row["parts_owed"], row["counts"]["completed_on_time"], row["counts"]["completed_late"]) == (2, 1, 1)
    assert (row["reports_due"], row["reports_on_time"], row["score"]) == (2, 2, 102)


def test_the_chinese_scorecard_has_no_english_word_but_the_weights_registry_keys(quarter, monkeypatch, tmp_path):
    from test_zh_sweep import english_words

    from tasklist.rules import EVALUATION_WEIGHTS

    monkeypatch.setenv("TASKLIST_LANG", "zh")
    keys = set(EVALUATION_WEIGHTS)  # what a registry's evaluation: block spells, shown as typed
    for args in ([], ["-a", "乙局"], ["--format", "md"], ["--quarter", "2026Q9"], ["-a", "各市"]):
        result = quarter("scorecard", *(args if "--quarter" in args else [*args, *Q3]),
                         code=2 if args and args[-1] in ("2026Q9", "各市") else 0)
        shown = (result.stdout + result.stderr).replace("\\_", "_")  # (Markdown escapes the keys' underscores)
        words = [w for w in english_words(shown) if w not in keys]
        assert not words, (args, words)
    quarter("scorecard", *Q3, "--out", tmp_path / "q3.html")
    page = re.sub(r"<[^>]+>", " ", (tmp_path / "q3.html").read_text(encoding="utf-8").split("</style>")[-1])
    assert [w for w in english_words(page) if w not in keys] == []


def test_the_python_api_gives_what_the_command_prints(quarter):
    import tasklist

    conn = tasklist.open_db()
    try:
        card = tasklist.scorecard(conn, tasklist.Quarter.parse("2026Q3"))
    finally:
        conn.close()
    assert card.as_dict() == quarter.json("scorecard", *Q3)
    assert [(r.agency, r.rank) for r in card.current.rows] == [(a, rank) for a, rank, *_ in EXPECTED]
