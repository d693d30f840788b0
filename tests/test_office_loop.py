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
    # two agencies reply; the office saves the replies in a folder, plus one file that is not a reply
    reply_with(tmp_path, by_agency["省农业农村厅"], {"H3": "推进中", "I3": 40, "J3": "已完成选址"}, "nyt.eml")
    reply_with(tmp_path, by_agency["省商务厅"], {"H3": "已完成"}, "swt.eml")
    (tmp_path / "replies" / "notes.csv").write_text("not a feedback file\n", encoding="utf-8")
    result = cli("feedback", "import", tmp_path / "replies", *AS_OF, code=2)
    lines = result.stderr.splitlines()
    assert any(line.startswith("notes.csv: refused:") for line in lines)
    assert any(line.startswith("nyt.eml: ") and "省农业农村厅: recorded 1 update" in line for line in lines)
    assert any(line.startswith("swt.eml: ") and "省商务厅: recorded 1 update" in line for line in lines)
    assert lines[-1] == "3 files: 2 imported (2 updates), 0 already imported, 1 refused"
    history = cli.json("history")
    assert sorted((h["agency"], h["status"]) for h in history) == sorted([("省商务厅", "done"), ("省农业农村厅", "in_progress")])
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
