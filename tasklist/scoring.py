"""The quarterly scorecard's rules (考评): quarters, the knowledge cutoff, what each agency's quarter
counts, its score and its rank.

Pure functions of the records and the quarter; nothing here touches a database or a clock. What the
rules ask of a part's updates also stands as SQL (the twins at the end): :mod:`tasklist.reports.scorecard`
asks the database those questions part by part and judges the answers with the same functions.

A quarter is judged only on what had been recorded by the end of its last day in the plan's time zone
(the *knowledge cutoff*): every record carries the UTC time it was recorded, and history is appended,
never changed, so a past quarter computed today gives the table it gave at its end, whatever was
recorded (or back-dated) since.

For agency A and quarter Q (first day S, last day E), over A's parts (its assignments):

- **owed** (应完成): the due date in force at E is on or before E, and the part was not done at the
  end of the previous quarter (as that quarter's table saw it);
- **completed** (完成): done at E and not done at the end of the previous quarter, each as its own
  quarter saw it, so a completion is counted once, in the first quarter whose table shows it (a
  claim made late in one quarter and accepted in the next counts in the next). On time (按期) when
  the done report's date (for an accepted claim: the claim's date) is on or before the due date in
  force at E, or the part has none; late (逾期完成) otherwise;
- **overdue** (季末逾期): overdue at E by :func:`rules.is_overdue`, with its days (``days_overdue``);
- **reports due / on time** (应报送 / 按时报送): at each reporting deadline D of the plan's cadence
  that falls in Q (not before the plan was issued), a part not done or claimed at the deadline before
  D owes a report; it is on time when a real report (not an undo, not undone, not the office's
  verdict) is dated after that deadline and on or before D;
- **claims returned** (退回): the office's returns of A's claims dated in Q;
- **reminders** (提醒): the reminders sent to A dated in Q, by level (督办提醒, 催办, 通报).

Score = weights["base"] + Σ weights[k] × counts[k] over :data:`rules.EVALUATION_WEIGHTS`'s other
keys; rank 1 is the highest score, and agencies with the same score share a rank.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from . import rules

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1-4

    @classmethod
    def parse(cls, text: str) -> Quarter | None:
        """``2026Q3`` (also ``2026q3``, ``2026-Q3``); None if it is not one."""
        match = _QUARTER.match(text)
        return cls(int(match[1]), int(match[2])) if match else None

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def last_ended(cls, as_of: date) -> Quarter:
        """The last quarter whose last day is before ``as_of``."""
        return cls.containing(as_of).previous()

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    def previous(self) -> Quarter:
        return Quarter(self.year, self.number - 1) if self.number > 1 else Quarter(self.year - 1, 4)

    def next(self) -> Quarter:
        return Quarter(self.year, self.number + 1) if self.number < 4 else Quarter(self.year + 1, 1)


def quarters_up_to(last: Quarter, *, since: date | None, most: int) -> list[Quarter]:
    """The quarters ending with ``last``, oldest first: at most ``most``, none before ``since``'s."""
    out = [last]
    while len(out) < most and (since is None or out[-1].previous() >= Quarter.containing(since)):
        out.append(out[-1].previous())
    return out[::-1]


def knowledge_cutoff(day: date, timezone: str) -> str:
    """The instant ``day`` ends in ``timezone``, as the UTC text records carry (``recorded_at``):
    a record belongs to what was known on ``day`` when its time sorts before this."""
    end = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(timezone))
    return end.astimezone(UTC).isoformat(timespec="microseconds")


# --------------------------------------------------------------------------- the records


class Part(NamedTuple):
    """An agency's part of an item (an assignment) and the item's original due date."""
    assignment_id: int
    agency_id: int
    item_id: int
    due: date | None


class Update(NamedTuple):
    id: int
    assignment_id: int
    status: str
    reported_on: date
    recorded_at: str
    source: str
    reverses_id: int | None


class Extension(NamedTuple):
    item_id: int
    assignment_id: int | None  # None: the whole item's
    new_due: date
    granted_on: date
    recorded_at: str


class Verdict(NamedTuple):
    assignment_id: int
    verdict: str  # rules.ACCEPTED | rules.RETURNED
    reviewed_on: date
    recorded_at: str


class Reminder(NamedTuple):
    agency_id: int
    level: int  # 1 督办提醒, 2 催办, 3 通报
    as_of: date
    sent_at: str


@dataclass
class History:
    """Everything a scorecard reads, for one plan."""
    parts: Sequence[Part]
    updates: Sequence[Update]
    extensions: Sequence[Extension]
    verdicts: Sequence[Verdict]
    reminders: Sequence[Reminder]
    reporting: Mapping[str, Any]
    issued: date | None
    timezone: str
    #: the updates indexed for the rules (built on first use; the same for every quarter)
    index: _Index | None = field(default=None, init=False, repr=False, compare=False)


#: the counts a score weighs, by the weight's name (rules.EVALUATION_WEIGHTS, less ``base``)
COUNTED = tuple(k for k in rules.EVALUATION_WEIGHTS if k != "base")


@dataclass
class Counts:
    """One agency's quarter."""
    parts_owed: int = 0
    completed_on_time: int = 0
    completed_late: int = 0
    overdue: int = 0
    overdue_days: int = 0
    overdue_per_30_days: int = 0  # Σ over the overdue parts of their full 30 days overdue within the quarter
    reports_due: int = 0
    reports_on_time: int = 0
    claim_returned: int = 0
    reminders: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})

    @property
    def report_missed(self) -> int:
        return self.reports_due - self.reports_on_time

    def weighed(self) -> dict[str, int]:
        """The counts the weights multiply, by the weight's name."""
        out = {"completed_on_time": self.completed_on_time, "completed_late": self.completed_late,
               "overdue": self.overdue, "overdue_per_30_days": self.overdue_per_30_days,
               "report_missed": self.report_missed, "claim_returned": self.claim_returned,
               **{f"reminder_{level}": n for level, n in sorted(self.reminders.items())}}
        return {k: out[k] for k in COUNTED}


# --------------------------------------------------------------------------- the rules


class _Index:
    """The updates of each part in the order the update in force is chosen (reported_on, then
    recorded_at, then id: :data:`rules.SQL_UPDATE_IN_FORCE`), built once for every quarter asked
    about; each question names its knowledge cutoff, and rows recorded at or after it are passed over."""

    _LAST = "\uffff"  # sorts after any recorded_at

    def __init__(self, updates: Iterable[Update]) -> None:
        self.rows: dict[int, list[Update]] = {}
        undone_at: dict[int, str] = {}  # update id -> when the undo that reverses it was recorded
        for u in updates:
            self.rows.setdefault(u.assignment_id, []).append(u)
            if u.reverses_id is not None:
                undone_at[u.reverses_id] = u.recorded_at
        self.keys: dict[int, list[tuple[date, str, int]]] = {}
        #: per part, the agency's own reports (not an undo, not a verdict the office appended), by
        #: date: (reported_on, recorded_at, when it was undone or None)
        self.reports: dict[int, list[tuple[date, str, str | None]]] = {}
        for part, rows in self.rows.items():
            rows.sort(key=lambda u: (u.reported_on, u.recorded_at, u.id))
            self.keys[part] = [(u.reported_on, u.recorded_at, u.id) for u in rows]
            self.reports[part] = [  # in the rows' order: by date
                (u.reported_on, u.recorded_at, undone_at.get(u.id)) for u in rows
                if u.reverses_id is None and u.source not in (rules.SOURCE_VERIFY, rules.SOURCE_RETURN)]

    def in_force(self, part: int, day: date, cutoff: str) -> Update | None:
        """The part's update in force on ``day`` among those recorded before ``cutoff``."""
        rows = self.rows.get(part)
        if not rows:
            return None
        at = bisect.bisect_right(self.keys[part], (day, self._LAST, 0))
        while at:
            at -= 1
            if rows[at].recorded_at < cutoff:
                return rows[at]
        return None

    def status(self, part: int, day: date, cutoff: str) -> str:
        u = self.in_force(part, day, cutoff)
        return u.status if u else rules.NOT_STARTED

    def reported_between(self, part: int, after: date, until: date, cutoff: str) -> bool:
        """Whether the part made a real report dated after ``after`` and on or before ``until``,
        recorded before ``cutoff`` and not undone by then."""
        reports = self.reports.get(part, ())
        at = bisect.bisect_right(reports, (after, self._LAST, self._LAST))
        for day, recorded_at, undone_at in reports[at:]:
            if day > until:
                return False
            if recorded_at < cutoff and (undone_at is None or undone_at >= cutoff):
                return True
        return False


def _index(history: History) -> _Index:
    """The history's updates indexed once, however many quarters are judged from them."""
    if history.index is None:
        history.index = _Index(history.updates)
    return history.index


def due_in_force(part: Part, extensions: Sequence[Extension], day: date, cutoff: str) -> date | None:
    """The part's due date in force on ``day`` (:func:`rules.current_due`: its own extension, else the
    item's, else the original), counting only extensions recorded before ``cutoff``. ``extensions``:
    its item's (and its parts')."""
    if not extensions:  # (most parts: their original date, without building the empty lists)
        return part.due
    known = [e for e in extensions if e.recorded_at < cutoff]
    own = [(e.new_due, e.granted_on, e.recorded_at) for e in known if e.assignment_id == part.assignment_id]
    item = [(e.new_due, e.granted_on, e.recorded_at) for e in known
            if e.assignment_id is None and e.item_id == part.item_id]
    return rules.current_due(rules.current_due(part.due, item, day), own, day)


def deadlines_in(reporting: Mapping[str, Any], first: date, last: date,
                 since: date | None = None) -> list[tuple[date, date]]:
    """(previous deadline, deadline) for each reporting deadline of the cadence from ``first`` to
    ``last`` (none before ``since``, the plan's issue date), oldest first
    (:func:`rules.reporting_deadlines`)."""
    out = []
    previous, deadline = rules.reporting_deadlines(dict(reporting), last + timedelta(days=1))
    while deadline >= first:
        if since is None or deadline >= since:
            out.append((previous, deadline))
        previous, deadline = rules.reporting_deadlines(dict(reporting), previous)[1], previous
    return out[::-1]


@dataclass(frozen=True)
class Asked:
    """What a quarter's table asks of the records: its days, its knowledge cutoffs (its own, and the
    quarter before's for what was already done), and its reporting deadlines."""
    quarter: Quarter
    start: date
    end: date
    cutoff: str  # knowledge_cutoff(end)
    before: date  # the quarter before's last day
    cutoff_before: str  # knowledge_cutoff(before)
    deadlines: list[tuple[date, date]]  # deadlines_in the quarter: (previous deadline, deadline)

    @classmethod
    def of(cls, quarter: Quarter, reporting: Mapping[str, Any], issued: date | None, timezone: str) -> Asked:
        start, end = quarter.start, quarter.end
        before = start - timedelta(days=1)
        return cls(quarter, start, end, knowledge_cutoff(end, timezone), before, knowledge_cutoff(before, timezone),
                   deadlines_in(reporting, start, end, issued))


def count_part(c: Counts, asked: Asked, due: date | None, done_before: bool, at_end: tuple[str, date] | None,
               reports: Iterable[tuple[str, bool]]) -> None:
    """Add one part's quarter to its agency's counts ``c``, from what the records known at the quarter's
    end say of it: ``due``, its due date in force at E; ``done_before``, whether it was done at the end
    of the quarter before (as that quarter's table saw it); ``at_end``, the status and date of its
    update in force at E (None: no update); ``reports``, for each reporting deadline in the quarter,
    the status in force at the deadline before and whether a real report was made in time
    (:meth:`_Index.reported_between`)."""
    start, end = asked.start, asked.end
    status = at_end[0] if at_end is not None else rules.NOT_STARTED
    if due is not None and due <= end and not done_before:
        c.parts_owed += 1
    if at_end is not None and status == rules.DONE and not done_before:
        if due is None or at_end[1] <= due:
            c.completed_on_time += 1
        else:
            c.completed_late += 1
    if rules.is_overdue(due, status, end):
        days = rules.days_overdue(due, end)
        c.overdue += 1
        c.overdue_days += days
        # the lateness of this quarter only: a part years overdue is not charged its whole age again
        # every quarter (it would sink a score by hundreds of points for the same old lateness)
        c.overdue_per_30_days += min(days, (end - start).days + 1) // 30
    for owed, reported in reports:
        if owed not in (rules.DONE, rules.CLAIMED):
            c.reports_due += 1
            c.reports_on_time += bool(reported)


def count_returns(out: Mapping[int, Counts], asked: Asked, verdicts: Iterable[tuple[int, Verdict]]) -> None:
    """Count the claims returned in the quarter (and known by its end) against their agencies in ``out``;
    ``verdicts``: (the claimant part's agency, the verdict)."""
    start, end = asked.start, asked.end
    for agency, v in verdicts:
        if v.verdict == rules.RETURNED and start <= v.reviewed_on <= end and v.recorded_at < asked.cutoff:
            out[agency].claim_returned += 1


def count_reminders(out: Mapping[int, Counts], asked: Asked, reminders: Iterable[Reminder]) -> None:
    """Count the reminders dated in the quarter (and known by its end) for the agencies in ``out``."""
    start, end = asked.start, asked.end
    for r in reminders:
        if r.agency_id in out and start <= r.as_of <= end and r.sent_at < asked.cutoff and r.level in (1, 2, 3):
            out[r.agency_id].reminders[r.level] += 1


def quarter_counts(history: History, quarter: Quarter) -> dict[int, Counts]:
    """Each agency's counts for ``quarter`` (agencies with parts in ``history``), from the records
    known at the end of the quarter (and, for what was already done, at the end of the one before)."""
    asked = Asked.of(quarter, history.reporting, history.issued, history.timezone)
    end, cutoff = asked.end, asked.cutoff
    known = _index(history)
    by_item: dict[int, list[Extension]] = {}
    for e in history.extensions:
        by_item.setdefault(e.item_id, []).append(e)
    out: dict[int, Counts] = {}
    for part in history.parts:
        part_id = part.assignment_id
        u = known.in_force(part_id, end, cutoff)
        count_part(out.setdefault(part.agency_id, Counts()), asked, due_in_force(part, by_item.get(part.item_id, ()), end, cutoff),
                   known.status(part_id, asked.before, asked.cutoff_before) == rules.DONE,
                   (u.status, u.reported_on) if u is not None else None,
                   [(known.status(part_id, previous, cutoff), known.reported_between(part_id, previous, deadline, cutoff))
                    for previous, deadline in asked.deadlines])
    agency_of = {p.assignment_id: p.agency_id for p in history.parts}
    count_returns(out, asked, ((agency_of[v.assignment_id], v) for v in history.verdicts if v.assignment_id in agency_of))
    count_reminders(out, asked, history.reminders)
    return out


def weights(overrides: Mapping[str, float] | None) -> dict[str, float]:
    """The plan's weights: the defaults (:data:`rules.EVALUATION_WEIGHTS`), each one the registry's
    ``evaluation:`` block sets replaced."""
    return {k: (overrides or {}).get(k, v) for k, v in rules.EVALUATION_WEIGHTS.items()}


def score(counts: Counts, weight: Mapping[str, float]) -> float:
    """base + Σ weight × count, to two decimals (weights may be fractions)."""
    total = weight["base"] + sum(weight[k] * n for k, n in counts.weighed().items())
    return round(total, 2) + 0.0  # no -0.0


def ranks(scores: Mapping[Any, float]) -> dict[Any, int]:
    """1 for the highest score; equal scores share a rank, and the next rank skips (1, 2, 2, 4)."""
    ordered = sorted(scores.values(), reverse=True)
    return {k: 1 + bisect.bisect_left([-s for s in ordered], -v) for k, v in scores.items()}


# --------------------------------------------------------------------------- SQL twins
# What the rules ask of one part's updates (:class:`_Index`), written as SQL over the part (alias a),
# for a pass over every part of a plan (:mod:`tasklist.reports.scorecard`): the updates stay in the
# database and only each part's answers come out. ``tests/test_scoring_twins.py`` runs both on random
# histories, on both engines. Change a rule and its twin together.

#: :meth:`_Index.in_force`: the part's update in force on a day among those recorded before a cutoff
#: (:data:`rules.SQL_UPDATE_IN_FORCE`'s order), as its ``reported_on || status`` (a scalar subquery
#: brings one value; :func:`known_in_force` and :func:`known_status` read it): ?, ? = day, cutoff
SQL_KNOWN_IN_FORCE = (rules.SQL_UPDATE_IN_FORCE.replace("SELECT u.id", "SELECT u.reported_on || u.status")
                      .replace("u.reported_on <= ?", "u.reported_on <= ? AND u.recorded_at < ?"))
#: :meth:`_Index.reported_between`: a real report of the part (not an undo, not undone by the cutoff,
#: not the office's verdict) dated after one day and on or before another, recorded before the cutoff:
#: ?, ?, ?, ? = after, until, cutoff, cutoff. (The unary + keeps SQLite off the reverses_id index.)
SQL_REPORTED_BETWEEN = (
    "EXISTS (SELECT 1 FROM status_update r WHERE r.assignment_id = a.id AND r.reported_on > ? AND r.reported_on <= ? "
    f"AND r.recorded_at < ? AND +r.reverses_id IS NULL AND r.source NOT IN ('{rules.SOURCE_VERIFY}', '{rules.SOURCE_RETURN}') "
    "AND NOT EXISTS (SELECT 1 FROM status_update x WHERE x.reverses_id = r.id AND x.recorded_at < ?))"
)


def known_in_force(value: str | None) -> tuple[str, date] | None:
    """:data:`SQL_KNOWN_IN_FORCE`'s answer as (status, reported_on), as :meth:`_Index.in_force`'s update
    gives them; None where the part had no update."""
    return None if value is None else (value[10:], date.fromisoformat(value[:10]))


def known_status(value: str | None) -> str:
    """The status of :data:`SQL_KNOWN_IN_FORCE`'s answer, as :meth:`_Index.status` gives it."""
    return rules.NOT_STARTED if value is None else value[10:]
