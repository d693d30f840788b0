"""Long listings lay their rows out without Rich's per-cell renderer (tasklist.output.terminal
FAST_ROWS); what reaches the screen must be what Rich itself prints, character for character."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from tasklist.output import terminal

# CJK (two cells), combining marks (none), emoji, full-width digits, spaces, markup-like text,
# and characters tasklist.text shows escaped.
CELL = st.text(alphabet=st.sampled_from(list("ab xZ[]/你好世界１２🙂") + ["\u0301", "é", "\x1b", "…", "\u202e"]),
               max_size=24)
ROW = st.tuples(CELL, CELL, CELL, CELL)


def _build(rows: list[tuple[str, str, str, str]], width: int, sections: bool, gap: int = 3,
           natural: bool = False) -> terminal.Table:
    table = terminal._table("标题 [bold]x[/bold]", gap=gap)
    if natural:  # as the agency column of status --summary: as wide as its widest cell, if there is room
        terminal._natural_column(table, "编号")
    else:
        terminal._fixed(table, "编号", 6)
    table.add_column("名称", no_wrap=True, overflow="ellipsis")  # as _title_column: _fit gives it its width
    terminal._fixed(table, "天数", 5, justify="right")
    terminal._fixed(table, "状态", 6)
    for a, b, c, d in rows:
        table.add_row(a, b, c, terminal.Text(terminal.visible(d), style="cyan"))
        if sections:
            table.rows[-1].end_section = True
    table.add_row("", terminal._t("部门 (3)", style="bold"))  # a heading row: cells left out
    return terminal._fit(table, width)


def _print(table: terminal.Table, color: bool, width: int) -> str:
    out = io.StringIO()
    con = Console(file=out, width=width, markup=False, emoji=False, highlight=False, force_terminal=color,
                  color_system="standard" if color else None)
    con.print(table)
    return out.getvalue()


def _by_rich(table: Any, color: bool, width: int) -> str:
    """What Rich's own renderer prints of ``table``, cell by cell: the fast way is taken by a table of
    more than FAST_ROWS rows, and FAST_ROWS (0) is raised out of reach for the while."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(terminal, "FAST_ROWS", 10**9)
        return _print(table, color, width)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(ROW, min_size=1, max_size=8), width=st.sampled_from([40, 61, 80, 120]), sections=st.booleans(),
       color=st.booleans(), gap=st.sampled_from([1, 2, 3]), natural=st.booleans())
def test_fast_rows_print_what_rich_prints(rows, width, sections, color, gap, natural):
    slow = _by_rich(_build(rows, width, sections, gap, natural), color, width)
    fast_table = _build(rows, width, sections, gap, natural)
    fast_table.fast = True
    assert terminal._fast_widths(fast_table, Console(width=width).options) is not None
    fast = _print(fast_table, color, width)
    if color:  # the same characters; styles may be split differently
        slow, fast = (re.sub(r"\x1b\[[0-9;]*m", "", s) for s in (slow, fast))
    assert fast == slow
    assert "\x1b" not in re.sub(r"\x1b\[[0-9;]*m", "", fast)  # a stored ESC is shown escaped, never sent
    assert not any(line.endswith(" ") for line in fast.splitlines())  # no padding at the end of a line


@pytest.mark.parametrize("text, width, cut", [
    ("福州市人民政府", 12, "福州市人民…"),  # Rich's own cut: "福州市人民 …" (half a character as a space)
    ("福州市人民政府", 14, "福州市人民政府"),
    ("福州市人民政府", 13, "福州市人民政…"),
    ("abc", 2, "a…"),
    ("你好", 1, "…"),
])
def test_a_cut_never_leaves_half_a_wide_character(text, width, cut):
    table = terminal._table()
    terminal._fixed(table, "x", width)
    table.add_row(text)
    assert _print(table, False, 40).splitlines()[-1] == cut  # laid out the fast way
    assert _by_rich(table, False, 40).splitlines()[-1] == cut  # by Rich, the cell cut as the fast way cuts it


def test_a_table_too_wide_for_the_screen_is_left_to_rich():
    table = _build([("a", "b", "c", "d")], 80, False)
    table.fast = True
    assert terminal._fast_widths(table, Console(width=40).options) is None


@pytest.mark.parametrize("count", [terminal.FAST_ROWS + 1])
def test_a_long_table_takes_the_fast_way_and_stays_the_same(count, monkeypatch):
    rows = [(f"T{i}", "建成智慧城市大数据平台" * (i % 3), str(i), "推进中") for i in range(count)]
    fast = _print(_build(rows, 80, False), False, 80)
    monkeypatch.setattr(terminal, "FAST_ROWS", 10**9)
    assert _print(_build(rows, 80, False), False, 80) == fast


def _ellipsized_by_rich(text: str, width: int) -> str:
    """What terminal._ellipsized gave before its own cut: Rich's, less a half wide character."""
    from rich.cells import set_cell_size

    if width <= 0:
        return ""
    cut = set_cell_size(text, width - 1)
    return (cut if text.startswith(cut) else cut[:-1]) + "…"


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab Z你好世界１２…—🙂") + ["\u0301", "\u200d", "\ufe0f", "é", "\x1b"]),
                    min_size=1, max_size=30), width=st.integers(min_value=0, max_value=30))
def test_the_fast_cut_is_richs_cut(text, width):
    if terminal.cell_len(text) <= width:  # a cell is only cut when it is too wide for its column
        return
    assert terminal._ellipsized(text, width) == _ellipsized_by_rich(text, width)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab Z你好世界１２…—🙂") + ["\u0301", "\u200d", "\ufe0f", "é", "\x1b", "\t"]),
                    max_size=30))
def test_the_fast_cell_count_is_richs(text):
    assert terminal._cells(text) == terminal.cell_len(text)


def _raw_table(rows: list[tuple[str, str, str, str]], width: int, sections: bool = False,
               title: str = "部门（3）") -> terminal.Table:
    table = terminal._table(title, gap=2)
    terminal._fixed(table, "编号", 6)
    table.add_column("名称", no_wrap=True, overflow="ellipsis")
    terminal._fixed(table, "天数", 5, justify="right")
    terminal._fixed(table, "状态", 6)
    table.raw = [tuple(terminal.visible(c) for c in row) for row in rows]
    table.raw_styles = {3: {"推进中": "cyan", "受阻": "magenta"}}
    if sections:  # as status's table: a heading row (its name bold), a blank line after each agency's rows
        table.raw.insert(0, ("", "部门（2）", "", ""))
        table.raw_cell_styles = {(0, 1): "bold"}
        table.raw_sections = frozenset(range(0, len(table.raw), 2))
    return terminal._fit(table, width)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(CELL, CELL, CELL, st.sampled_from(["推进中", "受阻", "未启动"])), min_size=1, max_size=8),
       width=st.sampled_from([40, 61, 80]), color=st.booleans(), sections=st.booleans(), tables=st.sampled_from([1, 3]))
def test_raw_rows_print_what_rich_prints(rows, width, color, sections, tables):
    """A long listing's plain rows (Table.raw), printed by terminal.show (in blocks, or as segments
    with colours), give what Rich prints of the same rows as Text cells, laid out cell by cell: one
    table, or several with the same header (the first laid out by Rich, the second without its title
    to check the shortcut, the third by the shortcut alone)."""
    rows = [r for r in rows if not any("\n" in c or "\t" in c for c in r)] or [("a", "b", "1", "受阻")]
    out = io.StringIO()
    con = Console(file=out, width=width, markup=False, emoji=False, highlight=False, force_terminal=color,
                  color_system="standard" if color else None)
    order = list(zip([rows, rows[::-1], rows[1:] or rows], ["部门（3）", "另一个部门（12）", "第三"]))[:tables]
    terminal.show(con, terminal.Group(terminal._t("标题"), *(_raw_table(r, width, sections, t) for r, t in order)))
    slow_tables = [_raw_table(r, width, sections, t) for r, t in order]
    for table in slow_tables:
        table.materialize()  # rows of Text cells, which Rich lays out cell by cell below
    slow = _by_rich(terminal.Group(terminal._t("标题"), *slow_tables), color, width)
    fast = out.getvalue()
    if color:
        slow, fast = (re.sub(r"\x1b\[[0-9;]*m", "", s) for s in (slow, fast))
    assert fast == slow


HEADER = st.text(alphabet=st.sampled_from(list("ab xZ[]你好１🙂") + ["\u0301", "…"]), max_size=12)


@settings(max_examples=100, deadline=None)
@given(title=st.one_of(st.none(), HEADER, st.just("本周报送情况（3）")), headers=st.lists(HEADER, min_size=1, max_size=5),
       right=st.lists(st.booleans(), min_size=5, max_size=5), width=st.sampled_from([40, 61, 80]),
       gap=st.sampled_from([2, 3]), rows=st.integers(0, 2))
def test_the_head_written_without_rich_is_what_rich_prints(title, headers, right, width, gap, rows):
    """A table the fast way lays out, printed without colours (a pipe, a file): its title, header and
    rule are written by terminal._plain_head where it can, and read exactly as Rich prints them
    (a header cut with an ellipsis, a wide character, a right-justified column, a title that
    does not fit the table: Rich's)."""
    def build() -> terminal.Table:
        table = terminal._table(title, gap=gap)
        for header, to_right in zip(headers, right):
            terminal._fixed(table, header, 5, justify="right" if to_right else "left")
        for n in range(rows):
            table.add_row(*(f"{n}你" for _ in headers))
        return table

    fast_table = build()
    assert terminal._fast_widths(fast_table, Console(width=width).options) is not None
    assert _print(fast_table, False, width) == _by_rich(build(), False, width)


def test_a_plain_tables_head_is_written_without_rich(monkeypatch):
    """The weekly report's tables, printed to a pipe, take _plain_head (Rich lays out each table's
    title, header and rule in about half a millisecond), and with colours do not."""
    table = terminal._table("总体情况")
    terminal._fixed(table, "指标", 10)
    terminal._fixed(table, "本期", 4, justify="right")
    table.add_row("已完成", "3")
    assert terminal._plain_head(table, [10, 4]) == ["总体情况", "指标         本期", "─" * 17]
    monkeypatch.setattr(terminal.RichTable, "__rich_console__", None)  # Rich's layout is never asked for
    assert _print(table, False, 80) == "总体情况\n指标         本期\n" + "─" * 17 + "\n已完成          3\n"
    with pytest.raises(TypeError):
        _print(table, True, 80)


def test_every_agencys_overdue_table_is_its_own_copy_of_the_first():
    """overdue_tables makes the columns of its first agency's table once and copies them for the
    others (Table.retitled): each table has its own title, its own columns and cells, the first one's
    widths, and one laid out by Rich (a title of two lines) leaves the others' text as it is."""
    from datetime import date

    from tasklist.i18n import Labels
    from tasklist.reports.facts import AssignmentState, ItemState

    def part(n: int, agency: str, title: str) -> AssignmentState:
        item = ItemState(n, f"T{n}", "p", "task", n, None, title, None, date(2024, 1, 2), date(2024, 1, 2), None, 0, False,
                         shown_code=f"T{n}")
        return AssignmentState(n, 1, agency, "lead", None, None, "in_progress", None, None, date(2024, 1, 3),
                               date(2024, 1, 2), True, 10 + n, False, False, "red", item)

    groups = {"省发改委": [part(1, "省发改委", "推动公共数据开放专项行动"), part(2, "省发改委", "短")],
              "省科技厅": [part(3, "省科技厅", "两行的\n名称")],  # laid out by Rich (materialized)
              "省财政厅": [part(4, "省财政厅", "大力发展卫星应用专项行动计划书")]}
    labels = Labels()
    group = terminal.overdue_tables(groups, labels, "2024-06-30", limit=None, width=80)
    tables = [p for p in group.renderables if isinstance(p, terminal.Table)]
    assert [t.title.plain for t in tables] == [terminal.agency_heading(labels, name, len(rows)) for name, rows in groups.items()]
    assert len({id(c) for t in tables for c in t.columns}) == len({id(c._cells) for t in tables for c in t.columns}) \
        == sum(len(t.columns) for t in tables)
    assert all([c.width for c in t.columns] == [c.width for c in tables[0].columns] for t in tables)
    assert [t.raw is None for t in tables] == [False, True, False]
    out = io.StringIO()
    terminal.show(Console(file=out, width=80, markup=False, emoji=False, highlight=False, color_system=None), group)
    text = out.getvalue()
    shown = {}  # each table's rows, and only its own, under its title
    for line in text.splitlines():
        if line in shown or line in {terminal.agency_heading(labels, name, len(rows)) for name, rows in groups.items()}:
            below = shown.setdefault(line, [])
        elif line[:1] == "T":
            below.append(line.split()[0])
    assert list(shown.values()) == [[a.item.code for a in rows] for rows in groups.values()]


def _overdue_groups(titles: list[str], agencies: list[str], reported: bool = False) -> dict[str, list[Any]]:
    """Overdue parts of items titled ``titles``, each item given to the agencies in turn (one or two
    each), a part's days overdue rising with it."""
    from datetime import date

    from tasklist.reports.facts import AssignmentState, ItemState

    groups: dict[str, list[Any]] = {}
    for n, title in enumerate(titles, 1):
        item = ItemState(n, f"T{n}", "p", "task", n, None, title, None, date(2024, 1, 2), date(2024, 1, 2), None, 0, False,
                         shown_code=f"T{n}")
        for agency in {agencies[n % len(agencies)], agencies[(n * 7) % len(agencies)]}:
            groups.setdefault(agency, []).append(AssignmentState(
                n, 1, agency, "lead" if n % 3 else "co", None, None, ("in_progress", "blocked", "not_started")[n % 3],
                None, date(2024, 3, n % 28 + 1) if reported and n % 2 else None, date(2024, 1, 3), date(2024, 1, 2), True,
                10 + n * 37, False, False, "red", item))
    return groups


def _overdue_both_ways(groups: dict[str, list[Any]], lang: str, limit: int | None, width: int) -> tuple[bool, str, str]:
    """(whether plain.write_overdue wrote the listing, what it wrote, what terminal.show and Rich print
    of the same listing and summary line on a console of ``width`` without styles)."""
    from tasklist.i18n import Labels
    from tasklist.output import plain

    labels = Labels(lang)
    totals = {name: len(rows) + 5 for name, rows in groups.items()}  # more than the rows given: some not shown
    summary = plain.overdue_summary(labels, items=len(groups), assignments=sum(totals.values()), agencies=len(totals),
                                    as_of="2024-06-30")
    out = io.StringIO()
    written = plain.write_overdue(plain.overdue_listing(groups, labels, "2024-06-30", limit=limit, width=width,
                                                        totals=totals), summary, width, out)
    by_rich = io.StringIO()
    con = terminal._Console(file=by_rich, width=width, markup=False, emoji=False, highlight=False)
    assert con.color_system is None
    terminal.show(con, terminal.overdue_tables(groups, labels, "2024-06-30", limit=limit, width=width, totals=totals))
    con.print(terminal.Text(summary))
    return written, out.getvalue(), by_rich.getvalue()


OVERDUE_TITLE = st.text(alphabet=st.sampled_from(list("ab xZ[]你好世界１🙂") + ["\u0301", "\x1b", "…", "\n", "\u3000"]),
                        min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(titles=st.lists(OVERDUE_TITLE, min_size=1, max_size=6),
       agencies=st.lists(st.sampled_from(["省发改委", "省科技厅", "Fujian Provincial Department of Finance", "a  b",
                                          "很长很长很长很长很长很长很长很长很长很长很长很长的单位名称", " x"]),
                         min_size=1, max_size=3, unique=True),
       lang=st.sampled_from(["zh", "en"]), limit=st.sampled_from([None, 1, 3]),
       width=st.sampled_from([30, 40, 61, 70, 80, 200]),
       reported=st.booleans())
def test_the_overdue_listing_written_without_rich_is_what_rich_prints(titles, agencies, lang, limit, width, reported):
    """`overdue` on a pipe or a file is written by plain.write_overdue without Rich's console where
    every line is one Rich lays out as itself, and is then exactly what Rich prints through
    terminal.show (titles cut with an ellipsis, wide characters, escaped controls, an agency's name or a
    line too wide for the screen); where it is not, it writes nothing and Rich prints it."""
    written, plain_text, rich_text = _overdue_both_ways(_overdue_groups(titles, agencies, reported), lang, limit, width)
    assert plain_text == (rich_text if written else "")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [80, 132])
def test_a_plain_overdue_listing_is_written_without_rich(lang, width):
    """The usual listing (every line plain and within the screen) is written without Rich, as Rich prints it."""
    groups = _overdue_groups(["推动公共数据开放专项行动", "短", "大力发展卫星应用专项行动计划书" * 3, "Open data"],
                             ["省发改委", "省科技厅"], reported=True)
    written, plain_text, rich_text = _overdue_both_ways(groups, lang, 3, width)
    assert written and plain_text == rich_text and "…" in plain_text


def test_an_overdue_line_wider_than_the_screen_is_left_to_rich():
    """English's summary line is wider than 70 cells, where the tables fit: Rich wraps it, so the
    listing is left to Rich whole (nothing written without it)."""
    groups = _overdue_groups(["推动公共数据开放专项行动", "短", "Open data"], ["省发改委", "省科技厅"])
    assert _overdue_both_ways(groups, "en", 3, 80)[0]
    written, plain_text, rich_text = _overdue_both_ways(groups, "en", 3, 70)
    assert not written and plain_text == "" and max(map(len, rich_text.splitlines())) <= 70
    # the command hands Rich the listing it made for the plain way: the same tables as made afresh
    from tasklist.i18n import Labels
    from tasklist.output import plain

    labels, totals = Labels("en"), {name: len(rows) + 5 for name, rows in groups.items()}
    listing = plain.overdue_listing(groups, labels, "2024-06-30", limit=3, width=70, totals=totals)
    printed = []
    for made in (listing, None):
        out = io.StringIO()
        terminal.show(terminal._Console(file=out, width=70, markup=False, emoji=False, highlight=False),
                      terminal.overdue_tables(groups, labels, "2024-06-30", limit=3, width=70, totals=totals, listing=made))
        printed.append(out.getvalue())
    assert printed[0] == printed[1] == rich_text[:len(printed[1])] and len(printed[1]) > 100


@pytest.mark.parametrize(("environ", "stream", "styleless"), [
    ({}, "pipe", True), ({"COLUMNS": "132"}, "pipe", True), ({"COLUMNS": "0"}, "pipe", True),
    ({"COLUMNS": "wide"}, "pipe", True), ({"FORCE_COLOR": ""}, "pipe", True), ({"NO_COLOR": "1"}, "pipe", True),
    ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, "pipe", True), ({"TERM": "dumb"}, "pipe", True),
    ({"FORCE_COLOR": "1"}, "pipe", False), ({"TTY_COMPATIBLE": "1"}, "pipe", False), ({}, "tty", False),
    ({"TTY_COMPATIBLE": "0"}, "tty", True), ({"FORCE_COLOR": ""}, "tty", True), ({}, "ascii", False),
])
def test_the_plain_width_is_the_width_of_richs_console_without_styles(environ, stream, styleless, monkeypatch):
    """plain.plain_width says when the console terminal.console() makes prints without styles in
    UTF-8 (a pipe, a file; TTY_COMPATIBLE and FORCE_COLOR as Rich reads them), and its width then
    (COLUMNS, else the terminal's, else 80)."""
    from tasklist.output import plain

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    for name in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "TERM", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    out = {"pipe": io.StringIO(), "tty": Tty(),
           "ascii": io.TextIOWrapper(io.BytesIO(), encoding="ascii")}[stream]
    monkeypatch.setattr("sys.stdout", out)
    width = plain.plain_width()
    assert (width is not None) == styleless
    con = terminal.console()
    if width is not None:
        assert con.color_system is None and not con.options.ascii_only and not con.is_terminal
        assert con.width == width
    else:
        assert con.color_system is not None or con.options.ascii_only


def _fit_by_parts(text: str, width: int, justify: str, overflow: str) -> str:
    """plain._fit_cell as it was: the text's cells counted (_cells), the text cut (_ellipsized, or
    Rich's set_cell_size) and its cells counted again, then padded."""
    from rich.cells import set_cell_size

    from tasklist.output import plain

    if justify == "right":
        text = text.rstrip()
    length = plain._cells(text)
    if length > width:
        text = plain._ellipsized(text, width) if overflow == "ellipsis" else set_cell_size(text, width)
        length = plain._cells(text)
    if length < width:
        text = text + " " * (width - length) if justify == "left" else " " * (width - length) + text
    return text


# wide (CJK, full-width, the ideographic space), narrow beyond ASCII (quotes, the ellipsis, é), none
# (a combining mark, the joiner, the variation selector, controls) and an emoji
FIT_ALPHABET = st.sampled_from(list("ab Z1你好世界，、“”…·１２—🙂") + ["\u0301", "\u200d", "\ufe0f", "é", "\x1b", "\t", "\u3000"])


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=FIT_ALPHABET, max_size=30), width=st.integers(min_value=-1, max_value=32),
       justify=st.sampled_from(["left", "right"]), overflow=st.sampled_from(["ellipsis", "crop"]))
def test_a_cell_fitted_from_one_count_is_the_cell_fitted_by_its_parts(text, width, justify, overflow):
    """_fit_cell measures a text of one- and two-cell characters once and cuts it where that count
    passes the width (a long listing's titles): the same line as counting, cutting and counting again."""
    from tasklist.output import plain

    assert plain._fit_cell(text, width, justify, overflow) == _fit_by_parts(text, width, justify, overflow)


@pytest.mark.parametrize("text", ["建成智慧城市大数据中心", "创建5个省级集成电路示范基地", "“数字福建”建设方案", "福州市人民政府"])
def test_titles_at_the_cut_point_are_fitted_as_by_their_parts(text):
    from tasklist.output import plain

    cells = terminal.cell_len(text)
    for width in range(cells - 3, cells + 2):
        for justify in ("left", "right"):
            assert plain._fit_cell(text, width, justify, "ellipsis") == _fit_by_parts(text, width, justify, "ellipsis")


def test_a_wide_title_is_counted_once_not_cut_and_counted_again(monkeypatch):
    """A title of one- and two-cell characters is fitted from one count of its characters: neither
    _cells nor _cut (each a pass over its characters) is asked (10k overdue --all: 2,225 distinct titles)."""
    from tasklist.output import plain

    def asked(*args):
        raise AssertionError(f"counted again: {args}")

    expected = _fit_by_parts("“数字福建”建设5个大数据中心", 16, "left", "ellipsis")
    monkeypatch.setattr(plain, "_cells", asked)
    monkeypatch.setattr(plain, "_cut", asked)
    assert plain._fit_cell("“数字福建”建设5个大数据中心", 16, "left", "ellipsis") == expected == "“数字福建”建设5…"
    assert plain._fit_cell("数字福建", 16, "right", "ellipsis") == " " * 8 + "数字福建"
