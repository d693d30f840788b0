"""The quarterly scorecard (考评): each part's answers to what the rules ask of its history, asked of
the database once for every quarter shown, and each quarter's table judged from them by
:mod:`tasklist.scoring`. Read-only.

Items, assignments and agencies are taken as the registry now has them (archived ones left out);
what happens to them (reports, claims and verdicts, extensions, reminders) is history, and only
what was recorded by a quarter's end counts for that quarter (:func:`scoring.knowledge_cutoff`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from .. import rules, scoring
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
    asked = [scoring.Asked.of(q, plan.reporting, plan.issued, plan.timezone) for q in wanted]
    counts, names = _counts(conn, plan.id, asked)
    cards = [_card(c, names, weight, a) for c, a in zip(counts, asked, strict=True)]
    info = {"id": plan.id, "title": plan.title, "doc_no": plan.doc_no, "timezone": plan.timezone}
    return Scorecard(info, weight, cards, agency.name if agency else None)


def _card(counts: dict[int, Counts], names: dict[int, str], weight: dict[str, float], asked: scoring.Asked) -> QuarterCard:
    scores = {a: scoring.score(c, weight) for a, c in counts.items()}
    rank = scoring.ranks(scores)
    order = list(names)
    rows = [AgencyQuarter(names[a], counts[a], scores[a], rank[a], len(counts))
            for a in sorted(counts, key=lambda a: (rank[a], order.index(a)))]
    return QuarterCard(asked.quarter, asked.cutoff, rows)


def _d(text: str) -> date:
    return date.fromisoformat(text)


#: the parts scored: the plan's live assignments of live items, groups left out (alias a): the joins,
#: and the conditions (? = plan id)
_SCOPE_JOINS = "JOIN item i ON i.id = a.item_id JOIN agency g ON g.id = a.agency_id"
_SCOPE = "i.plan_id = ? AND a.archived = 0 AND i.archived = 0 AND g.kind <> 'group'"


def _counts(conn: Connection, plan_id: str, asked: list[scoring.Asked]) -> tuple[list[dict[int, Counts]], dict[int, str]]:
    """Each asked quarter's counts by agency, judged by :mod:`tasklist.scoring` part by part as the parts
    come from one statement that answers, for each part, what the rules ask of its updates (the SQL
    twins, :data:`scoring.SQL_KNOWN_IN_FORCE` and :data:`scoring.SQL_REPORTED_BETWEEN`): the history
    itself is never read into memory. Also the names of the agencies scored (every agency with a part,
    except groups), in registry order."""
    first, last = asked[0], asked[-1]
    extensions: dict[int, list[scoring.Extension]] = {}
    for i, a, due, on, at in conn.all(
            "SELECT e.item_id, e.assignment_id, e.new_due, e.granted_on, e.recorded_at FROM extension e "
            "JOIN item i ON i.id = e.item_id WHERE i.plan_id = ? AND e.recorded_at < ?", (plan_id, last.cutoff)):
        extensions.setdefault(i, []).append(scoring.Extension(i, a, _d(due), _d(on), at))
    # the questions, each asked once however many quarters ask it (a quarter's start asks what the
    # quarter before's end does): a column each, the placeholders' values in the same order
    columns: list[str] = []
    params: list[Any] = []
    in_force: dict[tuple[date, str], int] = {}

    def known(day: date, cutoff: str) -> int:
        if (day, cutoff) not in in_force:
            in_force[day, cutoff] = len(columns)
            columns.append(scoring.SQL_KNOWN_IN_FORCE)
            params.extend((day.isoformat(), cutoff))
        return in_force[day, cutoff]

    def reported(after: date, until: date, cutoff: str) -> int:
        columns.append(scoring.SQL_REPORTED_BETWEEN)
        params.extend((after.isoformat(), until.isoformat(), cutoff, cutoff))
        return len(columns) - 1

    questions = [(q, known(q.end, q.cutoff), known(q.before, q.cutoff_before),
                  [(known(previous, q.cutoff), reported(previous, deadline, q.cutoff)) for previous, deadline in q.deadlines])
                 for q in asked]
    out: list[dict[int, Counts]] = [{} for _ in asked]
    for row in conn.stream(f"SELECT a.id, a.agency_id, a.item_id, i.due, {', '.join(columns)} FROM assignment a {_SCOPE_JOINS} "
                           f"WHERE {_SCOPE}",
                           (*params, plan_id)):
        part = scoring.Part(row[0], row[1], row[2], _d(row[3]) if row[3] else None)
        answers = row[4:]
        ext = extensions.get(part.item_id, ())
        for (q, at_end, before, reports), counts in zip(questions, out, strict=True):
            c = counts.get(part.agency_id)
            if c is None:
                c = counts[part.agency_id] = Counts()
            scoring.count_part(c, q, scoring.due_in_force(part, ext, q.end, q.cutoff),
                               scoring.known_status(answers[before]) == rules.DONE,
                               scoring.known_in_force(answers[at_end]),
                               [(scoring.known_status(answers[k]), answers[r]) for k, r in reports])
    start = first.start.isoformat()
    verdicts = [(g, scoring.Verdict(c, v, _d(on), at)) for g, c, v, on, at in conn.all(
        # from the reviews (CROSS JOIN: SQLite, without statistics, would walk every part's updates)
        "SELECT a.agency_id, c.assignment_id, v.verdict, v.reviewed_on, v.recorded_at FROM review v "
        f"CROSS JOIN status_update c CROSS JOIN assignment a {_SCOPE_JOINS} WHERE v.recorded_at < ? AND v.reviewed_on >= ? "
        f"AND v.reviewed_on <= ? AND c.id = v.claim_id AND a.id = c.assignment_id AND {_SCOPE}",
        (last.cutoff, start, last.end.isoformat(), plan_id))]
    reminders = [scoring.Reminder(g, level, _d(on), at) for g, level, on, at in conn.all(
        "SELECT agency_id, level, as_of, sent_at FROM reminder_log WHERE sent_at < ? AND as_of >= ? AND as_of <= ?",
        (last.cutoff, start, last.end.isoformat()))]
    for q, counts in zip(asked, out, strict=True):
        scoring.count_returns(counts, q, verdicts)
        scoring.count_reminders(counts, q, reminders)
    scored = {g for counts in out for g in counts}
    names = {g: name for g, name in conn.all("SELECT id, name FROM agency ORDER BY position, id") if g in scored}
    return out, names

