"""Charts as inline SVG: no script, no network, text escaped like any other HTML.

The numbers come from the report (:mod:`tasklist.reports.weekly`); these functions only draw them.
Each chart has a fixed size in CSS pixels, so that it prints the same on A4 as it shows on screen,
and its words in the text of the page (a <title> for screen readers, a caption for print)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import date
from typing import Any
from unicodedata import east_asian_width

from ..text import visible

ITEMS_COLOUR = "#1f4e9a"
PARTS_COLOUR = "#e07b00"
OVERDUE_COLOUR = "#c62828"
GRID_COLOUR = "#d0d0d0"
AXIS_COLOUR = "#555"
MAX_BARS = 30


def _e(text: str) -> str:
    return html.escape(visible(text))


def _text_width(text: str, size: float) -> float:
    """About how wide ``text`` is at font size ``size``: a CJK character is square, others half."""
    return sum(size if east_asian_width(ch) in "WF" else size * 0.56 for ch in text)


def _nice_top(fraction: float) -> float:
    """The top of the y axis, as a fraction: the first of 10%, 20%, 25%, 50%, 75%, 100% that holds
    the largest value (a low rate still shows its rise; the axis says how low)."""
    for top in (0.1, 0.2, 0.25, 0.5, 0.75, 1.0):
        if fraction <= top:
            return top
    return 1.0


def _percent(value: float) -> str:
    """5%, 2.5%, 1.9%: a whole number without its decimal."""
    shown = f"{value * 100:.1f}"
    return (shown[:-2] if shown.endswith(".0") else shown) + "%"


def trend_svg(points: Sequence[Any], *, unit: str, names: tuple[str, str], summary: str,
              width: int = 560, height: int = 230) -> str:
    """Two lines over time: items done in full and parts done, as a share of all (``points``:
    :class:`~tasklist.reports.weekly.TrendPoint`, ascending by day). ``names``: the two lines' names
    for the legend; ``summary``: one sentence saying what the chart shows, for screen readers."""
    left, right, top, bottom = 44, 58, 28, 26
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    first, last = points[0].day, points[-1].day
    span = max((last - first).days, 1)
    peak = _nice_top(max(max(p.items_rate, p.parts_rate) for p in points))

    def x(day: date) -> float:
        return x0 + (x1 - x0) * ((day - first).days / span if len(points) > 1 else 1.0)

    def y(rate: float) -> float:
        return y1 - (y1 - y0) * min(rate, peak) / peak

    out = [f'<svg class="chart trend" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">',
           f"<title>{_e(summary)}</title>"]
    # the y axis: five steps up to the top
    for k in range(6):
        rate = peak * k / 5
        gy = y(rate)
        out.append(f'<line x1="{x0}" y1="{gy:.1f}" x2="{x1}" y2="{gy:.1f}" stroke="{GRID_COLOUR if k else AXIS_COLOUR}" '
                   'stroke-width="1"/>')
        out.append(f'<text x="{x0 - 5}" y="{gy + 4:.1f}" font-size="11" text-anchor="end" fill="#333">{_percent(rate)}</text>')
    # the x axis: each new year (or, over a few months, each measured week)
    if unit == "week":
        step = 1 if len(points) <= 9 else 2
        ticks = [(p.day, p.day.strftime("%m-%d")) for p in points[::-1][::step]]
    else:
        ticks = [(date(year, 1, 1), str(year)) for year in range(first.year + 1, last.year + 1)]
        if not ticks or (ticks[0][0] - first).days > 120:
            ticks.insert(0, (first, first.strftime("%Y-%m")))
    for day, label in ticks:
        tx = x(day)
        out.append(f'<line x1="{tx:.1f}" y1="{y1}" x2="{tx:.1f}" y2="{y1 + 4}" stroke="{AXIS_COLOUR}" stroke-width="1"/>')
        out.append(f'<text x="{tx:.1f}" y="{y1 + 16}" font-size="11" text-anchor="middle" fill="#333">{_e(label)}</text>')
    # the two lines, the parts' dashed (it still reads in black and white), each value at its end
    ends = []
    for colour, dash, rate_of in ((ITEMS_COLOUR, "", lambda p: p.items_rate), (PARTS_COLOUR, ' stroke-dasharray="6 3"',
                                                                              lambda p: p.parts_rate)):
        coords = " ".join(f"{x(p.day):.1f},{y(rate_of(p)):.1f}" for p in points)
        out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.2"{dash} '
                   'stroke-linejoin="round"/>')
        end = rate_of(points[-1])
        out.append(f'<circle cx="{x(last):.1f}" cy="{y(end):.1f}" r="3" fill="{colour}"/>')
        ends.append((y(end), end, colour))
    if abs(ends[0][0] - ends[1][0]) < 13:  # two end labels that would overlap: one above, one below
        upper, lower = sorted(ends, key=lambda e: (-e[1], e[2]))
        ends = [(min(upper[0], lower[0]) - 6, upper[1], upper[2]), (max(upper[0], lower[0]) + 8, lower[1], lower[2])]
    for ey, value, colour in ends:
        out.append(f'<text x="{x(last) + 6:.1f}" y="{ey + 4:.1f}" font-size="11" fill="{colour}">{_percent(value)}</text>')
    # the legend, over the plot
    lx = x0 + 6
    for (colour, dash), name in zip(((ITEMS_COLOUR, ""), (PARTS_COLOUR, ' stroke-dasharray="6 3"')), names):
        out.append(f'<line x1="{lx}" y1="12" x2="{lx + 22}" y2="12" stroke="{colour}" stroke-width="2.2"{dash}/>')
        out.append(f'<text x="{lx + 27}" y="16" font-size="11.5" fill="#222">{_e(name)}</text>')
        lx += 27 + int(_text_width(name, 11.5)) + 22
    out.append("</svg>")
    return "\n".join(out)


def bars_svg(pairs: Sequence[tuple[str, int]], *, summary: str, width: int = 440) -> str:
    """Horizontal bars, one per (name, count), in the order given, each count written at its end."""
    font, row, bar = 11, 16, 11
    label_width = max(_text_width(visible(name), font) for name, _ in pairs)
    left = int(label_width) + 10
    room = width - left - 34
    peak = max(n for _, n in pairs) or 1
    height = 6 + row * len(pairs) + 4
    out = [f'<svg class="chart bars" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">',
           f"<title>{_e(summary)}</title>"]
    for k, (name, n) in enumerate(pairs):
        top = 6 + k * row
        length = max(room * n / peak, 1.5)
        out.append(f'<text x="{left - 6}" y="{top + bar - 1}" font-size="{font}" text-anchor="end" fill="#222">{_e(name)}</text>')
        out.append(f'<rect x="{left}" y="{top}" width="{length:.1f}" height="{bar}" fill="{OVERDUE_COLOUR}"/>')
        out.append(f'<text x="{left + length + 4:.1f}" y="{top + bar - 1}" font-size="{font}" fill="#222">{n}</text>')
    out.append(f'<line x1="{left}" y1="2" x2="{left}" y2="{height - 2}" stroke="{AXIS_COLOUR}" stroke-width="1"/>')
    out.append("</svg>")
    return "\n".join(out)


def weekly_figures(report: Any, labels: Any) -> list[tuple[str, str]]:
    """The weekly report's charts, each (caption, HTML): the completion trend over the plan's life,
    and each agency's overdue parts."""
    figures = []
    day = report.as_of.isoformat()
    if report.trend:
        end = report.trend[-1]
        summary = labels("report.trend_desc", day=day, items_done=end.items_done, items=end.items,
                         parts_done=end.parts_done, parts=end.parts)
        caption = labels("report.trend_title", first=report.trend[0].day.isoformat(), last=day,
                         unit=labels(f"report.unit_{report.trend_unit}"))
        svg = trend_svg(report.trend, unit=report.trend_unit, summary=summary,
                        names=(labels("report.trend_items"), labels("report.trend_parts")))
        figures.append((caption, f'{svg}\n<p class="meta">{_e(summary)}</p>'))
    late = report.overdue_by_agency
    caption = labels("report.overdue_chart", day=day)
    if not late:
        figures.append((caption, f'<p class="none">{_e(labels("report.overdue_chart_none", day=day))}</p>'))
        return figures
    shown, rest = late[:MAX_BARS], late[MAX_BARS:]
    body = bars_svg(shown, summary=caption)
    if rest:
        more = labels("report.chart_more", n=len(rest), parts=sum(n for _, n in rest))
        body += f'\n<p class="meta">{_e(more)}</p>'
    figures.append((caption, body))
    return figures


SCORE_COLOUR = "#1f4e9a"
BELOW_BASE_COLOUR = "#c62828"


#: the bars of one scorecard chart: more are drawn as further charts on the same scale, each of
#: which fits an A4 landscape page (with the report's title above the first)
MAX_SCORE_BARS = 32


def score_bars_svg(pairs: Sequence[tuple[str, float]], *, base: float, summary: str, width: int = 640,
                   scale: Sequence[tuple[str, float]] | None = None) -> str:
    """The scorecard's scores, one bar per (agency, score) in the order given (by rank), from zero (or
    the lowest score, if one is below zero); a dashed line marks ``base``, the score every agency starts
    its quarter with, and a bar that ended below it is red (it still reads in black and white: each
    score is written at its bar's end). ``scale``: every (agency, score) of the quarter, when
    ``pairs`` is one part of them drawn on its own, so that every part has the same axis."""
    font, row, bar = 11, 17, 12
    every = scale or pairs
    label_width = max(_text_width(visible(name), font) for name, _ in every)
    left = int(label_width) + 10
    room = width - left - 44
    low = min(0.0, *(s for _, s in every))
    high = max(base, *(s for _, s in every)) or 1.0
    height = 8 + row * len(pairs) + 6

    def x(value: float) -> float:
        return left + room * (value - low) / (high - low or 1.0)

    out = [f'<svg class="chart bars scores" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">',
           f"<title>{_e(summary)}</title>"]
    for k, (name, score) in enumerate(pairs):
        top = 8 + k * row
        start, end = sorted((x(0.0), x(score)))
        colour = SCORE_COLOUR if score >= base else BELOW_BASE_COLOUR
        shown = f"{score:g}"
        out.append(f'<text x="{left - 6}" y="{top + bar - 1}" font-size="{font}" text-anchor="end" fill="#222">{_e(name)}</text>')
        out.append(f'<rect x="{start:.1f}" y="{top}" width="{max(end - start, 1.5):.1f}" height="{bar}" fill="{colour}"/>')
        out.append(f'<text x="{max(end, start + 1.5) + 4:.1f}" y="{top + bar - 1}" font-size="{font}" fill="#222">'
                   f"{_e(shown)}</text>")
    out.append(f'<line x1="{x(0.0):.1f}" y1="2" x2="{x(0.0):.1f}" y2="{height - 2}" stroke="{AXIS_COLOUR}" stroke-width="1"/>')
    out.append(f'<line x1="{x(base):.1f}" y1="2" x2="{x(base):.1f}" y2="{height - 2}" stroke="{AXIS_COLOUR}" '
               'stroke-width="1" stroke-dasharray="3 3"/>')
    out.append("</svg>")
    return "\n".join(out)


def sparkline_svg(points: Sequence[tuple[str, float | None]], *, low: float, high: float, summary: str,
                  width: int = 120, height: int = 20, labelled: bool = False) -> str:
    """A small line of scores over quarters ((label, score or None), oldest first) on a scale from
    ``low`` to ``high`` shared by every agency's line, so that lines compare; a quarter without a
    score leaves a gap. The last score is written after the line; ``labelled``: each quarter's label
    under its point and each score over it (a larger chart of one agency)."""
    pad_x, pad_top, pad_bottom = (22 if labelled else 4), (14 if labelled else 3), (18 if labelled else 3)
    size = 11 if labelled else 10
    last = points[-1][1] if points else None
    right = int(_text_width(f"{last:g}", size)) + 10 if last is not None else 6  # room for the last score
    span = high - low or 1.0
    step = (width - pad_x - right) / max(len(points) - 1, 1)

    def xy(k: int, value: float) -> tuple[float, float]:
        return pad_x + step * k, height - pad_bottom - (height - pad_top - pad_bottom) * (value - low) / span

    out = [f'<svg class="chart spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">',
           f"<title>{_e(summary)}</title>",
           f'<line x1="{pad_x}" y1="{height - pad_bottom}" x2="{width - right + 2}" y2="{height - pad_bottom}" '
           f'stroke="{GRID_COLOUR}" stroke-width="1"/>']
    runs: list[list[tuple[float, float]]] = [[]]
    for k, (_, value) in enumerate(points):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(xy(k, value))
    for run in runs:
        if len(run) > 1:
            coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
            out.append(f'<polyline points="{coords}" fill="none" stroke="{ITEMS_COLOUR}" stroke-width="1.6" '
                       'stroke-linejoin="round"/>')
        for px, py in run:
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{2 if labelled else 1.6}" fill="{ITEMS_COLOUR}"/>')
    for k, (label, value) in enumerate(points):
        px = pad_x + step * k
        if labelled:
            out.append(f'<text x="{px:.1f}" y="{height - 4}" font-size="{size - 1}" text-anchor="middle" fill="#333">'
                       f"{_e(label)}</text>")
            if value is not None and k < len(points) - 1:
                out.append(f'<text x="{px:.1f}" y="{xy(k, value)[1] - 5:.1f}" font-size="{size - 1}" '
                           f'text-anchor="middle" fill="#333">{value:g}</text>')
    if last is not None:
        px, py = xy(len(points) - 1, last)
        out.append(f'<text x="{px + 5:.1f}" y="{py + 4:.1f}" font-size="{size}" fill="#222">{last:g}</text>')
    out.append("</svg>")
    return "\n".join(out)


# --------------------------------------------------------------------------- quantitative targets (指标)

TARGET_COLOUR = "#2e7d32"
VALUE_COLOUR = "#1f4e9a"
PROJECTION_COLOUR = "#777"
LIGHT_COLOURS = {"green": "#2e7d32", "yellow": "#b8860b", "red": "#c62828"}


def _short(value: float) -> str:
    rounded = round(value, 4) + 0.0
    return f"{rounded:.6g}"


def _nice_step(raw: float) -> float:
    """The first of 1, 2, 2.5, 5 (times a power of ten) at least ``raw``."""
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def target_svg(state: Any, *, as_of: date, summary: str, width: int = 360, height: int = 170) -> str:
    """One target over time: the values measured (dots joined by a line, from the baseline when there
    is one), the target as a horizontal line up to its deadline, and the projection (dashed) from the
    last value to the deadline. ``state``: :class:`~tasklist.reports.targets.TargetState`."""
    left, right, top, bottom = 48, 16, 14, 24
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    points = ([(state.baseline.on, state.baseline.value)] if state.baseline else []) + [(r.on, r.value)
                                                                                       for r in state.reports]
    s = state.standing
    first = min([p[0] for p in points] + [min(as_of, state.deadline)])
    last = max(state.deadline, as_of, *(p[0] for p in points)) if points else max(state.deadline, as_of)
    span = max((last - first).days, 1)
    values = [v for _, v in points] + [state.target] + ([s.projected] if s.projected is not None else [])
    low, high = min(values + [0.0]), max(values)
    if high == low:
        high = low + 1
    step = _nice_step((high - low) * 1.05 / 4)  # four steps of 1, 2, 2.5 or 5 times a power of ten
    low, high = math.floor(low / step) * step, math.floor(low / step) * step + 4 * step
    while high < max(values):
        high += step
    steps = round((high - low) / step)

    def x(day: date) -> float:
        return x0 + (x1 - x0) * (day - first).days / span

    def y(value: float) -> float:
        return y1 - (y1 - y0) * (value - low) / (high - low)

    out = [f'<svg class="chart target" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">',
           f"<title>{_e(summary)}</title>"]
    for k in range(steps + 1):  # the y axis
        value = low + step * k
        gy = y(value)
        out.append(f'<line x1="{x0}" y1="{gy:.1f}" x2="{x1}" y2="{gy:.1f}" stroke="{GRID_COLOUR if k else AXIS_COLOUR}" '
                   'stroke-width="1"/>')
        out.append(f'<text x="{x0 - 4}" y="{gy + 4:.1f}" font-size="10" text-anchor="end" fill="#333">{_short(value)}</text>')
    for year in range(first.year + (first.month > 1 or first.day > 1), last.year + 1):
        tick = date(year, 1, 1)
        out.append(f'<text x="{x(tick):.1f}" y="{y1 + 15}" font-size="10" text-anchor="middle" fill="#333">{year}</text>')
        out.append(f'<line x1="{x(tick):.1f}" y1="{y1}" x2="{x(tick):.1f}" y2="{y1 + 4}" stroke="{AXIS_COLOUR}"/>')
    ty = y(state.target)  # the target, up to its deadline, and the deadline itself
    out.append(f'<line x1="{x0}" y1="{ty:.1f}" x2="{x(state.deadline):.1f}" y2="{ty:.1f}" stroke="{TARGET_COLOUR}" '
               'stroke-width="1.6"/>')
    out.append(f'<line x1="{x(state.deadline):.1f}" y1="{y0}" x2="{x(state.deadline):.1f}" y2="{y1}" '
               f'stroke="{TARGET_COLOUR}" stroke-width="1" stroke-dasharray="2 3"/>')
    out.append(f'<text x="{x0 + 4}" y="{ty - 4:.1f}" font-size="10" fill="{TARGET_COLOUR}">'
               f'{_e(("≥ " if state.comparator == ">=" else "≤ ") + _short(state.target))}</text>')
    out.append(f'<line x1="{x(as_of):.1f}" y1="{y0}" x2="{x(as_of):.1f}" y2="{y1}" stroke="{AXIS_COLOUR}" '
               'stroke-width="1" stroke-dasharray="1 2"/>')  # the as-of date
    if s.projected is not None and points and points[-1][0] < state.deadline:
        end = points[-1]
        out.append(f'<line x1="{x(end[0]):.1f}" y1="{y(end[1]):.1f}" x2="{x(state.deadline):.1f}" '
                   f'y2="{y(s.projected):.1f}" stroke="{PROJECTION_COLOUR}" stroke-width="1.6" stroke-dasharray="5 3"/>')
        out.append(f'<circle cx="{x(state.deadline):.1f}" cy="{y(s.projected):.1f}" r="3" fill="none" '
                   f'stroke="{LIGHT_COLOURS[s.light]}" stroke-width="1.6"/>')
    if len(points) > 1:
        coords = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points)
        out.append(f'<polyline points="{coords}" fill="none" stroke="{VALUE_COLOUR}" stroke-width="2" '
                   'stroke-linejoin="round"/>')
    for d, v in points:
        out.append(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="3" fill="{VALUE_COLOUR}"/>')
    out.append("</svg>")
    return "\n".join(out)


def target_figures(report: Any, labels: Any) -> list[tuple[str, str]]:
    """One chart per target of the weekly report, each (caption, HTML), its status in words under it."""
    figures = []
    for state in report.targets:
        s = state.standing
        status = labels(f"target_status_{s.status}")
        caption = labels("report.target_chart", code=state.code, name=state.name, unit=state.unit)
        summary = labels("report.target_chart_desc", status=status,
                         latest=_short(s.latest.value) if s.latest else "—",
                         projected=_short(s.projected) if s.projected is not None else "—",
                         target=_short(state.target), deadline=state.deadline.isoformat())
        svg = target_svg(state, as_of=report.as_of, summary=summary)
        colour = LIGHT_COLOURS[s.light]
        figures.append((caption, f'{svg}\n<p class="meta"><span style="color:{colour}">●</span> {_e(summary)}</p>'))
    return figures
