"""The ``targets:`` lists of a registry: a plan's quantitative targets (指标), read with positions.

Each target names a number to reach (``>=``) or to stay at or under (``<=``) by a deadline, in a
unit, from a sentence of the plan (``source``); a baseline (value and date) where the plan gives one,
and the agencies responsible where the plan names them. See docs/registry.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import Problem
from .names import CODE_RE

COMPARATORS = (">=", "<=")
MAX_VALUE = 1e15  # beyond any quantity a plan states, in any unit


@dataclass
class TargetSpec:
    code: str
    name: str
    unit: str
    comparator: str
    value: float
    deadline: date
    source: str
    position: int
    where: Any
    baseline: float | None = None
    baseline_on: date | None = None
    agencies: list[str] = field(default_factory=list)


def read_targets(nodes: list[tuple[Any, Any]], owner: dict[str, str], problems: list[Problem]) -> list[TargetSpec]:
    """The targets of every ``targets:`` list (``nodes``: (reader, node)); ``owner`` maps each agency
    name and alias to its name."""
    from .reader import _kind, _m, _peek_id, entry_id

    targets: list[TargetSpec] = []
    codes: dict[str, Any] = {}
    for reader, node in nodes:
        if not node.tag.endswith(":seq"):
            reader.add(node, "targets", _m("not_list", kind=_kind(node)))
            continue
        for index, entry in enumerate(node.value):
            label = f"targets[{_peek_id(entry) or index}]"
            fields = reader.mapping(entry, label, {"id", "name", "unit", "comparator", "value", "deadline", "source"},
                                    {"baseline", "agencies"})
            if fields is None:
                continue
            code = entry_id(reader, fields, label, codes)
            if code is not None:
                label = f"targets[{code}]"
            name = reader.text(fields["name"], f"{label}.name", max_len=200) if "name" in fields else None
            unit = reader.text(fields["unit"], f"{label}.unit", max_len=20) if "unit" in fields else None
            source = reader.text(fields["source"], f"{label}.source") if "source" in fields else None
            for key, text in (("name", name), ("source", source)):
                if text is not None:
                    reader.punctuation(fields[key], f"{label}.{key}", text)
            comparator = reader.text(fields["comparator"], f"{label}.comparator") if "comparator" in fields else None
            if comparator is not None and comparator not in COMPARATORS:
                reader.add(fields["comparator"], f"{label}.comparator",
                           _m("one_of", choices=", ".join(COMPARATORS), value=comparator))
                comparator = None
            value = number(reader, fields["value"], f"{label}.value") if "value" in fields else None
            deadline = reader.day(fields["deadline"], f"{label}.deadline", nullable=False)[1] if "deadline" in fields else None
            baseline_ok, baseline, baseline_on = True, None, None
            if "baseline" in fields:
                baseline_ok, baseline, baseline_on = _baseline(reader, fields["baseline"], f"{label}.baseline")
                if baseline_on is not None and deadline is not None and baseline_on >= deadline:
                    reader.add(fields["baseline"], f"{label}.baseline.date",
                               _m("target_baseline_late", date=baseline_on.isoformat(), deadline=deadline.isoformat()))
                    baseline_ok = False
            agencies: list[str] | None = []
            if "agencies" in fields:
                agencies = _agencies(reader, fields["agencies"], f"{label}.agencies", owner)
            if (code is None or name is None or unit is None or comparator is None or value is None or deadline is None
                    or source is None or not baseline_ok or agencies is None):
                continue
            targets.append(TargetSpec(code, name, unit, comparator, value, deadline, source, len(targets),
                                      reader.where(entry), baseline, baseline_on, agencies))
    targets.sort(key=lambda t: int(CODE_RE.match(t.code)[2]) if CODE_RE.match(t.code) else 0)  # type: ignore[index]
    for position, target in enumerate(targets):
        target.position = position
    return targets


def number(reader: Any, node: Any, fieldname: str) -> float | None:
    """A plain finite number (a YAML int or float, never a bool)."""
    from .reader import _construct, _kind, _m

    if not (node.tag.endswith(":int") or node.tag.endswith(":float")):
        reader.add(node, fieldname, _m("not_number", kind=_kind(node), value=node.value))
        return None
    value = _construct(node)
    if isinstance(value, bool) or not math.isfinite(value) or abs(value) > MAX_VALUE:
        reader.add(node, fieldname, _m("target_value_range", value=node.value))
        return None
    return float(value)


def _baseline(reader: Any, node: Any, label: str) -> tuple[bool, float | None, date | None]:
    fields = reader.mapping(node, label, {"value", "date"}, set())
    if fields is None or not {"value", "date"} <= fields.keys():
        return False, None, None
    value = number(reader, fields["value"], f"{label}.value")
    ok, on = reader.day(fields["date"], f"{label}.date", nullable=False)
    return value is not None and ok, value, on


def _agencies(reader: Any, node: Any, label: str, owner: dict[str, str]) -> list[str] | None:
    from .reader import agency_names

    values = reader.text_list(node, label)
    return None if values is None else agency_names(reader, values, label, owner)
