"""The plan's quantitative targets (指标) as of a date: each one's definition, its measured values and
its standing by the rules of :mod:`tasklist.targets`."""

# No `from __future__ import annotations` here: typing.NamedTuple compiles each field's annotation
# given as a string (~0.1 ms a record, on every report's start-up); see tests/test_startup.py.
from datetime import date
from typing import Any, NamedTuple

from ..storage.connection import Connection
from ..storage.lookup import current_plan
from ..targets import Progress, Reading, assess


class TargetReportRow(NamedTuple):
    id: int
    on: date
    value: float
    note: str | None
    source: str | None
    recorded_at: str
    recorded_by: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "on": self.on.isoformat(), "value": self.value, "note": self.note,
                "source": self.source, "recorded_at": self.recorded_at, "recorded_by": self.recorded_by}


class TargetState(NamedTuple):
    code: str
    name: str
    unit: str
    comparator: str
    target: float
    deadline: date
    baseline: Reading | None
    agencies: list[str]
    source: str
    standing: Progress
    reports: list[TargetReportRow]  # measured on or before the as-of date, oldest first

    def as_dict(self) -> dict[str, Any]:
        s = self.standing
        return {
            "id": self.code, "name": self.name, "unit": self.unit, "comparator": self.comparator, "target": self.target,
            "deadline": self.deadline.isoformat(),
            "baseline": {"value": self.baseline.value, "on": self.baseline.on.isoformat()} if self.baseline else None,
            "agencies": self.agencies, "source": self.source,
            "latest": {"value": s.latest.value, "on": s.latest.on.isoformat()} if s.latest else None,
            "progress": _round(s.progress), "trend_per_year": _round(s.trend_per_year),
            "projected": _round(s.projected), "status": s.status, "light": s.light,
            "reports": [r.as_dict() for r in self.reports],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def target_states(conn: Connection, as_of: date) -> list[TargetState]:
    """The current plan's targets in the registry's order (archived ones left out), as of ``as_of``."""
    plan = current_plan(conn)
    if plan is None:
        return []
    rows = conn.all("SELECT id, code, name, unit, comparator, value, deadline, baseline, baseline_on, source FROM target "
                    "WHERE plan_id = ? AND archived = 0 ORDER BY position, id", (plan.id,))
    agencies: dict[int, list[str]] = {}
    for target_id, name in conn.all(
            "SELECT ta.target_id, g.name FROM target_agency ta JOIN agency g ON g.id = ta.agency_id "
            "JOIN target t ON t.id = ta.target_id WHERE t.plan_id = ? ORDER BY ta.target_id, ta.position", (plan.id,)):
        agencies.setdefault(target_id, []).append(name)
    reports: dict[int, list[TargetReportRow]] = {}
    for r in conn.all(
            "SELECT r.target_id, r.id, r.reported_on, r.value, r.note, r.source, r.recorded_at, r.recorded_by "
            "FROM target_report r JOIN target t ON t.id = r.target_id WHERE t.plan_id = ? AND r.reported_on <= ? "
            "ORDER BY r.reported_on, r.recorded_at, r.id", (plan.id, as_of.isoformat())):
        reports.setdefault(r[0], []).append(TargetReportRow(r[1], date.fromisoformat(r[2]), float(r[3]), *r[4:]))
    out = []
    for tid, code, name, unit, comparator, value, deadline, baseline, baseline_on, source in rows:
        base = Reading(date.fromisoformat(baseline_on), float(baseline)) if baseline is not None and baseline_on else None
        mine = _latest_per_day(reports.get(tid, []))
        due = date.fromisoformat(deadline)
        standing = assess(comparator=comparator, target=float(value), deadline=due, baseline=base,
                          readings=[Reading(r.on, r.value) for r in mine], as_of=as_of)
        out.append(TargetState(code, name, unit, comparator, float(value), due, base, agencies.get(tid, []), source,
                               standing, mine))
    return out


def _latest_per_day(rows: list[TargetReportRow]) -> list[TargetReportRow]:
    """One value per day measured: the one recorded last (a correction replaces a mistyped value)."""
    by_day: dict[date, TargetReportRow] = {}
    for r in rows:  # ordered by day, then by when recorded
        by_day[r.on] = r
    return list(by_day.values())
