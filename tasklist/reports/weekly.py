"""The weekly report: the period (the ``days`` days ending on the as-of date, both included), what
stands, what changed, who is late, and the figures its charts draw.

The period's reports are the real ones (:data:`rules.SQL_REAL_REPORT`): an update that was undone,
and the undo itself, are not an agency's report. "The week before" is the state at the end of the
day before the period's first day."""

# No `from __future__ import annotations` here: typing.NamedTuple compiles each field's annotation
# given as a string (~0.1 ms a record, on every report's start-up); see tests/test_startup.py.
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from .. import rules
from ..dates import month_end
from ..records import Record
from ..storage.connection import Connection
from ..storage.lookup import current_plan
from .claims import PendingClaim, pending_claims
from .facts import AgencySummary, AssignmentState, ItemState, snapshot
from .targets import TargetState, target_states
from .totals import Aside, agency_summary, item_changes, week_facts, week_item_totals
from .views import awaiting_assignment, overdue_view


class Overall(Record):
    FIELDS = ("items", "by_status", "overdue", "due_soon", "stale", "completion_rate")

    def __init__(self, items: int, by_status: dict[str, int], overdue: int, due_soon: int, stale: int,
                 completion_rate: float) -> None:
        self.items = items
        self.by_status = by_status
        self.overdue = overdue
        self.due_soon = due_soon
        self.stale = stale
        self.completion_rate = completion_rate  # share of items done, 0..1

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# (tuples: a dataclass costs a read command ~1 ms of start-up each; see tasklist.records)
class PeriodReport(NamedTuple):
    """One real report made in the period."""
    update: int
    code: str
    title: str
    agency: str
    status: str
    progress: int | None
    note: str | None
    reported_on: date

    def as_dict(self) -> dict[str, Any]:
        return {"update": self.update, "id": self.code, "title": self.title, "agency": self.agency,
                "status": self.status, "progress": self.progress, "note": self.note,
                "reported_on": self.reported_on.isoformat()}


class CompletedPart(NamedTuple):
    """An agency's part of an item, done at the end of the period and not at its start."""
    code: str
    title: str
    agency: str
    role: str  # lead | co
    done_on: date  # the date of the report in force that says done

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.code, "title": self.title, "agency": self.agency, "role": self.role,
                "done_on": self.done_on.isoformat()}


class TrendPoint(NamedTuple):
    """How much was done at the end of ``day``: items done in full, and agencies' parts done."""
    day: date
    items_done: int
    items: int
    parts_done: int
    parts: int

    @property
    def items_rate(self) -> float:
        return self.items_done / self.items if self.items else 0.0

    @property
    def parts_rate(self) -> float:
        return self.parts_done / self.parts if self.parts else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "items_done": self.items_done, "items": self.items,
                "parts_done": self.parts_done, "parts": self.parts}


class WeeklyReport(Record):
    FIELDS = ("plan", "as_of", "start", "days", "generated", "overall", "previous", "agencies", "reports",
              "completed_parts", "completed", "became_overdue", "overdue", "overdue_totals", "trend", "trend_unit",
              "pending_claims", "unassigned", "targets")

    def __init__(self, plan: dict[str, Any], as_of: date, start: date, days: int, generated: datetime, overall: Overall,
                 previous: Overall, agencies: list[dict[str, Any]], reports: list[PeriodReport] | None = None,
                 completed_parts: list[CompletedPart] | None = None, completed: list[ItemState] | None = None,
                 became_overdue: list[ItemState] | None = None, overdue: dict[str, list[AssignmentState]] | None = None,
                 overdue_totals: dict[str, int] | None = None, trend: list[TrendPoint] | None = None,
                 trend_unit: str = "month", pending_claims: list[PendingClaim] | None = None,
                 unassigned: list[ItemState] | None = None, targets: list[TargetState] | None = None) -> None:
        self.plan = plan
        self.as_of = as_of
        self.start = start  # the last day before the period: "the week before" is measured at its end
        self.days = days
        self.generated = generated  # when the report was made, in the plan's time zone
        self.overall = overall
        self.previous = previous
        self.agencies = agencies
        self.reports = [] if reports is None else reports
        self.completed_parts = [] if completed_parts is None else completed_parts
        self.completed = [] if completed is None else completed
        self.became_overdue = [] if became_overdue is None else became_overdue
        self.overdue = {} if overdue is None else overdue  # all, or the first rows
        self.overdue_totals = overdue_totals  # overdue rows per agency, every one counted
        self.trend = trend  # None: not asked for (the terminal draws no chart)
        self.trend_unit = trend_unit  # month | week
        self.pending_claims = [] if pending_claims is None else pending_claims  # awaiting the office's review, oldest first
        #: items no agency is assigned yet (待交办), in registry order; counted in ``overall.by_status``
        self.unassigned = [] if unassigned is None else unassigned
        self.targets = [] if targets is None else targets  # the plan's quantitative targets (指标) as of as_of

    @property
    def first_day(self) -> date:
        """The period's first day (its last is ``as_of``)."""
        return self.start + timedelta(days=1)

    @property
    def generated_at(self) -> str:
        return self.generated.isoformat(timespec="seconds")

    @property
    def generated_shown(self) -> str:
        """The generation time as people read it (the zone is named beside it)."""
        return self.generated.strftime("%Y-%m-%d %H:%M")

    @property
    def timezone(self) -> str:
        return str(self.plan.get("timezone") or "")

    @property
    def updates_by_agency(self) -> dict[str, int]:
        """Real reports in the period per agency, agencies in the order of their first one."""
        out: dict[str, int] = {}
        for r in self.reports:
            out[r.agency] = out.get(r.agency, 0) + 1
        return out

    @property
    def updates_in_period(self) -> int:
        return len(self.reports)

    @property
    def overdue_by_agency(self) -> list[tuple[str, int]]:
        """(agency, overdue parts) of every agency with any, most first (registry order on a tie)."""
        late = [(a["agency"], a["overdue"]) for a in self.agencies if a["overdue"]]
        return sorted(late, key=lambda pair: -pair[1])

    def change(self) -> dict[str, Any]:
        now, before = self.overall, self.previous
        out = {k: getattr(now, k) - getattr(before, k) for k in ("overdue", "due_soon", "stale")}
        out["completion_rate"] = round(now.completion_rate - before.completion_rate, 4)
        out["by_status"] = {k: now.by_status[k] - before.by_status[k] for k in now.by_status}
        return out

    def as_dict(self) -> dict[str, Any]:
        def brief(i: ItemState) -> dict[str, Any]:
            return {"id": i.code, "title": i.title, "lead": i.lead, "due": i.due.isoformat() if i.due else None}

        out = {
            "plan": self.plan, "as_of": self.as_of.isoformat(), "period_start": self.first_day.isoformat(),
            "period_end": self.as_of.isoformat(), "previous_as_of": self.start.isoformat(), "days": self.days,
            "generated_at": self.generated_at,
            "overall": self.overall.as_dict(), "previous": self.previous.as_dict(), "change": self.change(),
            "agencies": self.agencies,
            "changes": {"updates": self.updates_in_period, "updates_by_agency": self.updates_by_agency,
                        "reports": [r.as_dict() for r in self.reports],
                        "completed_parts": [p.as_dict() for p in self.completed_parts],
                        "completed": [brief(i) for i in self.completed],
                        "became_overdue": [brief(i) for i in self.became_overdue]},
            "overdue": [{"agency": name, "items": [a.as_dict() | {"id": a.item.code, "title": a.item.title} for a in rows]}
                        for name, rows in self.overdue.items()],
            "pending_claims": [c.as_dict() for c in self.pending_claims],
            "unassigned": [brief(i) | {"past_due": i.past_due_unassigned} for i in self.unassigned],
            "targets": [t.as_dict() for t in self.targets],
        }
        if self.trend is not None:
            out["trend"] = {"unit": self.trend_unit, "points": [p.as_dict() for p in self.trend]}
        return out


def _overall(items: int, by_status: dict[str, int], overdue: int, due_soon: int, stale: int) -> Overall:
    done = by_status[rules.DONE]
    return Overall(items, by_status, overdue, due_soon, stale, round(done / items, 4) if items else 0.0)


def period_reports(conn: Connection, start: date, as_of: date) -> list[PeriodReport]:
    """The real reports dated in (start, as_of], in the order they were made."""
    rows = conn.all(
        "SELECT r.id, i.code, i.title, g.name, r.status, r.progress, r.note, r.reported_on "
        "FROM status_update r JOIN assignment a ON a.id = r.assignment_id "
        "JOIN item i ON i.id = a.item_id JOIN agency g ON g.id = a.agency_id "
        f"WHERE r.reported_on > ? AND {rules.SQL_REAL_REPORT} ORDER BY r.reported_on, r.recorded_at, r.id",
        (start.isoformat(), as_of.isoformat()),
    )
    return [PeriodReport(update, code, title, agency, status, progress, note, date.fromisoformat(day))
            for update, code, title, agency, status, progress, note, day in rows]


def completed_parts(conn: Connection, start: date, as_of: date) -> list[CompletedPart]:
    """Live parts done at the end of ``as_of`` and not at the end of ``start``, by the date they were
    done, then registry order. Only parts with an update dated in (start, as_of] can have changed."""
    in_force = rules.SQL_UPDATE_IN_FORCE  # ? = the day
    rows = conn.all(
        "SELECT i.code, i.title, g.name, a.role, un.reported_on FROM assignment a "
        "JOIN item i ON i.id = a.item_id JOIN agency g ON g.id = a.agency_id "
        f"JOIN status_update un ON un.id = {in_force} "
        f"LEFT JOIN status_update ub ON ub.id = {in_force} "
        "WHERE a.archived = 0 AND i.archived = 0 AND un.status = ? AND COALESCE(ub.status, ?) <> ? "
        "AND a.id IN (SELECT c.assignment_id FROM status_update c WHERE c.reported_on > ? AND c.reported_on <= ?) "
        "ORDER BY un.reported_on, i.plan_id, i.position, i.id, g.position, g.id",
        (as_of.isoformat(), start.isoformat(), rules.DONE, rules.NOT_STARTED, rules.DONE,
         start.isoformat(), as_of.isoformat()),
    )
    return [CompletedPart(code, title, agency, role, date.fromisoformat(day)) for code, title, agency, role, day in rows]


def trend_days(first: date, as_of: date) -> tuple[list[date], str]:
    """The days a trend is measured on, from ``first`` to ``as_of``: each month's end (each week's,
    counted back from ``as_of``, when the span is under four months), then ``as_of`` itself."""
    if as_of <= first:
        return [as_of], "month"
    if (as_of - first).days < 120:
        back = [as_of - timedelta(days=7 * k) for k in range((as_of - first).days // 7 + 1)]
        return ([first] if back[-1] > first else []) + back[::-1], "week"
    days, end = [first], month_end(first.year, first.month)
    while end < as_of:
        if end > first:
            days.append(end)
        after = end + timedelta(days=1)
        end = month_end(after.year, after.month)
    return days + [as_of], "month"


def completion_trend(conn: Connection, days: list[date], *, items: int, parts: int) -> list[TrendPoint]:
    """Items done in full and parts done at the end of each of ``days`` (ascending), as the reports of
    those days judged them (the update in force on each day, undos included), over the live parts.

    The database gives each done report of a live part with the date of the next report on the same
    part (found down ``ix_update_latest``, one seek per done report); the report is in force from its
    own date until that one (a report followed on the same day by another never was). An item is
    done while all its live parts are."""
    from bisect import bisect_right

    last = days[-1].isoformat()
    next_on = ("(SELECT n.reported_on FROM status_update n WHERE n.assignment_id = d.assignment_id "
               "AND (n.reported_on, n.recorded_at, n.id) > (d.reported_on, d.recorded_at, d.id) "
               "ORDER BY n.reported_on, n.recorded_at, n.id LIMIT 1)")
    # SQLite: the unary + keeps it scanning the history rather than seeking down the date index for
    # nearly every row (8x slower on 100k updates)
    reported = "+d.reported_on" if conn.dialect == "sqlite" else "d.reported_on"
    rows = conn.all(
        "SELECT s.item_id, s.reported_on, s.next_on FROM ("
        f"SELECT a.item_id, d.reported_on, {next_on} AS next_on "
        "FROM status_update d JOIN assignment a ON a.id = d.assignment_id JOIN item i ON i.id = a.item_id "
        f"WHERE d.status = ? AND {reported} <= ? AND a.archived = 0 AND i.archived = 0) s "
        "WHERE s.next_on IS NULL OR s.next_on > s.reported_on",
        (rules.DONE, last),
    )
    never = "9999-12-31"
    part_starts = sorted(r[1] for r in rows)
    part_ends = sorted(r[2] for r in rows if r[2] is not None)
    # an item is done while the number of its parts done equals the number of its live parts
    size = dict(conn.all("SELECT a.item_id, COUNT(*) FROM assignment a JOIN item i ON i.id = a.item_id "
                         "WHERE a.archived = 0 AND i.archived = 0 GROUP BY a.item_id"))
    events: dict[int, list[tuple[str, int]]] = {}
    for item_id, begin, end in rows:
        events.setdefault(item_id, []).extend([(begin, 1), (end or never, -1)])
    item_starts, item_ends = [], []
    for item_id, marks in events.items():
        n, done_since = 0, None
        for day, step in sorted(marks, key=lambda m: (m[0], m[1])):  # an end before a start on the same day
            n += step
            if n == size.get(item_id) and done_since is None:
                done_since = day
            elif n != size.get(item_id) and done_since is not None:
                if day > done_since:
                    item_starts.append(done_since)
                    item_ends.append(day)
                done_since = None
    item_starts.sort()
    item_ends.sort()
    out = []
    for d in days:
        key = d.isoformat()
        out.append(TrendPoint(
            d, bisect_right(item_starts, key) - bisect_right(item_ends, key), items,
            bisect_right(part_starts, key) - bisect_right(part_ends, key), parts))
    return out


def _items(conn: Connection, as_of: date, ids: list[int], warn_days: int) -> list[ItemState]:
    """The items ``ids`` judged in full, in the order given (a few thousand ids at a time)."""
    found: dict[int, ItemState] = {}
    for at in range(0, len(ids), 5000):
        found.update((i.id, i) for i in snapshot(conn, as_of, warn_days=warn_days, item_ids=ids[at:at + 5000]))
    return [found[i] for i in ids]


def weekly_report(conn: Connection, as_of: date, *, days: int = 7, warn_days: int = rules.DEFAULT_WARN_DAYS,
                  limit: int | None = None, trend: bool = False, now: datetime | None = None) -> WeeklyReport:
    """The figures come from the database (the SQL twins of the rules); only the items that can have
    changed in the period are compared, and only the overdue rows shown (all, or the first
    ``limit``) are judged in full. ``trend``: also the completion trend over the plan's life (from
    its issue date), for the charts. ``now``: the generation time (default: the clock)."""
    start = as_of - timedelta(days=days)
    # the assignments' facts on both days, once (the agency summary, the overdue rows, the totals and
    # the changed items read them); what reads none of them is asked beside the table's filling
    with week_facts(conn, as_of, start, meanwhile=lambda c: _beside_the_table(c, start, as_of, warn_days)) as aside:
        return _weekly_report(conn, aside, as_of, start, days=days, warn_days=warn_days, limit=limit, trend=trend,
                              now=now)


def _beside_the_table(conn: Connection, start: date, as_of: date, warn_days: int) -> tuple[
        list[PeriodReport], list[CompletedPart], list[ItemState], list[TargetState]]:
    """The parts of the report that read no facts of the week's table: the period's reports, the
    parts completed in it, the items awaiting assignment (judged once: listed, and the overdue view
    counts those past due) and the targets."""
    return (period_reports(conn, start, as_of), completed_parts(conn, start, as_of),
            awaiting_assignment(conn, as_of, warn_days=warn_days), target_states(conn, as_of))


def _summary_and_changes(conn: Connection, as_of: date, start: date, warn_days: int) -> tuple[
        list[AgencySummary], list[int], list[int], list[ItemState]]:
    """The agency summary, and the items done and those overdue on as_of and not on start, with
    those items judged in full."""
    summary = agency_summary(conn, as_of, warn_days=warn_days)
    completed, became_overdue = item_changes(conn, start, as_of)
    return summary, completed, became_overdue, _items(conn, as_of, sorted(set(completed) | set(became_overdue)), warn_days)


def _weekly_report(conn: Connection, aside: Aside, as_of: date, start: date, *, days: int, warn_days: int,
                   limit: int | None, trend: bool, now: datetime | None) -> WeeklyReport:
    from zoneinfo import ZoneInfo

    from ..dates import DEFAULT_TIMEZONE

    reports, parts_done, unassigned, targets = aside.first()
    # the agency summary and the changed items beside the item totals: two passes over the week's table
    beside = aside.run(_summary_and_changes, as_of, start, warn_days)
    now_totals, start_totals = week_item_totals(conn, as_of, start, warn_days=warn_days,
                                                unassigned=[i.id for i in unassigned])
    overall = _overall(*now_totals)
    summary, completed, became_overdue, changed = beside()
    by_agency: dict[str, int] = {}
    for r in reports:
        by_agency[r.agency] = by_agency.get(r.agency, 0) + 1
    agencies = []
    claimed = 0  # parts whose update in force is a completion claim: none, no claim awaits review
    late_by_agency: dict[str, int] = {}  # overdue parts per agency, those with none left out (as overdue_view counts)
    for s in summary:
        claimed += s.claimed
        if s.overdue:
            late_by_agency[s.agency] = s.overdue
        row = {k: v for k, v in s.as_dict().items() if k in ("agency", "assigned", "done", "overdue", "due_soon", "stale", "last_report")}
        row["reported_in_period"] = s.agency in by_agency
        row["updates_in_period"] = by_agency.get(s.agency, 0)
        agencies.append(row)
    by_id = {i.id: i for i in changed}
    # the overdue parts are counted already, per agency by the summary and by item in the totals, over
    # the same facts: the overdue view asks only for its first rows
    late = overdue_view(conn, as_of, limit=limit, unassigned=unassigned, counted=(late_by_agency, overall.overdue))
    plan = current_plan(conn)
    zone = plan.timezone if plan else DEFAULT_TIMEZONE
    report = WeeklyReport(
        plan={"id": plan.id, "title": plan.title, "doc_no": plan.doc_no, "timezone": zone} if plan else {},
        as_of=as_of, start=start, days=days,
        generated=(now or datetime.now(ZoneInfo(zone))).astimezone(ZoneInfo(zone)).replace(microsecond=0),
        overall=overall, previous=_overall(*start_totals),
        agencies=agencies, reports=reports, completed_parts=parts_done,
        completed=[by_id[i] for i in completed],
        became_overdue=[by_id[i] for i in became_overdue],
        overdue=late.groups, overdue_totals=late.totals, pending_claims=pending_claims(conn, as_of) if claimed else [],
        unassigned=unassigned,
        targets=targets,
    )
    if trend:
        first = (plan.issued if plan and plan.issued else None) or _first_report(conn) or as_of
        points, report.trend_unit = trend_days(min(first, as_of), as_of)
        report.trend = completion_trend(conn, points, items=overall.items, parts=sum(a["assigned"] for a in agencies))
    return report


def _first_report(conn: Connection) -> date | None:
    row = conn.one("SELECT MIN(reported_on) FROM status_update")
    return date.fromisoformat(row[0]) if row and row[0] else None
