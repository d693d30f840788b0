"""The office's loop, as issue 13 tells it: a reminder carries the agency's signed feedback workbook;
the agency fills it in and replies; the office saves the replies (.eml) in a folder and imports them
in one go; written .eml reminders count for escalation; display names and a signature block."""

from __future__ import annotations

import io
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.usefixtures("engine")
AS_OF = ["--as-of", "2026-11-23"]


def parse(path):
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def reply_with(tmp_path, reminder, cells, name):
    """The agency's reply: the reminder's attachment filled in with openpyxl, attached to a new message."""
    (attachment,) = list(parse(reminder).iter_attachments())
    book = load_workbook(io.BytesIO(attachment.get_content()))
    for ref, value in cells.items():
        book["反馈表"][ref] = value
    data = io.BytesIO()
    book.save(data)
    reply = EmailMessage()
    reply["Subject"] = "回复：" + str(parse(reminder)["Subject"])
    reply["From"] = "wang@example.org"
    reply.set_content("已填写，请查收。")
    reply.add_attachment(data.getvalue(), maintype="application",
                         subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         filename=attachment.get_filename())
    path = tmp_path / "replies" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(bytes(reply))
    return path


def test_reminder_to_filled_workbook_to_reply_folder_to_import(cli, tmp_path):
    cli("agencies", "set-email", "省农业农村厅", "王科长 <wang@example.org>")
    cli("agencies", "set-email", "省商务厅", "li@example.org")
    sent = cli.json("remind", "--out-dir", tmp_path / "out", "--from", "督查室 <duban@example.org>",
                    "--signature", "省数字办督查室 张三\n电话：0591-12345678", *AS_OF)["messages"]
    by_agency = {m["agency"]: tmp_path / "out" / m["file"].rsplit("/", 1)[-1] for m in sent}
    message = parse(by_agency["省农业农村厅"])
    assert message["From"].addresses[0].display_name == "督查室"
    assert message["To"].addresses[0].display_name == "王科长"
    for part in ("plain", "html"):
        body = message.get_body((part,)).get_content()
        assert "电话：0591-12345678" in body and "附件为贵单位的反馈表" in body
    # the page is sent in base64 (quoted-printable, which the standard library would pick, costs more to make)
    assert message.get_body(("html",))["Content-Transfer-Encoding"] == "base64"
    # two agencies reply; the office saves the replies in a folder, plus one file that is not a reply
    reply_with(tmp_path, by_agency["省农业农村厅"], {"H3": "推进中", "I3": 40, "J3": "已完成选址"}, "nyt.eml")
    reply_with(tmp_path, by_agency["省商务厅"], {"H3": "已完成", "J3": "已验收"}, "swt.eml")
    (tmp_path / "replies" / "notes.csv").write_text("not a feedback file\n", encoding="utf-8")
    result = cli("feedback", "import", tmp_path / "replies", *AS_OF, code=2)
    lines = result.stderr.splitlines()
    assert any(line.startswith("notes.csv: refused:") for line in lines)
    assert any(line.startswith("nyt.eml: ") and "省农业农村厅: recorded 1 update" in line for line in lines)
    assert any(line.startswith("swt.eml: ") and "省商务厅: recorded 1 update" in line for line in lines)
    assert lines[-1] == "3 files: 2 imported (2 updates), 0 already imported, 1 refused"
    history = cli.json("history")
    assert sorted((h["agency"], h["status"]) for h in history) == sorted([("省商务厅", "claimed"), ("省农业农村厅", "in_progress")])
    assert all(h["source"].startswith("import:") and h["source"].endswith("_反馈表_2026-11-23.xlsx") for h in history)
    # the same folder again records nothing
    again = cli("feedback", "import", tmp_path / "replies" / "nyt.eml", tmp_path / "replies" / "swt.eml", *AS_OF)
    assert again.stderr.splitlines()[-1] == "2 files: 0 imported (0 updates), 2 already imported, 0 refused"


def test_written_reminders_count_for_escalation(cli, tmp_path):
    first = cli.json("remind", "--out-dir", tmp_path / "w1", "--agency", "省农业农村厅", *AS_OF)["messages"][0]
    second = cli.json("remind", "--out-dir", tmp_path / "w2", "--agency", "省农业农村厅", "--as-of", "2026-11-30")
    third = cli.json("remind", "--out-dir", tmp_path / "w3", "--agency", "省农业农村厅", "--as-of", "2026-12-07")
    assert [first["level_name"], second["messages"][0]["level_name"], third["messages"][0]["level_name"]] == \
        ["督办提醒", "催办", "通报"]
    log = cli.json("reminders")
    assert [r["as_of"] for r in log] == ["2026-11-23", "2026-11-30", "2026-12-07"]
    # writing the same reminder again on the same day does not count twice
    cli("remind", "--out-dir", tmp_path / "w3", "--agency", "省农业农村厅", "--as-of", "2026-12-07", "--force")
    assert len(cli.json("reminders")) == 3


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_office_week_played_in_each_language(cli, tmp_path, monkeypatch, lang):
    """One week: the office looks at status, three agencies report (one for a group item, one city on
    its own before that), a reminder goes out, its workbook comes back filled in as a reply, the
    office imports the folder and sends the weekly report upward; all of it in one language."""
    from test_zh_sweep import english_words

    monkeypatch.setenv("TASKLIST_LANG", lang)
    said: list[str] = []

    def run(*args, code=0):
        result = cli(*args, code=code)
        said.append(result.stdout + result.stderr)
        return result

    run("status", "--summary", "--as-of", "2026-11-16")
    run("update", "T6", "-s", "推进中", "--progress", "60", "--note", "已创建省级现代农业智慧园8个", "--on", "2026-11-18")
    run("done", "--verified", "O17", "-a", "福州市", "--note", "福州已完成", "--on", "2026-11-19")
    group = run("update", "O17", "-a", "各设区市人民政府", "-s", "推进中", "--on", "2026-11-19")
    kept = {"zh": "O17 福州市人民政府：保持不变", "en": "O17 福州市人民政府: left as it is"}[lang]
    assert kept in group.stderr  # the city's own word stands
    run("agencies", "set-email", "省商务厅", "李科长 <li@example.org>")
    sent = cli.json("remind", "--out-dir", tmp_path / "out", *AS_OF)["messages"]
    reminder = tmp_path / "out" / next(m for m in sent if m["agency"] == "省商务厅")["file"].rsplit("/", 1)[-1]
    reply_with(tmp_path, reminder, {"H3": "已完成", "J3": "已上线"}, "swt.eml")
    imported = run("feedback", "import", tmp_path / "replies", *AS_OF)
    summary = {"zh": "共 1 个文件：1 个已导入（1 条更新）", "en": "1 file: 1 imported (1 update)"}[lang]
    assert imported.stderr.splitlines()[-1].startswith(summary), imported.stderr
    weekly = run("weekly", *AS_OF)
    assert ("落实情况周报" if lang == "zh" else "weekly progress") in weekly.stdout
    assert not [line for text in said for line in text.splitlines() if line.endswith(" ")]  # piped: no padding
    report = cli.json("weekly", *AS_OF)
    parts = {(p["id"], p["agency"]) for p in report["changes"]["completed_parts"]}
    assert ("O17", "福州市人民政府") in parts and len(report["changes"]["reports"]) >= 10
    assert next(a for a in cli.json("show", "O17")["assignments"] if a["agency"] == "福州市人民政府")["status"] == "done"
    if lang == "zh":
        found = [w for text in said for w in english_words(text)]
        assert not found, found
    else:  # the tool's own words are English: a Chinese line holds only registry text and names
        assert "Status by agency" in said[0] and "recorded 1 update" in imported.stderr


def test_a_group_without_members_is_left_to_the_office_and_a_group_has_no_address(cli, tmp_path):
    refused = cli("agencies", "set-email", "各设区市人民政府", "a@example.org", code=2)
    assert "各设区市人民政府 is a group and has no address" in refused.stderr
    cli("agencies", "set-email", "省直有关部门", "b@example.org", code=2)
    result = cli("remind", "--out-dir", tmp_path / "out", *AS_OF, "--json")
    sent = {m["agency"] for m in __import__("json").loads(result.stdout)["messages"]}
    assert "省直有关部门" not in sent and "省农业农村厅" in sent
    assert "省直有关部门: has no member agencies, so nobody receives a reminder" in result.stderr
    assert not [p for p in (tmp_path / "out").iterdir() if "省直有关部门" in p.name]
    alone = cli("feedback", "export", "-a", "省直有关部门", "--out", tmp_path / "z.xlsx", code=2)
    assert "group with no member agencies" in alone.stderr and not (tmp_path / "z.xlsx").exists()
    every = cli("feedback", "export", "--all", "--out-dir", tmp_path / "fb", *AS_OF)
    assert "省直有关部门 is a group with no member agencies" in every.stderr
    assert not [p for p in (tmp_path / "fb").iterdir() if "省直有关部门" in p.name]
