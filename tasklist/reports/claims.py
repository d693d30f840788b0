"""Completion claims (申请销号) as the office reviews them: those awaiting a verdict, oldest first,
with their evidence; and the evidence files of a part, read back byte for byte. Read-only."""

# No `from __future__ import annotations` here: typing.NamedTuple compiles each field's annotation
# given as a string (~0.1 ms a record, on every report's start-up); see tests/test_startup.py.
from datetime import date
from typing import Any, NamedTuple

from .. import rules
from ..records import Record
from ..storage.connection import Connection
from ..storage.lookup import AgencyRef, ItemRef


class EvidenceInfo(NamedTuple):
    id: int
    name: str
    media_type: str
    size: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "media_type": self.media_type, "size": self.size,
                "sha256": self.sha256}


class PendingClaim(Record):
    FIELDS = ("claim_id", "item", "title", "agency", "role", "due", "claimed_on", "age_days", "note", "recorded_by",
              "reported_by", "evidence")

    def __init__(self, claim_id: int, item: str, title: str, agency: str, role: str, due: date | None, claimed_on: date,
                 age_days: int, note: str | None, recorded_by: str, reported_by: str | None,
                 evidence: list[EvidenceInfo] | None = None) -> None:
        self.claim_id = claim_id
        self.item = item
        self.title = title
        self.agency = agency
        self.role = role
        self.due = due
        self.claimed_on = claimed_on
        self.age_days = age_days
        self.note = note
        self.recorded_by = recorded_by
        self.reported_by = reported_by
        self.evidence = [] if evidence is None else evidence

    def as_dict(self) -> dict[str, Any]:
        return {"claim": self.claim_id, "item": self.item, "title": self.title, "agency": self.agency,
                "role": self.role, "due": self.due.isoformat() if self.due else None,
                "claimed_on": self.claimed_on.isoformat(), "age_days": self.age_days, "note": self.note,
                "recorded_by": self.recorded_by, "reported_by": self.reported_by,
                "evidence": [e.as_dict() for e in self.evidence]}


def pending_claims(conn: Connection, as_of: date, *, agency: AgencyRef | None = None) -> list[PendingClaim]:
    """Every part whose update in force on ``as_of`` is a completion claim with no verdict yet,
    oldest claim first (the office's queue)."""
    day = as_of.isoformat()
    where = "a.archived = 0 AND i.archived = 0"
    params: list[Any] = [day]
    if agency is not None:
        where += f" AND {rules.SQL_BELONGS_TO}"
        params += [agency.id, agency.id]
    rows = conn.all(
        "SELECT u.id, i.code, i.title, g.name, a.role, i.due, u.reported_on, u.note, u.recorded_by, u.reported_by "
        "FROM assignment a JOIN item i ON i.id = a.item_id JOIN agency g ON g.id = a.agency_id "
        f"{rules.sql_update_in_force_join(conn.dialect)} "
        f"WHERE u.status = '{rules.CLAIMED}' AND {where} "
        "AND NOT EXISTS (SELECT 1 FROM review v WHERE v.claim_id = u.id AND v.reviewed_on <= ?) "
        "ORDER BY u.reported_on, u.id",
        [*params, day],
    )
    claims = [PendingClaim(r[0], r[1], r[2], r[3], r[4], date.fromisoformat(r[5]) if r[5] else None,
                           date.fromisoformat(r[6]), (as_of - date.fromisoformat(r[6])).days, r[7], r[8], r[9])
              for r in rows]
    files = evidence_of(conn, [c.claim_id for c in claims])
    for c in claims:
        c.evidence = files.get(c.claim_id, [])
    return claims


def evidence_of(conn: Connection, claim_ids: list[int]) -> dict[int, list[EvidenceInfo]]:
    """The evidence named on each claim, in the order it was submitted (no content read)."""
    out: dict[int, list[EvidenceInfo]] = {}
    for start in range(0, len(claim_ids), 500):
        chunk = claim_ids[start:start + 500]
        for update_id, *info in conn.all(
            "SELECT e.update_id, e.id, e.file_name, b.media_type, b.size, b.sha256 FROM evidence e "
            f"JOIN evidence_blob b ON b.sha256 = e.sha256 WHERE e.update_id IN ({','.join('?' * len(chunk))}) "
            "ORDER BY e.id", chunk,
        ):
            out.setdefault(update_id, []).append(EvidenceInfo(*info))
    return out


def part_evidence(conn: Connection, item: ItemRef, agency: AgencyRef) -> list[tuple[str, bytes]]:
    """(file name, content) of every evidence file submitted with the claims on ``agency``'s part of
    ``item`` (or its members' parts, for a group named on it), oldest first."""
    rows = conn.all(
        "SELECT e.file_name, b.content FROM evidence e JOIN evidence_blob b ON b.sha256 = e.sha256 "
        "JOIN status_update u ON u.id = e.update_id JOIN assignment a ON a.id = u.assignment_id "
        f"WHERE a.item_id = ? AND {rules.SQL_BELONGS_TO} ORDER BY e.id",
        (item.id, agency.id, agency.id),
    )
    return [(name, bytes(content)) for name, content in rows]
