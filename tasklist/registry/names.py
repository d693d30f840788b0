"""The shapes of names and addresses, shared by the registry reader and the command line (no YAML).

Ids are typed as people type them: ``t1``, ``T01``, full-width ``Ｔ１`` (a Chinese input method),
or by the annex's own words, ``任务1`` / ``成果3`` (the task or outcome with that 序号)."""

from __future__ import annotations

import re
import unicodedata

from .. import text as _text

#: ``CODE_RE`` (an item's or target's code: letters, then a number without leading zeros) and
#: ``EMAIL_RE``, compiled on first use (:func:`__getattr__`, by tasklist.text's one cache of patterns):
#: most commands import this module and never ask (each pattern compiled costs about a million instructions)
_PATTERNS = {"CODE_RE": r"^([A-Z]+)([1-9][0-9]*)$",
             "EMAIL_RE": r"[^@\s<>,;\"()\[\]\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
             "_BY_NUMBER_RE": r"^第?(任务|任務|成果)?第?0*([1-9][0-9]*)项?(任务|任務|成果)?$"}


def _pattern(name: str) -> re.Pattern[str]:
    return _text._compiled(_PATTERNS[name])


def __getattr__(name: str) -> re.Pattern[str]:
    if name in _PATTERNS:
        return _pattern(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def valid_email(address: str) -> bool:
    """One rule for addresses, in the registry and on the command line (set-email, --from); an address
    holding a character :mod:`tasklist.text` refuses is not one."""
    return _pattern("EMAIL_RE").fullmatch(address) is not None and _text.REFUSED.search(address) is None


def mailbox(text: str) -> tuple[str, str] | None:
    """(display name, address) from an address as people write it, with or without a name
    ("王科长 <wang@example.org>", "wang@example.org"); None when it is not one address."""
    from email.utils import getaddresses

    pairs = getaddresses([text])
    if len(pairs) != 1 or not valid_email(pairs[0][1]) or _text.REFUSED.search(text) or "\n" in text or "\r" in text:
        return None
    name, address = pairs[0]
    return " ".join(name.split()), address


def mailboxes(stored: str | None) -> list[tuple[str, str]]:
    """The (display name, address) pairs of a stored address list (comma-separated, names quoted)."""
    from email.utils import getaddresses

    return [(" ".join(n.split()), a) for n, a in getaddresses([stored or ""]) if a]


def format_mailbox(name: str, address: str) -> str:
    from email.utils import formataddr

    return formataddr((name, address)) if name else address


def _typed(text: str) -> str:
    """What was typed, full-width letters and digits made ASCII (NFKC), white space removed."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def normalize_code(text: str) -> str:
    """``t1``, ``T01``, ``Ｔ１`` -> ``T1``; anything else is returned upper-cased, without white space."""
    raw = _typed(text).upper()
    m = re.match(r"^([A-Z]+)0*([0-9]+)$", raw)
    if m and int(m[2]) > 0:
        return f"{m[1]}{int(m[2])}"
    return raw


# The annex's words for its two kinds of item, simplified and traditional, and the English ones.
KIND_WORDS = {"task": "task", "tasks": "task", "任务": "task", "任務": "task",
              "outcome": "outcome", "outcomes": "outcome", "成果": "outcome"}


def parse_kind(text: str) -> str | None:
    """``任务``, ``成果``, ``task``, ``outcomes``, ... -> ``task`` or ``outcome``; None for anything else."""
    return KIND_WORDS.get(_typed(text).lower())


def item_by_number(text: str) -> tuple[str, int] | None:
    """(kind, 序号) of an item named the annex's way: ``任务1``, ``成果 3``, ``第3项成果``; None otherwise."""
    m = _pattern("_BY_NUMBER_RE").match(_typed(text))
    if m is None or bool(m[1]) == bool(m[3]):  # exactly one kind word, before or after the number
        return None
    return KIND_WORDS[m[1] or m[3]], int(m[2])


# Letters typed for digits in an id (Tl, TO3): L, I, O (either case), and the bar.
_LOOKALIKE_DIGITS = str.maketrans({"l": "1", "L": "1", "I": "1", "i": "1", "|": "1", "O": "0", "o": "0"})


def close_codes(text: str, codes: list[str], *, n: int = 3) -> list[str]:
    """The ids closest to a mistyped one: a letter typed for a digit (``Tl`` -> T1) when that gives
    an id, else difflib's close matches, best first."""
    typed = _typed(text)
    if len(typed) > 1:
        fixed = normalize_code(typed[0] + typed[1:].translate(_LOOKALIKE_DIGITS))
        if fixed in codes:
            return [fixed]
    import difflib

    return difflib.get_close_matches(normalize_code(typed), codes, n=n, cutoff=0.6)
