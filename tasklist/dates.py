"""Dates: parsing what users type, reading the annexes' due texts, and "today" in the plan's zone."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache

from .errors import InvalidDate

DEFAULT_TIMEZONE = "Asia/Shanghai"


@cache
def _due_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Due texts as the annexes write them (a year alone means the end of that year): year, month,
    day. Compiled when a registry is read, not by every command that imports this module."""
    return (re.compile(r"^(\d{4})年(?:前|底|底前|内|末)?$"), re.compile(r"^(\d{4})年(\d{1,2})月(?:前|底|末)?$"),
            re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:前)?$"))

ONGOING_TEXTS = ("持续推进", "持續推進", "长期坚持", "持续", "长期", "ongoing")


def month_end(year: int, month: int) -> date:
    """The last day of ``month`` (1-12) of ``year``."""
    import calendar  # here, not at the top: only a monthly deadline, a due text naming a month or a trend needs it

    return date(year, month, calendar.monthrange(year, month)[1])


def today(timezone: str = DEFAULT_TIMEZONE) -> date:
    """The calendar date now in ``timezone`` (the plan's, not the machine's)."""
    from zoneinfo import ZoneInfo  # here, not at the top: a report run with --as-of never needs it

    return datetime.now(ZoneInfo(timezone)).date()


def valid_timezone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _checked(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise InvalidDate("error.date_not_real", hint="error.date_hint", text=text, why=exc) from None


@cache
def _typed_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A date as typed: ISO-like (2026-11-23, 2026/11/3, 2026.11.23) and Chinese (2026年11月23日).
    Compiled when a date is typed otherwise than YYYY-MM-DD (:func:`parse_date`), not on import."""
    return (re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$"),
            re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*$"))


def parse_date(text: str) -> date:
    """Parse a date a user typed: ISO, 2026/11/23, 23 Nov 2026, 2026年11月23日."""
    if isinstance(text, date):
        return text
    raw = str(text)
    if len(raw) == 10 and raw.isascii() and raw[4] == raw[7] == "-" and (raw[:4] + raw[5:7] + raw[8:]).isdigit():
        return _checked(int(raw[:4]), int(raw[5:7]), int(raw[8:]), raw)  # YYYY-MM-DD, as the ISO pattern reads it
    iso, chinese = _typed_patterns()
    if m := (iso.match(raw) or chinese.match(raw)):
        return _checked(int(m[1]), int(m[2]), int(m[3]), raw)
    if not raw.strip() or not re.search(r"[A-Za-z]", raw) or re.search(r"[^\x00-\x7f]", raw):
        raise InvalidDate("error.date_unreadable", hint="error.date_hint", text=raw)
    from dateutil import parser  # only for the rarer English forms (costs ~50 ms to import)

    try:
        # Two different defaults expose parts the text did not give (a month alone is not a date).
        first = parser.parse(raw, default=datetime(2000, 1, 1), dayfirst=False)
        second = parser.parse(raw, default=datetime(2001, 2, 2), dayfirst=False)
    except (ValueError, OverflowError):
        raise InvalidDate("error.date_unreadable", hint="error.date_hint", text=raw) from None
    if first.date() != second.date():
        raise InvalidDate("error.date_partial", hint="error.date_hint", text=raw)
    return first.date()


def due_from_text(due_text: str) -> tuple[bool, date | None]:
    """What a due text such as 2022年前 or 持续推进 says. Returns (understood, due)."""
    text = due_text.strip().replace(" ", "")
    if text in ONGOING_TEXTS:
        return True, None
    due_year, due_month, due_day = _due_patterns()
    if m := due_year.match(text):
        return True, date(int(m[1]), 12, 31)
    if m := due_month.match(text):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            return True, month_end(year, month)
        return False, None
    if m := due_day.match(text):
        try:
            return True, date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return False, None
    return False, None
