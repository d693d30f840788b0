"""The rules of a quantitative target (指标): pure functions of its definition, its measured values
and the date of the report. No database, no output.

- **latest**: the last value measured on or before ``as_of`` (by the date it was measured at).
- **progress** (0..1): how far the latest value has come from the baseline toward the target,
  ``(latest - baseline) / (target - baseline)`` clipped to 0..1; without a baseline, a ``>=`` target
  counts from 0 (platforms built, enterprises grown) and a ``<=`` target has none (None).
- **trend** (per year): the slope of the least-squares line through the baseline (when given) and
  the values measured on or before ``as_of``; None with fewer than two distinct dates.
- **projected**: that line's value at the deadline (None without a trend).
- **status**, as of ``as_of``:
  - on or before the deadline: ``met`` when the latest value meets the target (reached early);
    ``on_track`` when the projection meets it; ``at_risk`` when it does not, or when there is no
    projection yet (one value: nothing shows it is on track); ``no_data`` when nothing is measured;
  - after the deadline, by the last value measured on or before the deadline: ``met`` or
    ``missed``; ``no_data`` when none was measured by then.
- **light**: met and on_track green, at_risk yellow, missed red; no_data yellow before the
  deadline and red after it.
"""

# No `from __future__ import annotations` here: typing.NamedTuple compiles each field's annotation
# given as a string (~0.1 ms a record, on every report's start-up); see tests/test_startup.py.
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from .rules import GREEN, RED, YELLOW

STATUSES = ("met", "on_track", "at_risk", "missed", "no_data")
DAYS_PER_YEAR = 365.25


class Reading(NamedTuple):
    """A measured value and the date it was measured at."""

    on: date
    value: float


class Progress(NamedTuple):
    latest: Reading | None
    progress: float | None  # 0..1
    trend_per_year: float | None
    projected: float | None  # at the deadline
    status: str  # one of STATUSES
    light: str  # green | yellow | red


def meets(value: float, comparator: str, target: float) -> bool:
    """Whether ``value`` satisfies ``comparator target`` (``>=``: at least; ``<=``: at most)."""
    if comparator == ">=":
        return value >= target
    if comparator == "<=":
        return value <= target
    raise ValueError(f"comparator {comparator!r}")


def progress_from_baseline(latest: float, target: float, comparator: str, baseline: float | None) -> float | None:
    """How far ``latest`` has come from ``baseline`` toward ``target``, clipped to 0..1."""
    if baseline is None:
        if comparator != ">=" or target <= 0:
            return None
        baseline = 0.0
    if target == baseline:
        return 1.0 if meets(latest, comparator, target) else 0.0
    return min(1.0, max(0.0, (latest - baseline) / (target - baseline)))


def linear_fit(points: Sequence[Reading]) -> tuple[float, float] | None:
    """(slope per day, value at the first point's date) of the least-squares line; None with fewer
    than two distinct dates."""
    if len({p.on for p in points}) < 2:
        return None
    origin = min(p.on for p in points).toordinal()
    xs = [p.on.toordinal() - origin for p in points]
    ys = [p.value for p in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    return slope, mean_y - slope * mean_x


def assess(*, comparator: str, target: float, deadline: date, baseline: Reading | None,
           readings: Sequence[Reading], as_of: date) -> Progress:
    """A target's standing as of ``as_of`` (see the module's description for each rule)."""
    known = sorted((r for r in readings if r.on <= as_of), key=lambda r: r.on)
    latest = known[-1] if known else None
    points = ([baseline] if baseline is not None else []) + known
    fit = linear_fit(points)
    trend = projected = None
    if fit is not None:
        slope, start = fit
        trend = slope * DAYS_PER_YEAR
        projected = start + slope * (deadline.toordinal() - min(p.on for p in points).toordinal())
    progress = (progress_from_baseline(latest.value, target, comparator, baseline.value if baseline else None)
                if latest is not None else None)
    if as_of > deadline:
        by_deadline = [r for r in known if r.on <= deadline]
        if not by_deadline:
            status = "no_data"
        else:
            status = "met" if meets(by_deadline[-1].value, comparator, target) else "missed"
    elif latest is None:
        status = "no_data"
    elif meets(latest.value, comparator, target):
        status = "met"
    elif projected is not None and meets(projected, comparator, target):
        status = "on_track"
    else:
        status = "at_risk"
    return Progress(latest, progress, trend, projected, status, light(status, as_of > deadline))


def light(status: str, past_deadline: bool) -> str:
    """The red-yellow-green light of a target's status."""
    if status in ("met", "on_track"):
        return GREEN
    if status == "missed" or (status == "no_data" and past_deadline):
        return RED
    return YELLOW
