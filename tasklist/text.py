"""What text may hold, checked once where it enters; and stored text made safe to show.

Text enters from the command line (notes, reasons, names), from feedback files and from the registry.
Each of those asks :func:`problem` (or :func:`check`) here, so the rule exists once. Refused:

- C0 and C1 control characters (ESC, BEL, NUL, Word's manual line break U+000B, ...), except
  newline and tab; a carriage return only as part of a CRLF line end;
- bidirectional overrides, embeddings, isolates and marks (U+202A-U+202E, U+2066-U+2069,
  U+200E, U+200F, U+061C), which make text read differently from what it holds;
- zero-width characters (U+200B-U+200D, U+2060, U+FEFF), which make two names look the same;
- the line and paragraph separators U+2028/U+2029, which some readers take for a line break and
  others do not;
- noncharacters (U+FFFE, U+FFFF, ...), which XML (so XLSX) cannot hold;
- lone surrogates: what bytes that are not UTF-8 become in a command-line argument.

Text stored before this rule existed may hold any of these: every output shows it through
:func:`visible` (or :func:`json_safe`), which writes each such character as an escape.

No imports beyond the standard library: the registry reader and the one writer both load this.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17))
_CHARS = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 but tab, LF and CR; DEL; C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional marks, embeddings, overrides, isolates
    "\u200b-\u200d\u2060\ufeff"  # zero-width space, non-joiner, joiner; word joiner; zero-width no-break space
    "\u2028\u2029"  # line and paragraph separators
    + _NONCHARACTERS
    + "\ud800-\udfff"  # lone surrogates (a str holds them only when it was decoded with surrogateescape)
)
#: one refused character (a CR is refused unless a LF follows it): ``REFUSED``, a compiled pattern,
#: compiled on first use (:func:`__getattr__`; ~3M instructions, and a report that shows stored text
#: through :func:`visible` never needs it when the text holds nothing refused)
_REFUSED = f"[{_CHARS}]|\r(?!\n)"
#: the refused characters that can remain in JSON text (json.dumps already escapes every C0 character),
#: but with every character beyond U+FFFF in one range instead of the 32 noncharacters there, which
#: :func:`_json_escape_found` then picks out. The regex engine looks a character of the BMP up in a
#: table, then tries each item beyond it in turn: one range instead of 32 makes a long listing's scan
#: several times faster (35 MB of history --json: 1.8 s -> 0.23 s). Compiled on the first JSON output
#: (:func:`json_safe`), not at import: compiling it costs about 1 ms, and most commands print no JSON
_ONE_RANGE = _CHARS.replace(_NONCHARACTERS, "\ufdd0-\ufdef\ufffe\uffff")  # the refused set, astral ones as one range
_RAW_IN_JSON_OR_ASTRAL = "[" + _ONE_RANGE + "\U00010000-\U0010ffff]"
#: a character :func:`visible` may have to escape (any CR, any character beyond U+FFFF), found with the
#: same one-range trick: most text has none, and this scan of it is five times faster than REFUSED's
#: (overdue --all at 100k shows 360,000 cells). Compiled on first use (:func:`_compiled`: ~4.6M
#: instructions, 1 % of a bundled weekly): :func:`visible` asks ``str.isprintable()`` first, which is
#: False for every character REFUSED finds (each is a control, format, separator, surrogate or
#: unassigned code point; tests/test_hostile_text.py checks all 1,114,112), so one-line text never needs it
_MAYBE_REFUSED = "[" + _ONE_RANGE + "\r\U00010000-\U0010ffff]"


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled, once: the patterns above are compiled when first needed, not at import."""
    return re.compile(pattern)


def _refused() -> re.Pattern[str]:
    """The compiled ``REFUSED``, kept as the module's attribute once asked for (:func:`__getattr__`)."""
    found = globals().get("REFUSED")
    if found is None:
        found = globals()["REFUSED"] = _compiled(_REFUSED)
    return found


def __getattr__(name: str) -> re.Pattern[str]:
    """``REFUSED`` (see :data:`_REFUSED`), compiled when a module first asks for it."""
    if name == "REFUSED":
        return _refused()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_NAMES = {
    "\x00": "NUL", "\x07": "bell", "\x08": "backspace", "\x0b": "vertical tab, Word's manual line break",
    "\x0c": "form feed", "\r": "carriage return", "\x1b": "escape", "\x7f": "delete",
    "\u061c": "Arabic letter mark", "\u200b": "zero-width space", "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner", "\u200e": "left-to-right mark", "\u200f": "right-to-left mark",
    "\u2060": "word joiner", "\ufeff": "zero-width no-break space, the byte order mark",
}


def _code(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def describe(ch: str) -> str:
    """A refused character as a person can read it: ``U+001B (escape)`` / ``U+001B（控制字符）``."""
    from .messages import current_lang, t

    point = ord(ch)
    if 0xDC80 <= point <= 0xDCFF:
        return t("text.byte", byte=f"0x{point - 0xDC00:02x}")
    if 0xD800 <= point <= 0xDFFF:
        return t("text.char", code=_code(ch), name=t("text.surrogate"))
    category = unicodedata.category(ch)
    kind = "text.control" if category == "Cc" else "text.bidi" if unicodedata.bidirectional(ch) in _BIDI else \
        "text.invisible" if category == "Cf" else "text.noncharacter"
    name = _NAMES.get(ch) or unicodedata.name(ch, "").lower() or t(kind, "en")
    return t("text.char", code=_code(ch), name=name if current_lang() == "en" else t(kind))


_BIDI = ("LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI", "AL", "R", "L")


def refusal(ch: str, at: int | None = None) -> str:
    """The reason given for refusing the character ``ch`` (found at 1-based position ``at``)."""
    from .messages import t

    return t("text.refused_at" if at is not None else "text.refused", what=describe(ch), at=at)


def problem(text: str) -> str | None:
    """Why ``text`` may not be stored (its first refused character and where), or None when it may."""
    found = _refused().search(text)
    return None if found is None else refusal(found.group(), found.start() + 1)


def field_label(field: str) -> str:
    """A field named in a message: an option as typed (--by), or a field's name in the reader's language."""
    if field.startswith("-"):
        return field
    from .messages import t

    try:
        return t("field." + field.replace(" ", "_"))
    except KeyError:
        return field


def check(text: str, field: str) -> str:
    """``text`` unchanged, or :class:`~tasklist.errors.BadInput` naming ``field`` and the character."""
    why = problem(text)
    if why is not None:
        from .errors import BadInput

        raise BadInput("text.field_refused", field=field_label(field), why=why)
    return text


def _escape(found: re.Match[str]) -> str:
    point = ord(found.group())
    if point < 0x100:
        return f"\\x{point:02x}"
    return f"\\u{point:04x}" if point < 0x10000 else f"\\U{point:08x}"


def may_refuse(text: str) -> bool:
    """False when ``text`` holds no character :data:`REFUSED` finds (True when it may: the one-range
    scan also stops at any CR and any character beyond U+FFFF). A registry file scanned once so is
    five times faster than REFUSED over each of its values."""
    return not text.isprintable() and _compiled(_MAYBE_REFUSED).search(text) is not None


def visible(text: str) -> str:
    """Stored text safe for any output: each refused character written as an escape (``\\x1b``,
    ``\\u202e``). Text that follows the rule comes back unchanged."""
    if text.isprintable() or _compiled(_MAYBE_REFUSED).search(text) is None:
        return text
    refused = _refused()
    return refused.sub(_escape, text) if refused.search(text) else text


def one_line(text: str) -> str:
    """:func:`visible`, and every run of white space (line breaks too) made one space."""
    return " ".join(visible(str(text)).split())


def _json_escape(found: re.Match[str]) -> str:
    point = ord(found.group())
    if point < 0x10000:
        return f"\\u{point:04x}"
    point -= 0x10000
    return f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}"


def _json_escape_found(found: re.Match[str]) -> str:
    point = ord(found.group())
    if point > 0xFFFF and point & 0xFFFE != 0xFFFE:  # beyond the BMP, only the noncharacters are refused
        return found.group()
    return _json_escape(found)


def json_safe(dumped: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with every refused character still raw in
    it written as a ``\\uXXXX`` escape: the same JSON value, and nothing a terminal would act on."""
    if dumped.isascii() and "\x7f" not in dumped:  # JSON escapes every other ASCII character refused
        return dumped
    # no refused character is printable (tests/test_hostile_text.py checks every code point), and JSON
    # text holds no raw line break but between values: printable once those are left out, it needs no
    # scan (list --json's titles, contents and agencies: ~45 % fewer instructions than the scan's)
    if dumped.replace("\n", "").isprintable():
        return dumped
    return _compiled(_RAW_IN_JSON_OR_ASTRAL).sub(_json_escape_found, dumped)
