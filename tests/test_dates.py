from __future__ import annotations

from datetime import date

import pytest

from tasklist.dates import due_from_text, parse_date
from tasklist.errors import InvalidDate


@pytest.mark.parametrize("text", ["2026-11-23", "2026/11/23", "23 Nov 2026", "2026年11月23日", "Nov 23, 2026", " 2026-11-23 "])
def test_user_dates_in_every_documented_form(text):
    assert parse_date(text) == date(2026, 11, 23)


@pytest.mark.parametrize("text", ["2026-02-30", "2026年2月30日", "tomorrow-ish", "", "Nov 2026", "2026-13-01", "明天"])
def test_bad_dates_are_refused_naming_the_text(text):
    with pytest.raises(InvalidDate) as exc:
        parse_date(text)
    assert repr(text) in exc.value.message


@pytest.mark.parametrize(
    "text, due",
    [("2022年前", date(2022, 12, 31)), ("2022年", date(2022, 12, 31)), ("2020年底", date(2020, 12, 31)),
     ("2023年6月", date(2023, 6, 30)), ("2024年2月底", date(2024, 2, 29)), ("2025年3月15日", date(2025, 3, 15)),
     ("持续推进", None)],
)
def test_due_texts_of_the_annexes(text, due):
    assert due_from_text(text) == (True, due)


def test_unknown_due_text_is_not_guessed():
    assert due_from_text("视情况而定") == (False, None)
