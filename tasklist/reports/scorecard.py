"""The quarterly scorecard (考评): the records it reads, gathered once, and each quarter's table
judged by :mod:`tasklist.scoring`. Read-only.

Items, assignments and agencies are taken as the registry now has them (archived ones left out);
what happens to them (reports, claims and verdicts, extensions, reminders) is history, and only
what was recorded by a quarter's end counts for that quarter (:func:`scoring.knowledge_cutoff`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from .. import scoring
from ..errors import BadInput, NotFound
from ..scoring import Counts, Quarter
from ..storage.connection import Connection
from ..storage.lookup import AgencyRef, current_plan

#: the quarters a trend or an agency's own view goes back over (none before the plan was issued)
TREND_QUARTERS = 8


@dataclass
class AgencyQuarter:
    """One agency's line of one quarter's scorecard."""
    agency: str
    counts: Counts
    score: float
    rank: int
    ranked: int  # how many agencies the quarter ranks

    def as_dict(self) -> dict[str, Any]:
        c = self.counts
        return {"agency": self.agency, "rank": self.rank, "score": self.score, "parts_owed": c.parts_owed,
                "overdue_days": c.overdue_days, "reports_due": c.reports_due, "reports_on_time": c.reports_on_time,
                "counts": c.weighed()}


@dataclass
class QuarterCard:
    quarter: Quarter
    cutoff: str  # records recorded at or after this UTC time are not counted
    rows: list[AgencyQuarter]  # by rank, then registry order

    def row(self, agency: str) -> AgencyQuarter | None:
        return next((r for r in self.rows if r.agency == agency), None)

    def as_dict(self) -> dict[str, Any]:
        q = self.quarter
        return {"quarter": q.label, "start": q.start.isoformat(), "end": q.end.isoformat(),
                "knowledge_cutoff": self.cutoff}


@dataclass
class Scorecard:
    plan: dict[str, Any]
    weights: dict[str, float]
    quarters: list[QuarterCard]  # oldest first; the last is the one asked for
    agency: str | None = None  # --agency: the one agency whose quarters are shown side by side

    @property
    def current(self) -> QuarterCard:
        return self.quarters[-1]

    def trend(self, agency: str) -> list[tuple[Quarter, float | None]]:
        """The agency's score in each quarter (None where it had no parts)."""
        out: list[tuple[Quarter, float | None]] = []
        for card in self.quarters:
            row = card.row(agency)
            out.append((card.quarter, row.score if row else None))
        return out

    def as_dict(self) -> dict[str, Any]:
        head = {"plan": self.plan["id"], "weights": self.weights}
        if self.agency is None:
            return head | self.current.as_dict() | {"agencies": [r.as_dict() for r in self.current.rows]}
        quarters = []
        for card in self.quarters:
            row = card.row(self.agency)
            if row is not None:
                line = {k: v for k, v in row.as_dict().items() if k != "agency"}  # named once, above
                quarters.append(card.as_dict() | {"ranked": row.ranked} | line)
        return head | {"agency": self.agency, "quarters": quarters}


def quarter_asked(text: str | None, as_of: date, today: date) -> Quarter:
    """--quarter, else the last quarter that ended before ``as_of``. A quarter not over by then, or
    by ``today`` (an as-of date in the future does not end a quarter), has no scorecard: its records
    are still coming in."""
    as_of = min(as_of, today)
    if text is None:
        return Quarter.last_ended(as_of)
    quarter = Quarter.parse(text)
    if quarter is None:
        raise BadInput("scorecard.bad_quarter", hint="scorecard.bad_quarter_hint", value=text)
    if quarter.end >= as_of:
        raise BadInput("scorecard.quarter_not_over", quarter=quarter.label, end=quarter.end.isoformat(),
                       as_of=as_of.isoformat())
    return quarter


def scorecard(conn: Connection, quarter: Quarter, *, agency: AgencyRef | None = None,
              trend: bool = False) -> Scorecard:
    """The scorecard of ``quarter``; with ``trend`` or ``agency``, of the quarters before it as well
    (at most :data:`TREND_QUARTERS`, none before the plan was issued)."""
    plan = current_plan(conn)
    if plan is None:
        raise NotFound("scorecard.no_plan")
    if agency is not None and agency.kind == "group":
        raise BadInput("scorecard.group_not_scored", agency=agency.name)
    raw = conn.value("SELECT evaluation FROM plan WHERE id = ?", (plan.id,))
    weight = scoring.weights(json.loads(raw) if raw else None)
    wanted = (scoring.quarters_up_to(quarter, since=plan.issued, most=TREND_QUARTERS) if trend or agency
              else [quarter])
    history, names = _history(conn, plan.id, plan.reporting, plan.issued, plan.timezone,
                              scoring.knowledge_cutoff(quarter.end, plan.timezone), quarter.end)
    cards = [_card(history, names, weight, q) for q in wanted]
    info = {"id": plan.id, "title": plan.title, "doc_no": plan.doc_no, "timezone": plan.timezone}
    return Scorecard(info, weight, cards, agency.name if agency else None)


def _card(history: scoring.History, names: dict[int, str], weight: dict[str, float], quarter: Quarter) -> QuarterCard:
    counts = scoring.quarter_counts(history, quarter)
    scores = {a: scoring.score(c, weight) for a, c in counts.items()}
    rank = scoring.ranks(scores)
    order = list(names)
    rows = [AgencyQuarter(names[a], counts[a], scores[a], rank[a], len(counts))
            for a in sorted(counts, key=lambda a: (rank[a], order.index(a)))]
    return QuarterCard(quarter, scoring.knowledge_cutoff(quarter.end, history.timezone), rows)


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _history(conn: Connection, plan_id: str, reporting: dict[str, Any], issued: date | None, timezone: str,
             cutoff: str, last: date) -> tuple[scoring.History, dict[int, str]]:
    """Every record the scorecards up to ``last`` read, known before ``cutoff``; and the names of the
    agencies scored (every agency with a part, except groups), in registry order."""
    scope = ("FROM assignment a JOIN item i ON i.id = a.item_id JOIN agency g ON g.id = a.agency_id "
             "WHERE i.plan_id = ? AND a.archived = 0 AND i.archived = 0 AND g.kind <> 'group'")
    parts = [scoring.Part(a, g, i, _d(due) if due else None)
             for a, g, i, due in conn.all(f"SELECT a.id, a.agency_id, a.item_id, i.due {scope} ORDER BY a.id", (plan_id,))]
    scored = {p.agency_id for p in parts}
    names = {g: name for g, name in conn.all("SELECT id, name FROM agency ORDER BY position, id") if g in scored}
    updates = [scoring.Update(n, a, s, _d(on), at, src, rev) for n, a, s, on, at, src, rev in conn.all(
        "SELECT u.id, u.assignment_id, u.status, u.reported_on, u.recorded_at, u.source, u.reverses_id "
        f"FROM status_update u WHERE u.recorded_at < ? AND u.reported_on <= ? AND u.assignment_id IN "
        f"(SELECT a.id {scope})", (cutoff, last.isoformat(), plan_id))]
    extensions = [scoring.Extension(i, a, _d(due), _d(on), at) for i, a, due, on, at in conn.all(
        "SELECT e.item_id, e.assignment_id, e.new_due, e.granted_on, e.recorded_at FROM extension e "
        "JOIN item i ON i.id = e.item_id WHERE i.plan_id = ? AND e.recorded_at < ?", (plan_id, cutoff))]
    verdicts = [scoring.Verdict(a, v, _d(on), at) for a, v, on, at in conn.all(
        "SELECT c.assignment_id, v.verdict, v.reviewed_on, v.recorded_at FROM review v "
        "JOIN status_update c ON c.id = v.claim_id WHERE v.recorded_at < ? AND v.reviewed_on <= ? "
        f"AND c.assignment_id IN (SELECT a.id {scope})", (cutoff, last.isoformat(), plan_id))]
    reminders = [scoring.Reminder(g, level, _d(on), at) for g, level, on, at in conn.all(
        "SELECT agency_id, level, as_of, sent_at FROM reminder_log WHERE sent_at < ? AND as_of <= ?",
        (cutoff, last.isoformat()))]
    return scoring.History(parts, updates, extensions, verdicts, reminders, reporting, issued, timezone), names

