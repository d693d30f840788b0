from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasklist import dates
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


_DIGITS = list("0123456789") + ["٣", "１", "²", "৫"]  # ASCII, Arabic-Indic, full-width, superscript, Bengali


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_DIGITS + ["-", "/", ".", " ", "年", "x"]), min_size=8, max_size=12)
       | st.builds(lambda y, m, d, s: f"{y:04d}{s}{m:02d}{s}{d:02d}", st.integers(0, 9999), st.integers(0, 99),
                   st.integers(0, 99), st.sampled_from(["-", "/", "."])))
def test_a_date_typed_as_yyyy_mm_dd_reads_as_the_patterns_read_it(text):
    """parse_date reads YYYY-MM-DD (ASCII digits) without compiling its patterns; every text, that form
    or another, reads as the ISO and Chinese patterns read it (the same date, or the same refusal)."""
    iso, chinese = dates._typed_patterns()
    m = iso.match(text) or chinese.match(text)
    if m is None:
        return
    try:
        expected: object = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        expected = "error.date_not_real"
    try:
        got: object = parse_date(text)
    except InvalidDate as exc:
        got = exc.key
    assert got == expected


def test_importing_the_dates_and_parsing_yyyy_mm_dd_compiles_no_pattern():
    """A report given --as-of 2025-09-15 (as the benchmarks run them) compiles neither pattern (each
    costs about a million instructions of the report's start-up); any other form does."""
    code = ("import tasklist.dates as d, sys; d.parse_date('2025-09-15'); print(d._typed_patterns.cache_info().misses);"
            "d.parse_date('2025/09/15'); print(d._typed_patterns.cache_info().misses)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "1"]
