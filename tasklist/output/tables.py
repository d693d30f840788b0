"""Flat tables built from report data: one definition of each export's columns and rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ..i18n import Labels
from ..records import Record
from ..reports.facts import AssignmentState, ItemState
from ..reports.views import HistoryRow


class Column(Record):
    FIELDS = ("key", "label", "kind")

    def __init__(self, key: str, label: str, kind: str = "text") -> None:
        self.key = key
        self.label = label
        self.kind = kind  # text | date | int | light | status | short (a code, a name, a mark: never wrapped)


class Table(Record):
    FIELDS = ("name", "title", "columns", "rows", "group_key", "sheet", "empty")

    def __init__(self, name: str, title: str, columns: list[Column], rows: list[list[Any]] | None = None,
                 group_key: str | None = "agency", sheet: str | None = None, empty: str | None = None) -> None:
        self.name = name
        self.title = title
        self.columns = columns
        self.rows: list[list[Any]] = [] if rows is None else rows
        self.group_key = group_key  # the column --by-agency splits on
        self.sheet = sheet  # its sheet's name in a workbook (default: ``name``)
        self.empty = empty  # what a table without rows says instead (default: a dash)

    def records(self) -> list[dict[str, Any]]:
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, (v.isoformat() if isinstance(v, date) else v for v in row))) for row in self.rows]

    def split(self) -> dict[str, Table]:
        """One table per value of the group column (registry order kept)."""
        index = next(i for i, c in enumerate(self.columns) if c.key == self.group_key)
        parts: dict[str, Table] = {}
        for row in self.rows:
            part = parts.setdefault(str(row[index]), Table(self.name, f"{self.title} — {row[index]}", self.columns,
                                                           sheet=str(row[index])))
            part.rows.append(row)
        return parts


def _c(labels: Labels, key: str, kind: str = "text", label_key: str | None = None) -> Column:
    return Column(key, labels(label_key or key), kind)


def _role(labels: Labels, role: str) -> str:
    return labels("lead_mark" if role == "lead" else "co_mark")


def overdue_table(groups: Mapping[str, Sequence[AssignmentState]], labels: Labels, as_of: date) -> Table:
    columns = [
        _c(labels, "agency", "short"), _c(labels, "id", "short"), _c(labels, "title"), _c(labels, "due", "date"),
        _c(labels, "days_overdue", "int"), _c(labels, "status", "status"), _c(labels, "last_report", "date"),
        Column("lead", labels("lead_mark"), "short"), _c(labels, "note"),
    ]
    table = Table("overdue", labels("overdue_title", as_of=as_of.isoformat()), columns,
                  sheet=labels("report.sheet_overdue"), empty=labels("no_overdue", as_of=as_of.isoformat()))
    roles = {role: _role(labels, role) for role in ("lead", "co")}  # the same words on every row: looked up once
    statuses: dict[str, str] = {}
    for agency, rows in groups.items():
        for a in rows:
            status = statuses.get(a.status)
            if status is None:
                status = statuses[a.status] = labels.status(a.status)
            table.rows.append([agency, a.item.shown_code, a.item.title, a.due, a.days_overdue, status,
                               a.last_report, roles.get(a.role) or _role(labels, a.role), a.note or ""])
    return table


def status_table(groups: Mapping[str, Sequence[AssignmentState]], labels: Labels, as_of: date,
                 unassigned: Sequence[ItemState] = ()) -> Table:
    """Every agency's parts, then the items awaiting assignment under 待交办 in the agency column
    (their own sheet with --by-agency): no agency's, and still the plan's."""
    columns = [
        _c(labels, "agency", "short"), _c(labels, "id", "short"), _c(labels, "title"), Column("lead", labels("lead_mark"), "short"),
        _c(labels, "due", "date"), _c(labels, "status", "status"), _c(labels, "progress", "int"),
        _c(labels, "last_report", "date"), _c(labels, "light", "light"), _c(labels, "note"),
    ]
    table = Table("status", labels("status_title", as_of=as_of.isoformat()), columns, sheet=labels("report.sheet_status"))
    for agency, rows in groups.items():
        for a in rows:
            table.rows.append([agency, a.item.shown_code, a.item.title, _role(labels, a.role), a.due,
                               labels.status(a.status), a.progress, a.last_report, labels.light(a.light), a.note or ""])
    for i in unassigned:
        table.rows.append([labels.status(i.status), i.code, i.title, "", i.due, labels.status(i.status), None, None,
                           labels.light(i.light), ""])
    return table


def items_table(items: Sequence[ItemState], labels: Labels, as_of: date) -> Table:
    columns = [
        _c(labels, "id", "short"), _c(labels, "kind", "short"), _c(labels, "no", "int"), _c(labels, "group"),
        _c(labels, "title"), _c(labels, "agencies"), _c(labels, "lead", "short"), _c(labels, "due", "date"),
        _c(labels, "due_text"), _c(labels, "status", "status"), _c(labels, "light", "light"),
    ]
    table = Table("items", labels("items_title", as_of=as_of.isoformat()), columns, group_key="lead",
                  sheet=labels("report.sheet_items"))
    for i in items:
        table.rows.append([i.shown_code, labels(i.kind), i.no, i.group or "", i.title, "、".join(i.agencies_listed), i.lead or "",
                           i.due, i.due_text or "", labels.status(i.status), labels.light(i.light)])
    return table


def history_table(rows: Sequence[HistoryRow], labels: Labels) -> Table:
    columns = [
        Column("update", "#", "int"), _c(labels, "id", "short"), _c(labels, "agency", "short"),
        _c(labels, "status", "status"), _c(labels, "progress", "int"), _c(labels, "reported_on", "date"),
        _c(labels, "note"), _c(labels, "recorded_by"), _c(labels, "reported_by"), _c(labels, "source"),
        Column("reverses", labels("view.undoes_header"), "int"),
    ]
    table = Table("history", labels("history_title"), columns, sheet=labels("report.sheet_history"))
    for r in rows:
        table.rows.append([r.id, r.item, r.agency, labels.status(r.status), r.progress, date.fromisoformat(r.reported_on),
                           r.note or "", r.recorded_by, r.reported_by or "", source_label(labels, r.source), r.reverses])
    return table


def weekly_title(report: Any, labels: Labels) -> str:
    """The report's title: the plan by its title, with its document number."""
    plan = report.plan
    name = (labels("report.plan", title=plan["title"], doc_no=plan["doc_no"]) if plan.get("doc_no")
            else labels("report.plan_untitled", title=plan.get("title", "")))
    return labels("report.title", plan=name)


def weekly_subtitle(report: Any, labels: Labels) -> list[str]:
    """The lines under the title: the period (exactly the days counted), and when the report was made."""
    first, last = report.first_day.isoformat(), report.as_of.isoformat()
    period = (labels("report.period_one_day", last=last) if report.days == 1
              else labels("report.period", first=first, last=last, days=report.days))
    return [period, labels("report.generated", at=report.generated_shown, zone=report.timezone)]


def source_label(labels: Labels, source: str) -> str:
    """Where an update came from, in words: the command line, an undo, or the file it was imported from."""
    if source.startswith("import:"):
        return labels("view.source_import", file=source[len("import:"):])
    if source in ("cli", "undo"):
        return labels(f"view.source_{source}")
    return source


def weekly_tables(report: Any, labels: Labels) -> list[Table]:
    """The weekly report as tables, in reading order (the same for terminal, Markdown, HTML)."""
    none = labels("report.none")
    now, before, change = report.overall, report.previous, report.change()
    overall = Table("overall", labels("report.overall"), [
        Column("metric", labels("report.metric")), Column("now", labels("report.now"), "int"),
        Column("previous", labels("report.previous"), "int"), Column("change", labels("report.change"), "int"),
    ], group_key=None)
    # claims awaiting review, and items awaiting assignment, get a row while there are any, now or the week before
    shown = [k for k in ("done", "in_progress", "not_started", "blocked", "claimed", "unassigned")
             if k not in ("claimed", "unassigned") or now.by_status.get(k) or before.by_status.get(k)]
    for key in shown:
        overall.rows.append([labels.status(key), now.by_status[key], before.by_status[key], _signed(change["by_status"][key])])
    for key in ("overdue", "due_soon", "stale"):
        overall.rows.append([labels(key), getattr(now, key), getattr(before, key), _signed(change[key])])
    rate_now, rate_before = (o.by_status["done"] / o.items if o.items else 0.0 for o in (now, before))
    points = (rate_now - rate_before) * 100
    overall.rows.append([labels("report.completion"), f"{rate_now:.1%}", f"{rate_before:.1%}",
                         labels("report.points", n=points) if round(points, 1) else "0"])
    agencies = Table("agencies", labels("report.agencies"), [
        _c(labels, "agency", "short"), _c(labels, "assigned", "int"), _c(labels, "done", "int"),
        _c(labels, "overdue", "int"), _c(labels, "due_soon", "int"), _c(labels, "stale", "int"),
        _c(labels, "last_report", "date"), Column("reported", labels("report.reported"), "short"),
    ], empty=none)
    for a in report.agencies:
        agencies.rows.append([a["agency"], a["assigned"], a["done"], a["overdue"], a["due_soon"], a["stale"],
                              date.fromisoformat(a["last_report"]) if a["last_report"] else None,
                              labels("report.yes", n=a["updates_in_period"]) if a["reported_in_period"]
                              else labels("report.no")])
    updates = Table("updates", labels("report.updates", n=report.updates_in_period), [
        _c(labels, "reported_on", "date"), _c(labels, "id", "short"), _c(labels, "title"), _c(labels, "agency", "short"),
        _c(labels, "status", "status"), _c(labels, "progress", "int"), _c(labels, "note"),
    ], empty=none)
    updates.rows = [[r.reported_on, r.code, r.title, r.agency, labels.status(r.status), r.progress, r.note or ""]
                    for r in report.reports]
    parts = Table("completed_parts", labels("report.completed_parts", n=len(report.completed_parts)), [
        _c(labels, "id", "short"), _c(labels, "title"), _c(labels, "agency", "short"),
        Column("role", labels("report.role"), "short"), Column("done_on", labels("report.done_on"), "date"),
    ], empty=none)
    parts.rows = [[p.code, p.title, p.agency, _role(labels, p.role), p.done_on] for p in report.completed_parts]
    pending = Table("pending_claims", labels("report.pending_claims", n=len(report.pending_claims)), [
        _c(labels, "id", "short"), _c(labels, "title"), _c(labels, "agency", "short"),
        Column("claimed_on", labels("view.claimed_on"), "date"), Column("age", labels("view.claim_age"), "short"),
        Column("evidence", labels("view.evidence"), "int"),
    ], empty=none)
    pending.rows = [[c.item, c.title, c.agency, c.claimed_on, labels("view.days", n=c.age_days), len(c.evidence)]
                    for c in report.pending_claims]
    completed = Table("completed", labels("report.completed_items", n=len(report.completed)),
                      [_c(labels, "id", "short"), _c(labels, "title"), _c(labels, "lead", "short")],
                      group_key="lead", empty=none)
    completed.rows = [[i.code, i.title, i.lead] for i in report.completed]
    late = Table("became_overdue", labels("report.became_overdue", n=len(report.became_overdue)),
                 [_c(labels, "id", "short"), _c(labels, "title"), _c(labels, "lead", "short"), _c(labels, "due", "date")],
                 group_key="lead", empty=none)
    late.rows = [[i.code, i.title, i.lead, i.due] for i in report.became_overdue]
    out = [overall, agencies, updates, parts, pending, completed, late, overdue_table(report.overdue, labels, report.as_of)]
    if report.unassigned:  # the office's own move: shown while there is any
        waiting = Table("unassigned", labels("view.unassigned_title", n=len(report.unassigned),
                                             late=sum(i.past_due_unassigned for i in report.unassigned)),
                        [_c(labels, "id", "short"), _c(labels, "title"), _c(labels, "due", "date"),
                         _c(labels, "light", "light")], group_key=None)
        waiting.rows = [[i.code, i.title, i.due, labels.light(i.light)] for i in report.unassigned]
        out.append(waiting)
    if report.targets:  # a plan without targets (指标) has no such section
        out.append(targets_table(report.targets, labels, report.as_of))
    return out


def _signed(n: int) -> str:
    return f"{n:+d}" if n else "0"


# --------------------------------------------------------------------------- quantitative targets (指标)


def number(value: float | None, decimals: int = 4) -> str:
    """A measured or projected value as people write it: no exponent, at most ``decimals`` decimals."""
    if value is None:
        return ""
    rounded = round(value, decimals) + 0.0  # + 0.0: no "-0"
    return f"{rounded:.12g}"


def targets_table(states: Sequence[Any], labels: Labels, as_of: date) -> Table:
    """The plan's targets: what each asks, its latest value (and the date it is measured at), its progress and
    projection at the deadline, its standing (the trend is in the JSON and the charts)."""
    columns = [
        _c(labels, "id", "short"), Column("title", labels("target_name")), Column("target", labels("target_value"), "short"),
        _c(labels, "deadline", "date", "target_deadline"), Column("latest", labels("target_latest"), "short"),
        Column("progress", labels("target_progress"), "short"), Column("projected", labels("target_projected"), "short"), Column("status", labels("status"), "status"),
        _c(labels, "light", "light"),
    ]
    table = Table("targets", labels("targets_title", as_of=as_of.isoformat()), columns, group_key=None,
                  sheet=labels("targets_sheet"), empty=labels("targets_none"))
    for s in states:
        st = s.standing
        latest = f"{number(st.latest.value)} @{st.latest.on.isoformat()}" if st.latest else ""
        table.rows.append([
            s.code, s.name, f"{'≥' if s.comparator == '>=' else '≤'} {number(s.target)} {s.unit}", s.deadline, latest,
            f"{round(st.progress * 100)}%" if st.progress is not None else "",
            number(st.projected, 2), labels(f"target_status_{st.status}"), labels.light(st.light),
        ])
    return table
