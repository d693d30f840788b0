"""Finding things by what users call them: the plan, agencies, items and assignments. Read-only.

Its records are NamedTuples, as are the other read-only records the reports import (errors,
reports.views, the weekly report's targets and evidence): defining a dataclass costs about 0.5 ms at
import, a NamedTuple about 0.07 ms, and these are part of every report's start-up."""

# No `from __future__ import annotations` here: typing.NamedTuple compiles each field's annotation
# given as a string (~0.1 ms a record, on every report's start-up); see tests/test_startup.py.
import difflib
import json
from datetime import date
from typing import Any, NamedTuple

from ..errors import Ambiguous, BadInput, NotFound
from ..messages import join
from ..registry.names import close_codes, item_by_number, normalize_code
from ..text import check
from .connection import Connection


class PlanInfo(NamedTuple):
    id: str
    title: str
    doc_no: str | None
    issued: date | None
    timezone: str
    reporting: dict[str, Any]
    lang: str = "zh-CN"


_PLAN_COLS = "id, title, doc_no, issued, timezone, reporting, lang"


def _plan(row: tuple[Any, ...]) -> PlanInfo:
    return PlanInfo(row[0], row[1], row[2], date.fromisoformat(row[3]) if row[3] else None, row[4], json.loads(row[5]),
                    row[6])


def plans(conn: Connection) -> list[PlanInfo]:
    """Every plan in the database, by id."""
    return [_plan(r) for r in conn.all(f"SELECT {_PLAN_COLS} FROM plan ORDER BY id")]


def current_plan(conn: Connection) -> PlanInfo | None:
    """The plan the commands work on: the one chosen with :func:`use_plan`, else the database's
    only plan (with several and none chosen, the first by id)."""
    chosen = getattr(conn, "plan_scope", None)
    if chosen not in (None, ALL_PLANS):
        row = conn.one(f"SELECT {_PLAN_COLS} FROM plan WHERE id = ?", (chosen,))
    else:
        row = conn.one(f"SELECT {_PLAN_COLS} FROM plan ORDER BY id LIMIT 1")
    return _plan(row) if row else None


#: ``--plan all``: every plan's items, each with its plan
ALL_PLANS = "all"


def use_plan(conn: Connection, wanted: str | None) -> PlanInfo | None:
    """Work on one plan of the database (``--plan``/``TASKLIST_PLAN``): with one plan it is implied;
    with several, one must be chosen, or ``all``. Once chosen, every query of this connection that
    reads ``item`` sees only that plan's items (and through them its assignments and history): a
    temporary view of that name stands in front of the table, so no report, total or lookup can
    mix two plans by forgetting a filter. Returns the plan (None for ``all``)."""
    ids = [r[0] for r in conn.all("SELECT id FROM plan ORDER BY id")]
    if wanted == ALL_PLANS:
        conn.plan_scope = ALL_PLANS  # type: ignore[attr-defined]
        return None
    if wanted is None:
        if len(ids) > 1:
            raise Ambiguous("registry.plan_choose", hint="registry.plan_choose_hint", plans=join(ids))
        return current_plan(conn)
    if wanted not in ids:
        raise NotFound("registry.plan_unknown", hint="registry.plan_choose_hint", plan=wanted, plans=join(ids))
    conn.plan_scope = wanted  # type: ignore[attr-defined]
    if len(ids) > 1:
        table = "main.item" if conn.dialect == "sqlite" else "public.item"
        literal = "'" + wanted.replace("'", "''") + "'"
        with conn.transaction():  # committed: the view outlives the statement (PostgreSQL opens a transaction)
            conn.execute("DROP VIEW IF EXISTS temp.item" if conn.dialect == "sqlite" else "DROP VIEW IF EXISTS pg_temp.item")
            conn.execute(f"CREATE TEMP VIEW item AS SELECT * FROM {table} WHERE plan_id = {literal}")
    return current_plan(conn)


def same_plan(conn: Connection, other: Connection) -> None:
    """``other``, a further connection to ``conn``'s database (one working beside it), made to see the
    plan ``conn`` sees (:func:`use_plan`): where the database holds several plans, a connection of its
    own reads every plan's items until one is chosen on it."""
    scope = getattr(conn, "plan_scope", None)
    if scope is not None:
        use_plan(other, scope)


class AgencyRef(NamedTuple):
    id: int
    name: str
    full_name: str
    kind: str
    #: what the user typed, when it was not a name or alias but taken for this agency (福州 for
    #: 福州市人民政府); the command line says so. None for an exact name.
    taken_from: str | None = None


def agencies_in_order(conn: Connection) -> list[AgencyRef]:
    """Every agency, in registry order."""
    return [AgencyRef(*r) for r in conn.all("SELECT id, name, full_name, kind FROM agency ORDER BY position, id")]


def members(conn: Connection, group: AgencyRef) -> list[AgencyRef]:
    """A group's member agencies, in registry order (empty for an agency that is not a group)."""
    return [AgencyRef(*r) for r in conn.all(
        "SELECT a.id, a.name, a.full_name, a.kind FROM agency_member m JOIN agency a ON a.id = m.member_id "
        "WHERE m.group_id = ? ORDER BY m.position", (group.id,))]


def resolve_agency(conn: Connection, text: str) -> AgencyRef:
    """An agency from its short name, full name or any alias.

    Failing those, part of a name: the one agency a name of which holds it, else the one a name of
    which starts with it (``福州`` is 福州市人民政府, not 人行福州中心支行, which holds it only inside). Such a
    guess is returned with ``taken_from`` set, for the caller to say so. Ambiguous input lists the
    candidates; unknown input suggests the closest names."""
    wanted = check(text, "agency name").strip()
    rows = conn.all(
        "SELECT a.id, a.name, a.full_name, a.kind FROM agency a WHERE a.name = ? OR a.full_name = ? "
        "UNION SELECT a.id, a.name, a.full_name, a.kind FROM agency a JOIN agency_alias x ON x.agency_id = a.id "
        "WHERE x.alias = ?",
        (wanted, wanted, wanted),
    )
    if len(rows) == 1:
        return AgencyRef(*rows[0])
    every = conn.all(
        "SELECT a.id, a.name, a.full_name, a.kind, x.alias FROM agency a LEFT JOIN agency_alias x ON x.agency_id = a.id"
    )
    if not rows and wanted:
        holding: dict[int, tuple[Any, ...]] = {}
        starting: dict[int, tuple[Any, ...]] = {}
        for r in every:
            labels = [s for s in (r[1], r[2], r[4]) if s]
            if any(wanted in s for s in labels):
                holding[r[0]] = r[:4]
            if any(s.startswith(wanted) for s in labels):
                starting[r[0]] = r[:4]
        rows = list((holding if len(holding) == 1 or len(starting) != 1 else starting).values())
        if len(rows) == 1:
            r = rows[0]
            return AgencyRef(r[0], r[1], r[2], r[3], taken_from=wanted)
    if rows:
        raise Ambiguous("registry.agency_ambiguous", hint="registry.hint_agency_as_listed", text=text,
                        names=join(sorted({r[1] for r in rows})))
    # Each agency scored by its closest name; those near the best are suggested (省发该委: 省发改委, not
    # also 省卫健委, which shares only 省 and 委).
    score: dict[str, float] = {}
    matcher = difflib.SequenceMatcher(b=wanted)
    for r in every:
        for label in (r[1], r[2], r[4]):
            if label:
                matcher.set_seq1(label)
                score[r[1]] = max(score.get(r[1], 0.0), matcher.ratio())
    best = max(score.values(), default=0.0)
    guess = sorted((n for n, s in score.items() if s >= max(0.4, best - 0.1)), key=lambda n: -score[n])[:3]
    raise NotFound("registry.agency_unknown", hint="registry.hint_agency_close" if guess else "registry.hint_agencies_command",
                   text=text, names=join(guess))


class ItemRef(NamedTuple):
    id: int
    code: str
    plan_id: str
    title: str
    archived: bool


def resolve_item(conn: Connection, text: str, *, include_archived: bool = True) -> ItemRef:
    """An item by id, case-insensitive, tolerant of zero padding and full-width characters (t1, T01,
    Ｔ１ -> T1), or by the annex's words (任务1 is the task numbered 1, 成果3 the outcome numbered 3).
    An unknown id suggests the closest (Tl: did you mean T1?)."""
    typed = check(text, "item id")
    cols = "SELECT id, code, plan_id, title, archived FROM item"
    plan, sep, code = typed.rpartition(":")
    if sep and plan:  # P:T6, the item T6 of plan P
        scope = getattr(conn, "plan_scope", None)
        if scope not in (None, ALL_PLANS, plan):
            raise BadInput("registry.item_other_plan", text=text, plan=scope)
        typed, cols = code, cols + " WHERE plan_id = ? AND"
        plan_params: tuple[str, ...] = (plan,)
    else:
        cols, plan_params = cols + " WHERE", ()
    by_number = item_by_number(typed)
    # ordered by id (the order the plans were loaded in), on both engines: an error naming several
    # plans, and its hint's first one, must not change with the query plan PostgreSQL picks
    if by_number is not None:
        rows = conn.all(f"{cols} kind = ? AND no = ? ORDER BY id", (*plan_params, *by_number))
    else:
        rows = conn.all(f"{cols} code = ? ORDER BY id", (*plan_params, normalize_code(typed)))
    if not include_archived:
        rows = [r for r in rows if not r[4]]
    if not rows:
        codes = [r[0] for r in conn.all("SELECT code FROM item" + ("" if include_archived else " WHERE archived = 0"))]
        close = close_codes(typed, codes)
        raise NotFound("registry.item_unknown", hint="registry.hint_item_close" if close else "registry.hint_items_command",
                       text=text, codes=join(close))
    if len(rows) > 1:
        raise Ambiguous("registry.item_several_plans", hint="registry.item_several_plans_hint", code=rows[0][1],
                        plans=join(r[2] for r in rows), first=rows[0][2])
    r = rows[0]
    return ItemRef(r[0], r[1], r[2], r[3], bool(r[4]))


class Assigned(NamedTuple):
    """One agency's part of an item."""

    id: int
    agency: str
    role: str


def assignments_of(conn: Connection, item: ItemRef, *, via_group: AgencyRef | None = None) -> list[Assigned]:
    """The live parts of an item in registry order; with ``via_group``, only its members' parts."""
    sql = ("SELECT a.id, g.name, a.role FROM assignment a JOIN agency g ON g.id = a.agency_id "
           "WHERE a.item_id = ? AND a.archived = 0")
    params: list[Any] = [item.id]
    if via_group is not None:
        sql += " AND a.via_group_id = ?"
        params.append(via_group.id)
    return [Assigned(*r) for r in conn.all(sql + " ORDER BY a.position", params)]


def assignment_ids_by_code(conn: Connection, agency: AgencyRef, plan_id: str) -> dict[str, int]:
    """{item code: assignment id} of an agency's own live parts in a plan."""
    return {r[0]: r[1] for r in conn.all(
        "SELECT i.code, a.id FROM assignment a JOIN item i ON i.id = a.item_id "
        "WHERE a.agency_id = ? AND i.plan_id = ? AND a.archived = 0 AND i.archived = 0", (agency.id, plan_id))}


def reminders_sent_by_agency(conn: Connection) -> dict[int, list[tuple[set[str], str, str]]]:
    """{agency id: (item codes, as-of date, sent at) of every reminder the agency was sent, oldest
    first}, every agency at once (one query, not one an agency)."""
    out: dict[int, list[tuple[set[str], str, str]]] = {}
    for agency_id, items, as_of, sent_at in conn.all(
            "SELECT agency_id, items, as_of, sent_at FROM reminder_log ORDER BY id"):
        out.setdefault(agency_id, []).append((set(json.loads(items)), as_of, sent_at))
    return out


def agency_emails(conn: Connection) -> dict[str, tuple[int, str, list[tuple[str, str]]]]:
    """{agency name: (id, full name, [(display name, address), ...])}."""
    from ..registry.names import mailboxes

    return {r[1]: (r[0], r[2], mailboxes(r[3])) for r in conn.all("SELECT id, name, full_name, email FROM agency")}


class Export(NamedTuple):
    """A recorded feedback export (see :func:`tasklist.storage.writes.record_export`)."""

    id: int
    agency: AgencyRef
    plan_id: str
    as_of: str
    exported_at: str
    rows: list[dict[str, Any]]


def feedback_export(conn: Connection, export_id: int) -> Export | None:
    row = conn.one("SELECT e.id, a.id, a.name, a.full_name, a.kind, e.plan_id, e.as_of, e.exported_at, e.rows "
                   "FROM feedback_export e JOIN agency a ON a.id = e.agency_id WHERE e.id = ?", (export_id,))
    if row is None:
        return None
    return Export(row[0], AgencyRef(row[1], row[2], row[3], row[4]), row[5], row[6], row[7], json.loads(row[8]))


def rows_imported(conn: Connection, export_id: int) -> set[str]:
    """Codes of an export's rows imported already."""
    return {r[0] for r in conn.all("SELECT code FROM feedback_row WHERE export_id = ?", (export_id,))}


def latest_updates(conn: Connection, assignment_ids: list[int]) -> dict[int, tuple[int, str]]:
    """{assignment id: (id, recorded_at) of its newest update by recording}."""
    out: dict[int, tuple[int, str]] = {}
    for start in range(0, len(assignment_ids), 500):
        chunk = assignment_ids[start:start + 500]
        for aid, uid, at in conn.all(
            f"SELECT assignment_id, max(id), max(recorded_at) FROM status_update WHERE assignment_id IN "
            f"({','.join('?' * len(chunk))}) GROUP BY assignment_id", chunk):
            out[aid] = (uid, at)
    return out


def latest_update_ids(conn: Connection) -> dict[int, int]:
    """{assignment id: id of its newest update by recording} (as :func:`latest_updates` gives) of
    every assignment, in one query (a scan of the covering index): for callers that need it for
    most assignments, as one workbook per agency does."""
    return dict(conn.all("SELECT assignment_id, max(id) FROM status_update GROUP BY assignment_id"))


def signing_key(conn: Connection) -> bytes:
    """The key that signs feedback workbooks (readable by the office only, on PostgreSQL)."""
    value = conn.value("SELECT value FROM tasklist_secret WHERE name = 'feedback_hmac'")
    if value is None:
        from ..errors import DatabaseError

        raise DatabaseError("error.no_signing_key", hint="error.db_outdated_hint")
    return bytes.fromhex(value)


def update_brief(conn: Connection, update_id: int) -> dict[str, Any]:
    """One update in brief: id, status, reported_on, recorded_at, recorded_by."""
    row = conn.one("SELECT id, status, reported_on, recorded_at, recorded_by FROM status_update WHERE id = ?",
                   (update_id,))
    keys = ("id", "status", "reported_on", "recorded_at", "recorded_by")
    return dict(zip(keys, row, strict=True)) if row else {"id": update_id}


def server_data_directory(conn: Connection) -> str | None:
    """A PostgreSQL server's data directory, when this login may see it (superuser or
    pg_read_all_settings); None otherwise, and for SQLite."""
    from ..errors import TasklistError

    if conn.dialect != "postgresql":
        return None
    try:
        return conn.value("SELECT current_setting('data_directory')")
    except TasklistError:
        return None
    finally:
        conn.end_read()


class TargetRef(NamedTuple):
    """A plan's quantitative target (指标), as the commands name it (Z1)."""

    id: int
    code: str
    plan_id: str
    name: str
    unit: str
    comparator: str
    value: float
    deadline: date
    archived: bool


def resolve_target(conn: Connection, text: str) -> TargetRef:
    """A target of the current plan by id, case-insensitive and tolerant of full-width characters (z1, Ｚ１),
    or of the plan named before it (``fujian-dez-2021:Z1``)."""
    typed = check(text, "target_id")
    named, _, written = typed.rpartition(":")  # P:Z1, the target Z1 of plan P
    plan = current_plan(conn)
    plan_id = named or (plan.id if plan else "")
    code = normalize_code(written)
    row = conn.one("SELECT id, code, plan_id, name, unit, comparator, value, deadline, archived FROM target "
                   "WHERE plan_id = ? AND code = ?", (plan_id, code))
    if row is None:
        codes = [r[0] for r in conn.all("SELECT code FROM target WHERE plan_id = ? AND archived = 0 ORDER BY position",
                                        (plan_id,))]
        raise NotFound("error.target_unknown", hint="error.target_unknown_hint", text=text, codes=join(codes) or "—")
    return TargetRef(row[0], row[1], row[2], row[3], row[4], row[5], float(row[6]), date.fromisoformat(row[7]),
                     bool(row[8]))
