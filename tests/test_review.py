"""Completion is claimed, then verified (办结报告 -> 审核销号): an agency's done is a claim with a
note and evidence, the office accepts it (the part is closed as of the claim's date) or returns it
with a reason; the rules at their boundaries; evidence byte for byte; refusals. Both engines."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from conftest import query
from openpyxl import Workbook, load_workbook

from tasklist import evidence, rules
from tasklist.reports.facts import snapshot
from tasklist.storage.schema import open_db

pytestmark = pytest.mark.usefixtures("engine")
T6 = ["T6", "--agency", "省农业农村厅"]  # 省农业农村厅 leads T6, due 2022-12-31


def pdf(text: str = "验收报告") -> bytes:
    return b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n"


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document>验收</document>")
    return out.getvalue()


def xlsx() -> bytes:
    book, out = Workbook(), io.BytesIO()
    book.active["A1"] = "台账"
    book.save(out)
    return out.getvalue()


def write(path, content: bytes):
    path.write_bytes(content)
    return path


def state(code: str, agency: str, as_of: str):
    conn = open_db()
    try:
        (item,) = [i for i in snapshot(conn, date.fromisoformat(as_of)) if i.code == code]
        return next(a for a in item.assignments if a.agency == agency)
    finally:
        conn.close()


def test_claim_with_evidence_review_return_claim_again_verify_closes(cli, tmp_path):
    files = {"验收报告.pdf": pdf(), "现场照片.png": png(), "说明.docx": docx(), "台账.xlsx": xlsx()}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    evidence_args = [a for name in files for a in ("--evidence", tmp_path / name)]
    (claim,) = cli.json("done", *T6, "--note", "已建成8个智慧园", *evidence_args, "--on", "2026-11-20")
    assert (claim["status"], claim["progress"], claim["note"]) == ("claimed", 100, "已建成8个智慧园")
    # the office's queue: the claim with its evidence, its age as of the day asked
    (pending,) = cli.json("review", "--as-of", "2026-11-23")
    assert (pending["claim"], pending["item"], pending["agency"], pending["claimed_on"], pending["age_days"]) == (
        claim["id"], "T6", "省农业农村厅", "2026-11-20", 3)
    assert [(e["name"], e["size"]) for e in pending["evidence"]] == [(n, len(c)) for n, c in files.items()]
    assert pending["evidence"][0]["media_type"] == "application/pdf"
    assert cli.json("review", "--agency", "省商务厅", "--as-of", "2026-11-23") == []
    # returned: in progress again with the progress before the claim, the reason in show, the workbook, the reminder
    (returned,) = cli.json("verify", *T6, "--return", "--reason", "缺少验收报告原件", "--on", "2026-11-24")
    assert (returned["status"], returned["progress"], returned["note"], returned["source"]) == (
        "in_progress", None, "缺少验收报告原件", "return")
    assert cli.json("review", "--as-of", "2026-11-24") == []
    shown = cli("show", "T6", "--as-of", "2026-11-25").stdout
    assert "returned: 省农业农村厅: 缺少验收报告原件" in shown
    cli("feedback", "export", "--agency", "省农业农村厅", "--out", tmp_path / "nyt.xlsx", "--as-of", "2026-11-25")
    sheet = load_workbook(tmp_path / "nyt.xlsx")["反馈表"]
    t6 = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "T6")
    assert "【销号申请被退回】缺少验收报告原件" in t6  # the workbook speaks Chinese, whatever the office reads
    cli("agencies", "set-email", "省农业农村厅", "nyt@example.org")
    cli("remind", "--out-dir", tmp_path / "mail", "--agency", "省农业农村厅", "--as-of", "2026-11-25")
    (eml,) = (tmp_path / "mail").glob("*.eml")
    from email import policy
    from email.parser import BytesParser

    body = BytesParser(policy=policy.default).parse(eml.open("rb")).get_body(("plain",)).get_content()
    assert "· T6：缺少验收报告原件" in body  # in the plan's language
    # claimed again, then accepted: closed as of the second claim's date
    (again,) = cli.json("done", *T6, "--note", "已补充验收报告原件", "--evidence", tmp_path / "验收报告.pdf",
                        "--on", "2026-11-26")
    (accepted,) = cli.json("verify", *T6, "--on", "2026-11-27")
    assert (accepted["status"], accepted["reported_on"], accepted["source"]) == ("done", "2026-11-26", "verify")
    part = state("T6", "省农业农村厅", "2026-11-28")
    assert (part.status, part.overdue, part.light, part.returned) == ("done", False, "green", None)
    assert [h["status"] for h in cli.json("history", "T6")] == ["claimed", "in_progress", "claimed", "done"]
    verdicts = query("SELECT claim_id, verdict, reason, reviewed_on FROM review ORDER BY id")
    assert verdicts == [(claim["id"], "returned", "缺少验收报告原件", "2026-11-24"),
                        (again["id"], "accepted", None, "2026-11-27")]
    # the evidence comes back byte for byte; a file named on both claims is stored and written once
    assert query("SELECT count(*) FROM evidence_blob")[0][0] == 4
    assert query("SELECT count(*) FROM evidence")[0][0] == 5
    cli("evidence", "get", *T6, "--out", tmp_path / "back")
    assert {p.name: p.read_bytes() for p in (tmp_path / "back").iterdir()} == files
    assert "already exists" in cli("evidence", "get", *T6, "--out", tmp_path / "back", code=2).stderr
    # a verdict stands: it is not undone; a new report is recorded instead
    assert "cannot be undone" in cli("undo", str(accepted["id"]), code=2).stderr
    assert "no completion claim awaiting review" in cli("verify", *T6, code=2).stderr


def test_the_overdue_clock_stops_at_a_claim_only_once_it_is_accepted(cli):
    # claimed before the due date, accepted after it: never overdue, completed on the claim's date
    cli("done", "O28", "--note", "5G基站累计9.1万个", "--on", "2022-12-20")
    pending = state("O28", "省通信管理局", "2023-01-10")
    assert (pending.status, pending.overdue, pending.days_overdue, pending.light) == ("claimed", True, 10, "pending")
    cli("verify", "O28", "--on", "2026-11-23")
    closed = state("O28", "省通信管理局", "2023-01-10")
    assert (closed.status, closed.overdue, closed.last_report) == ("done", False, date(2022, 12, 20))
    # a returned claim never counted: the days run from the due date as if it had not been made
    cli("done", *T6, "--note", "已完成", "--on", "2022-12-20")
    cli("verify", *T6, "--return", "--reason", "未见成效", "--on", "2023-01-05")
    part = state("T6", "省农业农村厅", "2023-01-10")
    assert (part.status, part.overdue, part.days_overdue, part.light) == ("in_progress", True, 10, "red")
    # due day itself is not overdue, whatever the claim
    assert state("T6", "省农业农村厅", "2022-12-31").overdue is False


def test_a_pending_claim_is_the_offices_move_not_chased_and_counted_apart(cli, tmp_path):
    cli("done", *T6, "--note", "已完成", "--on", "2026-11-20")
    summary = cli.json("status", "--summary", "--agency", "省农业农村厅", "--as-of", "2026-11-23")["agencies"][0]
    assert (summary["claimed"], summary["done"]) == (1, 0)
    assert "待审" in cli("--lang", "zh", "status", "--summary", "--as-of", "2026-11-23").stdout
    cli("agencies", "set-email", "省农业农村厅", "nyt@example.org")
    sent = cli.json("remind", "--out-dir", tmp_path / "mail", "--agency", "省农业农村厅", "--as-of", "2026-11-23")
    assert "T6" not in sent["messages"][0]["items"] and sent["messages"][0]["items"]  # T5 and O16 still chased
    weekly = cli.json("weekly", "--as-of", "2026-11-23")
    assert [(c["item"], c["age_days"]) for c in weekly["pending_claims"]] == [("T6", 3)]
    assert weekly["overall"]["by_status"]["claimed"] == 1
    assert "Completion claims awaiting review (1)" in cli("weekly", "--format", "md", "--as-of", "2026-11-23").stdout


def test_the_offices_own_report_verified_as_made_is_one_update_and_may_be_undone(cli):
    (row,) = cli.json("done", "--verified", *T6, "--on", "2026-11-20")  # no note needed: the office saw it done
    assert row["status"] == "done"
    assert query("SELECT claim_id, update_id, verdict FROM review") == [(row["id"], row["id"], "accepted")]
    (undone,) = cli.json("undo", str(row["id"]))
    assert undone["status"] == "not_started"


@pytest.mark.parametrize("make, message", [
    (lambda p: [write(p / "a.txt", b"x")], "a.txt is not of a kind accepted"),
    (lambda p: [write(p / "fake.pdf", png())], "fake.pdf is not a .pdf file inside"),
    (lambda p: [write(p / "e.png", b"")], "evidence e.png is empty"),
    (lambda p: [p / "missing.pdf"], "does not exist or is not a file"),
    (lambda p: [write(p / "big.pdf", b"%PDF-" + b"0" * evidence.MAX_FILE)],
     "big.pdf is too large (20.0 MiB; at most 20.0 MiB a file)"),
    (lambda p: [write(p / f"{i}.pdf", pdf(str(i))) for i in range(evidence.MAX_FILES + 1)],
     "too many evidence files (11; at most 10 a claim)"),
    (lambda p: [write(p / "x.docx", b"PK\x03\x04 not a zip")], "x.docx is not a .docx file inside"),
])
def test_evidence_refused_with_one_line_and_nothing_recorded(cli, tmp_path, make, message):
    cli("list")  # the database exists: the refusal leaves it as it was
    args = [a for f in make(tmp_path) for a in ("--evidence", f)]
    result = cli("done", *T6, "--note", "已完成", *args, code=2)
    assert result.stderr.splitlines()[0].startswith("error: ") and message in result.stderr.splitlines()[0], result.stderr
    assert query("SELECT count(*) FROM status_update")[0][0] == 0
    assert query("SELECT count(*) FROM evidence_blob")[0][0] == 0


@pytest.mark.parametrize("args, message", [
    (["done", *T6], "needs a note saying what was done"),
    (["update", *T6, "-s", "待审核", "--note", "x"], "cannot be reported as such"),
    (["update", *T6, "-s", "推进中", "--evidence", "report.pdf"], "evidence goes with a completion claim"),
    (["update", *T6, "-s", "推进中", "--verified"], "--verified goes with status done only"),
    (["verify", *T6], "省农业农村厅 has no completion claim awaiting review"),
    (["verify", *T6, "--reason", "x"], "--reason goes with --return"),
])
def test_claim_and_review_refusals(cli, args, message, tmp_path, monkeypatch):
    cli("list")
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "report.pdf", pdf())
    result = cli(*args, code=2)
    assert message in result.stderr.splitlines()[0], result.stderr


def test_return_needs_a_reason_and_a_review_cannot_precede_its_claim(cli):
    cli("done", *T6, "--note", "已完成", "--on", "2026-11-20")
    assert "returned with a reason" in cli("verify", *T6, "--return", code=2).stderr
    assert "is before the claim's date 2026-11-20" in cli("verify", *T6, "--on", "2026-11-19", code=2).stderr
    assert "has not come" in cli("verify", *T6, "--on", "2099-01-01", code=2).stderr
    assert query("SELECT count(*) FROM review")[0][0] == 0


def test_a_group_claim_names_each_member_and_verify_takes_each(cli):
    rows = cli.json("done", "O17", "--agency", "各设区市人民政府", "--note", "九市均已完成", "--on", "2026-11-20")
    assert len(rows) == 9 and {r["status"] for r in rows} == {"claimed"}
    assert "claims awaiting review from 9 agencies" in cli("verify", "O17", code=2).stderr
    cli("verify", "O17", "--agency", "福州市", "--return", "--reason", "福州未见台账")
    accepted = cli.json("verify", "O17", "--agency", "各设区市人民政府")
    assert len(accepted) == 8 and {r["status"] for r in accepted} == {"done"}


def test_a_plan_without_review_closes_on_done(cli, registry_copy):
    tasks = registry_copy / "tasks.yaml"
    text = tasks.read_text(encoding="utf-8")
    tasks.write_text(text.replace("plan:\n", "plan:\n  review: false\n", 1), encoding="utf-8")
    cli("load", registry_copy)
    (row,) = cli.json("done", *T6, "--on", "2026-11-20")  # no note asked, no claim made
    assert row["status"] == "done" and query("SELECT count(*) FROM review")[0][0] == 0
    report = write(registry_copy / "report.pdf", pdf())
    assert "evidence goes with a completion claim" in cli("done", "T5", "--agency", "省农业农村厅", "--evidence",
                                                          report, code=2).stderr


def test_a_workbook_done_is_a_claim_and_needs_its_note(cli, tmp_path):
    path = tmp_path / "nyt.xlsx"
    cli("feedback", "export", "--agency", "省农业农村厅", "--out", path, "--as-of", "2026-11-23")
    book = load_workbook(path)
    book["反馈表"]["H4"] = "已完成"  # T6, no note
    book.save(tmp_path / "bare.xlsx")
    refused = cli("feedback", "import", tmp_path / "bare.xlsx", "--as-of", "2026-11-23", code=2)
    assert "row 4: 进展情况: reporting done claims completion and needs a note" in refused.stderr
    book["反馈表"]["J4"] = "已建成8个智慧园"
    book.save(tmp_path / "noted.xlsx")
    cli("feedback", "import", tmp_path / "noted.xlsx", "--as-of", "2026-11-23")
    assert [c["item"] for c in cli.json("review", "--as-of", "2026-11-23")] == ["T6"]


def test_rules_of_a_claim_without_a_database():
    assert rules.item_status([rules.DONE, rules.CLAIMED]) == rules.CLAIMED
    assert rules.item_status([rules.CLAIMED, rules.NOT_STARTED]) == rules.IN_PROGRESS
    assert rules.item_status([rules.CLAIMED, rules.BLOCKED]) == rules.BLOCKED
    assert rules.light(True, False, True, rules.CLAIMED) == rules.PENDING
    assert not rules.chased(rules.CLAIMED, True) and rules.chased(rules.IN_PROGRESS, True)
    assert not rules.is_due_soon(date(2026, 12, 1), rules.CLAIMED, date(2026, 11, 23))
    assert rules.is_overdue(date(2026, 11, 1), rules.CLAIMED, date(2026, 11, 23))
    assert rules.progress_for(rules.CLAIMED, None, 40) == 100
    assert not evidence.sniff(".pdf", b"%PDX") and evidence.sniff(".jpeg", b"\xff\xd8\xff\xe0")
