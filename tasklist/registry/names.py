"""The shapes of names and addresses, shared by the registry reader and the command line (no YAML)."""

from __future__ import annotations

import re

from ..text import REFUSED

CODE_RE = re.compile(r"^([A-Z]+)([1-9][0-9]*)$")
EMAIL_RE = re.compile(r"[^@\s<>,;\"()\[\]\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def valid_email(address: str) -> bool:
    """One rule for addresses, in the registry and on the command line (set-email, --from); an address
    holding a character :mod:`tasklist.text` refuses is not one."""
    return EMAIL_RE.fullmatch(address) is not None and REFUSED.search(address) is None


def mailbox(text: str) -> tuple[str, str] | None:
    """(display name, address) from an address as people write it, with or without a name
    ("王科长 <wang@example.org>", "wang@example.org"); None when it is not one address."""
    from email.utils import getaddresses

    pairs = getaddresses([text])
    if len(pairs) != 1 or not valid_email(pairs[0][1]) or REFUSED.search(text) or "\n" in text or "\r" in text:
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


def normalize_code(text: str) -> str:
    """``t1``, ``T01`` -> ``T1``; anything else is returned upper-cased and stripped."""
    raw = text.strip().upper()
    m = re.match(r"^([A-Z]+)0*([0-9]+)$", raw)
    if m and int(m[2]) > 0:
        return f"{m[1]}{int(m[2])}"
    return raw
