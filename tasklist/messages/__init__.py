"""The message catalogue: every word a user reads, in Chinese and in English, in one place.

A key is ``area.name``. Each area is a module of this package holding ``MESSAGES = {name: (zh, en)}``,
imported the first time one of its keys is shown, so a command loads only the words it prints.
Chinese is written with Chinese (full-width) punctuation; fields are filled with ``str.format``.
Registry text (titles, agency names, notes) is never translated: it is shown as written.
"""

from __future__ import annotations

import os
from importlib import import_module

LANGS = ("zh", "en")
_AREAS: dict[str, dict[str, tuple[str, str]]] = {}
_lang: str | None = None


def detect_lang(explicit: str | None = None) -> str:
    """--lang, else TASKLIST_LANG, else Chinese, the language of the plans this tool carries and of its
    users (English is asked for, never fallen back to; a machine's locale says nothing about who reads)."""
    value = (explicit or os.environ.get("TASKLIST_LANG") or "zh").lower()
    return "en" if value.startswith("en") else "zh"


def set_lang(lang: str | None) -> None:
    """The language of this process's messages (None: decide again from the environment)."""
    global _lang
    _lang = None if lang is None else detect_lang(lang)


def current_lang() -> str:
    return _lang or detect_lang()


def chosen() -> bool:
    """Whether the reader chose the language (--lang, or TASKLIST_LANG)."""
    return _lang is not None or bool(os.environ.get("TASKLIST_LANG"))


def follow_plan(plan_lang: str | None) -> None:
    """Speak the plan's language (the registry's ``plan.lang``) unless the reader chose one."""
    global _lang
    if plan_lang and not chosen():
        _lang = detect_lang(plan_lang)


def area(name: str) -> dict[str, tuple[str, str]]:
    table = _AREAS.get(name)
    if table is None:
        table = _AREAS[name] = import_module(f"{__name__}.{name}").MESSAGES
    return table


def entry(key: str) -> tuple[str, str]:
    """The (zh, en) pair of ``key``; KeyError names a key the catalogue lacks."""
    where, _, name = key.partition(".")
    try:
        return area(where)[name]
    except (ModuleNotFoundError, KeyError):
        raise KeyError(f"message {key!r} is not in the catalogue") from None


def t(key: str, lang: str | None = None, /, **fields: object) -> str:
    """The message ``key`` in ``lang`` (default: the current language), its fields filled in."""
    zh, en = entry(key)
    template = en if (lang or current_lang()) == "en" else zh
    return template.format(**fields) if fields else template


def join(items: object) -> str:
    """A list as the reader's language writes one: 甲、乙、丙 / a, b, c."""
    return ("、" if current_lang() == "zh" else ", ").join(str(i) for i in items)  # type: ignore[attr-defined]
