"""The quarterly scorecard as tables (terminal, Markdown, XLSX) and as a printable HTML page with its
charts: the scores as bars, and each agency's recent scores as a small line beside its row.

Only draws what :mod:`tasklist.reports.scorecard` computed; every word from ``scorecard.*``."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from ..i18n import Labels
from ..messages import join
from ..scoring import COUNTED, Quarter
from ..text import visible
from .tables import Column, Table

#: the numbers of a quarter's line, in the order the full table shows them
FULL = ("parts_owed", "completed_on_time", "completed_late", "overdue", "overdue_days", "reports_due",
        "reports_on_time", "claim_returned", "reminder_1", "reminder_2", "reminder_3")
_ZH_NUMBERS = "一二三四"


def number(value: float) -> int | float:
    """A score as people write it: 98, not 98.0; 97.5 as it is."""
    return int(value) if float(value).is_integer() else value


def quarter_name(labels: Labels, quarter: Quarter) -> str:
    return labels("scorecard.quarter", year=quarter.year, n=quarter.number, n_zh=_ZH_NUMBERS[quarter.number - 1])


def _plan_name(card: Any, labels: Labels) -> str:
    plan = card.plan
    return (labels("report.plan", title=plan["title"], doc_no=plan["doc_no"]) if plan.get("doc_no")
            else labels("report.plan_untitled", title=plan["title"]))


def title(card: Any, labels: Labels) -> str:
    if card.agency is not None:
        return labels("scorecard.agency_title", plan=_plan_name(card, labels), agency=card.agency)
    return labels("scorecard.title", plan=_plan_name(card, labels), quarter=quarter_name(labels, card.current.quarter))


def subtitle(card: Any, labels: Labels) -> list[str]:
    """The period, and the knowledge cutoff that makes the quarter's table final."""
    first, last = card.quarters[0].quarter, card.current.quarter
    if card.agency is not None:
        period = labels("scorecard.agency_quarters", first=first.label, last=last.label)
    else:
        period = labels("scorecard.period", start=last.start.isoformat(), end=last.end.isoformat())
    return [period, labels("scorecard.cutoff", end=last.end.isoformat(), zone=card.plan["timezone"])]


def _line(row: Any) -> dict[str, int]:
    c = row.counts
    return {"parts_owed": c.parts_owed, "overdue_days": c.overdue_days, "reports_due": c.reports_due,
            "reports_on_time": c.reports_on_time, **c.weighed()}


def scores_table(card: Any, labels: Labels) -> Table:
    """The quarter's table: rank, agency, score, then every count (what Markdown, HTML and XLSX show)."""
    columns = [Column("rank", labels("scorecard.rank"), "int"), Column("agency", labels("agency"), "short"),
               Column("score", labels("scorecard.score"), "int"),
               *(Column(k, labels(f"scorecard.{k}"), "int") for k in FULL)]
    table = Table("scorecard", labels("scorecard.scores"), columns, sheet=labels("scorecard.sheet_scores"),
                  empty=labels("scorecard.none"))
    for row in card.current.rows:
        line = _line(row)
        table.rows.append([row.rank, row.agency, number(row.score), *(line[k] for k in FULL)])
    return table


def screen_table(card: Any, labels: Labels) -> Table:
    """The quarter's table narrowed for an 80-column terminal: overdue, reports and reminders each
    in one cell (:func:`screen_notes` says how to read them)."""
    columns = [Column("rank", labels("scorecard.rank"), "int"), Column("agency", labels("agency"), "short"),
               Column("score", labels("scorecard.score"), "int"), Column("owed", labels("scorecard.parts_owed"), "int"),
               Column("on_time", labels("scorecard.completed_on_time"), "int"),
               Column("late", labels("scorecard.completed_late"), "int"),
               Column("overdue", labels("scorecard.overdue"), "int"),
               Column("reports", labels("scorecard.short_reports"), "int"),
               Column("returned", labels("scorecard.short_returned"), "int"),
               Column("reminded", labels("scorecard.short_reminders"), "int")]
    table = Table("scorecard", labels("scorecard.scores"), columns, empty=labels("scorecard.none"))
    for row in card.current.rows:
        c = row.counts
        table.rows.append([row.rank, row.agency, number(row.score), c.parts_owed, c.completed_on_time,
                           c.completed_late, f"{c.overdue}/{c.overdue_days}", f"{c.reports_on_time}/{c.reports_due}",
                           c.claim_returned, "/".join(str(c.reminders[level]) for level in (1, 2, 3))])
    return table


def screen_notes(card: Any, labels: Labels) -> list[str]:
    return [labels("scorecard.screen_note")] if card.agency is None and card.current.rows else []


def agency_table(card: Any, labels: Labels) -> Table:
    """One agency's quarters side by side: a row per measure, a column per quarter (blank where it
    had no parts), so it sees where it lost points."""
    rows = [(card_.quarter, card_.row(card.agency)) for card_ in card.quarters]
    columns = [Column("measure", labels("scorecard.measure"), "short"),
               *(Column(q.label, q.label, "int") for q, _ in rows)]
    table = Table("scorecard", card.agency, columns, group_key=None, sheet=labels("scorecard.sheet_scores"))
    table.rows.append([labels("scorecard.score"), *(number(r.score) if r else None for _, r in rows)])
    table.rows.append([labels("scorecard.rank"), *(f"{r.rank}/{r.ranked}" if r else None for _, r in rows)])
    lines = [_line(r) if r else None for _, r in rows]
    for key in FULL:
        table.rows.append([labels(f"scorecard.{key}"), *(line[key] if line else None for line in lines)])
    return table


def weights_table(weights: dict[str, float], labels: Labels) -> Table:
    """Each weight, its value and what it counts (``base``, then the counts in COUNTED's order)."""
    columns = [Column("key", labels("scorecard.weight_key"), "short"), Column("weight", labels("scorecard.weight"), "int"),
               # keyed "title": the long text column, the one a terminal table cuts to fit (plain_table)
               Column("title", labels("scorecard.weight_meaning"))]
    table = Table("weights", labels("scorecard.weights"), columns, group_key=None, sheet=labels("scorecard.sheet_weights"))
    for key in ("base", *COUNTED):
        table.rows.append([key, number(weights[key]), labels(f"scorecard.w_{key}")])
    return table


def tables(card: Any, labels: Labels) -> list[Table]:
    main = agency_table(card, labels) if card.agency is not None else scores_table(card, labels)
    return [main, weights_table(card.weights, labels)]


def render(card: Any, fmt: str, labels: Labels) -> bytes:
    """The scorecard as Markdown, XLSX, or an HTML page with its charts."""
    from . import formats

    parts = tables(card, labels)
    if fmt == "md":
        return formats.to_markdown(parts, title=title(card, labels), lines=subtitle(card, labels))
    if fmt == "xlsx":
        return formats.to_xlsx(parts)
    return formats.html_document(title(card, labels), _html_body(card, parts, labels), lines=subtitle(card, labels))


# --------------------------------------------------------------------------- HTML and its charts

#: the quarter's table has 15 columns: its headers wrap (English ones are long) so that it fits A4 landscape
SCORECARD_STYLE = """
<style>
table.scores th { white-space: normal; word-break: keep-all; vertical-align: bottom; }
td.trend { padding: 0 4px; } td.trend svg { display: block; }
section.weights { break-inside: avoid; }
</style>
"""


def _html_body(card: Any, parts: Sequence[Table], labels: Labels) -> str:
    from .charts import MAX_SCORE_BARS, score_bars_svg
    from .formats import figure_html, html_table

    main, weights = parts
    if card.agency is not None:
        body = [_trend_figure(card, labels), html_table(main), _weights_html(weights)]
        return SCORECARD_STYLE + "\n".join(body)
    current = card.current
    body = [SCORECARD_STYLE]
    if current.rows:
        scores = [(r.agency, r.score) for r in current.rows]
        name = quarter_name(labels, current.quarter)
        summary = labels("scorecard.scores_desc", quarter=name, n=len(scores), high=number(max(s for _, s in scores)),
                         low=number(min(s for _, s in scores)))
        caption = labels("scorecard.scores_chart", quarter=name)
        for start in range(0, len(scores), MAX_SCORE_BARS):  # a page's worth of bars at a time
            svg = score_bars_svg(scores[start:start + MAX_SCORE_BARS], base=card.weights["base"], summary=summary,
                                 scale=scores)
            last = start + MAX_SCORE_BARS >= len(scores)
            words = f'\n<p class="meta">{html.escape(visible(summary))}</p>' if last else ""
            body.append(figure_html(caption if start == 0 else labels("scorecard.continued", caption=caption),
                                    svg + words))
    body.append(_scores_html(card, main, labels))
    body.append(_weights_html(weights))
    return "\n".join(body)


def _weights_html(weights: Table) -> str:
    """The weights, kept on one page (a reader needs all of them to check a score)."""
    from .formats import html_table

    return f'<section class="weights">{html_table(weights)}</section>'


def _scores_html(card: Any, table: Table, labels: Labels) -> str:
    """The quarter's table, with a last column (when there are quarters before it): each agency's
    score over the recent quarters, drawn on one scale."""
    from .charts import sparkline_svg
    from .formats import _html_cell, html_table

    if not table.rows:
        return html_table(table)
    e = html.escape
    trend = len(card.quarters) > 1
    scores = [r.score for q in card.quarters for r in q.rows]
    head = "".join(f'<th class="{c.kind}">{e(visible(c.label))}</th>' for c in table.columns)
    if trend:
        head += f'<th class="short">{e(labels("scorecard.trend"))}</th>'
    out = [f"<h2>{e(visible(table.title))}</h2>", '<table class="scores">', f"<thead><tr>{head}</tr></thead><tbody>"]
    for row in table.rows:
        cells = "".join(_html_cell(c, v) for c, v in zip(table.columns, row))
        if trend:
            points = [(q.label, s) for q, s in card.trend(row[1])]
            line = sparkline_svg(points, low=min(scores), high=max(scores), summary=_trend_summary(labels, row[1], points))
            cells += f'<td class="trend">{line}</td>'
        out.append(f"<tr>{cells}</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _trend_summary(labels: Labels, agency: str, points: Sequence[tuple[str, float | None]]) -> str:
    """The words a screen reader gets for a trend: each quarter's score."""
    values = join(f"{q} {number(s) if s is not None else labels('scorecard.not_scored_then')}" for q, s in points)
    return labels("scorecard.trend_values", agency=agency, n=len(points), values=values)


def _trend_figure(card: Any, labels: Labels) -> str:
    """One agency's scores over its recent quarters, drawn large, each quarter named under its point."""
    from .charts import sparkline_svg
    from .formats import figure_html

    points = [(q.label, s) for q, s in card.trend(card.agency)]
    known = [s for _, s in points if s is not None]
    if not known:
        return ""
    svg = sparkline_svg(points, low=min(known), high=max(known), summary=_trend_summary(labels, card.agency, points),
                        width=560, height=170, labelled=True)
    return figure_html(labels("scorecard.trend_desc", agency=card.agency, n=len(points)), svg)
