"""Delivering reminders by SMTP: a refused recipient fails its own message only; each delivery is logged."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import date

from ..storage.connection import Connection
from ..storage.lookup import reminders_sent_by_agency
from ..storage.writes import log_reminder
from .reminders import Reminder, already_logged


@dataclass
class SmtpSettings:
    host: str
    port: int
    starttls: bool = False
    use_ssl: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0


def send(conn: Connection, reminders: list[Reminder], settings: SmtpSettings, as_of: date, *, sent_by: str,
         force: bool = False) -> None:
    """Deliver each message; a refused recipient fails that message only. Sent ones are logged."""
    todo = []
    sent = {} if force else reminders_sent_by_agency(conn)  # read once, before any of these is logged
    for r in reminders:
        if not r.recipients:
            continue
        if not force and already_logged(sent, r, as_of):
            r.fail("skipped", "mail.already_sent")
            continue
        todo.append(r)
    if not todo:
        return
    smtp: smtplib.SMTP  # SMTP_SSL is a subclass
    try:
        if settings.use_ssl:
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        for r in todo:
            r.fail("failed", "mail.cannot_connect", host=settings.host, port=settings.port, error=str(exc))
        return
    with smtp:
        try:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
        except smtplib.SMTPException as exc:
            for r in todo:
                r.fail("failed", "mail.session_refused", error=str(exc))
            return
        for r in todo:
            try:
                refused = smtp.send_message(r.message)
            except smtplib.SMTPRecipientsRefused as exc:
                r.fail("failed", "mail.refused", who=", ".join(f"{k} ({v[0]})" for k, v in exc.recipients.items()))
                continue
            except (smtplib.SMTPException, OSError) as exc:
                r.fail("failed", "mail.send_failed", error=str(exc))
                continue
            if refused:
                r.fail("sent", "mail.partly_refused", who=", ".join(refused))
            else:
                r.status = "sent"
            accepted = [x for x in r.recipients if x not in refused]
            log_reminder(conn, agency_id=r.agency_id, items=r.items, level=r.level, as_of=as_of,
                         message_id=str(r.message["Message-ID"]), recipients=accepted, sent_by=sent_by)
