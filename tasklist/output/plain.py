"""Text laid out as Rich lays it out on a console that prints no styles, without Rich's console:
the cells a text takes, a cell cut and padded to its column, and the overdue listing written whole
to a pipe or a file.

:mod:`tasklist.output.terminal` (the Rich user) lays out its long tables' cells with these same
functions. Importing Rich's console, table and text costs ~93M instructions, a sixth of the 10k
overdue screenful: ``overdue`` printed where Rich would print no styles (a pipe, a file), in UTF-8,
and where every line is one Rich cannot lay out otherwise, is written from here and Rich is never
imported; anything else (a terminal, colours, a screen too narrow, a cell of several lines) goes
through Rich as before. ``rich.cells`` (the cells of a character, as Rich counts them) is the only
part of Rich this module loads.
"""

# No `from __future__ import annotations` here: typing.NamedTuple compiles each field's annotation
# given as a string (~0.1 ms a record, on the overdue report's start-up); see tests/test_startup.py.
import builtins
import os
import sys
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate
from typing import IO, Any, NamedTuple

from rich.cells import cell_len, get_character_cell_size, set_cell_size

from ..i18n import Labels
from ..messages.view import Count
from ..reports.facts import AssignmentState
from ..text import visible


def _ellipsized(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` cells, ending in "…". Unlike Rich's own cut, never half a
    wide character (which Rich shows as a space: "福州市人民 …")."""
    if width <= 0:
        return ""
    cut = _cut(text, width - 1)
    if cut is None:
        cut = set_cell_size(text, width - 1)
        if not text.startswith(cut):  # Rich split a wide character and padded the half with a space
            cut = cut[:-1]
    return cut + "…"


def _cut(text: str, cells: int) -> str | None:
    """The longest start of ``text`` that takes at most ``cells`` cells, when it is shorter than
    ``text`` and every character before the cut takes one or two cells (each its own grapheme, so the
    cut is Rich's); else None. Several times faster than Rich's grapheme split on a long listing's titles."""
    total = 0
    for i, char in enumerate(text):
        size = _char_cells(char)
        if not size:
            return None
        total += size
        if total > cells:
            return text[:i]
    return None


def _fit_cell(text: str, width: int, justify: str, overflow: str) -> str:
    """One cell's line as Rich's Text.wrap lays it out with no_wrap (justify, then truncate), a cell
    too wide already cut by :func:`tasklist.output.terminal._cut_column`."""
    if justify == "right":
        text = text.rstrip()
    ends = None if text.isascii() or width <= 0 else _ends(text)
    if ends is not None:  # what _cells, _ellipsized and _cells again make of it, from one count of its characters
        length = ends[-1] if ends else 0
        if length > width and overflow == "ellipsis":
            kept = bisect_right(ends, width - 1)  # _cut's start: the characters within width - 1 cells
            text = text[:kept] + "…"
            length = (ends[kept - 1] if kept else 0) + _char_cells("…")
    else:
        length = _cells(text)
    if length > width:
        text = _ellipsized(text, width) if overflow == "ellipsis" else set_cell_size(text, width)
        length = _cells(text)
    if length < width:
        text = text + " " * (width - length) if justify == "left" else " " * (width - length) + text
    return text


class _Made(dict[Any, Any]):
    """``make(key)`` for each key, made on its first use and remembered (a lookup of one made
    already is a plain dict lookup)."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value


#: the cells each character takes, as Rich counts them: a long listing measures the same few
#: thousand characters (the CJK of its titles) over and over
_char_cells = _Made(get_character_cell_size).__getitem__


def _cells(text: str) -> int:
    """``rich.cells.cell_len(text)``, three times faster on CJK (Rich remembers only its last 4,096
    strings, and a listing's titles are each new): printable ASCII is a cell a character; any other
    text, without the joiner and the variation selector that make Rich count pairs, is the sum of its
    characters' cells (what Rich itself adds up)."""
    if text.isascii():
        if text.isprintable():
            return len(text)
    elif "\u200d" not in text and "\ufe0f" not in text:
        return sum(map(_char_cells, text))
    return cell_len(text)


def _ends(text: str) -> list[int] | None:
    """The cells each start of ``text`` takes, as Rich counts them (the first character's, the first
    two's, ...), when every character of it takes one or two cells; else None (a character of no
    cell: a combining mark, the joiner or variation selector that make Rich count pairs, a control).
    Then the last is :func:`_cells`, and :func:`_cut` cuts where they pass its count: measured in one
    pass of the characters instead of three (a long listing's distinct titles are each measured,
    cut and measured again)."""
    widths = list(map(_char_cells, text))
    return None if 0 in widths else list(accumulate(widths))


#: the fewest cells a column that takes what the others leave is given (terminal's ``_fit``)
LEAST_FLEXIBLE = 8


def sized(header: str, values: Iterable[str] = (), *, least: int = 0, most: int | None = None) -> int:
    """The width of a column as wide as its header and its widest value (at least ``least``; at most
    ``most``, the longer values cut, but never narrower than its header)."""
    width = max([least, cell_len(header), *(cell_len(v) for v in values)])
    return width if most is None else max(min(width, most), cell_len(header))


def one_line(text: str, width: int) -> bool:
    """``text`` is printed by Rich, without styles, as itself on one line of a console ``width``
    cells wide: printable (no line break, tab or control for Rich to act on), no space at either end
    or two together, and within the width (Rich wraps nothing then)."""
    return text.isprintable() and text == text.strip() and "  " not in text and _cells(text) <= width


def head_lines(title: str | None, headers: Sequence[str], columns: Sequence[tuple[int, str, str]],
               gap: int) -> list[str] | None:
    """What Rich prints, without styles, of the title (a plain, left-justified one) and the one-line
    plain headers of a table of the plain box whose columns (width, justify, overflow) are ``gap``
    cells apart, each line without the spaces that would end it; None where Rich's layout could
    differ: a title not on one line within the table's width, a header wider than its column (Rich
    cuts a header otherwise than :func:`_fit_cell` cuts a cell) or of several lines."""
    room = sum(width for width, _, _ in columns) + gap * (len(columns) - 1)
    lines = []
    if title:
        if title != title.strip() or "  " in title or _cells(title) > room:
            return None
        lines.append(title)
    cells = []
    for header, (width, justify, overflow) in zip(headers, columns):
        if not header:
            cells.append(" " * width)
        elif "\n" in header or "\t" in header or _cells(header) > width:
            return None
        else:
            cells.append(_fit_cell(header, width, justify, overflow))
    lines.append((" " * gap).join(cells).rstrip(" "))
    lines.append("─" * room)
    return lines


def body_lines(raw: Sequence[tuple[str, ...]], columns: Sequence[tuple[int, str, str]], gap: int,
               sections: Iterable[int] = (), known: dict[tuple[int, str, str], dict[str, str]] | None = None) -> list[str]:
    """Rows of one-line plain cells laid out in ``columns`` (width, justify, overflow) ``gap`` cells
    apart, as Rich lays out such rows: each a line without its end of line, and without the spaces
    that would end it; a blank line after each row of ``sections`` but the last. ``known``: the cells
    laid out already, by column width, justification and overflow (every agency's table of a listing
    has the same columns: an item in several of them is laid out once)."""
    if not raw:
        return []
    if known is None:
        known = {}
    # a column at a time, each distinct cell laid out once (a listing's dates, day counts, status
    # words and roles repeat), then the rows joined in one pass
    laid_out: list[list[str]] = []
    for cells, column in zip(zip(*raw), columns):
        fitted = known.setdefault(column, {})
        width, justify, overflow = column
        for text in set(cells).difference(fitted):
            fitted[text] = _fit_cell(text, width, justify, overflow)
        laid_out.append(list(map(fitted.__getitem__, cells)))
    lines = [line.rstrip(" ") for line in map((" " * gap).join, zip(*laid_out))]
    for at in sorted((at for at in sections if at < len(raw) - 1), reverse=True):
        lines.insert(at + 1, "")  # the blank rule between sections (a line of spaces, trimmed)
    return lines


def plain_width() -> int | None:
    """The width of the console :func:`tasklist.output.terminal.console` makes, when it would print
    to standard output without styles and in UTF-8, with no terminal to drive (a pipe, a file); None
    otherwise, or where Rich might decide otherwise than read here (Windows, Jupyter, IDLE, a stream
    Rich proxies). Rich's own rules (rich.console.Console): TTY_COMPATIBLE=1, or a non-empty
    FORCE_COLOR, make any output a terminal, and TTY_COMPATIBLE=0 or an empty FORCE_COLOR none; else
    the stream's isatty. The width: COLUMNS if it is a number, else the size of the first of standard
    input, output and error that is a terminal, else 80."""
    out = sys.stdout
    if (sys.platform == "win32" or hasattr(builtins, "get_ipython") or out is None
            or hasattr(out, "rich_proxied_file") or getattr(sys.stdin, "__module__", "").startswith("idlelib")):
        return None
    environ = os.environ
    tty_compatible = environ.get("TTY_COMPATIBLE", "")
    force_color = environ.get("FORCE_COLOR")
    if tty_compatible == "1" or (tty_compatible != "0" and force_color):
        return None
    if tty_compatible != "0" and force_color is None:
        try:
            if out.isatty():
                return None
        except Exception:  # noqa: BLE001  (Rich reads a closed stream as no terminal; here Rich decides)
            return None
    if not (getattr(out, "encoding", None) or "utf-8").lower().startswith("utf"):
        return None  # Rich draws the rule in ASCII there
    columns = environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    for stream in (0, 1, 2):
        try:
            return os.get_terminal_size(stream).columns or 80
        except (AttributeError, ValueError, OSError):
            pass
    return 80


# --------------------------------------------------------------------------- overdue


class OverdueListing(NamedTuple):
    """The overdue listing as text (refused characters escaped): what terminal.overdue_tables makes
    Rich renderables of, and :func:`write_overdue` writes without Rich."""

    #: the line above the tables: the listing's title, or the line saying nothing is overdue
    title: str
    #: nothing is overdue (``title`` is the only line, in green)
    empty: bool
    #: every agency's table has these columns: (header, width, justify), each cut with an ellipsis
    columns: list[tuple[str, int, str]]
    #: (heading, rows of cells, whether a cell has a line break or a tab) for each agency's table
    tables: list[tuple[str, list[tuple[str, ...]], bool]]
    #: the status words shown (the column STATUS_COLUMN), by status key
    status_words: dict[str, str]
    #: the line under the tables saying how many rows are not shown, or None
    more: str | None


def role_word(labels: Labels, role: str) -> str:
    """How a listing names an agency's part in an item: lead or co-responsible."""
    return labels("lead_mark") if role == "lead" else labels("view.co_mark")


def agency_heading(labels: Labels, agency: str, n: int) -> str:
    """The title of an agency's table in a listing: its name and how many rows it has."""
    return labels("view.agency_count", agency=agency, n=n)


def more_rows(labels: Labels, hidden: int) -> str | None:
    """The line under a listing saying how many rows are not shown, or None when all are."""
    return labels("view.more_rows", n=Count(hidden)) if hidden > 0 else None


def id_width(codes: Iterable[str] = ()) -> int:
    """The width of an id column holding ``codes``: at least 4 cells, and one more than the longest
    code, for an archived item's mark."""
    return max([4, *(len(code) + 1 for code in codes)])


#: the gap between the columns of the overdue tables, and the column of the status words
OVERDUE_GAP = 2
STATUS_COLUMN = 4


def overdue_listing(groups: dict[str, list[AssignmentState]], labels: Labels, as_of: str, *, limit: int | None,
                    width: int = 80, totals: dict[str, int] | None = None) -> OverdueListing:
    """The overdue listing's text and layout (see terminal.overdue_tables). ``totals``: overdue rows
    per agency when ``groups`` holds only the first of them. The title takes what the other columns
    leave: they are two cells apart, and the last-report column is left out when no row shown has a
    report (overdue parts seldom have one)."""
    totals = totals or {name: len(rows) for name, rows in groups.items()}
    if not totals:
        return OverdueListing(visible(labels("no_overdue", as_of=as_of)), True, [], [], {}, None)
    title = visible(labels("overdue_title", as_of=as_of))
    budget = limit
    hidden = 0
    shown_rows: dict[str, list[AssignmentState]] = {}
    for agency, total in totals.items():
        rows = groups.get(agency, [])
        if not rows or (budget is not None and budget <= 0):
            hidden += total
            continue
        shown_rows[agency] = rows if budget is None else rows[:budget]
        hidden += total - len(shown_rows[agency])
        if budget is not None:
            budget -= len(shown_rows[agency])
    reported = any(a.last_report for rows in shown_rows.values() for a in rows)
    # the rows stay plain strings: no Rich Text a cell (Rich lays out a row in about 1 ms: a
    # screenful's 18 rows cost more than their query). Each item's id and title, each date, day
    # count and status word made text once (an item is in several agencies' tables; the others
    # repeat), and every agency's table has the same columns: their widths are measured once, over
    # those texts (once per table made `overdue --all` quadratic)
    item_texts: dict[int, tuple[str, str]] = {}
    codes: list[str] = []  # as shown, each once, in the order they come
    several_lines: set[int] = set()  # the items whose id or title has a line break or a tab
    dues = _Made(lambda day: day.isoformat() if day else "")
    reports = _Made(lambda day: day.isoformat() if day else "—")
    days = _Made(str)
    status_of = _Made(labels.status)
    role_of = _Made(lambda role: visible(role_word(labels, role)))
    tables: list[tuple[str, list[tuple[str, ...]], bool]] = []
    for agency, shown in shown_rows.items():
        raw: list[tuple[str, ...]] = []
        several = False
        for a in shown:
            item = a.item
            texts = item_texts.get(item.id)
            if texts is None:
                texts = item_texts[item.id] = (visible(item.shown_code), visible(item.title))
                codes.append(item.shown_code)
                if any("\n" in text or "\t" in text for text in texts):
                    several_lines.add(item.id)
            several = several or item.id in several_lines
            if reported:
                raw.append((*texts, dues[a.due], days[a.days_overdue], status_of[a.status], reports[a.last_report],
                            role_of[a.role]))
            else:
                raw.append((*texts, dues[a.due], days[a.days_overdue], status_of[a.status], role_of[a.role]))
        tables.append((visible(agency_heading(labels, agency, totals[agency])), raw, several))
    widest_code = [max(codes, key=len)] if codes else []
    widest_days = [max(days.values(), key=cell_len)] if days else []
    statuses = [max(status_of.values(), key=cell_len)] if status_of else []
    roles = [labels("lead_mark"), labels("view.co_mark")]
    columns = [(labels("id"), id_width(widest_code), "left"),
               (labels("title"), 0, "left"),  # what the others leave
               (labels("due"), 10, "left"),
               (labels("days_overdue"), sized(labels("days_overdue"), widest_days), "right"),
               (labels("status"), sized(labels("status"), statuses), "left")]
    if reported:
        columns.append((labels("last_report"), sized(labels("last_report"), least=10), "left"))
    columns.append((labels("role"), sized(labels("role"), roles), "left"))
    left = width - sum(w for _, w, _ in columns) - OVERDUE_GAP * (len(columns) - 1)
    columns[1] = (columns[1][0], max(LEAST_FLEXIBLE, left), "left")
    more = more_rows(labels, hidden)
    more = visible(more) if more else None
    return OverdueListing(title, False, columns, tables, dict(status_of), more)


def overdue_summary(labels: Labels, *, items: int, assignments: int, agencies: int, as_of: str) -> str:
    """The line under the overdue listing: how many items, parts and agencies."""
    return visible(labels("view.overdue_summary", items=Count(items), assignments=Count(assignments),
                          agencies=Count(agencies), as_of=as_of))


def write_overdue(listing: OverdueListing, summary: str | None, width: int, file: IO[str] | None = None) -> bool:
    """Write ``listing`` and the ``summary`` line under it to ``file`` (standard output) as a console of
    ``width`` cells (:func:`plain_width`) prints them through terminal.show, when none of its lines
    is one Rich could lay out otherwise; else write nothing and return False (the caller prints it
    through Rich). The rows go out in blocks of lines, as terminal.show writes them."""
    texts = [listing.title] + ([listing.more] if listing.more else []) + ([summary] if summary is not None else [])
    if not all(one_line(text, width) for text in texts):
        return False
    columns = [(w, justify, "ellipsis") for _, w, justify in listing.columns]
    headers = [visible(header) for header, _, _ in listing.columns]
    if sum(w for w, _, _ in columns) + OVERDUE_GAP * (len(columns) - 1) > width:
        return False
    heads = []
    for heading, _, several in listing.tables:
        lines = head_lines(heading, headers, columns, OVERDUE_GAP)
        if several or lines is None or not heading.isprintable():
            return False
        heads.append("\n".join(lines) + "\n")
    out = sys.stdout if file is None else file
    write = out.write
    write(listing.title + "\n")
    known: dict[tuple[int, str, str], dict[str, str]] = {}
    for head, (_, raw, _) in zip(heads, listing.tables):
        write(head)
        body = body_lines(raw, columns, OVERDUE_GAP, known=known)
        for start in range(0, len(body), 2000):
            write("\n".join(body[start:start + 2000]) + "\n")
    if listing.more:
        write(listing.more + "\n")
    if summary is not None:
        write(summary + "\n")
    out.flush()
    return True
