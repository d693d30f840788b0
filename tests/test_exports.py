"""Weekly report, exports and reminders: real files read back, a real SMTP server on loopback."""

from __future__ import annotations

import csv
import io
import json
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from conftest import query
from openpyxl import load_workbook

# every test here writes (exports, reminders, feedback imports): each runs on SQLite and PostgreSQL
pytestmark = pytest.mark.usefixtures("engine")
AS_OF = ["--as-of", "2026-11-23"]


def parse_eml(path):
    with open(path, "rb") as fh:
        return BytesParser(policy=policy.default).parse(fh)


def xlsx_rows(data: bytes, sheet=None):
    book = load_workbook(io.BytesIO(data))
    ws = book[sheet] if sheet else book.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


# --------------------------------------------------------------------------- exports


@pytest.mark.parametrize("report", ["overdue", "status", "items", "history"])
def test_every_format_gives_the_same_rows_in_the_same_order(cli, tmp_path, report):
    cli("update", "T6", "--status", "in_progress", "--note", "第一季度进展", "--as-of", "2026-11-20")
    cli("done", "--verified", "O28", "--as-of", "2026-11-21")
    records = json.loads(cli("export", report, "--format", "json", *AS_OF).stdout)
    assert records, report
    keys = list(records[0])
    csv_text = cli("export", report, "--format", "csv", *AS_OF).stdout_bytes.decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(csv_text)))[1:]
    out = tmp_path / f"{report}.xlsx"
    cli("export", report, "--format", "xlsx", "--out", out, *AS_OF)
    sheet = xlsx_rows(out.read_bytes())[1:]
    md = cli("export", report, "--format", "md", *AS_OF).stdout
    html = cli("export", report, "--format", "html", *AS_OF).stdout
    ids = [r["id"] if "id" in r else r[keys[0]] for r in records]
    id_col = keys.index("id")
    assert [r[id_col] for r in csv_rows] == ids
    assert [r[id_col] for r in sheet] == ids
    assert len(csv_rows) == len(sheet) == len(records)
    md_rows = [line for line in md.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(md_rows) == len(records)
    assert html.count("<tr>") == len(records) + 1


def test_csv_has_bom_and_gb18030_on_request(cli):
    data = cli("export", "items", "--format", "csv", *AS_OF).stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf") and "提升新一代信息技术自主创新能力" in data.decode("utf-8-sig")
    gb = cli("export", "items", "--format", "csv", "--encoding", "gb18030", *AS_OF).stdout_bytes
    assert "提升新一代信息技术自主创新能力" in gb.decode("gb18030")


@pytest.mark.parametrize("note", ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\r\nCRLF"])
def test_formula_injection_is_neutralised_in_csv_and_xlsx(cli, tmp_path, note):
    cli("update", "T6", "--status", "in_progress", "--note", note, *AS_OF)
    text = cli("export", "history", "--format", "csv", *AS_OF).stdout_bytes.decode("utf-8-sig")
    (row,) = list(csv.reader(io.StringIO(text)))[1:]
    assert "'" + note in row
    out = tmp_path / "h.xlsx"
    cli("export", "history", "--format", "xlsx", "--out", out, *AS_OF)
    book = load_workbook(out)
    cells = [c for c in book.worksheets[0][2]]
    note_cell = next(c for c in cells if isinstance(c.value, str) and note.strip() in c.value)
    # (XML reads CR LF back as LF; what matters is the leading quote that makes it text)
    assert note_cell.value.startswith("'") and note_cell.value[1:].strip() == note.strip() and note_cell.data_type == "s"


def test_html_escapes_every_value(cli):
    cli("update", "T6", "--status", "in_progress", "--note", "<script>alert('x')</script> & <b>", *AS_OF)
    html = cli("export", "history", "--format", "html", *AS_OF).stdout
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert "size: A4 landscape" in html


def test_xlsx_has_frozen_styled_header_filter_and_real_dates(cli, tmp_path):
    out = tmp_path / "o.xlsx"
    cli("export", "overdue", "--format", "xlsx", "--out", out, *AS_OF)
    ws = load_workbook(out).worksheets[0]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    assert ws["A1"].font.bold
    due_col = [c.value for c in ws[1]].index("Due") + 1
    assert ws.cell(row=2, column=due_col).is_date
    assert ws.column_dimensions["C"].width >= 20  # Chinese titles get room


def test_xlsx_by_agency_gives_one_sheet_per_agency(cli, tmp_path):
    out = tmp_path / "by.xlsx"
    cli("export", "overdue", "--format", "xlsx", "--by-agency", "--out", out, *AS_OF)
    book = load_workbook(out)
    late = cli.json("overdue", *AS_OF)
    assert book.sheetnames == [g["agency"] for g in late["agencies"]]
    assert book["省农业农村厅"].max_row - 1 == len(next(g for g in late["agencies"] if g["agency"] == "省农业农村厅")["items"])


def test_export_bad_input_exits_2(cli, tmp_path):
    assert "unknown format" in cli("export", "items", "--format", "pdf", code=2).stderr
    assert "unknown report" in cli("export", "people", code=2).stderr
    assert "give --out FILE" in cli("export", "items", "--format", "xlsx", code=2).stderr
    assert "is a directory" in cli("export", "items", "--out", tmp_path, code=2).stderr  # more: test_output_files.py


# --------------------------------------------------------------------------- weekly


def test_weekly_report_counts_the_period(cli):
    cli("update", "T6", "--status", "in_progress", "--as-of", "2026-11-10")  # before the period
    cli("done", "--verified", "O28", "--as-of", "2026-11-20")
    cli("update", "T7", "--agency", "省工信厅", "--status", "in_progress", "--as-of", "2026-11-18")
    report = cli.json("weekly", *AS_OF)
    assert report["period_start"] == "2026-11-17" and report["period_end"] == "2026-11-23"  # 7 days, both counted
    assert report["changes"]["updates"] == 2
    assert report["changes"]["updates_by_agency"] == {"省通信管理局": 1, "省工信厅": 1}
    assert [i["id"] for i in report["changes"]["completed"]] == ["O28"]
    assert report["overall"]["by_status"]["done"] == 1 and report["change"]["by_status"]["done"] == 1
    assert report["overall"]["completion_rate"] == round(1 / 54, 4)
    row = next(a for a in report["agencies"] if a["agency"] == "省工信厅")
    assert row["reported_in_period"] is True and row["updates_in_period"] == 1
    assert next(a for a in report["agencies"] if a["agency"] == "省农业农村厅")["reported_in_period"] is False


def test_weekly_report_finds_items_that_became_overdue(cli):
    report = cli.json("weekly", "--as-of", "2023-01-03", "--days", "7")
    assert len(report["changes"]["became_overdue"]) == 39  # the 2022 deadlines passed in the period


def test_weekly_report_of_a_quiet_period(cli, tmp_path):
    report = cli.json("weekly", "--as-of", "2021-05-10")
    assert report["changes"] == {"updates": 0, "updates_by_agency": {}, "reports": [], "completed_parts": [],
                                 "completed": [], "became_overdue": []}
    cli("weekly", "--as-of", "2021-05-10")
    md = cli("weekly", "--format", "md", "--as-of", "2021-05-10").stdout
    assert md.count("\n## ") == 9  # the claims awaiting review among them, and the plan's targets
    out = tmp_path / "w.html"
    cli("weekly", "--format", "html", "--out", out, "--as-of", "2021-05-10")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --------------------------------------------------------------------------- reminders


def test_reminder_eml_parses_back_with_chinese_headers_both_parts_and_attachment(cli, tmp_path):
    cli("agencies", "set-email", "省农业农村厅", "nyt@example.org")
    cli("update", "T6", "--status", "in_progress", "--note", "第一行\r\n第二行 Bcc: x@example.com", *AS_OF)
    result = cli.json("remind", "--out-dir", tmp_path, "--agency", "省农业农村厅", *AS_OF)
    (info,) = result["messages"]
    msg = parse_eml(info["file"])
    assert msg["Subject"] == "【督办提醒】省农业农村厅：3项事项已逾期（截至2026-11-23）"
    assert msg["To"].addresses[0].addr_spec == "nyt@example.org"
    assert msg["To"].addresses[0].display_name == "福建省农业农村厅"
    assert msg["Message-ID"] and msg["Date"] and msg["Bcc"] is None
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "T6" in plain and "大力发展数字农业" in plain and "第1次提醒" in plain
    assert "大力发展数字农业" in html and "<table>" in html
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename().endswith("_反馈表_2026-11-23.xlsx")
    rows = xlsx_rows(attachment.get_content())  # the agency's signed feedback workbook
    assert rows[0][0].startswith("省农业农村厅 进展反馈表") and rows[1][:3] == ["编号", "名称", "牵头/配合"]
    assert [r[0] for r in rows[2:]] == ["T5", "T6", "O16"]


def test_a_reminder_run_judges_the_parts_not_done_and_no_snapshot_of_the_plan(cli, tmp_path, monkeypatch):
    """remind reads and judges only the parts not done (facts.open_parts), not every item of the plan
    as a whole: at 100k items the snapshot was a quarter of the run. A done part is in no workbook."""
    from tasklist.reports import facts

    cli("done", "--verified", "T5", "--agency", "省农业农村厅", *AS_OF)
    monkeypatch.setattr(facts, "snapshot", lambda *args, **kwargs: pytest.fail("remind judged every item of the plan"))
    result = cli.json("remind", "--out-dir", tmp_path, "--agency", "省农业农村厅", *AS_OF)
    (info,) = result["messages"]
    (attachment,) = list(parse_eml(info["file"]).iter_attachments())
    assert [r[0] for r in xlsx_rows(attachment.get_content())[2:]] == ["T6", "O16"]


def test_no_message_for_an_agency_with_nothing_overdue_and_flagged_when_no_address(cli, tmp_path):
    result = cli.json("remind", "--out-dir", tmp_path, "--as-of", "2021-06-01")
    names = {m["agency"] for m in result["messages"]}
    late = {g["agency"] for g in cli.json("overdue", "--as-of", "2021-06-01")["agencies"]}
    assert names == late and "省科技厅" not in names
    assert all(m["status"] == "no address" for m in result["messages"])
    assert len(list(tmp_path.glob("*.eml"))) == len(names)


def test_header_injection_through_registry_names_is_impossible(cli, tmp_path, registry_copy):
    text = (registry_copy / "agencies.yaml").read_text(encoding="utf-8")
    text = text.replace("full_name: 福建省农业农村厅", 'full_name: "福建省农业农村厅\\r\\nBcc: evil@example.com"')
    (registry_copy / "agencies.yaml").write_text(text, encoding="utf-8")
    cli("load", registry_copy)
    cli("agencies", "set-email", "省农业农村厅", "nyt@example.org")
    info = cli.json("remind", "--out-dir", tmp_path, "--agency", "省农业农村厅", *AS_OF)["messages"][0]
    raw = Path(info["file"]).read_bytes()
    assert b"\nBcc:" not in raw and b"\rBcc:" not in raw
    assert parse_eml(info["file"])["Bcc"] is None


class Inbox:
    def __init__(self, refuse=()):
        self.refuse = set(refuse)
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    servers = []

    def start(refuse=()):
        import socket

        with socket.socket() as probe:  # a free port on loopback
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        inbox = Inbox(refuse)
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append(controller)
        return inbox, port

    yield start
    for controller in servers:
        controller.stop()


def test_send_delivers_logs_and_escalates(cli, smtp_server, monkeypatch):
    inbox, port = smtp_server()
    cli("agencies", "set-email", "省农业农村厅", "nyt@example.org")
    cli("agencies", "set-email", "省商务厅", "swt@example.org", "swt2@example.org")
    args = ["remind", "--send", "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--from", "office@example.org"]
    first = cli.json(*args, *AS_OF)
    sent = [m for m in first["messages"] if m["status"] == "sent"]
    assert {m["agency"] for m in sent} == {"省农业农村厅", "省商务厅"}
    assert first["summary"]["sent"] == 2 and first["summary"]["no address"] == len(first["messages"]) - 2
    assert sorted(r for rcpts, _ in inbox.messages for r in rcpts) == ["nyt@example.org", "swt2@example.org", "swt@example.org"]
    parsed = BytesParser(policy=policy.default).parsebytes(inbox.messages[0][1])
    assert str(parsed["Subject"]).startswith("【督办提醒】")
    log = cli.json("reminders")
    assert len(log) == 2 and log[0]["items"] and log[0]["message_id"]

    again = cli.json(*args, *AS_OF)  # same day, same items: not sent twice
    assert {m["status"] for m in again["messages"] if m["agency"] == "省农业农村厅"} == {"skipped"}
    assert len(inbox.messages) == 2
    forced = cli.json(*args, "--resend", *AS_OF)
    subject = next(m["subject"] for m in forced["messages"] if m["agency"] == "省农业农村厅")
    assert subject.startswith("【催办】")
    later = cli.json(*args, "--as-of", "2026-12-01")
    subject = next(m["subject"] for m in later["messages"] if m["agency"] == "省农业农村厅")
    assert subject.startswith("【通报】")
    assert len(cli.json("reminders", "--agency", "省农业农村厅")) == 3


def test_one_refused_recipient_does_not_stop_the_others(cli, smtp_server):
    inbox, port = smtp_server(refuse={"bad@example.org"})
    cli("agencies", "set-email", "省农业农村厅", "bad@example.org")
    cli("agencies", "set-email", "省商务厅", "swt@example.org")
    result = cli("remind", "--send", "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--from", "office@example.org",
                 "--json", *AS_OF, code=1)
    by_agency = {m["agency"]: m for m in json.loads(result.stdout)["messages"]}
    assert by_agency["省农业农村厅"]["status"] == "failed" and "bad@example.org" in by_agency["省农业农村厅"]["error"]
    assert by_agency["省商务厅"]["status"] == "sent"
    assert [rcpts for rcpts, _ in inbox.messages] == [["swt@example.org"]]
    assert [r["agency"] for r in cli.json("reminders")] == ["省商务厅"]


def test_a_second_send_on_the_same_day_is_skipped_and_says_why_in_the_readers_language(cli, smtp_server, monkeypatch):
    inbox, port = smtp_server()
    cli("agencies", "set-email", "省农业农村厅", "nyt@example.org")
    args = ["remind", "--send", "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--from", "office@example.org",
            "--agency", "省农业农村厅", *AS_OF]
    monkeypatch.setenv("TASKLIST_LANG", "zh")
    first = cli(*args).stdout
    assert "已发送" in first and "nyt@example.org" in first and "共 1 封：已发送 1" in first
    again = cli(*args).stdout
    assert "已跳过" in again and "今天已就这些事项发送过（--resend 可再次发送）" in again
    (message,) = cli.json(*args)["messages"]  # the JSON's words do not change with the language
    assert message["status"] == "skipped" and message["error"].startswith("already sent") and "--resend" in message["error"]
    assert len(inbox.messages) == 1


def test_smtp_credentials_never_on_the_command_line(cli):
    result = cli("remind", "--send", "--smtp-password", "x", code=2)
    assert "No such option" in result.stderr or "no such option" in result.stderr.lower()


def test_remind_needs_somewhere_to_put_the_messages(cli):
    assert "--out-dir" in cli("remind", code=2).stderr


def test_set_email_refuses_bad_addresses(cli):
    assert "not an e-mail address: 'nyt@'" in cli("agencies", "set-email", "省农业农村厅", "nyt@", code=2).stderr
    assert query("SELECT email FROM agency WHERE name = '省农业农村厅'") == [(None,)]


def test_weekly_in_chinese_says_how_many_rows_are_left_in_chinese(cli, monkeypatch):
    monkeypatch.setenv("TASKLIST_LANG", "zh")
    out = cli("weekly", *AS_OF).stdout
    assert "另有" in out and "more rows" not in out


def test_reminder_workbooks_record_each_rows_latest_update_as_one_agencys_export_does(cli, tmp_path):
    # several agencies at once read every latest update in one query; one agency reads its own rows'
    cli("update", "T6", "--status", "in_progress", "--note", "先报一次", *AS_OF)
    cli("update", "T6", "--status", "in_progress", "--note", "再报一次", *AS_OF)
    messages = cli.json("remind", "--out-dir", tmp_path / "all", *AS_OF)["messages"]
    assert len(messages) > 1
    cli("remind", "--out-dir", tmp_path / "one", "--agency", "省农业农村厅", "--force", *AS_OF)
    latest = dict((aid, uid) for aid, uid in query(
        "SELECT assignment_id, max(id) FROM status_update GROUP BY assignment_id"))
    exports = query("SELECT a.name, e.rows FROM feedback_export e JOIN agency a ON a.id = e.agency_id ORDER BY e.id")
    assert len(exports) == len(messages) + 1
    for _, rows in exports:
        assert all(r["last_update_id"] == latest.get(r["assignment_id"]) for r in json.loads(rows))
    (first,) = [json.loads(r) for n, r in exports[:-1] if n == "省农业农村厅"]
    assert json.loads(exports[-1][1]) == first and any(r["last_update_id"] for r in first)
