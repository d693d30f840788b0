"""Loading a registry into the database: one transaction, idempotent, nothing deleted.

Items and assignments that left the registry are archived, never deleted, and their history stays.
The exception: a part the office assigned with ``tasklist assign`` (the audit log says so) stays while
its item is in the registry, whatever the registry lists: an item written ``assigned: false`` before it
was assigned (交办) is still so written after, and the database knows better.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..collector import collector_off
from ..errors import BadInput
from ..messages import join
from ..registry import Registry
from .connection import Connection, now_utc
from .writes import assigned_by_office, log_load

LOAD_LOCK = 0x6C6F6164  # "load": a PostgreSQL advisory lock key


@dataclass
class LoadReport:
    """What a load changed (or, for a dry run, would change)."""

    plan: str
    plan_added: bool = False
    plan_changed: list[str] = field(default_factory=list)
    agencies_added: list[str] = field(default_factory=list)
    agencies_changed: dict[str, list[str]] = field(default_factory=dict)
    items_added: list[str] = field(default_factory=list)
    items_changed: dict[str, list[str]] = field(default_factory=dict)
    items_archived: list[str] = field(default_factory=list)
    items_restored: list[str] = field(default_factory=list)
    #: items whose title and content both change under the same id: renumbered, or replaced by another
    #: item (a load applies them only when confirmed, since the id's history would pass to the new text)
    items_replaced: list[str] = field(default_factory=list)
    agencies_renamed: dict[str, str] = field(default_factory=dict)  # new name: the old one (renamed_from)
    assignments_added: list[str] = field(default_factory=list)
    assignments_changed: list[str] = field(default_factory=list)
    assignments_archived: list[str] = field(default_factory=list)
    #: ``ITEM/AGENCY`` parts the registry does not name but the office assigned with ``tasklist assign``:
    #: kept as they are (not a change)
    assignments_kept: list[str] = field(default_factory=list)
    items_total: int = 0
    targets_added: list[str] = field(default_factory=list)
    targets_changed: dict[str, list[str]] = field(default_factory=dict)
    targets_archived: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return any(
            (self.plan_added, self.plan_changed, self.agencies_added, self.agencies_changed, self.agencies_renamed,
             self.items_added,
             self.items_changed, self.items_archived, self.items_restored, self.assignments_added,
             self.assignments_changed, self.assignments_archived, self.targets_added, self.targets_changed,
             self.targets_archived)
        )

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()} | {"changed": self.changed}


class _DryRun(Exception):
    pass


def apply_registry(conn: Connection, registry: Registry, *, dry_run: bool = False, progress: Any = None,
                   confirmed: bool = False) -> LoadReport:
    """Bring the database in line with ``registry`` in one transaction.

    Idempotent: a second load changes nothing. Items that left the registry are archived, never
    deleted, and their updates stay. ``dry_run`` computes the same report and rolls back. Items are
    matched by id: one whose title and content both change is refused unless ``confirmed`` (its
    history would silently pass to what may be another item, as when a list is renumbered).
    """
    report = LoadReport(plan=registry.plan.id, dry_run=dry_run, items_total=len(registry.items))
    try:
        with conn.transaction():
            if conn.dialect == "postgresql":  # loads run one at a time (SQLite's BEGIN IMMEDIATE does this there)
                conn.execute(f"SELECT pg_advisory_xact_lock({LOAD_LOCK})")
            _apply_plan(conn, registry, report)
            agency_ids = _apply_agencies(conn, registry, report)
            # the items' rows, old and new, and their 235k parts at 100k stay alive to the end of the
            # step: the cycle collector, started every few hundred of them, would walk them for nothing
            with collector_off():
                _with_big_cache(conn, lambda: _apply_items(conn, registry, agency_ids, report, progress))
            _apply_targets(conn, registry, agency_ids, report)
            if dry_run:
                raise _DryRun
            if report.items_replaced and not confirmed:
                shown = join(report.items_replaced[:12])
                raise BadInput("registry.load_replaced", hint="registry.load_replaced_hint", n=len(report.items_replaced),
                               items=shown)
            if report.changed:
                _log_load(conn, registry, report)
        if report.changed and conn.dialect == "postgresql":
            _analyze(conn)
    except _DryRun:
        pass
    return report


#: the tables a load writes, whose statistics the planner needs fresh (SQLite plans without them)
_LOADED_TABLES = ("plan", "agency", "agency_alias", "agency_member", "item", "assignment", "target", "target_agency")


def _analyze(conn: Connection) -> None:
    """Fresh planner statistics on PostgreSQL after a load changed the registry tables: without them
    autovacuum's next pass decides when, and until then a new plan of 100k items is planned as if
    its tables were empty (nested loops over what are 235k assignments)."""
    with conn.transaction():
        conn.execute(f"ANALYZE {', '.join(_LOADED_TABLES)}")


def _log_load(conn: Connection, registry: Registry, report: LoadReport) -> None:
    summary = {k: len(v) for k, v in report.as_dict().items() if isinstance(v, (list, dict))}
    log_load(conn, plan_id=registry.plan.id, files=registry.files, digests=registry.digests, summary=summary)


def _apply_plan(conn: Connection, reg: Registry, report: LoadReport) -> None:
    p = reg.plan
    values = {
        "title": p.title, "doc_no": p.doc_no, "issued": p.issued.isoformat() if p.issued else None,
        "issuer": p.issuer, "timezone": p.timezone, "reporting": json.dumps(p.reporting, sort_keys=True),
        "lang": p.lang, "review": int(p.review),
        # only the weights the registry sets; the scorecard fills in the rest from rules.EVALUATION_WEIGHTS
        "evaluation": json.dumps(p.evaluation, sort_keys=True) if p.evaluation else None,
    }
    row = conn.one("SELECT title, doc_no, issued, issuer, timezone, reporting, lang, review, evaluation FROM plan "
                   "WHERE id = ?", (p.id,))
    if row is None:
        report.plan_added = True
        conn.execute(
            "INSERT INTO plan (id, title, doc_no, issued, issuer, timezone, reporting, lang, review, evaluation, "
            "loaded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (p.id, *values.values(), now_utc()),
        )
        return
    report.plan_changed = [k for k, old in zip(values, row) if values[k] != old]
    if report.plan_changed:
        sets = ", ".join(f"{k} = ?" for k in values)
        conn.execute(f"UPDATE plan SET {sets}, loaded_at = ? WHERE id = ?", (*values.values(), now_utc(), p.id))


def _apply_agencies(conn: Connection, reg: Registry, report: LoadReport) -> dict[str, int]:
    existing = {r[0]: r for r in conn.all("SELECT name, id, full_name, kind, name_en, email, position FROM agency")}
    ids: dict[str, int] = {}
    for a in reg.agencies:
        email = ",".join(a.email) or None
        row = existing.get(a.name)
        old_name = next((old for old in a.renamed_from if old in existing), None) if row is None else None
        if old_name is not None:  # renamed in place: the same agency, its parts and history under its new name
            row = existing.pop(old_name)
            conn.execute("UPDATE agency SET name = ? WHERE id = ?", (a.name, row[1]))
            report.agencies_renamed[a.name] = old_name
        if row is None:
            ids[a.name] = conn.insert(
                "INSERT INTO agency (name, full_name, kind, name_en, email, position, archived) VALUES (?,?,?,?,?,?,0)",
                (a.name, a.full_name, a.kind, a.name_en, email, a.position),
            )
            report.agencies_added.append(a.name)
            continue
        ids[a.name] = row[1]
        # An address set with `agencies set-email` is kept when the registry gives none.
        new = {"full_name": a.full_name, "kind": a.kind, "name_en": a.name_en, "email": email or row[5], "position": a.position}
        old = dict(zip(new, row[2:]))
        changed = [k for k in new if new[k] != old[k]]
        if changed:
            conn.execute(
                "UPDATE agency SET full_name=?, kind=?, name_en=?, email=?, position=?, archived=0 WHERE id=?",
                (*new.values(), row[1]),
            )
            report.agencies_changed[a.name] = changed
    # Aliases and group members are derived from the registry and simply replaced.
    wanted_alias = {alias: ids[a.name] for a in reg.agencies for alias in a.aliases}
    have_alias = dict(conn.all("SELECT alias, agency_id FROM agency_alias"))
    ours = set(ids.values())
    stale = [(k,) for k, v in have_alias.items() if wanted_alias.get(k, v if v not in ours else None) != v]
    conn.executemany("DELETE FROM agency_alias WHERE alias = ?", stale)
    conn.executemany(
        "INSERT INTO agency_alias (alias, agency_id) VALUES (?, ?)",
        [(k, v) for k, v in wanted_alias.items() if have_alias.get(k) != v],
    )
    for a in reg.agencies:
        members = [(ids[a.name], ids[m], i) for i, m in enumerate(a.members)]
        have = conn.all("SELECT group_id, member_id, position FROM agency_member WHERE group_id = ? ORDER BY position", (ids[a.name],))
        if [tuple(r) for r in have] != members:
            conn.execute("DELETE FROM agency_member WHERE group_id = ?", (ids[a.name],))
            conn.executemany("INSERT INTO agency_member (group_id, member_id, position) VALUES (?,?,?)", members)
            if have:
                report.agencies_changed.setdefault(a.name, []).append("members")
    return ids


_LOAD_CACHE_KIB = 65536


def _with_big_cache(conn: Connection, apply: Any) -> None:
    """``apply()`` with SQLite's page cache at 64 MiB (2 MiB by default) for the load's writes: the
    item table's index on (plan_id, code) takes ids in an order far from its own, and with the small
    cache 100k new items took 0.97 s to insert, with this one 0.43 s. The connection's size is put back."""
    if conn.dialect != "sqlite":
        apply()
        return
    before = conn.all("PRAGMA cache_size")[0][0]
    conn.execute(f"PRAGMA cache_size = -{_LOAD_CACHE_KIB}")
    try:
        apply()
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")


def _parts_of(reg: Registry, ids: dict[str, int]) -> dict[str, list[tuple[int, int | None]]]:
    """(agency id, via group id) of the parts an agency named on an item stands for, by its name: a
    group with members, one per member; any other agency, its own. Made once per load, not once per item."""
    return {a.name: [(ids[m], ids[a.name]) for m in a.members] if a.members else [(ids[a.name], None)]
            for a in reg.agencies}


def _expand(parts: dict[str, list[tuple[int, int | None]]], names: list[str]) -> list[tuple[int, str, int | None]]:
    """(agency id, role, via group id) per assignment of an item naming ``names`` (``parts``: :func:`_parts_of`).
    The first agency listed leads; when that is a group, each of its members leads its own part."""
    out: list[tuple[int, str, int | None]] = []
    seen: set[int] = set()
    for position, name in enumerate(names):
        role = "lead" if position == 0 else "co"
        for agency_id, via in parts[name]:
            if agency_id not in seen:
                seen.add(agency_id)
                out.append((agency_id, role, via))
    return out


def _apply_items(conn: Connection, reg: Registry, ids: dict[str, int], report: LoadReport, progress: Any) -> None:
    plan_id = reg.plan.id
    names = dict(conn.all("SELECT id, name FROM agency"))
    cols = ("kind", "no", "grp", "title", "content", "due", "due_text", "position")
    existing = {
        r[0]: r for r in conn.all(f"SELECT code, id, archived, {', '.join(cols)} FROM item WHERE plan_id = ?", (plan_id,))
    }
    by_office = assigned_by_office(conn, plan_id)
    assignments: dict[int, dict[int, tuple]] = {}
    for r in conn.all(
        "SELECT a.item_id, a.agency_id, a.id, a.role, a.position, a.via_group_id, a.archived "
        "FROM assignment a JOIN item i ON i.id = a.item_id WHERE i.plan_id = ?",
        (plan_id,),
    ):
        assignments.setdefault(r[0], {})[r[1]] = r
    parts = _parts_of(reg, ids)
    # New items go in with one executemany (a first load is all new items: one INSERT each took
    # longer than the rest of the load), in registry order, so they get the ids they always got.
    added = [(plan_id, spec.code, *_item_values(spec)) for spec in reg.items if spec.code not in existing]
    conn.executemany(
        f"INSERT INTO item (plan_id, code, {', '.join(cols)}, archived) VALUES (?,?,?,?,?,?,?,?,?,?,0)", added)
    new_ids = dict(conn.all("SELECT code, id FROM item WHERE plan_id = ?", (plan_id,))) if added else {}
    new_assignments: list[tuple] = []
    for n, spec in enumerate(reg.items):
        row = existing.pop(spec.code, None)
        if row is None:  # inserted above
            item_id = new_ids[spec.code]
            report.items_added.append(spec.code)
        else:
            values = _item_values(spec)
            item_id = row[1]
            changed = [c for c, new, old in zip(cols, values, row[3:]) if new != old and c != "position"]
            changed = [("section" if spec.kind == "task" else "category") if c == "grp" else c for c in changed]
            if row[2]:
                report.items_restored.append(spec.code)
            if changed:
                report.items_changed[spec.code] = changed
                if "title" in changed and "content" in changed:
                    report.items_replaced.append(spec.code)
            if changed or row[2] or values[-1] != row[-1]:
                conn.execute(
                    f"UPDATE item SET {', '.join(c + ' = ?' for c in cols)}, archived = 0 WHERE id = ?",
                    (*values, item_id),
                )
        have = assignments.get(item_id, {})
        for position, (agency_id, role, via) in enumerate(_expand(parts, spec.agencies)):
            old = have.pop(agency_id, None)
            if old is None:
                new_assignments.append((item_id, agency_id, role, position, via))
                if row is not None:
                    report.assignments_added.append(f"{spec.code}/{names[agency_id]}")
            elif (old[3], old[4], old[5], old[6]) != (role, position, via, 0):
                conn.execute(
                    "UPDATE assignment SET role=?, position=?, via_group_id=?, archived=0 WHERE id=?",
                    (role, position, via, old[2]),
                )
                if (old[3], old[6]) != (role, 0):
                    report.assignments_changed.append(f"{spec.code}/{names[agency_id]}")
        for agency_id, old in have.items():
            if not old[6] and (spec.code, names.get(agency_id)) in by_office:
                report.assignments_kept.append(f"{spec.code}/{names[agency_id]}")
            elif not old[6]:
                conn.execute("UPDATE assignment SET archived = 1 WHERE id = ?", (old[2],))
                report.assignments_archived.append(f"{spec.code}/{names.get(agency_id, agency_id)}")
        if progress is not None and ((n + 1) % 256 == 0 or n + 1 == len(reg.items)):  # a bar's update costs 10 us
            progress(n + 1, len(reg.items))
    conn.executemany(
        "INSERT INTO assignment (item_id, agency_id, role, position, via_group_id, archived) VALUES (?,?,?,?,?,0)",
        new_assignments,
    )
    for code, row in existing.items():  # left the registry: archived, history kept
        if not row[2]:
            conn.execute("UPDATE item SET archived = 1 WHERE id = ?", (row[1],))
            report.items_archived.append(code)


def _item_values(spec: Any) -> tuple[Any, ...]:
    """An item's columns (``_apply_items``' ``cols``) as the registry gives them."""
    return (spec.kind, spec.no, spec.group, spec.title, spec.content,
            spec.due.isoformat() if spec.due else None, spec.due_text, spec.position)


def _apply_targets(conn: Connection, reg: Registry, ids: dict[str, int], report: LoadReport) -> None:
    """The plan's targets (指标), matched by id like items: changed in place, archived when they
    leave the registry (their reports stay), their responsible agencies replaced."""
    plan_id = reg.plan.id
    cols = ("name", "unit", "comparator", "value", "deadline", "baseline", "baseline_on", "source", "position")
    existing = {r[0]: r for r in conn.all(
        f"SELECT code, id, archived, {', '.join(cols)} FROM target WHERE plan_id = ?", (plan_id,))}
    for spec in reg.targets:
        values = (spec.name, spec.unit, spec.comparator, spec.value, spec.deadline.isoformat(), spec.baseline,
                  spec.baseline_on.isoformat() if spec.baseline_on else None, spec.source, spec.position)
        row = existing.pop(spec.code, None)
        if row is None:
            target_id = conn.insert(
                f"INSERT INTO target (plan_id, code, {', '.join(cols)}, archived) VALUES (?,?,?,?,?,?,?,?,?,?,?,0)",
                (plan_id, spec.code, *values))
            report.targets_added.append(spec.code)
        else:
            target_id = row[1]
            changed = [c for c, new, old in zip(cols, values, row[3:]) if new != old and c != "position"]
            if changed or row[2]:
                report.targets_changed[spec.code] = changed or ["archived"]
            if changed or row[2] or values[-1] != row[-1]:
                conn.execute(f"UPDATE target SET {', '.join(c + ' = ?' for c in cols)}, archived = 0 WHERE id = ?",
                             (*values, target_id))
        wanted = [(target_id, ids[name], position) for position, name in enumerate(spec.agencies)]
        have = [tuple(r) for r in conn.all(
            "SELECT target_id, agency_id, position FROM target_agency WHERE target_id = ? ORDER BY position", (target_id,))]
        if have != wanted:
            conn.execute("DELETE FROM target_agency WHERE target_id = ?", (target_id,))
            conn.executemany("INSERT INTO target_agency (target_id, agency_id, position) VALUES (?,?,?)", wanted)
            if row is not None:
                report.targets_changed.setdefault(spec.code, []).append("agencies")
    for code, row in existing.items():  # left the registry: archived, its reports kept
        if not row[2]:
            conn.execute("UPDATE target SET archived = 1 WHERE id = ?", (row[1],))
            report.targets_archived.append(code)
