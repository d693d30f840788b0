"""Rows -> Rich renderables. The only module that imports rich; it never queries the database.

Tables are built for 80 columns with Chinese text (two cells a character): titles are cut with an
ellipsis rather than wrapped, so the grid never breaks.

Text is never read as Rich markup: every cell, header and title goes in as ``rich.text.Text``
(:class:`Table` wraps any plain string it is given), and the console interprets no markup, emoji
codes or highlighting either. Every string passes through :func:`tasklist.text.visible` on the way,
so a control character stored before the input rule (an ESC, an OSC 8 link) is shown escaped, never
sent to the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from rich import box
from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.table import Table as RichTable
from rich.text import Text

from ..i18n import Labels
from ..reports.facts import AgencySummary, AssignmentState, ItemState
from ..reports.views import HistoryRow
from ..text import visible


def _t(value: Any, style: str = "") -> Text:
    """Any value as Rich text: shown as it is (no markup), refused characters escaped."""
    if isinstance(value, Text):
        return value
    return Text(visible("" if value is None else str(value)), style=style)


class Table(RichTable):
    """A Rich table whose plain-string cells, headers and title are text, never markup."""

    #: lay the rows out without Rich's per-cell renderer even under FAST_ROWS rows (set on the tables
    #: of a listing that is long as a whole, such as every agency's table of ``overdue --all``)
    fast = False

    def __init__(self, *headers: Any, title: Any = None, **kw: Any) -> None:
        super().__init__(*headers, title=_t(title) if isinstance(title, str) else title, **kw)

    def add_column(self, header: Any = "", *args: Any, **kw: Any) -> None:
        super().add_column(_t(header) if isinstance(header, str) else header, *args, **kw)

    def add_row(self, *cells: Any, **kw: Any) -> None:
        super().add_row(*(_t(c) if isinstance(c, str) else c for c in cells), **kw)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = _fast_widths(self, options) if self.fast or len(self.rows) > FAST_ROWS else None
        if widths is None:
            yield from super().__rich_console__(console, options)
            return
        # The title, header and rule come from Rich itself (a copy of the table without its rows);
        # only the body rows are laid out here, the way Rich lays out a one-line cell.
        head = RichTable.__new__(RichTable)
        head.__dict__.update(self.__dict__)
        head.rows = []
        head.columns = [_copy_column(c) for c in self.columns]
        yield from head.__rich_console__(console, options)
        yield from _fast_body(self, widths, console)


#: a table with more body rows than this lays them out itself (:func:`_fast_body`) rather than cell by
#: cell through Rich's renderer (about 1 ms a row); the text is the same, character for character.
FAST_ROWS = 100


def _copy_column(column: Any) -> Any:
    from dataclasses import replace

    return replace(column, _cells=[])


def _fast_widths(table: Table, options: ConsoleOptions) -> list[int] | None:
    """The columns' widths when :func:`_fast_body` gives exactly what Rich would, else None: every
    column of fixed width, one line, cut not wrapped; the plain box of :func:`_table`; every cell
    plain text on one line with a single style; and the table no wider than the space it is given."""
    if (table.box is not box.SIMPLE_HEAD or table.show_edge or table.pad_edge or table.show_footer or table.show_lines
            or table.leading or table.row_styles or table.collapse_padding or table.padding[0] or table.padding[2]
            or table.padding[1] != table.padding[3] or table.style not in ("", "none") or table.border_style or table.expand
            or table.width is not None):
        return None
    widths = []
    for column in table.columns:
        if (column.width is None or not column.no_wrap or column.overflow not in ("ellipsis", "crop")
                or column.justify not in ("left", "right") or column.style or column.ratio or column.min_width is not None
                or column.max_width is not None or column.vertical != "top" or column.highlight):
            return None
        for cell in column._cells:
            if isinstance(cell, str):
                if cell:
                    return None
            elif (type(cell) is not Text or cell._spans or cell.justify or cell.overflow or cell.no_wrap is not None
                  or "\n" in cell.plain or "\t" in cell.plain):
                return None
        widths.append(column.width)
    if any(row.style is not None for row in table.rows):
        return None
    pad = table.padding[1]
    total = sum(widths) + (2 * pad + 1) * (len(widths) - 1)
    if not widths or total > options.max_width:
        return None
    return widths


def _fit_cell(text: str, width: int, justify: str, overflow: str) -> str:
    """One cell's line as Rich's Text.wrap lays it out with no_wrap (justify, then truncate)."""
    if justify == "right":
        text = text.rstrip()
    length = cell_len(text)
    if length > width:
        text = set_cell_size(text, width - 1) + "…" if overflow == "ellipsis" else set_cell_size(text, width)
        length = cell_len(text)
    if length < width:
        text = text + " " * (width - length) if justify == "left" else " " * (width - length) + text
    return text


def _plain_text(cell: Any) -> str:
    return cell.plain if isinstance(cell, Text) else ""  # a str cell here is empty (see _fast_widths)


def _fast_body(table: Table, widths: list[int], console: Console) -> Iterator[Segment]:
    pad = table.padding[1]
    last = len(widths) - 1
    # the padding either side of a cell (none at the outer edges) and the blank divider between cells
    before = [0 if i == 0 else pad for i in range(len(widths))]
    after = [0 if i == last else pad for i in range(len(widths))]
    gap = [" " * (after[i] + 1 + before[i + 1]) for i in range(last)] + [""]
    columns = [(c._cells, w, c.justify, c.overflow) for c, w in zip(table.columns, widths)]
    rule = " " * (sum(widths) + len(gap[0]) * last) if last >= 0 else ""
    plain = console.no_color or console.color_system is None
    get_style = console.get_style
    line = Segment.line()
    for index, row in enumerate(table.rows):
        if plain:
            yield Segment("".join(_fit_cell(_plain_text(cells[index]), w, j, o) + gap[i]
                                  for i, (cells, w, j, o) in enumerate(columns)))
        else:
            for i, (cells, w, j, o) in enumerate(columns):
                cell = cells[index]
                if isinstance(cell, Text):
                    yield Segment(_fit_cell(cell.plain, w, j, o), get_style(cell.style) if cell.style else None)
                else:  # an empty string (_fast_widths takes no other)
                    yield Segment(" " * w)
                if gap[i]:
                    yield Segment(gap[i])
        yield line
        if row.end_section and index < len(table.rows) - 1:
            yield Segment(rule)
            yield line


def console() -> Console:
    """The terminal on standard output. It reads no markup, emoji codes or highlighting into text."""
    return Console(markup=False, emoji=False, highlight=False)


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int, int], None]]:
    """A transient progress bar on standard error; yields ``advance(done, total)``."""
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done, _total: bar.update(task, completed=done)


LIGHT_STYLE = {"red": "bold red", "yellow": "yellow", "green": "green"}
STATUS_STYLE = {"done": "green", "in_progress": "cyan", "blocked": "magenta", "not_started": "dim"}


def _table(title: str | None = None, *, gap: int = 3) -> Table:
    """A table whose columns are ``gap`` cells apart (padding either side of a blank divider)."""
    return Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, (gap - 1) // 2),
                 title_justify="left", expand=False)


def _fixed(table: Table, header: str, width: int, **kw: Any) -> None:
    table.add_column(header, no_wrap=True, overflow="ellipsis", width=width, **kw)


def _id_column(table: Table, labels: Labels, codes: Any = ()) -> None:
    _fixed(table, labels("id"), max([4, *(len(code) + 1 for code in codes)]))  # +1 for an archived mark


def _title_column(table: Table, labels: Labels) -> None:
    # The one column that gives way to the screen's width: cut with an ellipsis, never wrapped.
    table.add_column(labels("title"), no_wrap=True, overflow="ellipsis")


def _fit(table: Table, width: int) -> Table:
    """Give the title column whatever the fixed columns leave of ``width`` (CJK counts two cells)."""
    fixed = sum(c.width or 0 for c in table.columns)
    gaps = (1 + 2 * table.padding[1]) * (len(table.columns) - 1)
    for column in table.columns:
        if column.width is None:
            column.width = max(8, width - fixed - gaps)
    return table


def _due_status_light(table: Table, labels: Labels) -> None:
    _fixed(table, labels("due"), 10)
    _fixed(table, labels("status"), 11 if labels.lang == "en" else 6)
    _fixed(table, labels("light"), 8 if labels.lang == "en" else 4)


def _light(labels: Labels, key: str) -> Text:
    return Text("● " + labels.light(key), style=LIGHT_STYLE[key])


def _status(labels: Labels, key: str) -> Text:
    return Text(labels.status(key), style=STATUS_STYLE.get(key, ""))


def _more(labels: Labels, hidden: int) -> Text | None:
    return _t(labels("more_rows", n=hidden), style="dim") if hidden > 0 else None


def _with_more(table: Table, labels: Labels, hidden: int) -> RenderableType:
    more = _more(labels, hidden)
    return Group(table, more) if more else table


def items_table(items: Sequence[ItemState], labels: Labels, as_of: str, *, limit: int | None, width: int = 80) -> RenderableType:
    table = _table(labels("items_title", as_of=as_of))
    shown = items if limit is None else items[:limit]
    _id_column(table, labels, (i.code for i in shown))
    _title_column(table, labels)
    _fixed(table, labels("lead"), 10)
    _due_status_light(table, labels)
    for item in shown:
        table.add_row(
            item.code + ("*" if item.archived else ""), item.title, item.lead or "",
            item.due.isoformat() if item.due else (item.due_text or ""),
            _status(labels, item.status), _light(labels, item.light),
        )
    return _with_more(_fit(table, width), labels, len(items) - len(shown))


def item_detail(item: ItemState, history: Sequence[HistoryRow], extensions: Sequence[dict[str, Any]], labels: Labels) -> RenderableType:
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold", no_wrap=True)
    head.add_column(overflow="fold")
    head.add_row(labels("id"), f"{item.code}  ({labels(item.kind)} {item.no})" + (f"  [{labels('archived')}]" if item.archived else ""))
    head.add_row(labels("title"), item.title)
    if item.group:
        head.add_row(labels("group"), item.group)
    if item.content:
        head.add_row(labels("content"), item.content)
    head.add_row(labels("agencies"), "、".join(item.agencies_listed))
    head.add_row(labels("due_text"), item.due_text or "")
    if item.extensions:
        head.add_row(labels("original_due"), item.due_original.isoformat() if item.due_original else "—")
        head.add_row(labels("current_due"), f"{item.due.isoformat() if item.due else '—'}  ({labels('extensions')} ×{item.extensions})")
    else:
        head.add_row(labels("due"), item.due.isoformat() if item.due else "—")
    head.add_row(labels("status"), Text.assemble(_status(labels, item.status), "  ", _light(labels, item.light)))
    parts: list[RenderableType] = [head, assignments_table(item.assignments, labels)]
    if extensions:
        ext = _table(labels("extensions"))
        for key in ("granted_on", "agency", "new_due", "reason", "approved_by"):
            ext.add_column(key, overflow="fold")
        for e in extensions:
            ext.add_row(e["granted_on"], e["agency"] or labels("total"), e["new_due"], e["reason"], e["approved_by"] or "")
        parts.append(ext)
    parts.append(history_table(history, labels, limit=None))
    return Group(*parts)


def assignments_table(assignments: Sequence[AssignmentState], labels: Labels) -> Table:
    table = _table()
    table.add_column(labels("agency"), no_wrap=True, max_width=16, overflow="ellipsis")
    table.add_column(labels("role"), no_wrap=True)
    table.add_column(labels("status"), no_wrap=True)
    table.add_column(labels("progress"), justify="right", no_wrap=True)
    table.add_column(labels("last_report"), no_wrap=True)
    table.add_column(labels("light"), no_wrap=True)
    for a in assignments:
        table.add_row(
            a.agency, labels("lead_mark") if a.role == "lead" else labels("co_mark"), _status(labels, a.status),
            "" if a.progress is None else str(a.progress), a.last_report.isoformat() if a.last_report else "—",
            _light(labels, a.light),
        )
    return table


def history_table(rows: Sequence[HistoryRow], labels: Labels, *, limit: int | None) -> RenderableType:
    if not rows:
        return Text(labels("no_history"), style="dim")
    table = _table(labels("history_title"))
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column(labels("id"), no_wrap=True)
    table.add_column(labels("agency"), no_wrap=True, max_width=12, overflow="ellipsis")
    table.add_column(labels("status"), no_wrap=True)
    table.add_column(labels("reported_on"), no_wrap=True)
    table.add_column(labels("note"), overflow="fold", ratio=1)
    table.add_column(labels("recorded_by"), no_wrap=True, max_width=10, overflow="ellipsis")
    shown = rows if limit is None else rows[-limit:]
    for r in shown:
        status = _status(labels, r.status)
        if r.reverses:
            status = Text.assemble(status, Text(f" ↶#{r.reverses}", style="dim"))
        note = r.note or ""
        if len(note) > 300:
            note = note[:300] + "…"
        by = r.recorded_by if not r.reported_by else f"{r.reported_by} ({r.recorded_by})"
        table.add_row(str(r.id), r.item, r.agency, status, r.reported_on, _t(note), _t(by))
    return _with_more(table, labels, len(rows) - len(shown))


def overdue_tables(groups: dict[str, list[AssignmentState]], labels: Labels, as_of: str, *, limit: int | None,
                   width: int = 80, totals: dict[str, int] | None = None) -> RenderableType:
    """``totals``: overdue rows per agency when ``groups`` holds only the first of them."""
    totals = totals or {name: len(rows) for name, rows in groups.items()}
    if not totals:
        return Text(labels("no_overdue", as_of=as_of), style="green")
    parts: list[RenderableType] = [_t(labels("overdue_title", as_of=as_of), style="bold")]
    budget = limit
    hidden = 0
    for agency, total in totals.items():
        rows = groups.get(agency, [])
        if not rows or (budget is not None and budget <= 0):
            hidden += total
            continue
        table = _table(f"{agency} ({total})")
        shown = rows if budget is None else rows[:budget]
        _id_column(table, labels, (a.item.code for a in shown))
        _title_column(table, labels)
        _fixed(table, labels("due"), 10)
        _fixed(table, labels("days_overdue"), 8 if labels.lang == "zh" else 5, justify="right")
        _fixed(table, labels("status"), 11 if labels.lang == "en" else 6)
        _fixed(table, labels("last_report"), 11)
        _fixed(table, labels("role"), 4)
        for a in shown:
            item = a.item
            table.add_row(
                item.code, item.title, a.due.isoformat() if a.due else "", str(a.days_overdue),
                _status(labels, a.status), a.last_report.isoformat() if a.last_report else "—",
                labels("lead_mark") if a.role == "lead" else labels("co_mark"),
            )
        hidden += total - len(shown)
        if budget is not None:
            budget -= len(shown)
        parts.append(_fit(table, width))
    if sum(len(p.rows) for p in parts if isinstance(p, Table)) > FAST_ROWS:
        for part in parts:
            if isinstance(part, Table):
                part.fast = True
    if more := _more(labels, hidden):
        parts.append(more)
    return Group(*parts)


SUMMARY_KEYS = ("assigned", "done", "in_progress", "not_started", "blocked", "overdue", "due_soon", "stale")


def summary_table(rows: Sequence[AgencySummary], labels: Labels, as_of: str) -> Table:
    # Nine numbers and a name in 80 columns: short headers, one cell between columns.
    table = _table(labels("status_title", as_of=as_of), gap=1)
    _fixed(table, labels("agency"), 12)
    for key in SUMMARY_KEYS:
        _fixed(table, labels("short_" + key), 5, justify="right")
    _fixed(table, labels("last_report"), 11, justify="right")
    total = AgencySummary(labels("total"))
    for r in rows:
        styles = {"overdue": "bold red", "due_soon": "yellow", "stale": "yellow"}
        cells = [Text(str(getattr(r, k)), style=styles.get(k, "") if getattr(r, k) else "") for k in SUMMARY_KEYS]
        table.add_row(r.agency, *cells, r.last_report.isoformat() if r.last_report else "—")
        for key in SUMMARY_KEYS:
            setattr(total, key, getattr(total, key) + getattr(r, key))
    table.add_section()
    table.add_row(total.agency, *(str(getattr(total, k)) for k in SUMMARY_KEYS), "")
    return table


def agency_items_tables(groups: Mapping[str, Sequence[AssignmentState]], totals: dict[str, int], labels: Labels, as_of: str,
                        *, limit: int | None, width: int = 80) -> RenderableType:
    """Every agency's items in one table, each agency under a heading row (one table to lay out,
    not one per agency). Like every listing, one screenful (``limit`` rows) unless --all."""
    table = _table(labels("items_title", as_of=as_of))
    budget = limit
    shown_rows: dict[str, list[AssignmentState]] = {}
    for name in totals:
        rows = list(groups.get(name, []))
        shown_rows[name] = rows if budget is None else rows[:max(budget, 0)]
        if budget is not None:
            budget -= len(shown_rows[name])
    _id_column(table, labels, (a.item.code for rows in shown_rows.values() for a in rows))
    _title_column(table, labels)
    _fixed(table, labels("role"), 4)
    _due_status_light(table, labels)
    hidden = 0
    for name, total in totals.items():
        rows = shown_rows[name]
        hidden += total - len(rows)
        if not rows:
            continue
        table.add_row("", _t(f"{name} ({total})", style="bold"))
        for a in rows:
            item = a.item
            table.add_row(
                item.code, item.title, labels("lead_mark") if a.role == "lead" else labels("co_mark"),
                a.due.isoformat() if a.due else (item.due_text or ""), _status(labels, a.status), _light(labels, a.light),
            )
        table.rows[-1].end_section = True
    return _with_more(_fit(table, width), labels, hidden)


def agencies_table(rows: Sequence[dict[str, Any]], labels: Labels, *, limit: int | None) -> RenderableType:
    table = _table()
    table.add_column(labels("agency"), no_wrap=True)
    table.add_column(labels("full_name"), overflow="fold", max_width=30)
    table.add_column(labels("kind"), no_wrap=True, max_width=12, overflow="ellipsis")
    table.add_column(labels("assigned"), justify="right", no_wrap=True)
    table.add_column(labels("lead"), justify="right", no_wrap=True)
    shown = rows if limit is None else rows[:limit]
    for r in shown:
        kind = r["kind"] + (f" ({len(r['members'])})" if r["members"] else "")
        table.add_row(r["name"], r["full_name"], kind, str(r["assignments"]), str(r["leads"]))
    return _with_more(table, labels, len(rows) - len(shown))


def load_report(report: Any, labels: Labels) -> RenderableType:
    lines: list[str] = []
    verb = "would " if report.dry_run else ""
    if not report.changed:
        return _t(f"{report.plan}: no changes ({report.items_total} items)", style="green")
    if report.plan_added:
        lines.append(f"plan {report.plan}: {verb}add")
    if report.plan_changed:
        lines.append(f"plan {report.plan}: {verb}update {', '.join(report.plan_changed)}")
    for label, values in (("agencies added", report.agencies_added), ("items added", report.items_added),
                          ("items archived", report.items_archived), ("items restored", report.items_restored),
                          ("assignments added", report.assignments_added), ("assignments changed", report.assignments_changed),
                          ("assignments archived", report.assignments_archived)):
        if values:
            shown = ", ".join(values[:12]) + (f", … (+{len(values) - 12})" if len(values) > 12 else "")
            lines.append(f"{verb}{label} ({len(values)}): {shown}")
    for label, changes in (("agency", report.agencies_changed), ("item", report.items_changed)):
        for key, fields in list(changes.items())[:20]:
            lines.append(f"{verb}update {label} {key}: {', '.join(fields)}")
        if len(changes) > 20:
            lines.append(f"… {len(changes) - 20} more {label} updates")
    return _t("\n".join(lines))


def plain_table(table: Any, labels: Labels, *, width: int = 80, limit: int | None = None) -> RenderableType:
    """Any export Table in the terminal: the title column gives way, the others keep their width."""
    from rich.cells import cell_len

    out = _table(table.title)
    shown = table.rows if limit is None else table.rows[:limit]
    for i, column in enumerate(table.columns):
        if column.key == "title":
            out.add_column(column.label, no_wrap=True, overflow="ellipsis")
            continue
        natural = max([cell_len(column.label)] + [cell_len(_plain(row[i])) for row in shown] or [4])
        _fixed(out, column.label, min(natural, 16), justify="right" if column.kind == "int" else "left")
    for row in shown:
        out.add_row(*(_styled(column, value) for column, value in zip(table.columns, row)))
    return _with_more(_fit(out, width), labels, len(table.rows) - len(shown)) if table.rows else Group(
        _t(table.title, style="bold"), Text(table.empty or "—", style="dim"))


def _plain(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else visible(str(value))


def _styled(column: Any, value: Any) -> Text:
    text = _plain(value).replace("\n", " ")
    if column.kind == "light":
        key = {"红": "red", "黄": "yellow", "绿": "green"}.get(text, text)
        return _t("● " + text, style=LIGHT_STYLE.get(key, ""))
    return _t(text)


def reminders_sent_table(messages: Sequence[Any], as_of: str) -> RenderableType:
    """What `remind` did with each agency's message."""
    if not messages:
        return Text("nothing is overdue: no reminders")
    table = Table(title=f"催办 / reminders ({as_of})", title_justify="left")
    for header in ("agency", "level", "items", "status", "to / file"):
        table.add_column(header, overflow="fold")
    for m in messages:
        where = ", ".join(m.recipients) or "—"
        detail = m.error or (m.path.name if m.path and m.status != "sent" else where)
        table.add_row(m.agency, f"{m.level} {m.as_dict()['level_name']}", str(len(m.items)), m.status, detail)
    return table


def reminder_log_table(rows: Sequence[dict[str, Any]], labels: Labels, *, limit: int | None) -> RenderableType:
    """The log of reminders, newest last (one screenful unless ``limit`` is None)."""
    table = Table(title_justify="left")
    for header in ("#", "agency", "level", "items", "as of", "sent at", "to"):
        table.add_column(header, overflow="fold")
    for r in rows[-limit:] if limit else rows:
        table.add_row(str(r["id"]), r["agency"], r["level_name"], " ".join(r["items"]), r["as_of"],
                      r["sent_at"][:19], ", ".join(r["recipients"]))
    return table


def import_preview(result: Any, labels: Labels) -> RenderableType:
    """The rows a feedback import recorded (or, for a dry run, would record)."""
    title = labels("feedback.preview_title_dry" if result.dry_run else "feedback.preview_title", agency=result.agency,
                   file=result.file)
    table = Table(title=_t(title), title_justify="left")
    for header in ("row", "id", "status", "progress", "reported", "note"):
        table.add_column(labels(f"feedback.preview_{header}"), overflow="fold")
    for u in result.updates:
        table.add_row(str(u.row), u.code, labels.status(u.status), "" if u.progress is None else str(u.progress),
                      u.reported_on.isoformat(), (u.note or "")[:60])
    return table


def weekly_screen(report: Any, tables: Sequence[Any], labels: Labels, title: str, *, lines: Sequence[str],
                  limit: int | None, width: int) -> RenderableType:
    """The weekly report in the terminal: title, the lines under it (period, generation time), then
    each of its tables."""
    parts: list[RenderableType] = [_t(title, style="bold"), *(_t(line, style="dim") for line in lines)]
    for table in tables:
        if table.name == "overdue":  # the overdue list has its own 80-column layout
            parts.append(overdue_tables(report.overdue, labels, report.as_of.isoformat(), limit=limit, width=width,
                                        totals=report.overdue_totals))
        else:
            parts.append(plain_table(table, labels, width=width, limit=limit))
    return Group(*parts)


def users_table(rows: Sequence[Any], labels: Labels) -> RenderableType:
    """The users of the shared database."""
    table = _table()
    for key in ("user", "agency", "created_at", "created_by"):
        table.add_column(labels(key), no_wrap=True)
    for u in rows:
        table.add_row(Text(u.name), Text(u.agency or labels("office")), u.created_at[:19], Text(u.created_by))
    return table


def audit_table(rows: Sequence[dict[str, Any]], labels: Labels, *, limit: int | None) -> RenderableType:
    """The audit log, newest last (one screenful unless ``limit`` is None)."""
    import json

    table = _table(labels("audit_title"))
    table.add_column("#", justify="right", no_wrap=True)
    for key in ("at", "actor", "action", "subject"):
        table.add_column(labels(key), no_wrap=True)
    table.add_column(labels("detail"), overflow="fold", ratio=1)
    shown = rows if limit is None else rows[-limit:]
    for r in shown:
        detail = json.dumps(r["detail"], ensure_ascii=False) if r["detail"] is not None else ""
        table.add_row(str(r["id"]), r["at"][:19], Text(r["actor"]), Text(r["action"]), Text(r["subject"]), Text(detail))
    return _with_more(table, labels, len(rows) - len(shown))

