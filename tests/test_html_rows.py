"""A table's HTML rows: written in one format a row (a reminder's overdue table), each cell as
the cell-by-cell writer gives it."""

from __future__ import annotations

from datetime import date

from tasklist.output.formats import _html_cell, html_table
from tasklist.output.tables import Column, Table

KINDS = (("id", "short"), ("title", "text"), ("due", "date"), ("days", "int"), ("status", "status"), ("note", "text"))
ROWS = [
    ["T1", "<b>标题</b> & 'q'", date(2025, 9, 1), 14, "进行中", "第一行\r\n第二行\n第三行"],
    ["T2", "100% 完成 %s %(x)s", None, 0, "未启动", ""],
    ["T3", "\x1b[31m控制字符\u202e", date(2024, 2, 29), None, "受阻", None],
]


def _rows(page: str) -> list[str]:
    lines = page.split("\n")
    return lines[lines.index("</tr></thead><tbody>") + 1:lines.index("</tbody></table>")]


def _cell_by_cell(table: Table) -> list[str]:
    return ["<tr>" + "".join(_html_cell(c, v) for c, v in zip(table.columns, row)) + "</tr>" for row in table.rows]


def test_a_row_in_one_format_is_the_row_cell_by_cell() -> None:
    table = Table("t", "表", [Column(k, k, kind) for k, kind in KINDS], rows=[list(r) for r in ROWS], group_key=None)
    page = html_table(table)
    assert _rows(page) == _cell_by_cell(table)
    first = _rows(page)[0]
    assert first == ('<tr><td class="short">T1</td><td class="text">&lt;b&gt;标题&lt;/b&gt; &amp; &#x27;q&#x27;</td>'
                     '<td class="date">2025-09-01</td><td class="int">14</td><td class="status">进行中</td>'
                     '<td class="text">第一行<br>第二行<br>第三行</td></tr>')
    assert '<td class="text">100% 完成 %s %(x)s</td>' in page and '<td class="date"></td><td class="int">0</td>' in page
    assert "\\x1b[31m控制字符\\u202e" in page and "\x1b" not in page


def test_a_table_with_lights_or_a_short_row_is_written_cell_by_cell() -> None:
    lit = Table("t", "表", [Column("id", "id", "short"), Column("light", "light", "light")],
                rows=[["T1", "红"], ["T2", "<x>"]], group_key=None)
    page = html_table(lit)
    assert _rows(page) == _cell_by_cell(lit) and 'class="dot"' in page
    short = Table("t", "表", [Column(k, k, kind) for k, kind in KINDS], rows=[["T1", "只有两格"]], group_key=None)
    assert _rows(html_table(short)) == ['<tr><td class="short">T1</td><td class="text">只有两格</td></tr>']
