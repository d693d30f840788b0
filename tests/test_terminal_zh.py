"""What the terminal shows an office that reads Chinese (issue 13): no English word but ids, dates,
numbers, option names and names from the registry or the people who typed them; whole agency names
when the screen has room; overdue titles given the room; 配合 for a co-responsible part; no line of
piped output ending in a space; the reminders' times in the plan's zone; English plurals."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len

from tasklist.messages import t
from tasklist.messages.view import Count

# every test here writes (updates, undo, extensions, reminders): each runs on SQLite and PostgreSQL
pytestmark = pytest.mark.usefixtures("engine")
AS_OF = ["--as-of", "2026-11-23"]
CITIES = ["福州市人民政府", "厦门市人民政府", "平潭综合实验区管委会", "人行福州中心支行"]


def registry_words(cli) -> set[str]:
    """The ASCII words the registry itself uses (in titles such as "5G", "IPv6"): shown as written."""
    texts = [v for item in cli.json("list", "--all") for v in (item["title"], item.get("due_text") or "")]
    texts += [v for agency in cli.json("agencies") for v in (agency["name"], agency["full_name"])]
    return {w for text in texts for w in re.findall(r"[A-Za-z]+", text)}


def english_words(text: str, allowed: set[str]) -> list[str]:
    """The ASCII words in ``text`` that are not an id, an option, an e-mail address, a file name's
    extension or an allowed name (or the start of one, cut with an ellipsis)."""
    text = re.sub(r"--[a-z][a-z-]*", " ", text)  # option names
    text = re.sub(r"(?<![A-Za-z0-9])[TO]\d+(?![0-9])", " ", text)  # ids
    text = re.sub(r"[\w.+-]+@[\w.-]+\.[a-z]+", " ", text)  # addresses the office typed
    text = re.sub(r"\.(eml|xlsx)(?![A-Za-z])", " ", text)  # file names
    return [w for w, cut in re.findall(r"([A-Za-z]+)(…?)", text)
            if w not in allowed and not (cut and any(a.startswith(w) for a in allowed))]  # a name cut short


def no_trailing_spaces(out: str) -> bool:
    return not any(line.endswith(" ") for line in out.splitlines())


@pytest.fixture
def week(cli, monkeypatch):
    """A week of the office's work, recorded in English mode (as a test would), shown in Chinese."""
    cli("update", "T6", "--status", "in_progress", "--progress", "60", "--note", "已创建省级现代农业智慧园8个",
        "--on", "2026-11-20")
    (done,) = cli.json("done", "--verified", "O28", "--note", "5G基站累计9.1万个", "--on", "2026-11-20")
    cli("undo", str(done["id"]))
    cli("update", "T1", "--agency", "省科技厅", "--status", "blocked", "--note", "等待立项", "--by", "王五",
        "--on", "2026-11-21")
    cli("extend", "T6", "--to", "2027-06-30", "--reason", "经省政府同意延期", "--approved-by", "张三")
    cli("agencies", "set-email", "省农业农村厅", "王科长 <wang@example.org>")
    users = {row["recorded_by"] for row in cli.json("history")}  # the system's user, or the database's
    monkeypatch.setenv("TASKLIST_LANG", "zh")
    return registry_words(cli) | users


def test_every_table_of_the_week_reads_in_chinese_and_ends_its_lines_without_spaces(cli, week, tmp_path, monkeypatch):
    runs = {
        "status": cli("status", *AS_OF).stdout,
        "status --all": cli("status", "--all", *AS_OF).stdout,
        "status --summary": cli("status", "--summary", *AS_OF).stdout,
        "overdue": cli("overdue", *AS_OF).stdout,
        "overdue --all": cli("overdue", "--all", *AS_OF).stdout,
        "history": cli("history").stdout,
        "show": cli("show", "T6", *AS_OF).stdout,
        "agencies": cli("agencies", "--all").stdout,
        "remind": cli("remind", "--out-dir", tmp_path / "out", *AS_OF).stdout,
        "reminders": cli("reminders").stdout,
        "export history": cli("export", "history", "--format", "md").stdout,
    }
    monkeypatch.setenv("COLUMNS", "120")
    runs["status --summary at 120"] = cli("status", "--summary", *AS_OF).stdout
    for name, out in runs.items():
        assert out.strip(), name
        assert english_words(out, week) == [], (name, out)
        assert no_trailing_spaces(out), name
    # the words that were English before
    assert "配合" in runs["overdue"] and "撤销 #2" in runs["history"] and "王五（" in runs["history"]
    assert {"批准日期", "新完成时间", "理由", "批准人", "全部单位"} <= set(re.findall(r"\w+", runs["show"]))
    assert "已写出" in runs["remind"] and "未设邮箱" in runs["remind"] and "督办提醒" in runs["remind"]
    assert "省直部门" in runs["agencies"]
    assert "命令行" in runs["export history"] and "撤销的更新" in runs["export history"]


def test_the_summary_shows_whole_agency_names_when_the_screen_has_room(cli, monkeypatch):
    for columns in ("120", "80"):
        monkeypatch.setenv("COLUMNS", columns)
        out = cli("status", "--summary", *AS_OF).stdout
        for name in CITIES:
            assert re.search(rf"^{name} ", out, re.M), (columns, name)
        assert max(cell_len(line) for line in out.splitlines()) <= int(columns)
    # narrower: names cut with an ellipsis, never half a character (Rich's "福州市人民 …"), the grid kept
    monkeypatch.setenv("COLUMNS", "60")
    out = cli("status", "--summary", *AS_OF).stdout
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= 60
    city = next(line for line in lines if line.startswith("福州"))
    assert re.match(r"福州市?…", city) and " …" not in out
    assert len({cell_len(line) for line in lines[3:-2] if line}) == 1  # every row as wide: the columns line up


def test_overdue_gives_the_title_the_room_and_names_the_co_role(cli, monkeypatch):
    monkeypatch.setenv("TASKLIST_LANG", "zh")
    out = cli("overdue", "--agency", "省农业农村厅", *AS_OF).stdout
    rows = {line.split()[0]: line for line in out.splitlines() if re.match(r"[TO]\d+ ", line)}
    assert "创建10个省级现代农业智慧园" in rows["O16"]  # cut to "创建10个省级现代农…" before
    assert rows["T5"].endswith("配合") and rows["T6"].endswith("牵头")
    assert "最近报送" not in out  # no row has a report: the column makes way for the title
    cli("update", "T6", "--status", "in_progress", "--on", "2026-11-20")
    out = cli("overdue", "--agency", "省农业农村厅", *AS_OF).stdout
    assert "最近报送" in out and "2026-11-20" in out and "创建10个省级现代农业智慧园" in out


def test_the_long_overdue_and_status_listings_lay_out_the_same_on_both_paths(cli, monkeypatch):
    from tasklist.output import terminal

    monkeypatch.setenv("TASKLIST_LANG", "zh")
    cli("update", "T6", "--status", "in_progress", "--on", "2026-11-20")
    fast_rows = terminal.FAST_ROWS
    for columns in ("80", "120"):
        monkeypatch.setenv("COLUMNS", columns)
        fast = {args: cli(*args, *AS_OF).stdout for args in (("overdue", "--all"), ("status", "--all"))}
        monkeypatch.setattr(terminal, "FAST_ROWS", 10**9)
        slow = {args: cli(*args, *AS_OF).stdout for args in fast}
        # only the row threshold goes back: undoing every patch would also drop the test's own home,
        # and the second width would then run on the user's real database
        monkeypatch.setattr(terminal, "FAST_ROWS", fast_rows)
        for args, out in fast.items():
            assert out == slow[args], (columns, args)
            assert no_trailing_spaces(out)


def test_reminders_give_the_sent_time_in_the_plans_zone_and_name_it(cli, tmp_path, monkeypatch):
    cli("remind", "--out-dir", tmp_path, "--agency", "省农业农村厅", *AS_OF)
    (entry,) = cli.json("reminders")
    sent = datetime.fromisoformat(entry["sent_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    monkeypatch.setenv("TASKLIST_LANG", "zh")
    out = cli("reminders").stdout
    assert "发送时间（北京时间）" in out and sent.strftime("%Y-%m-%d %H:%M") in out
    assert entry["sent_at"][:16].replace("T", " ") not in out or sent.utcoffset().total_seconds() == 0
    monkeypatch.setenv("TASKLIST_LANG", "en")
    assert "Sent (Beijing time)" in cli("reminders").stdout


def test_no_reminder_log_says_so(cli, monkeypatch):
    monkeypatch.setenv("TASKLIST_LANG", "zh")
    assert cli("reminders").stdout.strip() == "尚无提醒记录。"


def test_english_counts_agree_with_their_nouns(cli):
    out = cli("overdue", "--agency", "省农业农村厅", *AS_OF).stdout
    assert "3 items overdue, 3 overdue assignments across 1 agency (as of 2026-11-23)" in out
    assert t("view.more_rows", "en", n=Count(1)) == "… 1 more row (--all shows everything)"
    assert t("view.more_rows", "en", n=Count(2)) == "… 2 more rows (--all shows everything)"
    assert t("view.more_rows", "zh", n=Count(1)) == "… 另有 1 行未显示（--all 显示全部）"


def test_the_reminder_email_is_chinese_and_names_the_co_role(cli, tmp_path):
    from email import policy
    from email.parser import BytesParser

    cli("agencies", "set-email", "省农业农村厅", "nyt@example.org")
    (info,) = cli.json("remind", "--out-dir", tmp_path, "--agency", "省农业农村厅", *AS_OF)["messages"]
    msg = BytesParser(policy=policy.default).parsebytes((tmp_path / info["file"].rsplit("/", 1)[-1]).read_bytes())
    assert str(msg["Subject"]) == "【督办提醒】省农业农村厅：3项事项已逾期（截至2026-11-23）"  # 事项: tasks and outcomes
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "省农业农村厅 逾期事项（截至 2026-11-23）" in plain and "逾期事项（截至 2026-11-23）" in html
    rows = {line.split("\t")[0]: line.split("\t") for line in plain.splitlines() if re.match(r"[TO]\d+\t", line)}
    assert rows["T5"][6] == "配合" and rows["T6"][6] == "牵头"
    assert english_words(plain, registry_words(cli)) == []


def test_the_reminder_email_speaks_the_plans_language_not_the_senders(cli, tmp_path, registry_copy, monkeypatch):
    monkeypatch.setenv("TASKLIST_LANG", "zh")  # the office reads Chinese; the plan's agencies, English
    tasks = registry_copy / "tasks.yaml"
    tasks.write_text(tasks.read_text(encoding="utf-8").replace("lang: zh-CN", "lang: en"), encoding="utf-8")
    cli("load", registry_copy)
    (info,) = cli.json("remind", "--out-dir", tmp_path, "--agency", "省农业农村厅", *AS_OF)["messages"]
    assert info["subject"] == "[reminder] 省农业农村厅: 3 items overdue (as of 2026-11-23)"
