"""The message catalogue: every error names a key it holds, and every entry has both languages, with
Chinese punctuation in the Chinese and the same fields in both."""

from __future__ import annotations

import ast
import pkgutil
import re
import string
from pathlib import Path

import pytest

import tasklist.messages as messages
from tasklist.errors import BadInput

ROOT = Path(__file__).resolve().parent.parent
ERRORS = {"BadInput", "Conflict", "Forbidden", "NotFound", "DatabaseError", "Ambiguous", "InvalidDate", "TasklistError"}
AREAS = [m.name for m in pkgutil.iter_modules(messages.__path__)]


def _raised() -> list[tuple[str, ast.Call]]:
    found = []
    for path in (ROOT / "tasklist").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in ERRORS:
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return found


def test_every_error_raised_names_a_catalogue_key():
    problems = []
    for where, call in _raised():
        if where.startswith("tasklist/feedback/importer.py") and len(call.args) == 4:
            continue  # importer.Conflict, a record of a row held back, not an error
        texts = [a for a in call.args[:1]] + [k.value for k in call.keywords if k.arg == "hint"]
        texts = [branch for node in texts for branch in ((node.body, node.orelse) if isinstance(node, ast.IfExp) else (node,))]
        for node in texts:
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                problems.append(f"{where}: not a key: {ast.unparse(node)}")
                continue
            try:
                messages.entry(node.value)
            except KeyError:
                problems.append(f"{where}: {node.value!r} is not in the catalogue")
    assert not problems, "\n".join(problems)


def test_a_literal_message_is_refused_where_it_is_raised():
    with pytest.raises(KeyError):
        BadInput("something went wrong")


def _fields(template: str) -> set[str]:
    try:
        return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError:  # a message shown as written (no fields), e.g. one quoting "}"
        return set()


ASCII_PUNCTUATION_IN_CHINESE = re.compile(r"[\u4e00-\u9fff][,;:()!?]|[,;:()!?][\u4e00-\u9fff]")


@pytest.mark.parametrize("name", AREAS)
def test_each_entry_has_both_languages_the_same_fields_and_chinese_punctuation(name):
    problems = []
    for key, pair in messages.area(name).items():
        assert isinstance(pair, tuple) and len(pair) == 2, f"{name}.{key}"
        zh, en = pair
        # a language may leave out a field (the English says less about a date than the Chinese), but
        # neither may name one that the other never gets: callers fill both from the same fields
        if (_fields(zh) | _fields(en)) and not (_fields(zh) & _fields(en)):
            problems.append(f"{name}.{key}: no field in common: {sorted(_fields(zh))} / {sorted(_fields(en))}")
        if en and not zh:
            problems.append(f"{name}.{key}: no Chinese")
        if ASCII_PUNCTUATION_IN_CHINESE.search(zh):
            problems.append(f"{name}.{key}: ASCII punctuation beside Chinese: {zh}")
    assert not problems, "\n".join(problems)
