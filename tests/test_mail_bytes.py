"""The reminders' own writer of a message's bytes gives ``EmailMessage.as_bytes()`` byte for byte."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from tasklist.mail.reminders import as_bytes


def _message(plain: str, raw: str | None, cte: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = "【督办提醒】省农业农村厅：3项事项已逾期"
    msg["From"] = "督查室 <duban@example.org>"
    msg.set_content(plain)
    msg.add_alternative("<p>" + plain + "</p>", subtype="html", cte=cte)  # the reminders' page: base64
    msg.add_attachment(bytes(range(256)) * 300, maintype="application", subtype="octet-stream", filename="反馈表.xlsx")
    if raw is not None:  # a body set as it is, line breaks and all
        part = EmailMessage()
        part.set_payload(raw)
        msg.attach(part)
    return msg


@pytest.mark.parametrize("plain", ["ascii only\n", "第一行\n第二行\t逾期\n" * 50, "x" * 200 + "\n", ""])
@pytest.mark.parametrize("raw", [None, "a\r\nb\rc\n", "no break", "ends\n\n", "\r"])
@pytest.mark.parametrize("cte", [None, "base64"])
def test_as_bytes_is_the_standard_generators_output(plain, raw, cte):
    msg = _message(plain, raw, cte)
    assert as_bytes(msg) == msg.as_bytes()


def test_a_boundary_found_in_the_text_is_never_used(monkeypatch):
    import email
    from email import policy
    from email.generator import Generator

    tokens = iter([7, 7, 8, 9, 10, 11])  # the first boundary drawn is in the body: another is drawn
    monkeypatch.setattr("random.randrange", lambda _: next(tokens))
    taken = "--" + Generator._make_boundary()
    plain = f"before\n{taken}\nafter\n{taken}--\n"
    msg = EmailMessage()
    msg.set_content(plain, cte="8bit")
    msg.add_attachment(b"x", maintype="application", subtype="octet-stream", filename="a.bin")
    data = as_bytes(msg)
    assert msg.get_boundary() != taken[2:]
    back = email.message_from_bytes(data, policy=policy.default)
    assert [p.get_content() for p in back.iter_parts()] == [plain, b"x"]
