"""The HTML reports as a browser lays them out and prints them: headless Chromium renders the weekly
report and an export of the bundled registry, measures them, prints them to PDF and takes a
screenshot. Skipped where Chromium is not installed, except in CI (CI=true), where it fails."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import struct
import zlib
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts" / "screenshots.py")
assert _spec and _spec.loader
shots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shots)

# every test here writes (updates): each runs on SQLite and PostgreSQL
pytestmark = pytest.mark.usefixtures("engine")
AS_OF = ["--as-of", "2026-11-23"]

#: measured in the rendered page, written into it for --dump-dom to bring back (a copy of the report
#: is measured: the report itself carries no script)
MEASURE = """<script>
(function () {
  function lines(el) {  // about how many lines the element's text takes
    var range = document.createRange(); range.selectNodeContents(el);
    var size = parseFloat(getComputedStyle(el).fontSize);
    return Math.round(range.getBoundingClientRect().height / (size * 1.3));
  }
  function box(el) { var b = el.getBoundingClientRect(); return [b.width, b.height]; }
  var nowrap = Array.from(document.querySelectorAll('td.date, td.status, td.light, td.short, td.int'));
  var out = {
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    charts: Array.from(document.querySelectorAll('svg.chart')).map(function (s) {
      return {kind: s.getAttribute('class'), box: box(s)}; }),
    bars: Array.from(document.querySelectorAll('svg.bars rect')).map(box),
    lines: Array.from(document.querySelectorAll('svg.trend polyline')).map(function (p) {
      var b = p.getBBox(); return [b.width, b.height]; }),
    labels: Array.from(document.querySelectorAll('svg text')).map(function (t) {
      return [t.textContent, t.getBBox().width]; }),
    cells: nowrap.length,
    broken: nowrap.filter(function (td) { return td.textContent && lines(td) > 1; }).map(function (td) {
      return td.textContent; }),
    wrapped: Array.from(document.querySelectorAll('td.text')).filter(function (td) { return lines(td) > 1; }).length
  };
  var pre = document.createElement('pre'); pre.id = 'measured'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


@pytest.fixture(scope="session")
def chromium():
    exe = shots.chromium()
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI (.ci/run installs it) and is not installed")
        pytest.skip("Chromium is not installed (apt-get install -y chromium); CI installs it and runs these tests")
    return exe


def measure(page: Path, profile: Path) -> dict:
    """The page laid out at the width of an A4 landscape page less its margins."""
    copy = page.with_name("measured-" + page.name)
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    width = shots.A4_LANDSCAPE_CONTENT_WIDTH
    dom = shots.run_chromium(profile, f"--window-size={width},800", "--dump-dom", copy.as_uri()).stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def pdf_pages(pdf: Path) -> list[tuple[float, float]]:
    """Each page's size in points, from the PDF's page objects."""
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    boxes = [tuple(float(v) for v in m.split()[2:]) for m in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)]
    assert boxes and pages, "no pages found"
    return [boxes[0]] * pages if len(set(boxes)) == 1 else boxes  # (one box may be shared by every page)


def png_pixels(path: Path) -> tuple[int, int, Counter]:
    """Width, height and how many pixels of each RGB colour an 8-bit, non-interlaced PNG has (what
    Chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, Counter(row[x:x + 3] for row in rows for x in range(0, stride, channels))


def near(pixel: bytes, colour: str, tolerance: int = 24) -> bool:
    target = bytes.fromhex(colour.lstrip("#"))
    return all(abs(p - t) <= tolerance for p, t in zip(pixel, target))


def a_week_of_reports(cli) -> None:
    cli("update", "T6", "--status", "推进中", "--progress", "60", "--note", "已创建省级现代农业智慧园8个", "--on", "2026-11-20")
    cli("done", "--verified", "O28", "--note", "5G基站累计9.1万个", "--on", "2024-03-01")
    cli("done", "--verified", "O16", "--note", "认定省级现代农业智慧园10个", "--on", "2026-11-21")
    cli("update", "T1", "--agency", "省科技厅", "--status", "推进中", "--progress", "45",
        "--note", "省创新研究院二期（光电）完成主体工程，正在开展设备安装调试，" * 3, "--on", "2026-11-19")
    cli("update", "O17", "--agency", "福州市", "--status", "已完成", "--verified", "--on", "2025-06-30")


def test_the_weekly_report_renders_its_charts_and_prints_on_a4_landscape(cli, chromium, tmp_path, monkeypatch):
    monkeypatch.setenv("TASKLIST_LANG", "zh")
    a_week_of_reports(cli)
    page = tmp_path / "weekly.html"
    cli("weekly", "--out", page, *AS_OF)
    report = cli.json("weekly", *AS_OF)

    laid_out = measure(page, tmp_path / "profile")
    assert [c["kind"] for c in laid_out["charts"]] == ["chart trend", "chart bars"] + ["chart target"] * 6
    assert all(w > 300 and h > 150 for w, h in (c["box"] for c in laid_out["charts"])), laid_out["charts"]
    late = sorted((a["overdue"] for a in report["agencies"] if a["overdue"]), reverse=True)[:30]
    assert len(laid_out["bars"]) == len(late) and all(h > 5 for _, h in laid_out["bars"])
    widths = [w for w, _ in laid_out["bars"]]
    assert widths[0] > 200 and abs(widths[-1] / widths[0] - late[-1] / late[0]) < 0.02  # drawn to scale
    assert len(laid_out["lines"]) == 2 and all(w > 300 for w, _ in laid_out["lines"])
    assert max(h for _, h in laid_out["lines"]) > 20  # the trend rises: O28 (2024) and O16 (this week)
    drawn = {text: width for text, width in laid_out["labels"]}
    assert drawn.get("省发改委", 0) > 30 and drawn.get("事项完成率", 0) > 40  # CJK words laid out with a width
    # A4 landscape, 12 mm margins: nothing wider than the page, no date, status or role broken in two
    assert laid_out["scrollWidth"] <= laid_out["innerWidth"], laid_out
    assert laid_out["cells"] > 100 and laid_out["broken"] == []
    assert laid_out["wrapped"] > 0  # long titles and notes wrap instead

    pdf = tmp_path / "weekly.pdf"
    shots.run_chromium(tmp_path / "profile", f"--print-to-pdf={pdf}", page.as_uri())
    pages = pdf_pages(pdf)
    assert all(round(w) == 842 and round(h) == 595 for w, h in pages), pages  # A4, landscape
    assert 3 <= len(pages) <= 14, len(pages)  # charts on the first page, the tables after (the targets last: two more)

    png = tmp_path / "weekly.png"
    width, height = shots.A4_LANDSCAPE
    shots.run_chromium(tmp_path / "profile", f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri())
    w, h, pixels = png_pixels(png)
    assert (w, h) == (width, height)
    inked = sum(n for p, n in pixels.items() if sum(p) < 600)
    assert inked > 0.01 * w * h, inked  # not a blank page
    from tasklist.output.charts import ITEMS_COLOUR, OVERDUE_COLOUR, PARTS_COLOUR

    for colour, least in ((OVERDUE_COLOUR, 2000), (ITEMS_COLOUR, 100), (PARTS_COLOUR, 100)):
        assert sum(n for p, n in pixels.items() if near(p, colour)) > least, colour  # the bars and both lines, in colour


def test_an_html_export_prints_its_title_once_on_one_a4_landscape_page(cli, chromium, tmp_path, monkeypatch):
    monkeypatch.setenv("TASKLIST_LANG", "zh")
    a_week_of_reports(cli)
    page = tmp_path / "status.html"
    cli("export", "status", "--agency", "省科技厅", "--format", "html", "--out", page, *AS_OF)
    laid_out = measure(page, tmp_path / "profile")
    assert laid_out["scrollWidth"] <= laid_out["innerWidth"] and laid_out["broken"] == []
    assert laid_out["wrapped"] > 0  # T1's long note
    pdf = tmp_path / "status.pdf"
    shots.run_chromium(tmp_path / "profile", f"--print-to-pdf={pdf}", page.as_uri())
    assert [(round(w), round(h)) for w, h in pdf_pages(pdf)] == [(842, 595)]
    dom = shots.run_chromium(tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    assert re.findall(r"<h\d>(.*?)</h\d>", dom) == ["各单位进展（截至 2026-11-23）"]
