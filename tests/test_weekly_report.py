"""The weekly report as the office sends it upward: what it counts, what it says, in which words, and
the figures its charts draw (checked against the rules on random histories, on both engines)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from openpyxl import load_workbook
from test_startup import HEAVY, imported
from test_totals import AS_OFS, random_history

from tasklist import rules
from tasklist.reports import facts
from tasklist.storage.schema import open_db

# every test here writes (updates, files): each runs on SQLite and PostgreSQL
pytestmark = pytest.mark.usefixtures("engine")
AS_OF = ["--as-of", "2026-11-23"]
PLAN_TITLE = "国家数字经济创新发展试验区"  # the bundled plan's title (its brackets are the registry's business)


def zh(monkeypatch):
    monkeypatch.setenv("TASKLIST_LANG", "zh")


def md_sections(text: str) -> dict[str, str]:
    """Each `## ` section of a Markdown report by its heading, up to the next."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts), 2)}


# --------------------------------------------------------------------------- the period and what counts in it


def test_the_period_label_names_exactly_the_days_counted(cli, monkeypatch):
    cli("update", "T6", "--status", "推进中", "--note", "上周五报送", "--on", "2026-11-16")  # the day before the period
    cli("update", "T7", "--agency", "省工信厅", "--status", "推进中", "--note", "周一报送", "--on", "2026-11-17")
    report = cli.json("weekly", *AS_OF)
    assert (report["period_start"], report["period_end"], report["previous_as_of"]) == ("2026-11-17", "2026-11-23", "2026-11-16")
    assert [(r["id"], r["reported_on"]) for r in report["changes"]["reports"]] == [("T7", "2026-11-17")]
    zh(monkeypatch)
    md = cli("weekly", "--format", "md", *AS_OF).stdout
    assert "统计期间：2026-11-17 至 2026-11-23（7天）" in md
    one = cli("weekly", "--format", "md", "--days", "1", "--as-of", "2026-11-17").stdout
    assert "统计日期：2026-11-17" in one and "周一报送" in md_sections(one)["本期更新（1条）"]


def test_an_update_and_its_undo_are_not_reports(cli, monkeypatch):
    cli("update", "T1", "--agency", "省发改委", "--status", "已完成", "--verified", "--note", "误报", "--on", "2026-11-20")
    (row,) = cli.json("history", "T1")
    cli("undo", row["id"])
    cli("update", "T1", "--agency", "省科技厅", "--status", "推进中", "--note", "真报", "--on", "2026-11-21")
    report = cli.json("weekly", *AS_OF)
    assert report["changes"]["updates"] == 1 and report["changes"]["updates_by_agency"] == {"省科技厅": 1}
    assert [r["note"] for r in report["changes"]["reports"]] == ["真报"]
    assert report["changes"]["completed_parts"] == []
    ndrc = next(a for a in report["agencies"] if a["agency"] == "省发改委")
    assert ndrc["reported_in_period"] is False and ndrc["updates_in_period"] == 0
    zh(monkeypatch)
    agencies = md_sections(cli("weekly", "--format", "md", *AS_OF).stdout)["各单位情况"]
    assert re.search(r"\| 省发改委 \|.*\| 否 \|$", agencies, flags=re.M)
    assert re.search(r"\| 省科技厅 \|.*\| 是（1条） \|$", agencies, flags=re.M)


def test_parts_completed_in_the_period_are_listed_with_agency_and_date(cli, monkeypatch):
    cli("update", "O17", "--agency", "福州市", "--status", "已完成", "--verified", "--note", "福州先行完成", "--on", "2026-11-18")
    cli("done", "--verified", "O28", "--note", "5G基站累计9.1万个", "--on", "2026-11-20")
    cli("done", "--verified", "T5", "--agency", "省发改委", "--on", "2026-11-10")  # before the period: not this week's
    report = cli.json("weekly", *AS_OF)
    assert [(p["id"], p["agency"], p["done_on"]) for p in report["changes"]["completed_parts"]] == [
        ("O17", "福州市人民政府", "2026-11-18"), ("O28", "省通信管理局", "2026-11-20")]
    assert [i["id"] for i in report["changes"]["completed"]] == ["O28"]  # O17 is not done in full
    zh(monkeypatch)
    sections = md_sections(cli("weekly", "--format", "md", *AS_OF).stdout)
    assert re.search(r"^\| O17 \| .+ \| 福州市人民政府 \| .+ \| 2026-11-18 \|$", sections["本期完成的分工（2项）"], flags=re.M)
    assert re.search(r"^\| O28 \| .+ \| 省通信管理局 \| 牵头 \| 2026-11-20 \|$", sections["本期完成的分工（2项）"], flags=re.M)
    assert "O28" in sections["本期全部完成的事项（1项）"] and "O17" not in sections["本期全部完成的事项（1项）"]


def test_the_updates_section_lists_item_agency_status_and_note(cli, monkeypatch):
    cli("update", "T6", "--status", "推进中", "--progress", "60", "--note", "已创建省级现代农业智慧园8个", "--on", "2026-11-20")
    cli("update", "T7", "--agency", "省工信厅", "--status", "受阻", "--note", "待协调用地", "--on", "2026-11-21")
    zh(monkeypatch)
    updates = md_sections(cli("weekly", "--format", "md", *AS_OF).stdout)["本期更新（2条）"]
    assert re.search(r"^\| 2026-11-20 \| T6 \| 大力发展数字农业 \| 省农业农村厅 \| 推进中 \| 60 \| 已创建省级现代农业智慧园8个 \|$",
                     updates, flags=re.M)
    assert re.search(r"^\| 2026-11-21 \| T7 \| .+ \| 省工信厅 \| 受阻 \|  \| 待协调用地 \|$", updates, flags=re.M)


# --------------------------------------------------------------------------- what it says, in which words


@pytest.mark.parametrize("lang, none, title", [
    ("zh", "无", "落实情况周报"), ("en", "None", "weekly progress report")])
def test_markdown_has_a_title_and_empty_sections_say_none(cli, monkeypatch, lang, none, title):
    monkeypatch.setenv("TASKLIST_LANG", lang)
    md = cli("weekly", "--format", "md", "--as-of", "2021-05-10").stdout
    first = md.splitlines()[0]
    assert first.startswith("# ") and PLAN_TITLE in first and "闽政〔2021〕5号" in first and title in first
    sections = md_sections(md)
    empty = [name for name, body in sections.items() if body == none]
    assert len(empty) == 5, sections  # updates, parts completed, claims awaiting review, items completed, became overdue
    for body in sections.values():  # never a header-only table
        lines = body.splitlines()
        assert not (len(lines) == 3 and lines[2].strip("| ") == ""), body
    page = cli("weekly", "--format", "html", "--as-of", "2021-05-10").stdout
    assert page.count(f'<p class="none">{none}</p>') == 5 and page.count("<h1>") == 1


def test_the_generation_time_is_local_time_in_the_plans_zone(cli, monkeypatch):
    from tasklist.i18n import Labels
    from tasklist.output.tables import weekly_subtitle
    from tasklist.reports.weekly import weekly_report

    cli("list")
    conn = open_db()
    try:
        report = weekly_report(conn, date(2026, 11, 23), now=datetime(2026, 11, 25, 16, 47, 50, tzinfo=UTC))
    finally:
        conn.close()
    assert report.generated_at == "2026-11-26T00:47:50+08:00"
    assert weekly_subtitle(report, Labels("zh"))[1] == "生成时间：2026-11-26 00:47（Asia/Shanghai）"
    assert weekly_subtitle(report, Labels("en"))[1] == "Generated 2026-11-26 00:47 (Asia/Shanghai)"
    stamp = cli.json("weekly", *AS_OF)["generated_at"]
    assert stamp.endswith("+08:00"), stamp
    zh(monkeypatch)
    shown = cli("weekly", *AS_OF).stdout.splitlines()[2]
    assert re.fullmatch(r"生成时间：\d{4}-\d\d-\d\d \d\d:\d\d（Asia/Shanghai）", shown.strip()), shown


def test_no_english_word_in_the_chinese_report(cli, monkeypatch):
    cli("update", "T6", "--status", "推进中", "--note", "进展", "--on", "2026-11-20")
    cli("done", "--verified", "O28", "--on", "2026-11-20")
    zh(monkeypatch)
    md = cli("weekly", "--format", "md", *AS_OF).stdout
    page = cli("weekly", "--format", "html", *AS_OF).stdout
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    registry = sorted([i["title"] for i in cli.json("list")] + [t["name"] for t in cli.json("targets")["targets"]],
                      key=len, reverse=True)
    for words in (md, text, cli("weekly", "--all", *AS_OF).stdout):
        for title in registry:  # registry text is shown as written
            words = words.replace(title, "")
        english = set(re.findall(r"[A-Za-z]{2,}", words)) - {"Asia", "Shanghai"}  # ids are one letter and digits
        assert not english, english
    assert "个百分点" in md and " pt" not in md


# --------------------------------------------------------------------------- --out and --format


@pytest.mark.parametrize("name, start", [("w.md", "# "), ("w.MARKDOWN", "# "), ("w.html", "<!DOCTYPE html>"),
                                         ("w.htm", "<!DOCTYPE html>"), ("w.json", "{")])
def test_out_without_format_takes_the_format_from_the_extension(cli, tmp_path, name, start):
    result = cli("weekly", "--out", tmp_path / name, *AS_OF)
    assert result.stdout == ""
    assert (tmp_path / name).read_text(encoding="utf-8").startswith(start)


def test_out_with_an_unknown_extension_is_refused_in_one_line(cli, tmp_path, monkeypatch):
    result = cli("weekly", "--out", tmp_path / "w.txt", *AS_OF, code=2)
    assert result.stdout == "" and result.stderr.count("\n") == 1 and "w.txt" in result.stderr
    assert not (tmp_path / "w.txt").exists()
    zh(monkeypatch)
    assert "无法从文件名“w.pdf”看出格式" in cli("weekly", "--out", tmp_path / "w.pdf", *AS_OF, code=2).stderr
    assert "--format 只能是 md 或 html" in cli("weekly", "--format", "pdf", *AS_OF, code=2).stderr
    assert list(tmp_path.iterdir()) == []
    cli("weekly", "--format", "md", "--out", tmp_path / "w.txt", *AS_OF)  # --format says it: any name will do
    assert (tmp_path / "w.txt").read_text(encoding="utf-8").startswith("# ")


def test_the_terminal_report_imports_nothing_heavy(cli, engine):
    cli("list")
    heavy = HEAVY | ({"psycopg"} if engine == "sqlite" else set())
    assert imported("weekly", *AS_OF) & heavy == set()


# --------------------------------------------------------------------------- printing: HTML and XLSX


def test_html_prints_dates_statuses_and_roles_unbroken_and_lights_in_colour(cli, monkeypatch):
    cli("update", "T6", "--status", "推进中", "--note", "进展", "--on", "2022-05-20")
    zh(monkeypatch)
    page = cli("export", "status", "--format", "html", "--as-of", "2022-06-01").stdout  # some late, some on time
    assert "@page { size: A4 landscape;" in page
    assert re.search(r"td\.date, td\.status, td\.light, td\.int, td\.short \{ white-space: nowrap; \}", page)
    assert '<td class="date">2022-12-31</td>' in page and '<td class="status">未启动</td>' in page
    assert '<td class="short">牵头</td>' in page and '<td class="text">大力发展数字农业</td>' in page
    for word, colour in (("红", "#d32f2f"), ("绿", "#2e7d32")):
        assert f'<td class="light"><span class="dot" style="background:{colour}"></span>{word}</td>' in page
    title = "各单位进展（截至 2022-06-01）"
    assert page.count(title) == 2  # the window's title and the page's heading, once each
    assert re.findall(r"<h\d>(.*?)</h\d>", page) == [title]


@pytest.mark.parametrize("lang, names", [("zh", ["逾期事项", "各单位进展", "事项清单", "更新记录"]),
                                         ("en", ["overdue", "status", "items", "history"])])
def test_xlsx_exports_print_on_a4_landscape_with_their_header_on_every_page(cli, tmp_path, monkeypatch, lang, names):
    monkeypatch.setenv("TASKLIST_LANG", lang)
    cli("update", "T6", "--status", "in_progress", "--note", "很长的进展情况。" * 12, "--on", "2026-11-20")
    for report, name in zip(("overdue", "status", "items", "history"), names):
        out = tmp_path / f"{report}.xlsx"
        cli("export", report, "--format", "xlsx", "--out", out, *AS_OF)
        (sheet,) = load_workbook(out).worksheets
        assert sheet.title == name
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.print_title_rows == "$1:$1" and sheet.freeze_panes == "A2"
        header = [c.value for c in sheet[1]]
        if report != "history":
            title = header.index("名称" if lang == "zh" else "Title") + 1
            long_titles = [r[title - 1] for r in sheet.iter_rows(min_row=2)]
            assert all(c.alignment.wrap_text for c in long_titles)
            assert sheet.column_dimensions[long_titles[0].column_letter].width <= 42
        if report in ("status", "history"):
            note = header.index("进展情况" if lang == "zh" else "Note")
            cell = next(r[note] for r in sheet.iter_rows(min_row=2) if r[note].value)
            assert cell.alignment.wrap_text
    cli("export", "overdue", "--format", "xlsx", "--by-agency", "--out", tmp_path / "by.xlsx", *AS_OF)
    assert load_workbook(tmp_path / "by.xlsx").sheetnames[0] == "省科技厅"  # a split workbook: a sheet per agency


# --------------------------------------------------------------------------- the charts' figures


def test_the_html_report_draws_the_trend_and_each_agencys_overdue_parts(cli):
    cli("update", "T6", "--status", "推进中", "--on", "2024-05-06")
    cli("done", "--verified", "O28", "--on", "2025-03-01")
    cli("done", "--verified", "T6", "--on", "2026-11-20")
    page = cli("weekly", "--format", "html", *AS_OF).stdout
    report = cli.json("weekly", *AS_OF)
    assert "<script" not in page and not re.search(r"(src|href)=|url\(|@import|https?:", page)
    trend, bars = re.findall(r'<svg class="chart (\w+)"', page), re.findall(r'<svg class="chart bars".*?</svg>', page, re.S)
    assert trend == ["trend", "bars"] + ["target"] * 6  # then one chart per target (指标) of the plan
    late = sorted((a for a in report["agencies"] if a["overdue"]), key=lambda a: -a["overdue"])
    drawn = re.findall(r'text-anchor="end" fill="#222">([^<]+)</text>\n<rect [^>]*width="([\d.]+)"[^>]*/>\n<text [^>]*>(\d+)</text>',
                       bars[0])
    assert [(name, int(n)) for name, _, n in drawn] == [(a["agency"], a["overdue"]) for a in late][:30]
    widths = [float(w) for _, w, _ in drawn]  # each bar as long as its count says
    assert all(abs(w / widths[0] - int(n) / int(drawn[0][2])) < 0.01 for w, (_, _, n) in zip(widths, drawn))
    points = report["trend"]["points"]
    assert report["trend"]["unit"] == "month" and points[0]["date"] == "2021-03-03" and points[-1]["date"] == "2026-11-23"
    assert points[-1]["items_done"] == report["overall"]["by_status"]["done"] == 2
    assert points[-1]["parts_done"] == sum(a["done"] for a in report["agencies"])
    may_2024 = next(p for p in points if p["date"] == "2024-05-31")
    assert (may_2024["items_done"], may_2024["parts_done"]) == (0, 0)
    march_2025 = next(p for p in points if p["date"] == "2025-03-31")
    assert (march_2025["items_done"], march_2025["parts_done"]) == (1, 1)
    polyline = re.search(r'<polyline points="([^"]+)"', page).group(1).split()
    assert len(polyline) == len(points)


@pytest.mark.parametrize("seed", [3, 4])
def test_trend_and_completed_parts_equal_the_rules_on_random_histories(cli, seed):
    from tasklist.reports.weekly import completed_parts, completion_trend, trend_days

    cli("list")
    conn = open_db()
    try:
        random_history(conn, seed)
        days = [d for d in trend_days(date(2021, 3, 3), date(2026, 11, 23))[0] if d.day in (1, 15, 28, 30, 31)]
        days += [d + timedelta(days=k) for d in AS_OFS for k in (-1, 0, 1)]
        # every day a report was made: two on one day (an undo, say) leave only the later in force
        days += [date.fromisoformat(r[0]) for r in conn.all("SELECT DISTINCT reported_on FROM status_update")]
        days = sorted(set(days))
        expected = []
        for day in days:
            items = facts.snapshot(conn, day)
            parts = [a for i in items for a in i.assignments]
            expected.append((sum(i.status == rules.DONE for i in items), sum(a.status == rules.DONE for a in parts)))
        trend = completion_trend(conn, days, items=len(items), parts=len(parts))
        assert [(p.items_done, p.parts_done) for p in trend] == expected
        assert any(done for done, _ in expected)  # the history is not one where nothing is ever done
        for as_of in AS_OFS[1:]:
            start = as_of - timedelta(days=30)
            before = {a.assignment_id: a.status for i in facts.snapshot(conn, start) for a in i.assignments}
            now = [(i.code, a.agency) for i in facts.snapshot(conn, as_of) for a in i.assignments
                   if a.status == rules.DONE and before[a.assignment_id] != rules.DONE]
            assert sorted((p.code, p.agency) for p in completed_parts(conn, start, as_of)) == sorted(now), as_of
    finally:
        conn.close()


def test_trend_days_are_month_ends_or_weeks():
    from tasklist.reports.weekly import trend_days

    days, unit = trend_days(date(2021, 3, 3), date(2021, 6, 10))
    assert unit == "week" and days[-1] == date(2021, 6, 10) and days[0] == date(2021, 3, 3)
    assert all(b - a == timedelta(days=7) for a, b in pairwise(days[1:]))
    days, unit = trend_days(date(2021, 3, 3), date(2022, 1, 31))
    assert unit == "month" and days[:3] == [date(2021, 3, 3), date(2021, 3, 31), date(2021, 4, 30)]
    assert days[-2:] == [date(2021, 12, 31), date(2022, 1, 31)]
    assert trend_days(date(2021, 3, 3), date(2021, 3, 3)) == ([date(2021, 3, 3)], "month")
    assert trend_days(date(2021, 3, 3), date(2020, 1, 1)) == ([date(2020, 1, 1)], "month")


def test_json_keeps_its_fields_and_adds_the_new_ones(cli):
    cli("done", "--verified", "O28", "--on", "2026-11-20")
    report = cli.json("weekly", *AS_OF)
    assert json.loads(json.dumps(report))["plan"] == {"id": "fujian-dez-2021", "title": report["plan"]["title"],
                                                      "doc_no": "闽政〔2021〕5号", "timezone": "Asia/Shanghai"}
    assert set(report["changes"]) == {"updates", "updates_by_agency", "reports", "completed_parts", "completed",
                                      "became_overdue"}
    assert report["changes"]["reports"][0] | {"update": 0} == {
        "update": 0, "id": "O28", "title": "建成8万个以上5G基站", "agency": "省通信管理局", "status": "done",
        "progress": 100, "note": None, "reported_on": "2026-11-20"}


def test_the_overdue_view_counts_the_same_items_past_due_unassigned_when_given_them(cli):
    """The weekly report judges the items awaiting assignment once and hands them to the overdue
    view; the count of those past due is the one the view finds by itself."""
    from conftest import ROOT

    from tasklist.reports.views import awaiting_assignment, overdue_view
    from tasklist.storage.connection import connect

    cli("load", ROOT / "data" / "plans" / "qingdao-2023")
    conn = connect()
    try:
        as_of = date(2026, 1, 1)
        waiting = awaiting_assignment(conn, as_of)
        given = overdue_view(conn, as_of, limit=5, unassigned=waiting).unassigned_past_due
        assert given == overdue_view(conn, as_of, limit=5).unassigned_past_due == 3
    finally:
        conn.close()
