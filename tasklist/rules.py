"""The rules: statuses, overdue, due soon, stale, traffic lights. Pure functions of data and as_of.

Nothing here touches a database or a clock; every caller passes ``as_of``.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

NOT_STARTED, IN_PROGRESS, DONE, BLOCKED = "not_started", "in_progress", "done", "blocked"
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, BLOCKED)
STATUS_LABELS_ZH = {NOT_STARTED: "未启动", IN_PROGRESS: "推进中", DONE: "已完成", BLOCKED: "受阻"}
STATUS_ALIASES = {
    "not started": NOT_STARTED, "in progress": IN_PROGRESS, "done": DONE, "blocked": BLOCKED,
    "started": IN_PROGRESS, "complete": DONE, "completed": DONE,
    **{v: k for k, v in STATUS_LABELS_ZH.items()},
    "未啟動": NOT_STARTED, "未开始": NOT_STARTED, "未開始": NOT_STARTED,
    "推進中": IN_PROGRESS, "进行中": IN_PROGRESS, "進行中": IN_PROGRESS,
    "完成": DONE, "阻塞": BLOCKED,
}
RED, YELLOW, GREEN = "red", "yellow", "green"
DEFAULT_WARN_DAYS = 30


def parse_status(text: str) -> str | None:
    """A status from its English key or Chinese label (simplified or traditional); None if unknown."""
    key = text.strip()
    if key.isascii():
        key = key.lower().replace("_", " ").replace("-", " ")
    return STATUS_ALIASES.get(key)


@dataclass(frozen=True)
class Update:
    """What the rules need of one status update."""

    id: int
    status: str
    reported_on: date
    recorded_at: str  # ISO timestamp, sortable
    progress: int | None = None
    note: str | None = None


def latest_update(updates: Iterable[Update], as_of: date) -> Update | None:
    """The update in force on ``as_of``: the latest by reported_on, then recorded_at, on or before as_of."""
    best: Update | None = None
    for u in updates:
        if u.reported_on <= as_of and (best is None or (u.reported_on, u.recorded_at, u.id) > (best.reported_on, best.recorded_at, best.id)):
            best = u
    return best


def assignment_status(updates: Iterable[Update], as_of: date) -> str:
    latest = latest_update(updates, as_of)
    return latest.status if latest else NOT_STARTED


def item_status(assignment_statuses: Sequence[str]) -> str:
    """done when every assignment is done; blocked if any is; in progress if any has started."""
    if assignment_statuses and all(s == DONE for s in assignment_statuses):
        return DONE
    if BLOCKED in assignment_statuses:
        return BLOCKED
    if any(s in (IN_PROGRESS, DONE) for s in assignment_statuses):
        return IN_PROGRESS
    return NOT_STARTED


def is_overdue(due: date | None, status: str, as_of: date) -> bool:
    """Past due and not done. The due day itself is not overdue; no due date (ongoing) never is."""
    return due is not None and due < as_of and status != DONE


def days_overdue(due: date | None, as_of: date) -> int:
    return (as_of - due).days if due is not None and due < as_of else 0


def is_due_soon(due: date | None, status: str, as_of: date, warn_days: int = DEFAULT_WARN_DAYS) -> bool:
    return due is not None and status != DONE and as_of <= due <= as_of + timedelta(days=warn_days)


def current_due(original: date | None, extensions: Iterable[tuple[date, date, str]], as_of: date) -> date | None:
    """The due date in force: the latest extension granted on or before as_of, else the original.
    ``extensions`` are (new_due, granted_on, recorded_at)."""
    granted = [e for e in extensions if e[1] <= as_of]
    if not granted:
        return original
    return max(granted, key=lambda e: (e[1], e[2]))[0]


# --------------------------------------------------------------------------- reporting rhythm


def reporting_deadlines(reporting: dict, as_of: date) -> tuple[date, date]:
    """(previous, last): the two most recent reporting deadlines strictly before ``as_of``.

    A report is owed for the period that ended at ``last``; an assignment whose latest update was
    reported on or before ``previous`` missed it (it is stale).
    """
    return _deadlines(reporting.get("cadence", "quarterly"), reporting.get("day"), as_of)


@functools.lru_cache(maxsize=64)
def _deadlines(cadence: str, day: int | None, as_of: date) -> tuple[date, date]:
    if cadence == "weekly":
        weekday = (day or 5) - 1  # ISO weekday 1-7, default Friday
        last = as_of - timedelta(days=1)
        last -= timedelta(days=(last.weekday() - weekday) % 7)
        return last - timedelta(days=7), last
    if cadence == "monthly":
        day = day or 31

        def deadline(year: int, month: int) -> date:
            return date(year, month, min(day, calendar.monthrange(year, month)[1]))

        year, month = as_of.year, as_of.month
        last = deadline(year, month)
        if last >= as_of:
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
            last = deadline(year, month)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return deadline(year, month), last
    quarter_ends = []
    for year in (as_of.year - 1, as_of.year):
        quarter_ends += [date(year, 3, 31), date(year, 6, 30), date(year, 9, 30), date(year, 12, 31)]
    before = [d for d in quarter_ends if d < as_of]
    return before[-2], before[-1]


def is_stale(status: str, last_report: date | None, reporting: dict, as_of: date, since: date | None = None) -> bool:
    """Not done and no report in the last completed reporting period (nor after it).

    ``since``: when the obligation began (the plan's issue date); nothing is owed for periods
    that ended before it.
    """
    return stale_against(status, last_report, reporting_deadlines(reporting, as_of), since)


def stale_against(status: str, last_report: date | None, deadlines: tuple[date, date], since: date | None = None) -> bool:
    """:func:`is_stale` with the period's deadlines already worked out (a report asks once per plan)."""
    if status == DONE:
        return False
    previous, last = deadlines
    if since is not None and last < since:
        return False
    return last_report is None or last_report <= previous


def light(overdue: bool, due_soon: bool, stale: bool, status: str) -> str:
    """红黄绿灯: red when overdue; yellow when due soon, stale or blocked; green when done or on track."""
    if overdue:
        return RED
    if due_soon or stale or status == BLOCKED:
        return YELLOW
    return GREEN
