#!/usr/bin/env python3
"""Regenerate the screenshots a reviewer looks at: the weekly HTML report on screen and printed
(headless Chromium), an HTML export printed, and a printed feedback workbook (LibreOffice to PDF,
then pdftoppm to PNG).

    .venv/bin/python scripts/screenshots.py [DIR] [--as-of 2026-11-23] [--lang zh]

DIR defaults to docs/screenshots/. The data is the bundled registry in a throw-away database, with
five years of made-up but plausible progress reports (a fixed seed: the same pictures every run,
but for the generation time printed on the report).

Needs Chromium (`apt-get install -y chromium`), and for the printed pages LibreOffice and poppler
(`apt-get install -y libreoffice-calc poppler-utils`); a CJK font (`fonts-noto-cjk`) for the words.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Chromium without a screen, a sandbox (root in CI) or the network (the reports need none)
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                  "--hide-scrollbars", "--no-pdf-header-footer")
#: A4 landscape in CSS pixels (96 per inch), and its width less the reports' 12 mm margins
A4_LANDSCAPE = (1123, 794)
A4_LANDSCAPE_CONTENT_WIDTH = 1032


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_command(profile: Path, *args: str) -> list[str]:
    """A headless Chromium run with its own empty profile directory."""
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("chromium")
    return [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]


def run_chromium(profile: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(chromium_command(profile, *args), capture_output=True, text=True, timeout=timeout, check=True)


def make_history(as_of: date, seed: int = 13) -> None:
    """Five years of reports on the bundled registry, in the database TASKLIST_HOME points at: parts
    started, some done, a few blocked, and a busy last week (one of its reports undone)."""
    from tasklist.storage.lookup import assignments_of, resolve_agency, resolve_item
    from tasklist.storage.schema import open_db
    from tasklist.storage.writes import record_update, undo

    rng = random.Random(seed)
    begin, week = date(2021, 5, 1), as_of - timedelta(days=6)
    conn = open_db()
    try:
        planned = []  # (day, code, agency, status, progress, note)
        codes = [r[0] for r in conn.all("SELECT code FROM item ORDER BY position")]
        for code in codes:
            item = resolve_item(conn, code)
            for part in assignments_of(conn, item):
                if rng.random() < 0.25:
                    continue  # never reported
                started = begin + timedelta(days=rng.randrange(0, 1500))
                planned.append((started, code, part.agency, "in_progress", rng.choice((10, 20, 30)), "已部署推进"))
                if rng.random() < 0.5:
                    done = started + timedelta(days=rng.randrange(60, 900))
                    if done < week:
                        planned.append((done, code, part.agency, "done", 100, "已完成年度目标"))
                        continue
                if rng.random() < 0.08:
                    stuck = started + timedelta(days=rng.randrange(30, 400))
                    if stuck < week:
                        planned.append((stuck, code, part.agency, "blocked", None, "待协调用地指标"))
        planned.sort(key=lambda p: (p[0], p[1], p[2]))
        for day, code, agency, status, progress, note in planned:
            record_update(conn, resolve_item(conn, code), status=status, as_of=as_of, agency=resolve_agency(conn, agency),
                          progress=progress, note=note, reported_on=day)
        # the last week: the report's own lists
        recent = [("T6", "省农业农村厅", "in_progress", 60, "已创建省级现代农业智慧园8个"),
                  ("O28", "省通信管理局", "done", 100, "5G基站累计9.1万个"),
                  ("T1", "省科技厅", "in_progress", 45, "省创新研究院二期（光电）完成主体工程，正在开展设备安装调试"),
                  ("O16", "省农业农村厅", "done", 100, "认定省级现代农业智慧园10个")]
        for k, (code, agency, status, progress, note) in enumerate(recent):
            record_update(conn, resolve_item(conn, code), status=status, as_of=as_of,
                          agency=resolve_agency(conn, agency), progress=progress, note=note,
                          reported_on=week + timedelta(days=k + 1))
        (wrong,) = record_update(conn, resolve_item(conn, "T20"), status="done", as_of=as_of,
                                 agency=resolve_agency(conn, "省发改委"), note="误报", reported_on=as_of)
        undo(conn, wrong)
    finally:
        conn.close()


def tasklist(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "tasklist", *args], check=True, env=env, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", nargs="?", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--as-of", default="2026-11-23")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    options = parser.parse_args()
    missing = [name for name, found in (("chromium", chromium()), ("libreoffice", shutil.which("libreoffice")),
                                        ("pdftoppm", shutil.which("pdftoppm"))) if not found]
    if "chromium" in missing:
        print("screenshots.py: chromium is missing: apt-get install -y chromium fonts-noto-cjk", file=sys.stderr)
        return 1
    if missing:
        print(f"screenshots.py: {' and '.join(missing)} missing, the printed pages are skipped: "
              "apt-get install -y libreoffice-calc poppler-utils", file=sys.stderr)
    out = Path(options.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    as_of = date.fromisoformat(options.as_of)
    with tempfile.TemporaryDirectory(prefix="tasklist-shots-") as tmp_name:
        tmp = Path(tmp_name)
        env = dict(os.environ, TASKLIST_HOME=str(tmp / "home"), TASKLIST_LANG=options.lang, COLUMNS="100")
        env.pop("TASKLIST_DB", None)
        os.environ.update(TASKLIST_HOME=env["TASKLIST_HOME"], TASKLIST_LANG=options.lang)
        os.environ.pop("TASKLIST_DB", None)
        make_history(as_of)
        day = ("--as-of", as_of.isoformat())
        weekly, export = tmp / "weekly.html", tmp / "status.html"
        tasklist("weekly", *day, "--out", str(weekly), env=env)
        tasklist("export", "status", "--agency", "省科技厅", "--format", "html", "--out", str(export), *day, env=env)
        width, height = A4_LANDSCAPE
        run_chromium(tmp / "profile", f"--window-size={width},{height}", f"--screenshot={out / 'weekly-screen.png'}",
                     weekly.as_uri())
        written = [out / "weekly-screen.png"]
        for name, page in (("weekly", weekly), ("export-status", export)):
            pdf = tmp / f"{name}.pdf"
            run_chromium(tmp / "profile", f"--print-to-pdf={pdf}", page.as_uri())
            if "pdftoppm" not in missing:
                written += pdf_pages(pdf, out / f"{name}-print", pages=2 if name == "weekly" else 1)
        if "libreoffice" not in missing and "pdftoppm" not in missing:
            book = tmp / "feedback.xlsx"
            tasklist("feedback", "export", "--agency", "省科技厅", "--out", str(book), *day, env=env)
            subprocess.run(["libreoffice", f"-env:UserInstallation={(tmp / 'lo').as_uri()}", "--headless",
                            "--convert-to", "pdf", "--outdir", str(tmp), str(book)],
                           check=True, capture_output=True, timeout=180)
            written += pdf_pages(tmp / "feedback.pdf", out / "feedback-print", pages=1)
    for path in written:
        print(f"{path}  {path.stat().st_size // 1024} KB")
    return 0


def pdf_pages(pdf: Path, stem: Path, *, pages: int) -> list[Path]:
    """The first ``pages`` pages of ``pdf`` as PNG files ``stem-1.png``… at screen resolution."""
    subprocess.run(["pdftoppm", "-png", "-r", "96", "-f", "1", "-l", str(pages), str(pdf), str(stem)],
                   check=True, capture_output=True)
    made = sorted(stem.parent.glob(f"{stem.name}-*.png"))
    for path in made:  # pdftoppm pads the page number to the page count's width: keep "-1"
        path.rename(path.with_name(f"{stem.name}-{int(path.stem.rsplit('-', 1)[1])}.png"))
    return sorted(stem.parent.glob(f"{stem.name}-*.png"))


if __name__ == "__main__":
    sys.exit(main())
