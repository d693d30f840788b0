"""The weekly report: the period (as_of - days, as_of], what stands, what changed, who is late."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .. import rules
from ..storage.connection import Connection
from ..storage.lookup import current_plan
from .facts import AssignmentState, ItemState, snapshot
from .totals import agency_summary, item_changes, item_totals
from .views import overdue_view


@dataclass
class Overall:
    items: int
    by_status: dict[str, int]
    overdue: int
    due_soon: int
    stale: int
    completion_rate: float  # share of items done, 0..1

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class WeeklyReport:
    plan: dict[str, Any]
    as_of: date
    start: date  # the period is (start, as_of]
    days: int
    generated_at: str
    overall: Overall
    previous: Overall
    agencies: list[dict[str, Any]]
    updates_by_agency: dict[str, int]
    updates_in_period: int
    completed: list[ItemState] = field(default_factory=list)
    became_overdue: list[ItemState] = field(default_factory=list)
    overdue: dict[str, list[AssignmentState]] = field(default_factory=dict)  # all, or the first rows
    overdue_totals: dict[str, int] | None = None  # overdue rows per agency, every one counted

    def change(self) -> dict[str, Any]:
        now, before = self.overall, self.previous
        out = {k: getattr(now, k) - getattr(before, k) for k in ("overdue", "due_soon", "stale")}
        out["completion_rate"] = round(now.completion_rate - before.completion_rate, 4)
        out["by_status"] = {k: now.by_status[k] - before.by_status[k] for k in now.by_status}
        return out

    def as_dict(self) -> dict[str, Any]:
        def brief(i: ItemState) -> dict[str, Any]:
            return {"id": i.code, "title": i.title, "lead": i.lead, "due": i.due.isoformat() if i.due else None}

        return {
            "plan": self.plan, "as_of": self.as_of.isoformat(), "period_start": self.start.isoformat(),
            "period_end": self.as_of.isoformat(), "days": self.days, "generated_at": self.generated_at,
            "overall": self.overall.as_dict(), "previous": self.previous.as_dict(), "change": self.change(),
            "agencies": self.agencies,
            "changes": {"updates": self.updates_in_period, "updates_by_agency": self.updates_by_agency,
                        "completed": [brief(i) for i in self.completed],
                        "became_overdue": [brief(i) for i in self.became_overdue]},
            "overdue": [{"agency": name, "items": [a.as_dict() | {"id": a.item.code, "title": a.item.title} for a in rows]}
                        for name, rows in self.overdue.items()],
        }


def _overall(items: int, by_status: dict[str, int], overdue: int, due_soon: int, stale: int) -> Overall:
    done = by_status[rules.DONE]
    return Overall(items, by_status, overdue, due_soon, stale, round(done / items, 4) if items else 0.0)


def _updates_by_agency(conn: Connection, start: date, as_of: date) -> dict[str, int]:
    """Updates reported in (start, as_of] per agency, agencies in the order of their first one."""
    by_agency: dict[str, int] = {}
    for (name,) in conn.all(
        "SELECT g.name FROM status_update u JOIN assignment a ON a.id = u.assignment_id "
        "JOIN item i ON i.id = a.item_id JOIN agency g ON g.id = a.agency_id "
        "WHERE u.reported_on > ? AND u.reported_on <= ? ORDER BY u.reported_on, u.recorded_at, u.id",
        (start.isoformat(), as_of.isoformat()),
    ):
        by_agency[name] = by_agency.get(name, 0) + 1
    return by_agency


def _items(conn: Connection, as_of: date, ids: list[int], warn_days: int) -> list[ItemState]:
    """The items ``ids`` judged in full, in the order given (a few thousand ids at a time)."""
    found: dict[int, ItemState] = {}
    for at in range(0, len(ids), 5000):
        found.update((i.id, i) for i in snapshot(conn, as_of, warn_days=warn_days, item_ids=ids[at:at + 5000]))
    return [found[i] for i in ids]


def weekly_report(conn: Connection, as_of: date, *, days: int = 7, warn_days: int = rules.DEFAULT_WARN_DAYS,
                  limit: int | None = None) -> WeeklyReport:
    """The figures come from the database (the SQL twins of the rules); only the items that can have
    changed in the period are compared, and only the overdue rows shown (all, or the first
    ``limit``) are judged in full."""
    start = as_of - timedelta(days=days)
    by_agency = _updates_by_agency(conn, start, as_of)
    agencies = []
    for s in agency_summary(conn, as_of, warn_days=warn_days):
        row = {k: v for k, v in s.as_dict().items() if k in ("agency", "assigned", "done", "overdue", "due_soon", "stale", "last_report")}
        row["reported_in_period"] = s.agency in by_agency
        row["updates_in_period"] = by_agency.get(s.agency, 0)
        agencies.append(row)
    completed, became_overdue = item_changes(conn, start, as_of)
    changed = _items(conn, as_of, sorted(set(completed) | set(became_overdue)), warn_days)
    by_id = {i.id: i for i in changed}
    late = overdue_view(conn, as_of, limit=limit)
    plan = current_plan(conn)
    return WeeklyReport(
        plan={"id": plan.id, "title": plan.title, "doc_no": plan.doc_no} if plan else {},
        as_of=as_of, start=start, days=days,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        overall=_overall(*item_totals(conn, as_of, warn_days=warn_days)),
        previous=_overall(*item_totals(conn, start, warn_days=warn_days)),
        agencies=agencies, updates_by_agency=by_agency, updates_in_period=sum(by_agency.values()),
        completed=[by_id[i] for i in completed],
        became_overdue=[by_id[i] for i in became_overdue],
        overdue=late.groups, overdue_totals=late.totals,
    )
