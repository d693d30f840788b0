"""Every command, run as a Chinese office runs it (the default language), prints no English word.

What may be ASCII in Chinese output: ids (T6, O28, #3), dates, numbers, option names (--out),
file names and paths, environment variables, names of formats and systems (SQLite, XLSX, SMTP),
and whatever the registry itself writes in ASCII (5G, IPv6…: registry text is shown as written).
Anything else is a word that did not come from the catalogue's Chinese side."""

from __future__ import annotations

import getpass
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from tasklist.cli import app

ROOT = Path(__file__).resolve().parent.parent
REGISTRY_WORDS = {w.lower() for f in (ROOT / "data").glob("*.yaml")
                  for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", f.read_text(encoding="utf-8"))}
SYSTEM_WORDS = {"sqlite", "postgresql", "psycopg", "smtp", "csv", "xlsx", "json", "html", "md", "markdown", "eml",
                "utf", "gb18030", "bom", "tasklist", "zh", "en", "a4", "asia", "shanghai", "utc", "pg_dump", "ssl",
                "starttls", "example", "org", "localhost", "localdomain", "duban", "db", "alembic", "yaml"}
# commands, report names and status keys are typed as they are; a user's own mistyping is quoted back
COMMANDS = {"overdue", "status", "items", "history", "deadlines", "ics", "target", "targets", "not_started", "in_progress", "done", "blocked", "stauts", "half", "Tl", "nothing",
            getpass.getuser(), "load", "list", "show", "agencies", "set-email", "update", "undo", "extend", "weekly", "export", "remind", "reminders", "feedback", "import", "audit", "users", "check",
            "upgrade", "backup"}
STRIP = re.compile(
    r"--?[A-Za-z][\w-]*"                      # options
    r"|\b[TO]\d+\b|#\d+"                      # ids
    r"|\d{4}-\d{2}-\d{2}(?:[T ][\d:.+]+)?"    # dates and times
    r"|(?:[\w.~-]*/)+[\w.@~\u4e00-\u9fff（）-]*"  # paths
    r"|[\w\u4e00-\u9fff-]+\.(?:xlsx|csv|eml|md|html|db|json|yaml|pdf)\b"  # file names
    r"|\b[A-Z][A-Z0-9_]{2,}\b"                # environment variables, placeholders (TASKLIST_HOME, FILE)
    r"|\b\w*\d\w*\b"                          # numbers and codes with digits
    r"|<[^>]*@[^>]*>|\S+@\S+"                 # addresses
)


ASCII_AFTER_CJK = re.compile(r"[\u4e00-\u9fff][,;:()]")


def english_words(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z_'-]*", STRIP.sub(" ", text))
    return [w for w in words if w.lower() not in REGISTRY_WORDS | SYSTEM_WORDS and w not in COMMANDS]


class Zh:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.runner = CliRunner()
        self.seen: list[tuple[str, str]] = []

    def __call__(self, *args: str, code: int = 0, columns: int = 120) -> str:
        result = self.runner.invoke(app, list(args), env={"TASKLIST_LANG": None, "COLUMNS": str(columns)})
        assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
        shown = result.stdout + result.stderr
        self.seen.append((" ".join(args), shown))
        return shown


def test_every_command_speaks_chinese(tmp_path, monkeypatch):
    monkeypatch.delenv("TASKLIST_LANG", raising=False)
    zh = Zh(tmp_path)
    out = tmp_path / "出"
    zh("load")
    zh("load", "--dry-run")
    zh("list")
    zh("list", "--kind", "task")
    zh("show", "T1")
    zh("agencies")
    zh("agencies", "set-email", "省科技厅", "王科长 <wang@example.org>")
    zh("update", "T6", "-s", "推进中", "--progress", "60", "--note", "已创建省级现代农业智慧园8个", "--on", "2026-11-20")
    zh("update", "T1", "--all", "-s", "推进中", "--on", "2026-11-20")
    zh("done", "O28", "--note", "5G基站累计9.1万个", "--on", "2026-11-21")
    zh("undo", "1")
    zh("extend", "T2", "--to", "2027-06-30", "--reason", "需要协调")
    zh("history")
    zh("status", "--as-of", "2026-11-23")
    zh("status", "--summary", "--as-of", "2026-11-23")
    zh("overdue", "--as-of", "2026-11-23")
    zh("weekly", "--as-of", "2026-11-23")
    zh("export", "overdue", "--format", "md", "--as-of", "2026-11-23")
    zh("export", "status", "--format", "csv", "--out", str(out / "status.csv"))
    zh("export", "overdue", "--format", "xlsx", "--out", str(out / "overdue.xlsx"))
    zh("remind", "--out-dir", str(out / "mail"), "--as-of", "2026-11-23")
    zh("reminders")
    zh("feedback", "export", "--agency", "省科技厅", "--out", str(out / "fb.xlsx"))
    book = load_workbook(out / "fb.xlsx")
    zh("feedback", "import", str(out / "fb.xlsx"), "--dry-run")
    zh("audit", columns=1000)  # wide: a message id folded across lines would read as broken words
    zh("db", "check")
    zh("db", "upgrade")
    zh("db", "backup", str(out / "copy.db"))
    zh("target", "report", "Z1", "2.1万亿元", "--on", "2021-12-31", "--source", "统计公报")
    zh("targets", "--as-of", "2022-09-30")
    zh("export", "deadlines", "--format", "ics", "--out", str(out / "deadlines.ics"))
    # what goes wrong, said in Chinese too
    zh("show", "Tl", code=2)
    zh("update", "T1", "-s", "推进中", code=2)
    zh("update", "T6", "-s", "half", code=2)
    zh("target", "report", "Z1", "5%", "--on", "2022-06-30", code=2)
    zh("target", "report", "Z1", "2.2", "--on", "2020-01-01", code=2)
    zh("status", "--as-of", "2026-13-45", code=2)
    zh("users", "list", code=2)
    zh("export", "overdue", "--out", str(tmp_path / "home" / "tasklist.db"), code=2)
    zh("undo", "999", code=2)
    zh("extend", "T2", "--to", "2020-01-01", "--reason", "x", code=2)
    zh("export", "nothing", code=2)
    zh("stauts", code=2)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "tasks.yaml").write_text("plan: [\n", encoding="utf-8")
    zh("load", str(broken), code=2)

    shown = [ws for ws in book.worksheets if ws.sheet_state == "visible"]  # a hidden sheet holds the signature
    sheet_words = [c.value for ws in shown for row in ws.iter_rows() for c in row
                   if isinstance(c.value, str)] + [ws.title for ws in shown]
    problems = [f"$ tasklist {command}\n  {words}" for command, shown in zh.seen if (words := english_words(shown))]
    # Chinese punctuation in Chinese text: no ASCII , ; : ( ) right after a Chinese character
    problems += [f"$ tasklist {command}\n  ASCII punctuation: {line.strip()}" for command, shown in zh.seen
                 for line in shown.splitlines() if ASCII_AFTER_CJK.search(line)]
    problems += [f"feedback workbook: {w}" for w in english_words("\n".join(sheet_words))]
    assert not problems, "English words in Chinese output:\n" + "\n".join(problems)


@pytest.mark.parametrize("text, found", [
    ("逾期事项（截至 2026-11-23）", []),
    ("#3 T6 省农业农村厅：推进中（2026-11-20）", []),
    ("wrote /tmp/出/status.csv", ["wrote"]),
    ("错误：不能写入 /tmp/x/tasklist.db：它是正在使用的数据库", []),
    ("5G基站累计9.1万个 left as it is", ["left", "as", "it", "is"]),
])
def test_the_english_word_finder(text, found):
    assert english_words(text) == found
