"""The weekly report: the period (as_of - days, as_of], what stands, what changed, who is late."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .. import rules
from ..storage.connection import Connection
from ..storage.lookup import current_plan
from .facts import AssignmentState, ItemState, agency_assignments, overdue_groups, snapshot, summarize
from .views import history


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
    overdue: dict[str, list[AssignmentState]] = field(default_factory=dict)

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


def _overall(items: list[ItemState]) -> Overall:
    by_status = {s: 0 for s in rules.STATUSES}
    for i in items:
        by_status[i.status] += 1
    done = by_status[rules.DONE]
    return Overall(len(items), by_status, sum(i.overdue for i in items), sum(i.due_soon for i in items),
                   sum(i.stale for i in items), round(done / len(items), 4) if items else 0.0)


def weekly_report(conn: Connection, as_of: date, *, days: int = 7, warn_days: int = rules.DEFAULT_WARN_DAYS) -> WeeklyReport:
    start = as_of - timedelta(days=days)
    now = snapshot(conn, as_of, warn_days=warn_days)
    before = {i.id: i for i in snapshot(conn, start, warn_days=warn_days)}
    groups = agency_assignments(now)
    updates = [r for r in history(conn, since=start + timedelta(days=1)) if r.reported_on <= as_of.isoformat()]
    by_agency: dict[str, int] = {}
    for r in updates:
        by_agency[r.agency] = by_agency.get(r.agency, 0) + 1
    agencies = []
    for s in summarize(conn, groups):
        row = {k: v for k, v in s.as_dict().items() if k in ("agency", "assigned", "done", "overdue", "due_soon", "stale", "last_report")}
        row["reported_in_period"] = s.agency in by_agency
        row["updates_in_period"] = by_agency.get(s.agency, 0)
        agencies.append(row)
    plan = current_plan(conn)
    return WeeklyReport(
        plan={"id": plan.id, "title": plan.title, "doc_no": plan.doc_no} if plan else {},
        as_of=as_of, start=start, days=days,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        overall=_overall(now), previous=_overall(list(before.values())),
        agencies=agencies, updates_by_agency=by_agency, updates_in_period=len(updates),
        completed=[i for i in now if i.status == rules.DONE and i.id in before and before[i.id].status != rules.DONE],
        became_overdue=[i for i in now if i.overdue and i.id in before and not before[i.id].overdue],
        overdue=overdue_groups(conn, now),
    )
