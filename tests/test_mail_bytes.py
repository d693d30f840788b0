"""The reminders' own writer of a message's bytes gives ``EmailMessage.as_bytes()`` byte for byte."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from tasklist.mail.reminders import as_bytes


def _message(plain: str, raw: str | None) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = "【督办提醒】省农业农村厅：3项事项已逾期"
    msg["From"] = "督查室 <duban@example.org>"
    msg.set_content(plain)
    msg.add_alternative("<p>" + plain + "</p>", subtype="html")
    msg.add_attachment(bytes(range(256)) * 300, maintype="application", subtype="octet-stream", filename="反馈表.xlsx")
    if raw is not None:  # a body set as it is, line breaks and all
        part = EmailMessage()
        part.set_payload(raw)
        msg.attach(part)
    return msg


@pytest.mark.parametrize("plain", ["ascii only\n", "第一行\n第二行\t逾期\n" * 50, "x" * 200 + "\n", ""])
@pytest.mark.parametrize("raw", [None, "a\r\nb\rc\n", "no break", "ends\n\n", "\r"])
def test_as_bytes_is_the_standard_generators_output(plain, raw):
    msg = _message(plain, raw)
    assert as_bytes(msg) == msg.as_bytes()
