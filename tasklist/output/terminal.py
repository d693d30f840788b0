"""Rows -> Rich renderables. The only module that imports Rich's console, tables and text (Rich's cell
counts aside, which :mod:`tasklist.output.plain` shares); it never queries the database.

Tables are built for 80 columns with Chinese text (two cells a character) and take the room a wider
terminal gives: titles are cut with an ellipsis rather than wrapped, so the grid never breaks, and a
cut never leaves half a wide character. No line ends in padding spaces (a table's cells are padded to
their column's width; in a file or a pipe that padding is noise).

Text is never read as Rich markup: every cell, header and title goes in as ``rich.text.Text``
(:class:`Table` wraps any plain string it is given), and the console interprets no markup, emoji
codes or highlighting either. Every string passes through :func:`tasklist.text.visible` on the way,
so a control character stored before the input rule (an ESC, an OSC 8 link) is shown escaped, never
sent to the terminal. Every word comes from the message catalogue (``view.*`` and ``label.*`` keys).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.table import Table as RichTable
from rich.text import Text

from ..i18n import Labels
from ..messages.view import Count
from ..reports.facts import AgencySummary, AssignmentState, ItemState
from ..reports.views import HistoryRow
from ..rules import UNASSIGNED
from ..text import visible
from .plain import (
    LEAST_FLEXIBLE,
    OVERDUE_GAP,
    STATUS_COLUMN,
    OverdueListing,
    _cells,
    _ellipsized,
    _fit_cell,
    agency_heading,
    body_lines,
    head_lines,
    id_width,
    more_rows,
    overdue_listing,
    role_word,
    sized,
)


def _t(value: Any, style: str = "") -> Text:
    """Any value as Rich text: shown as it is (no markup), refused characters escaped."""
    if isinstance(value, Text):
        return value
    return Text(visible("" if value is None else str(value)), style=style)


class Table(RichTable):
    """A Rich table whose plain-string cells, headers and title are text, never markup, and whose
    lines end without padding."""

    #: lay the rows out without Rich's per-cell renderer even under FAST_ROWS rows (set on the tables
    #: of a listing that is long as a whole, such as every agency's table of ``overdue --all``)
    fast = False
    #: the columns :func:`_fit` sizes (None: those without a width when it first runs), and those of
    #: them that take no more than their widest cell; ``auto_fit``: size them to the screen when shown
    flexible: list[int] | None = None
    natural: frozenset[int] = frozenset()
    auto_fit = False
    #: the body rows as plain one-line strings (refused characters already escaped), for a long
    #: listing: laid out by :func:`_raw_lines` without a Rich ``Text`` a cell, or handed to Rich as
    #: rows (:meth:`materialize`) when the fast way cannot give exactly what Rich would
    raw: list[tuple[str, ...]] | None = None
    #: the style of a raw cell, by column, by the cell's text (a status word: its colour)
    raw_styles: Mapping[int, Mapping[str, str]] = {}
    #: the style of one raw cell, by (row, column), over ``raw_styles`` (a heading row's bold name)
    raw_cell_styles: Mapping[tuple[int, int], str] = {}
    #: the raw rows that end a section (a blank line follows them, as Rich's ``end_section``)
    raw_sections: frozenset[int] = frozenset()

    def __init__(self, *headers: Any, title: Any = None, **kw: Any) -> None:
        super().__init__(*headers, title=_t(title) if isinstance(title, str) else title, **kw)

    def add_column(self, header: Any = "", *args: Any, **kw: Any) -> None:
        super().add_column(_t(header) if isinstance(header, str) else header, *args, **kw)

    def add_row(self, *cells: Any, **kw: Any) -> None:
        super().add_row(*(_t(c) if isinstance(c, str) else c for c in cells), **kw)

    def materialize(self) -> None:
        """The raw rows made Rich rows (each cell a ``Text`` with its style), as :meth:`add_row` adds them."""
        if self.raw is None:
            return
        raw, self.raw = self.raw, None
        styles, cell_styles = self.raw_styles, self.raw_cell_styles
        for index, row in enumerate(raw):
            RichTable.add_row(self, *(Text(cell, style=cell_styles.get((index, i))
                                           or (styles[i].get(cell, "") if i in styles else ""))
                                      for i, cell in enumerate(row)), end_section=index in self.raw_sections)

    def retitled(self, title: str) -> Table:
        """A table like this one (its columns as sized), empty, under ``title``: every agency's table of
        a listing has the same columns, made once (Rich makes a column in ~50 µs: 7 a table, 99
        tables in overdue --all at 10k)."""
        copy = self.head()
        copy.title, copy.auto_fit = _t(title), self.auto_fit
        return copy

    def head(self) -> Table:
        """This table without its body: the title, the header and the rule under it."""
        copy = Table.__new__(Table)
        copy.__dict__.update(self.__dict__)
        copy.rows, copy.raw, copy.auto_fit = [], None, False
        copy.columns = [_copy_column(c) for c in self.columns]
        return copy

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.auto_fit:
            _fit(self, options.max_width)
        if self.raw is not None:
            widths = _fast_widths(self, options)
            if widths is not None:
                yield from self._head(console, options, widths)
                yield from _raw_body(self, widths, console)
                return
            self.materialize()
        widths = _fast_widths(self, options) if self.fast or len(self.rows) > FAST_ROWS else None
        # Rich renders a copy: with its cells cut here (as the fast way cuts them), or, for the fast
        # way, without its rows (the title, header and rule come from Rich itself; only the body rows
        # are laid out here, the way Rich lays out a one-line cell).
        copy = RichTable.__new__(RichTable)
        copy.__dict__.update(self.__dict__)
        if widths is None:
            copy.columns = [_cut_column(c) for c in self.columns]
            yield from _trimmed(RichTable.__rich_console__(copy, console, options))
            return
        yield from self._head(console, options, widths)
        yield from _fast_body(self, widths, console)

    def _head(self, console: Console, options: ConsoleOptions, widths: list[int]) -> Iterator[Segment]:
        """The title, the header and the rule under it, of a table whose body the fast way lays out
        (``widths``: :func:`_fast_widths`'): written here when nothing is styled and the text is plain
        (:func:`_plain_head`), else laid out by Rich."""
        lines = _plain_head(self, widths) if console.color_system is None and not options.ascii_only else None
        if lines is None:
            yield from _trimmed(RichTable.__rich_console__(self.head(), console, options))
            return
        end = Segment.line()
        for line in lines:
            if line:
                yield Segment(line)
            yield end


def _plain_head(table: Table, widths: list[int]) -> list[str] | None:
    """What Rich prints, without styles, of the title, header and rule of ``table`` (a table
    :func:`_fast_widths` takes, its columns ``widths`` wide), each line without the spaces that would
    end it; None when Rich's layout could differ: a title not on one line of plain, left-justified text
    within the table's width, a header cell that is not one line of plain text within its column's
    width (Rich cuts a header otherwise than :func:`_fit_cell` cuts a cell), a caption."""
    title = table.title
    text = None
    if title is not None and not (isinstance(title, str) and not title):
        if not isinstance(title, Text) or table.title_justify != "left" or not _plain_cell(title):
            return None
        text = title.plain
    if table.caption or not table.show_header:
        return None
    headers = []
    for column in table.columns:
        cell = column.header
        if isinstance(cell, str):
            if cell:
                return None
            headers.append("")
        elif isinstance(cell, Text) and _plain_cell(cell):
            headers.append(cell.plain)
        else:
            return None
    return head_lines(text, headers, [(w, c.justify, c.overflow) for c, w in zip(table.columns, widths)], _gap(table))


def _plain_cell(text: Text) -> bool:
    """``text`` is one line of text Rich lays out as the cell's column says (no spans, no settings of its own)."""
    return (type(text) is Text and not text._spans and not text.justify and not text.overflow and text.no_wrap is None
            and "\n" not in text.plain and "\t" not in text.plain)


def _trimmed(segments: RenderResult) -> Iterator[Segment]:
    """``segments`` (a table's: nothing but segments) with the spaces that end each line dropped."""
    line: list[Segment] = []
    for segment in segments:
        assert isinstance(segment, Segment)
        text = segment.text
        if segment.control or "\n" not in text:
            line.append(segment)
            continue
        *heads, tail = text.split("\n")
        for head in heads:
            if head:
                line.append(Segment(head, segment.style))
            yield from _rstrip(line)
            yield Segment.line()
            line = []
        if tail:
            line.append(Segment(tail, segment.style))
    yield from _rstrip(line)


def _rstrip(line: list[Segment]) -> list[Segment]:
    end = len(line)
    while end:
        segment = line[end - 1]
        if segment.control:
            break
        kept = segment.text.rstrip(" ")
        if kept:
            if len(kept) != len(segment.text):
                line[end - 1] = Segment(kept, segment.style)
            break
        end -= 1
    return line[:end]


#: a table with more body rows than this lays them out itself (:func:`_fast_body`) rather than cell by
#: cell through Rich's renderer (about 1 ms a row), wherever :func:`_fast_widths` finds the text is
#: Rich's, character for character. 0: every such table, a screenful's too (status's summary of 37
#: agencies: bundled status 0.89x CPU). The tests raise it to have Rich lay a table out.
FAST_ROWS = 0


def _copy_column(column: Any) -> Any:
    """A copy of a Rich column without its cells."""
    copy = object.__new__(type(column))
    copy.__dict__.update(column.__dict__)
    copy._cells = []
    return copy


def _cut_column(column: Any) -> Any:
    """A copy of a one-line, fixed-width column whose cells too wide for it are cut by
    :func:`_ellipsized`, so Rich shows them as :func:`_fast_body` does."""
    if column.width is None or not column.no_wrap or column.overflow != "ellipsis":
        return column
    from dataclasses import replace

    cells = []
    for cell in column._cells:
        if isinstance(cell, Text) and "\n" not in cell.plain and "\t" not in cell.plain and not cell.overflow:
            if column.justify == "right":  # Rich drops the spaces a right-justified cell ends with first
                cell = cell.copy()
                cell.rstrip()
            if cell_len(cell.plain) > column.width:
                cut = _ellipsized(cell.plain, column.width)
                if cell.plain.startswith(cut[:-1]):
                    cell = cell[:len(cut) - 1]  # keeps the styles of what is left
                    cell.append("…")
                else:
                    cell = Text(cut, style=cell.style)
        cells.append(cell)
    return replace(column, _cells=cells)


def _fast_widths(table: Table, options: ConsoleOptions) -> list[int] | None:
    """The columns' widths when :func:`_fast_body` gives exactly what Rich would, else None: every
    column of fixed width, one line, cut not wrapped; the plain box of :func:`_table`; every cell
    plain text on one line with a single style; and the table no wider than the space it is given."""
    if (table.box is not box.SIMPLE_HEAD or table.show_edge or table.pad_edge or table.show_footer or table.show_lines
            or table.leading or table.row_styles or table.collapse_padding or table.padding[0] or table.padding[2]
            or table.style not in ("", "none") or table.border_style or table.expand or table.width is not None):
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
    total = sum(widths) + _gap(table) * (len(widths) - 1)
    if not widths or total > options.max_width:
        return None
    return widths


def _gap(table: RichTable) -> int:
    """Cells between two columns: the right padding of one, the (blank) divider, the left of the next."""
    return table.padding[1] + 1 + table.padding[3]


def _raw_lines(table: Table, widths: list[int], known: dict[tuple[int, str, str], dict[str, str]] | None = None) -> list[str]:
    """The raw rows of ``table`` (see :attr:`Table.raw`) laid out in ``widths`` as :func:`_fast_body`
    lays out Rich rows: each a line without its end of line, and without the spaces that would end it.
    ``known``: the cells laid out already, by column width, justification and overflow (every agency's
    table of a listing has the same columns: an item in several of them is laid out once)."""
    return body_lines(table.raw or [], [(w, c.justify, c.overflow) for c, w in zip(table.columns, widths)], _gap(table),
                      table.raw_sections, known)


def _raw_body(table: Table, widths: list[int], console: Console) -> Iterator[Segment]:
    line = Segment.line()
    if console.no_color or console.color_system is None:
        for text in _raw_lines(table, widths):
            if text:
                yield Segment(text)
            yield line
        return
    gap = Segment(" " * _gap(table))
    last = len(widths) - 1
    styles = {i: {text: console.get_style(style) if style else None for text, style in by_text.items()}
              for i, by_text in table.raw_styles.items()}
    cell_styles = {at: console.get_style(style) if style else None for at, style in table.raw_cell_styles.items()}
    columns = [(w, c.justify, c.overflow, styles.get(i)) for i, (c, w) in enumerate(zip(table.columns, widths))]
    sections, last_row = table.raw_sections, len(table.raw or ()) - 1
    for index, row in enumerate(table.raw or ()):
        segments = []
        for i, (text, (w, j, o, style)) in enumerate(zip(row, columns)):
            own = cell_styles.get((index, i)) if (index, i) in cell_styles else style.get(text) if style else None
            segments.append(Segment(_fit_cell(text, w, j, o), own))
            if i < last:
                segments.append(gap)
        yield from _rstrip(segments)
        yield line
        if index in sections and index < last_row:
            yield line


def show(console: Console, renderable: RenderableType) -> None:
    """``console.print(renderable)``. Without colours, the body of a table with raw rows (a long
    listing, see :attr:`Table.raw`), or of each such table of a group, goes to the console's file in
    blocks of lines rather than through Rich's buffer a segment at a time: the same text, several
    times faster, and a listing of 60,000 rows never held as text all at once."""
    parts = list(renderable.renderables) if isinstance(renderable, Group) else [renderable]
    plain = ((console.no_color or console.color_system is None) and not console.record and not console.quiet
             and not console.is_jupyter)
    heads: dict[tuple[Any, ...], Any] = {}
    cells: dict[tuple[int, str, str], dict[str, str]] = {}
    for part in parts:
        table = part if plain and isinstance(part, Table) and part.raw is not None else None
        widths = None
        if table is not None:
            if table.auto_fit:
                _fit(table, console.options.max_width)
            widths = _fast_widths(table, console.options)
        if table is None or widths is None:
            console.print(part)
            continue
        write = console.file.write
        write(_head_text(console, table, widths, heads))
        lines = _raw_lines(table, widths, cells)
        for start in range(0, len(lines), 2000):
            write("\n".join(lines[start:start + 2000]) + "\n")
        console.file.flush()


def _head_text(console: Console, table: Table, widths: list[int], known: dict[tuple[Any, ...], Any]) -> str:
    """What ``console.print(table.head())`` prints (without colours). Rich lays a header out in a few
    milliseconds, and every agency's table of a listing has the same one: it is laid out once (``known``,
    by the columns), each table's title, on one line, put above it. The first table of each kind is
    laid out by Rich whole; the second by Rich without its title, and the shortcut kept only if the
    first one's whole text is its title above that (a kind with one table, such as status's items,
    is laid out once)."""

    def by_rich(renderable: Table) -> str:
        with console.capture() as capture:
            console.print(renderable)
        return capture.get()

    title = table.title
    room = sum(widths) + _gap(table) * (len(widths) - 1)
    plain = title.plain if isinstance(title, Text) else ""
    if (not isinstance(title, Text) or title.spans or not plain or plain != plain.strip() or "  " in plain
            or "\n" in plain or "\t" in plain or _cells(plain) > room):
        return by_rich(table.head())
    key = (table.title_justify, table.padding, table.box, table.show_header,
           *((_plain_text(c.header), c.justify, c.vertical, w) for c, w in zip(table.columns, widths)))
    below = known.get(key, _UNSEEN)
    if below is _UNSEEN:  # the first table of its kind: Rich lays it out
        whole = by_rich(table.head())
        known[key] = (plain, whole)
        return whole
    if isinstance(below, tuple):  # the second: Rich lays it out without its title, and checks the shortcut
        first_plain, first_whole = below
        headless = table.head()
        headless.title = None
        rest = by_rich(headless)
        below = known[key] = rest if first_whole == first_plain + "\n" + rest else None
    return by_rich(table.head()) if below is None else plain + "\n" + below


_UNSEEN = object()


def _plain_text(cell: Any) -> str:
    return cell.plain if isinstance(cell, Text) else ""  # a str cell here is empty (see _fast_widths)


def _fast_body(table: Table, widths: list[int], console: Console) -> Iterator[Segment]:
    """The body rows, each line without the spaces that would end it (as :func:`_trimmed` leaves Rich's)."""
    last = len(widths) - 1
    # the padding either side of a cell (none at the outer edges) and the blank divider between cells
    gap = [" " * _gap(table)] * last + [""]
    columns = [(c._cells, w, c.justify, c.overflow) for c, w in zip(table.columns, widths)]
    plain = console.no_color or console.color_system is None
    get_style = console.get_style
    line = Segment.line()
    for index, row in enumerate(table.rows):
        if plain:
            text = "".join(_fit_cell(_plain_text(cells[index]), w, j, o) + gap[i]
                           for i, (cells, w, j, o) in enumerate(columns)).rstrip(" ")
            if text:
                yield Segment(text)
        else:
            segments = []
            for i, (cells, w, j, o) in enumerate(columns):
                cell = cells[index]
                if isinstance(cell, Text):
                    segments.append(Segment(_fit_cell(cell.plain, w, j, o), get_style(cell.style) if cell.style else None))
                else:  # an empty string (_fast_widths takes no other)
                    segments.append(Segment(" " * w))
                if gap[i]:
                    segments.append(Segment(gap[i]))
            yield from _rstrip(segments)
        yield line
        if row.end_section and index < len(table.rows) - 1:
            yield line  # the blank rule between sections (a line of spaces, trimmed)


class _Console(Console):
    """A console whose lines, piped into a file or another program, end without padding spaces
    (tables are trimmed as they are built; this catches wrapped titles and any other text)."""

    def _render_buffer(self, buffer: Any) -> str:
        text = super()._render_buffer(buffer)
        return text if self.is_terminal else _TRAILING.sub("\n", text)


_TRAILING = re.compile(r"[ \t]+\n")


def console() -> Console:
    """The terminal on standard output. It reads no markup, emoji codes or highlighting into text."""
    return _Console(markup=False, emoji=False, highlight=False)


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int, int], None]]:
    """A transient progress bar on standard error; yields ``advance(done, total)``."""
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done, _total: bar.update(task, completed=done)


LIGHT_STYLE = {"red": "bold red", "yellow": "yellow", "green": "green", "pending": "blue"}
STATUS_STYLE = {"done": "green", "in_progress": "cyan", "blocked": "magenta", "not_started": "dim", "claimed": "blue"}


def _table(title: str | None = None, *, gap: int = 3) -> Table:
    """A table whose columns are ``gap`` cells apart (padding either side of a blank divider; an even
    gap pads the right of a cell one more than the left)."""
    left = (gap - 1) // 2
    return Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, gap - 1 - left, 0, left),
                 title_justify="left", expand=False)


def _fixed(table: Table, header: str, width: int, **kw: Any) -> None:
    table.add_column(header, no_wrap=True, overflow="ellipsis", width=width, **kw)


def _sized(table: Table, header: str, values: Iterable[str] = (), *, least: int = 0, most: int | None = None,
           **kw: Any) -> None:
    """A fixed column as wide as its header and its widest value (at least ``least``; at most ``most``,
    the longer values cut)."""
    _fixed(table, header, sized(header, values, least=least, most=most), **kw)


def _id_column(table: Table, labels: Labels, codes: Any = ()) -> None:
    _fixed(table, labels("id"), id_width(codes))


def _title_column(table: Table, labels: Labels) -> None:
    # The one column that gives way to the screen's width: cut with an ellipsis, never wrapped.
    table.add_column(labels("title"), no_wrap=True, overflow="ellipsis")


def _natural_column(table: Table, header: str) -> None:
    """A column as wide as its widest cell while the screen has room, cut with an ellipsis when not."""
    table.natural = table.natural | {len(table.columns)}
    table.add_column(header, no_wrap=True, overflow="ellipsis")


def _fit(table: Table, width: int) -> Table:
    """Size the flexible columns to ``width`` (CJK counts two cells): a natural column (see
    :func:`_natural_column`) takes what its widest cell needs, if there is room; any other the rest."""
    if table.flexible is None:
        table.flexible = [i for i, c in enumerate(table.columns) if c.width is None]
    flexible = set(table.flexible)
    left = width - sum(c.width or 0 for i, c in enumerate(table.columns) if i not in flexible)
    left -= _gap(table) * (len(table.columns) - 1)
    rest = len(flexible - table.natural)  # columns that take the rest, LEAST_FLEXIBLE cells at least each
    for i in sorted(flexible, key=lambda i: i not in table.natural):
        column = table.columns[i]
        if i in table.natural:
            cells = [cell_len(_plain_text(c)) for c in column._cells]
            column.width = max(6, min(max([cell_len(_plain_text(column.header)), *cells]), left - LEAST_FLEXIBLE * rest))
        else:
            column.width = max(LEAST_FLEXIBLE, left)
        left -= column.width
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
    more = more_rows(labels, hidden)
    return _t(more, style="dim") if more else None


def _with_more(table: Table, labels: Labels, hidden: int) -> RenderableType:
    more = _more(labels, hidden)
    return Group(table, more) if more else table


def items_table(items: Sequence[ItemState], labels: Labels, as_of: str, *, limit: int | None, width: int = 80,
                title: str | None = None) -> RenderableType:
    table = _table(title or labels("items_title", as_of=as_of))
    shown = items if limit is None else items[:limit]
    _id_column(table, labels, (i.shown_code for i in shown))
    _title_column(table, labels)
    _fixed(table, labels("lead"), 10)
    _due_status_light(table, labels)
    for item in shown:
        table.add_row(
            item.shown_code + ("*" if item.archived else ""), item.title, item.lead or "",
            item.due.isoformat() if item.due else (item.due_text or ""),
            _status(labels, item.status), _light(labels, item.light),
        )
    return _with_more(_fit(table, width), labels, len(items) - len(shown))


#: the fields of an extension shown by ``show``, in order; each one's header is the catalogue's ``view.ext_<field>``
EXTENSION_FIELDS = ("granted_on", "agency", "new_due", "reason", "approved_by")


def item_detail(item: ItemState, history: Sequence[HistoryRow], extensions: Sequence[dict[str, Any]], labels: Labels,
                *, headers: Mapping[str, str] | None = None) -> RenderableType:
    """One item: its text, every agency's part, its extensions and its history. ``headers``: the
    extension table's header of a field, where it should differ from ``view.ext_<field>``."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold", no_wrap=True)
    head.add_column(overflow="fold")
    heading = labels("view.item_heading", code=item.code, kind=labels(item.kind), no=item.no)
    head.add_row(labels("id"), heading + (labels("view.archived_mark") if item.archived else ""))
    head.add_row(labels("title"), item.title)
    if item.group:
        head.add_row(labels("group"), item.group)
    if item.content:
        head.add_row(labels("content"), item.content)
    if item.status == UNASSIGNED:
        head.add_row(labels("agencies"), _t(labels("view.unassigned_past_due" if item.past_due_unassigned
                                                   else "view.unassigned_agencies"),
                                            style="bold red" if item.past_due_unassigned else "yellow"))
    else:
        head.add_row(labels("agencies"), "、".join(item.agencies_listed))
    head.add_row(labels("due_text"), item.due_text or "")
    if item.extensions:
        head.add_row(labels("original_due"), item.due_original.isoformat() if item.due_original else "—")
        head.add_row(labels("current_due"), (item.due.isoformat() if item.due else "—")
                     + labels("view.extended_times", n=Count(item.extensions)))
    else:
        head.add_row(labels("due"), item.due.isoformat() if item.due else "—")
    head.add_row(labels("status"), Text.assemble(_status(labels, item.status), "  ", _light(labels, item.light)))
    parts: list[RenderableType] = [head]
    if item.assignments:
        parts.append(assignments_table(item.assignments, labels))
    for a in item.assignments:  # a returned claim's reason stays in sight until the part is reported again
        if a.returned:
            parts.append(_t(labels("view.returned_line", agency=a.agency, reason=a.returned), style="blue"))
    if extensions:
        ext = _table(labels("extensions"))
        for key in EXTENSION_FIELDS:
            ext.add_column((headers or {}).get(key) or labels(f"view.ext_{key}"), overflow="fold")
        for e in extensions:
            ext.add_row(_plain(e["granted_on"]), e["agency"] or labels("view.ext_all_agencies"), _plain(e["new_due"]),
                        e["reason"] or "", e["approved_by"] or "")
        parts.append(ext)
    parts.append(history_table(history, labels, limit=None))
    return Group(*parts)


def assignments_table(assignments: Sequence[AssignmentState], labels: Labels) -> Table:
    table = _table()
    _sized(table, labels("agency"), (a.agency for a in assignments), most=16)
    table.add_column(labels("role"), no_wrap=True)
    table.add_column(labels("status"), no_wrap=True)
    table.add_column(labels("progress"), justify="right", no_wrap=True)
    table.add_column(labels("last_report"), no_wrap=True)
    table.add_column(labels("light"), no_wrap=True)
    for a in assignments:
        table.add_row(
            a.agency, role_word(labels, a.role), _status(labels, a.status),
            "" if a.progress is None else str(a.progress), a.last_report.isoformat() if a.last_report else "—",
            _light(labels, a.light),
        )
    return table


def history_table(rows: Sequence[HistoryRow], labels: Labels, *, limit: int | None) -> RenderableType:
    """Recorded updates, oldest first (the last ``limit`` of them). An undo says which update it
    reverses at the head of its note; the note takes the room the other columns leave."""
    if not rows:
        return Text(labels("no_history"), style="dim")
    table = _table(labels("history_title"), gap=2)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column(labels("id"), no_wrap=True)
    shown = rows if limit is None else rows[-limit:]
    _sized(table, labels("agency"), (r.agency for r in shown), most=12)
    table.add_column(labels("status"), no_wrap=True)
    table.add_column(labels("reported_on"), no_wrap=True)
    table.add_column(labels("note"), overflow="fold", ratio=1, min_width=16)
    by = [r.recorded_by if not r.reported_by else labels("view.recorded_for", reported_by=r.reported_by,
                                                         recorded_by=r.recorded_by) for r in shown]
    _sized(table, labels("recorded_by"), by, most=16)
    for r, who in zip(shown, by):
        text = r.note or ""
        if len(text) > 300:
            text = text[:300] + "…"
        note = _t(text)
        if r.reverses:
            note = Text.assemble(Text(labels("view.undoes", id=r.reverses), style="dim"), " " if text else "", note)
        status = _status(labels, r.status)
        if r.progress is not None:  # the progress reported with it, beside the status it belongs to
            status = Text.assemble(status, f" {r.progress}%")
        table.add_row(str(r.id), r.item, r.agency, status, r.reported_on, note, _t(who))
    return _with_more(table, labels, len(rows) - len(shown))


def overdue_tables(groups: dict[str, list[AssignmentState]], labels: Labels, as_of: str, *, limit: int | None,
                   width: int = 80, totals: dict[str, int] | None = None,
                   listing: OverdueListing | None = None) -> RenderableType:
    """``totals``: overdue rows per agency when ``groups`` holds only the first of them. The text and
    the columns are :func:`tasklist.output.plain.overdue_listing`'s (``listing``: made already, for
    ``width``); here they are made Rich tables."""
    if listing is None:
        listing = overdue_listing(groups, labels, as_of, limit=limit, width=width, totals=totals)
    if listing.empty:
        return Text(listing.title, style="green")
    parts: list[RenderableType] = [Text(listing.title, style="bold")]
    # the rows stay plain strings (Table.raw): Rich still lays them out where the fast way cannot give
    # exactly its text (a screen too narrow, a cell of several lines)
    first: Table | None = None
    status_styles = {STATUS_COLUMN: {word: STATUS_STYLE.get(key, "") for key, word in listing.status_words.items()}}
    for heading, raw, several_lines in listing.tables:
        if first is None:
            table = first = _table(heading, gap=OVERDUE_GAP)
            for header, column_width, justify in listing.columns:
                _fixed(table, header, column_width, justify=justify)
        else:
            table = first.retitled(heading)
        table.raw = raw
        table.raw_styles = status_styles
        if several_lines:
            table.materialize()  # a cell of several lines: Rich lays it out
        parts.append(table)
    every = sum(len(raw) for _, raw, _ in listing.tables)
    if every > FAST_ROWS:
        for part in parts:
            if isinstance(part, Table):
                part.fast = True
    if listing.more:
        parts.append(Text(listing.more, style="dim"))
    return Group(*parts)


SUMMARY_KEYS = ("assigned", "done", "in_progress", "not_started", "blocked", "claimed", "overdue", "due_soon", "stale")


def summary_table(rows: Sequence[AgencySummary], labels: Labels, as_of: str) -> Table:
    """Nine numbers and a name: short headers, one cell between columns, each number column as wide
    as its header or its widest number; the names whole while the screen has room for them (sized
    when shown, to the screen it is shown on). Claims awaiting review get a column while there are any."""
    total = AgencySummary(labels("total"))
    for r in rows:
        for key in SUMMARY_KEYS:
            setattr(total, key, getattr(total, key) + getattr(r, key))
    keys = [k for k in SUMMARY_KEYS if k != "claimed" or total.claimed]
    table = _table(labels("status_title", as_of=as_of), gap=1)
    _natural_column(table, labels("agency"))
    for key in keys:
        _sized(table, labels("short_" + key), [str(getattr(total, key))], justify="right")
    _sized(table, labels("last_report"), least=11, justify="right")  # a date set off from the numbers
    table.auto_fit = True
    styles = {"overdue": "bold red", "due_soon": "yellow", "stale": "yellow", "claimed": "blue"}
    for r in rows:
        cells = [Text(str(getattr(r, k)), style=styles.get(k, "") if getattr(r, k) else "") for k in keys]
        table.add_row(r.agency, *cells, r.last_report.isoformat() if r.last_report else "—")
    table.add_section()
    table.add_row(total.agency, *(str(getattr(total, k)) for k in keys), "")
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
    _id_column(table, labels, (a.item.shown_code for rows in shown_rows.values() for a in rows))
    _title_column(table, labels)
    _sized(table, labels("role"), [labels("lead_mark"), labels("view.co_mark")])
    _due_status_light(table, labels)
    # the rows stay plain strings (Table.raw), as overdue_tables' do
    status_of = {key: labels.status(key) for key in {a.status for rows in shown_rows.values() for a in rows}}
    light_of = {key: "● " + labels.light(key) for key in LIGHT_STYLE}
    role_of = {role: visible(role_word(labels, role)) for role in ("lead", "co")}
    raw: list[tuple[str, ...]] = []
    headings: dict[tuple[int, int], str] = {}
    sections: set[int] = set()
    hidden = 0
    for name, total in totals.items():
        rows = shown_rows[name]
        hidden += total - len(rows)
        if not rows:
            continue
        headings[len(raw), 1] = "bold"
        raw.append(("", visible(agency_heading(labels, name, total)), "", "", "", ""))
        raw += [(visible(a.item.shown_code), visible(a.item.title), role_of.get(a.role) or visible(role_word(labels, a.role)),
                 a.due.isoformat() if a.due else visible(a.item.due_text or ""), status_of[a.status], light_of[a.light])
                for a in rows]
        sections.add(len(raw) - 1)
    table.raw, table.raw_cell_styles, table.raw_sections = raw or None, headings, frozenset(sections)
    table.raw_styles = {4: {word: STATUS_STYLE.get(key, "") for key, word in status_of.items()},
                        5: {word: LIGHT_STYLE[key] for key, word in light_of.items()}}
    if any("\n" in text or "\t" in text for row in raw for text in row):
        table.materialize()  # a cell of several lines: Rich lays it out
    return _with_more(_fit(table, width), labels, hidden)


def unassigned_items(items: Sequence[ItemState], labels: Labels, as_of: str, *, limit: int | None,
                     width: int = 80) -> RenderableType:
    """The items awaiting assignment (待交办), after the agencies' tables; nothing when there are none."""
    if not items:
        return Text("")
    title = labels("view.unassigned_title", n=len(items), late=sum(i.past_due_unassigned for i in items))
    return items_table(items, labels, as_of, limit=limit, width=width, title=title)


def agencies_table(rows: Sequence[dict[str, Any]], labels: Labels, *, limit: int | None) -> RenderableType:
    table = _table()
    table.add_column(labels("agency"), no_wrap=True)
    table.add_column(labels("full_name"), overflow="fold", max_width=30)
    shown = rows if limit is None else rows[:limit]
    # the kind as the caller words it (the agencies command: 省直部门, 分组（9）), a member count if it gives members
    kinds = [r["kind"] if not r["members"] else labels("view.kind_count", kind=r["kind"], n=len(r["members"]))
             for r in shown]
    _sized(table, labels("kind"), kinds, most=16)
    table.add_column(labels("assigned"), justify="right", no_wrap=True)
    table.add_column(labels("lead"), justify="right", no_wrap=True)
    for r, kind in zip(shown, kinds):
        table.add_row(r["name"], r["full_name"], kind, str(r["assignments"]), str(r["leads"]))
    return _with_more(table, labels, len(rows) - len(shown))


def plain_table(table: Any, labels: Labels, *, width: int = 80, limit: int | None = None) -> RenderableType:
    """Any export Table in the terminal: the title column gives way, the others keep their width."""
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
        key = {"红": "red", "黄": "yellow", "绿": "green", "待审核": "pending", "review": "pending"}.get(text, text)
        return _t("● " + text, style=LIGHT_STYLE.get(key, ""))
    return _t(text)


def level_name(labels: Labels, level: int) -> str:
    """A reminder's level in words (督办提醒, 催办, 通报)."""
    return labels(f"view.level_{level}")


def reminders_sent_table(messages: Sequence[Any], as_of: str, labels: Labels | None = None) -> RenderableType:
    """What `remind` did with each agency's message, and a line that counts them by outcome."""
    labels = labels or Labels()
    if not messages:
        return Text(labels("view.no_reminders", as_of=as_of))
    table = _table(labels("view.remind_title", as_of=as_of), gap=2)
    _sized(table, labels("agency"), (m.agency for m in messages), most=12)  # a file's name has it whole
    table.add_column(labels("view.remind_level"), no_wrap=True)
    table.add_column(labels("view.remind_items"), justify="right", no_wrap=True)
    table.add_column(labels("view.remind_result"), no_wrap=True)
    table.add_column(labels("view.remind_where"), overflow="fold", ratio=1, min_width=16)
    counts: dict[str, int] = {}
    for m in messages:
        status = labels("view.status_" + m.status.replace(" ", "_"))
        counts[status] = counts.get(status, 0) + 1
        detail = m.problem(labels.lang) if m.trouble else (
            m.path.name if m.path and m.status != "sent" else ", ".join(m.recipients) or "—")
        table.add_row(m.agency, level_name(labels, m.level), str(len(m.items)), status, detail)
    parts = labels("view.list_sep").join(labels("view.remind_part", status=s, n=n) for s, n in counts.items())
    return Group(table, _t(labels("view.remind_summary", n=Count(len(messages)), parts=parts)))


def zone_name(labels: Labels, zone: str) -> str:
    """A time zone as people there call it (北京时间 for China's), else its name."""
    return labels("view.zone_china") if zone in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC") else zone


def local_time(stamp: str, zone: str) -> str:
    """A stored UTC time (ISO 8601) as the local time in ``zone``, to the minute."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def reminder_log_table(rows: Sequence[dict[str, Any]], labels: Labels, *, limit: int | None,
                       zone: str = "Asia/Shanghai") -> RenderableType:
    """The log of reminders, newest last (one screenful unless ``limit`` is None): how many items
    each listed (``--json`` lists them), and when it was sent, in ``zone`` (the plan's) named in
    the header."""
    if not rows:
        return Text(labels("view.no_log"), style="dim")
    table = _table(labels("view.log_title"), gap=2)
    table.add_column("#", justify="right", no_wrap=True)
    shown = rows[-limit:] if limit else rows
    _sized(table, labels("agency"), (r["agency"] for r in shown), most=16)
    table.add_column(labels("view.remind_level"), no_wrap=True)
    table.add_column(labels("view.remind_items"), justify="right", no_wrap=True)
    table.add_column(labels("view.log_as_of"), no_wrap=True)
    table.add_column(labels("view.log_sent_at", zone=zone_name(labels, zone)), no_wrap=True)
    table.add_column(labels("view.log_to"), overflow="fold", ratio=1, min_width=12)
    for r in shown:
        table.add_row(str(r["id"]), r["agency"], level_name(labels, r["level"]), str(len(r["items"])), r["as_of"],
                      local_time(r["sent_at"], zone), ", ".join(r["recipients"]) or "—")
    return _with_more(table, labels, len(rows) - len(shown))


def import_preview(result: Any, labels: Labels) -> RenderableType:
    """The rows a feedback import recorded (or, for a dry run, would record)."""
    title = labels("feedback.preview_title_dry" if result.dry_run else "feedback.preview_title", agency=result.agency,
                   file=result.file)
    table = _table(title)
    for header, justify in (("row", "right"), ("id", "left"), ("status", "left"), ("progress", "right"),
                            ("reported", "left")):
        table.add_column(labels(f"feedback.preview_{header}"), justify=justify, no_wrap=True)
    table.add_column(labels("feedback.preview_note"), overflow="fold", ratio=1)
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
        elif table.name == "targets":  # the name gives way, the status in its light's colour
            parts.append(targets_screen(table, labels, width))
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


def audit_action(labels: Labels, action: str) -> str:
    try:
        return labels(f"view.action_{action}")
    except KeyError:
        return action


def audit_detail(labels: Labels, detail: Any) -> str:
    """An audit entry's detail as words: 键：值；键：值 (names of the catalogue's ``view.detail_*``), values
    as recorded (lists joined, nested records as JSON)."""
    import json

    if detail is None:
        return ""
    if not isinstance(detail, dict):
        return json.dumps(detail, ensure_ascii=False)
    parts = []
    for key, value in detail.items():
        try:
            name = labels(f"view.detail_{key}")
        except KeyError:
            name = key
        if isinstance(value, list):
            shown = labels("view.list_sep").join(str(v) for v in value)
        elif isinstance(value, dict):
            shown = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            shown = labels("view.yes") if value else labels("view.no")
        else:
            shown = "—" if value is None else str(value)
        parts.append(labels("view.detail_pair", name=name, value=shown))
    return labels("view.detail_sep").join(parts)


def audit_table(rows: Sequence[dict[str, Any]], labels: Labels, *, limit: int | None) -> RenderableType:
    """The audit log, newest last (one screenful unless ``limit`` is None)."""

    table = _table(labels("audit_title"))
    table.add_column("#", justify="right", no_wrap=True)
    for key in ("at", "actor", "action", "subject"):
        table.add_column(labels(key), no_wrap=True)
    table.add_column(labels("detail"), overflow="fold", ratio=1)
    shown = rows if limit is None else rows[-limit:]
    for r in shown:
        detail = audit_detail(labels, r["detail"])
        table.add_row(str(r["id"]), r["at"][:19], Text(r["actor"]), Text(audit_action(labels, r["action"])),
                      Text(r["subject"]), Text(detail))
    return _with_more(table, labels, len(rows) - len(shown))


def claims_table(claims: Sequence[Any], labels: Labels, as_of: str, *, limit: int | None,
                 width: int = 80) -> RenderableType:
    """Completion claims awaiting the office's review (待审核), oldest first, with their evidence."""
    table = _table(labels("view.claims_title", as_of=as_of))
    shown = claims if limit is None else claims[:limit]
    _sized(table, "#", [str(c.claim_id) for c in shown], justify="right")
    _id_column(table, labels, (c.item for c in shown))
    _sized(table, labels("agency"), (c.agency for c in shown), most=14)
    _fixed(table, labels("view.claimed_on"), 10)
    _sized(table, labels("view.claim_age"), [labels("view.days", n=c.age_days) for c in shown], justify="right")
    table.add_column(labels("view.claim_note"), no_wrap=True, overflow="ellipsis")
    _sized(table, labels("view.evidence"), [_evidence_cell(labels, c.evidence) for c in shown], most=24)
    for c in shown:
        table.add_row(str(c.claim_id), c.item, c.agency, c.claimed_on.isoformat(), labels("view.days", n=c.age_days),
                      c.note or "", _evidence_cell(labels, c.evidence))
    return _with_more(_fit(table, width), labels, len(claims) - len(shown))


def _evidence_cell(labels: Labels, files: Sequence[Any]) -> str:
    if not files:
        return labels("view.no_evidence")
    return "、".join(f.name for f in files) if labels.lang == "zh" else ", ".join(f.name for f in files)



def scorecard_screen(tables: Sequence[Any], labels: Labels, title: str, *, lines: Sequence[str], notes: Sequence[str] = (),
                     width: int) -> RenderableType:
    """The quarterly scorecard in the terminal: title, period and cutoff, then its tables (the
    quarter's, or one agency's quarters side by side; then the weights), ``notes`` after the first."""
    parts: list[RenderableType] = [_t(title, style="bold"), *(_t(line, style="dim") for line in lines)]
    for n, table in enumerate(tables):
        parts.append(_snug_table(table, labels, width))
        if n == 0:
            parts += [_t(note, style="dim") for note in notes]
    return Group(*parts)


#: the column of a scorecard table that gives way to the screen's width (cut with an ellipsis)
_GIVES_WAY = ("agency", "measure", "title")


def _snug_table(table: Any, labels: Labels, width: int) -> RenderableType:
    """An export Table with every column as wide as its header and widest value, except the one that
    gives way (:data:`_GIVES_WAY`), which takes the rest of ``width``."""
    if not table.rows:
        return Group(_t(table.title, style="bold"), _t(table.empty or "—", style="dim"))
    out = _table(table.title, gap=2)
    flexible = next((i for i, c in enumerate(table.columns) if c.key in _GIVES_WAY), None)
    widths = [max([cell_len(column.label), *(cell_len(_plain(row[i])) for row in table.rows)])
              for i, column in enumerate(table.columns)]
    if flexible is not None:
        rest = width - sum(w for i, w in enumerate(widths) if i != flexible) - 2 * (len(widths) - 1)
        widths[flexible] = max(8, min(widths[flexible], rest))
    for column, size in zip(table.columns, widths):
        _fixed(out, column.label, size, justify="right" if column.kind == "int" else "left")
    for row in table.rows:
        out.add_row(*(_styled(column, value) for column, value in zip(table.columns, row)))
    return out


def targets_screen(table: Any, labels: Labels, width: int) -> RenderableType:
    """The targets table (:func:`tasklist.output.tables.targets_table`) in the terminal: the name gives
    way, the status is shown in its light's colour (the light's own word would only repeat it)."""
    if not table.rows:
        return Group(_t(table.title, style="bold"), _t(table.empty or "—", style="dim"))
    keep = [i for i, c in enumerate(table.columns) if c.kind != "light"]
    light = next(i for i, c in enumerate(table.columns) if c.kind == "light")
    columns = [table.columns[i] for i in keep]
    rows = [[row[i] for i in keep] for row in table.rows]
    widths = [max([cell_len(c.label), *(cell_len(_plain(r[j])) + (2 if c.key == "status" else 0) for r in rows)])
              for j, c in enumerate(columns)]
    name = next(j for j, c in enumerate(columns) if c.key == "title")
    rest = width - sum(w for j, w in enumerate(widths) if j != name) - 2 * (len(widths) - 1)
    widths[name] = max(8, min(widths[name], rest))
    out = _table(table.title, gap=2)
    for column, size in zip(columns, widths):
        _fixed(out, column.label, size)
    light_key = {labels.light(k): k for k in ("red", "yellow", "green")}
    for row, full in zip(rows, table.rows):
        style = LIGHT_STYLE[light_key[full[light]]]
        out.add_row(*(Text("● " + _plain(v), style=style) if c.key == "status" else _t(_plain(v))
                      for c, v in zip(columns, row)))
    return out
