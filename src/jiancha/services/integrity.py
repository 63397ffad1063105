"""`jiancha verify`: is the ledger intact, and do the tables still say what the ledger recorded?

1. The chain walk finds an edited, removed or reordered ledger entry.
2. Every event, catalogue version and case registration is compared with the ledger entry written
   when it was accepted; a row without its entry, or an entry without its row, is reported too.
3. Every case's derived state (status, step, due dates) is recomputed from its events and compared.
4. Every signal is compared with its entry, and its state with its recorded moves.
5. Every corrected or voided case and event holds what its approved correction made it, and
   every approved correction is still in force in its row.
6. Every action on a supervision notice or a complaint, every accountability record, every
   published evaluation and its adjustments, and every published list a department sent, is
   compared with its entry; so is every official vehicle, geofence version, and batch of fixes
   (its rows hashed again, R-MON-3).
7. Every attachment is hashed again.
8. Every monthly report kept is hashed again and compared with its entry (R-REP-1).
The first disagreement is reported; tables edited behind the platform's back cannot pass.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, and_, or_, select

from jiancha.domain.canonical import canonical_bytes
from jiancha.domain.catalogue import content_sha256
from jiancha.domain.timeutil import iso_utc
from jiancha.services.refold import cases_with_events, folded
from jiancha.store import calendar as calendar_store
from jiancha.store.database import Database
from jiancha.store.ledger.chain import Verdict, verify
from jiancha.store.tables import (
    accountability,
    attachments,
    cases,
    complaint_actions,
    complaints,
    disclosure_lists,
    evaluation_adjustments,
    evaluations,
    events,
    item_versions,
    ledger,
    notice_actions,
    notices,
    procurement_releases,
    reports,
    signals,
)

REGISTRATION = ("title", "applicant_name", "applicant_id_number", "applicant_phone", "check_code")
# next_check_at is moved on by the clock sweep; everything else is a pure fold of the events.
UNCHECKED_STATE = {"next_check_at"}


@dataclass(frozen=True)
class Report:
    chain: Verdict
    mismatch: str | None = None  # the first table row that differs from the ledger or its events

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.mismatch is None

    def describe(self) -> str:
        if not self.chain.ok:
            return self.chain.describe()
        if self.mismatch:
            return f"BROKEN: {self.mismatch}"
        return self.chain.describe() + "; tables agree with it"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.chain.entries,
            "broken_seq": self.chain.broken_seq,
            "message": self.describe(),
        }


def event_record(row: Any) -> dict[str, Any]:
    return {
        "v": 1,
        "source_system": row.source_system,
        "event_id": row.event_id,
        "case_no": row.case_no,
        "item_code": row.item_code,
        "step": row.step,
        "action": row.action,
        "actor": row.actor,
        "post": row.post,
        "occurred_at": iso_utc(row.occurred_at),
        "received_at": iso_utc(row.received_at),
        "attributes": row.attributes,
    }


def _pages(conn: Connection, query: Any, key: Any, batch: int = 5000) -> Iterator[Any]:
    last = None
    while True:
        q = query if last is None else query.where(key > last)
        rows = conn.execute(q.order_by(key).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1]._mapping[key.name]


def _entry_without_row(conn: Connection, kind: str, table: Any) -> int | None:
    """The first ledger entry of `kind` whose row in `table` is gone."""
    row = conn.execute(
        select(ledger.c.seq)
        .outerjoin(table, table.c.ledger_seq == ledger.c.seq)
        .where(and_(ledger.c.kind == kind, table.c.id.is_(None)))
        .limit(1)
    ).first()
    return int(row.seq) if row else None


def _events(conn: Connection) -> str | None:
    query = (
        select(events, ledger.c.payload, ledger.c.kind, cases.c.case_no.label("case_case_no"))
        .outerjoin(ledger, ledger.c.seq == events.c.ledger_seq)
        .outerjoin(cases, cases.c.id == events.c.case_id)
    )
    for r in _pages(conn, query, events.c.id):
        name = f"event {r.source_system}/{r.event_id}"
        if r.payload is None or r.kind != "event":
            return f"{name} has no ledger entry (it was added behind the ledger's back)"
        if r.correction_seq is None and r.voided:
            return f"{name} is voided without an approved correction"
        # A corrected event is compared with its correction (`_corrections`), not its original.
        if r.correction_seq is None and canonical_bytes(event_record(r)) != bytes(r.payload):
            return f"{name} differs from ledger entry {r.ledger_seq}"
        if r.case_case_no != r.case_no:
            return f"{name} was moved to another case"
    missing = _entry_without_row(conn, "event", events)
    return f"the event of ledger entry {missing} is missing from the events table" if missing else None


def _catalogue(conn: Connection) -> str | None:
    rows = conn.execute(
        select(item_versions, ledger.c.payload).outerjoin(ledger, ledger.c.seq == item_versions.c.ledger_seq)
    ).all()
    for r in rows:
        name = f"catalogue item {r.code} version {r.version}"
        if r.payload is None:
            return f"{name} has no ledger entry"
        rec = orjson.loads(bytes(r.payload))
        item = rec.get("item") or {}
        stored = (
            r.code,
            r.version,
            r.status,
            r.change_kind,
            iso_utc(r.effective_from),
            r.changed_by,
            r.reason,
            r.merged_into,
            r.content,
            r.name,
            r.item_type,
            r.department_code,
            r.public,
            r.content_sha256,
        )
        recorded = (
            rec.get("code"),
            rec.get("version"),
            rec.get("status"),
            rec.get("change"),
            rec.get("effective_from"),
            rec.get("changed_by"),
            rec.get("reason"),
            rec.get("merged_into"),
            item,
            item.get("name"),
            item.get("item_type"),
            item.get("department_code"),
            bool(item.get("public", True)),
            content_sha256(item),
        )
        if stored != recorded:
            return f"{name} differs from ledger entry {r.ledger_seq}"
    seen = {r.ledger_seq for r in rows}
    for seq in conn.execute(select(ledger.c.seq).where(ledger.c.kind == "catalogue")).scalars():
        if seq not in seen:
            return f"the catalogue version of ledger entry {seq} is missing"
    return None


def _registrations(conn: Connection) -> str | None:
    query = select(ledger.c.seq, ledger.c.payload).where(ledger.c.kind == "case")
    for entry in _pages(conn, query, ledger.c.seq):
        rec = orjson.loads(bytes(entry.payload))
        row = conn.execute(select(cases).where(cases.c.case_no == rec.get("case_no"))).first()
        if row is None:
            return f"case {rec.get('case_no')} of ledger entry {entry.seq} is missing"
        if row.correction_seq is None and any(getattr(row, k) != rec.get(k) for k in REGISTRATION):
            return f"case {row.case_no}: its registration differs from ledger entry {entry.seq}"
    return None


def _corrections(conn: Connection) -> str | None:
    """Every approved correction of a case or an event (R-AUD-2) is what its row now holds, and no
    row is marked corrected or voided without one: a correction cannot be undone, nor invented,
    behind the ledger's back."""
    latest: dict[tuple[str, ...], tuple[int, dict[str, Any]]] = {}
    query = select(ledger.c.seq, ledger.c.payload).where(ledger.c.kind == "correction")
    for entry in _pages(conn, query, ledger.c.seq):
        rec = orjson.loads(bytes(entry.payload))
        if rec.get("action") != "approve" or rec.get("target") == "catalogue":
            continue
        key: tuple[str, ...] = (
            ("case", rec["case_no"])
            if rec["target"] == "case"
            else ("event", rec["source_system"], rec["event_id"])
        )
        latest[key] = (int(entry.seq), rec)
    marked = or_(cases.c.voided.is_(True), cases.c.correction_seq.is_not(None))
    for row in conn.execute(select(cases).where(marked)):
        found = latest.pop(("case", row.case_no), None)
        wrong = _case_differs(row, found)
        if wrong:
            return f"case {row.case_no}: {wrong}"
    marked = or_(events.c.voided.is_(True), events.c.correction_seq.is_not(None))
    for r in conn.execute(select(events).where(marked)):
        found = latest.pop(("event", r.source_system, r.event_id), None)
        wrong = _event_differs(r, found)
        if wrong:
            return f"event {r.source_system}/{r.event_id}: {wrong}"
    for (target, *name), (seq, _) in latest.items():
        return f"the {target} {'/'.join(name)} does not hold correction entry {seq}: it was undone"
    return None


def _case_differs(row: Any, found: tuple[int, dict[str, Any]] | None) -> str | None:
    if found is None or found[0] != row.correction_seq:
        return "marked corrected or voided without its approved correction"
    rec = found[1]
    if rec["fix"] == "void":
        return None if row.voided and row.status == "voided" else "its correction voided it, but it is not"
    if row.voided or any(getattr(row, k) != rec["after"].get(k) for k in REGISTRATION):
        return f"its registration differs from correction entry {found[0]}"
    return None


def _event_differs(row: Any, found: tuple[int, dict[str, Any]] | None) -> str | None:
    if found is None or found[0] != row.correction_seq:
        return "marked corrected or voided without its approved correction"
    rec = found[1]
    held = canonical_bytes(event_record(row))
    if rec["fix"] == "void":
        if not row.voided or held != canonical_bytes(rec["before"]):
            return f"it differs from what correction entry {found[0]} voided"
        return None
    if row.voided or held != canonical_bytes(rec["after"]):
        return f"it differs from correction entry {found[0]}"
    return None


def _case_states(conn: Connection) -> str | None:
    calendar = calendar_store.load(conn)
    for row, steps, limits in cases_with_events(conn):
        for column, value in folded(row, steps, limits, calendar).items():
            if column not in UNCHECKED_STATE and getattr(row, column) != value:
                return f"case {row.case_no}: {column} is {getattr(row, column)} but its events give {value}"
    return None


def _signals(conn: Connection) -> str | None:
    """Each signal says what its ledger entry recorded, and stands in the state its last recorded
    move left it in."""
    moves: dict[int, str] = {}
    for entry in _pages(
        conn, select(ledger.c.seq, ledger.c.payload).where(ledger.c.kind == "signal_transition"), ledger.c.seq
    ):
        rec = orjson.loads(bytes(entry.payload))
        moves[int(rec["signal"])] = str(rec["to"])
    query = select(signals, ledger.c.payload).outerjoin(ledger, ledger.c.seq == signals.c.ledger_seq)
    missing = _entry_without_row(conn, "signal", signals)
    if missing:
        return f"the signal of ledger entry {missing} is missing from the signals table"
    for r in _pages(conn, query, signals.c.id):
        name = f"signal {r.id} ({r.case_no or r.subject} {r.rule_id})"
        if r.payload is None:
            return f"{name} has no ledger entry"
        rec = orjson.loads(bytes(r.payload))
        stored = (
            r.case_no,
            r.subject,
            r.rule_id,
            r.colour,
            iso_utc(r.raised_at),
            r.message_zh,
            r.message_en,
            r.explanation,
        )
        recorded = (
            rec.get("case_no"),
            rec.get("subject"),
            rec.get("rule_id"),
            rec.get("colour"),
            rec.get("raised_at"),
            rec.get("message_zh"),
            rec.get("message_en"),
            rec.get("explanation"),
        )
        if stored != recorded:
            return f"{name} differs from ledger entry {r.ledger_seq}"
        if r.state != moves.get(r.id, "open"):
            return f"{name} is {r.state} but its recorded moves leave it {moves.get(r.id, 'open')}"
    return None


def _notices(conn: Connection) -> str | None:
    return _actions(conn, "notice", notice_actions, notices, notices.c.notice_no, notice_actions.c.notice_id)


def _complaints(conn: Connection) -> str | None:
    return _actions(
        conn,
        "complaint",
        complaint_actions,
        complaints,
        complaints.c.complaint_no,
        complaint_actions.c.complaint_id,
    )


def _actions(
    conn: Connection, kind: str, actions: Any, parent: Any, number: Any, parent_id: Any
) -> str | None:
    """Each action on a notice or complaint says who did what as its ledger entry recorded, and no
    entry has lost its action."""
    missing = _entry_without_row(conn, kind, actions)
    if missing:
        return f"the {kind} action of ledger entry {missing} is missing from the {actions.name} table"
    query = (
        select(actions, number.label("number"), ledger.c.payload)
        .join(parent, parent.c.id == parent_id)
        .outerjoin(ledger, ledger.c.seq == actions.c.ledger_seq)
    )
    for r in _pages(conn, query, actions.c.id):
        name = f"{kind} {r.number} action {r.action}"
        if r.payload is None:
            return f"{name} has no ledger entry"
        rec = orjson.loads(bytes(r.payload))
        recorded = (rec.get(number.name), rec.get("action"), rec.get("by", rec.get("issued_by", "public")))
        if recorded != (r.number, r.action, r.by):
            return f"{name} differs from ledger entry {r.ledger_seq}"
    return None


def _accountability(conn: Connection) -> str | None:
    """Each accountability record says what its ledger entry recorded."""
    missing = _entry_without_row(conn, "accountability", accountability)
    if missing:
        return f"the accountability record of ledger entry {missing} is missing"
    query = select(accountability, ledger.c.payload).outerjoin(
        ledger, ledger.c.seq == accountability.c.ledger_seq
    )
    fields = (
        "record_no",
        "department_code",
        "fault",
        "finding",
        "measures",
        "official",
        "self_corrected",
        "mitigation",
        "decided_by",
    )
    for r in _pages(conn, query, accountability.c.id):
        rec = orjson.loads(bytes(r.payload)) if r.payload is not None else {}
        if any(getattr(r, f) != rec.get(f) for f in fields):
            return f"accountability record {r.record_no} differs from ledger entry {r.ledger_seq}"
    return None


def _evaluations(conn: Connection) -> str | None:
    """Each published month's archive, and each adjustment after it, says what its ledger entry
    recorded (R-EVA-2: a published month never changes)."""
    for kind, table in (("publish", evaluations), ("adjust", evaluation_adjustments)):
        query = select(table, ledger.c.payload).outerjoin(ledger, ledger.c.seq == table.c.ledger_seq)
        for r in _pages(conn, query, table.c.id):
            rec = orjson.loads(bytes(r.payload)) if r.payload is not None else {}
            if kind == "publish":
                same = rec.get("results") is not None and canonical_bytes(rec["results"]) == canonical_bytes(
                    r.results
                )
                name = f"the published evaluation of {r.region_code} {r.month:%Y-%m}"
            else:
                held = (r.department_code, r.official, f"{r.points:.2f}", r.reason, r.by)
                same = held == tuple(
                    rec.get(k) for k in ("department_code", "official", "points", "reason", "by")
                )
                name = f"evaluation adjustment {r.id}"
            if rec.get("action") != kind or not same:
                return f"{name} differs from ledger entry {r.ledger_seq}"
    return None


def _disclosures(conn: Connection) -> str | None:
    """Each published list a department sent (R-OPEN-3) says what its ledger entry recorded."""
    missing = _entry_without_row(conn, "disclosure", disclosure_lists)
    if missing:
        return f"the published list of ledger entry {missing} is missing"
    query = select(disclosure_lists, ledger.c.payload).outerjoin(
        ledger, ledger.c.seq == disclosure_lists.c.ledger_seq
    )
    for r in _pages(conn, query, disclosure_lists.c.id, batch=100):
        rec = orjson.loads(bytes(r.payload)) if r.payload is not None else {}
        stored = (r.list_no, r.department_code, r.source, iso_utc(r.captured_at), r.recorded_by, r.entries)
        recorded = tuple(
            rec.get(k)
            for k in ("list_no", "department_code", "source", "captured_at", "recorded_by", "entries")
        )
        if stored != recorded or r.entry_count != len(r.entries):
            return f"published list {r.list_no} differs from ledger entry {r.ledger_seq}"
    return None


def _procurement(conn: Connection) -> str | None:
    """Each OCDS release kept (R-MON-2) says what its ledger entry recorded."""
    missing = _entry_without_row(conn, "procurement", procurement_releases)
    if missing:
        return f"the release of ledger entry {missing} is missing"
    query = select(procurement_releases, ledger.c.payload).outerjoin(
        ledger, ledger.c.seq == procurement_releases.c.ledger_seq
    )
    for r in _pages(conn, query, procurement_releases.c.id, batch=500):
        rec = orjson.loads(bytes(r.payload)) if r.payload is not None else {}
        stored = (r.ocid, r.department_code, r.sha256, r.recorded_by, iso_utc(r.received_at), r.release)
        recorded = tuple(
            rec.get(k) for k in ("ocid", "department_code", "sha256", "recorded_by", "received_at", "release")
        )
        if stored != recorded:
            return f"the release of {r.ocid} kept at ledger entry {r.ledger_seq} differs from it"
    return None


def _vehicles(conn: Connection) -> str | None:
    """Each vehicle, geofence version and batch of fixes (R-MON-3) says what its entry recorded."""
    from jiancha.services.vehicles import integrity_mismatch

    return integrity_mismatch(conn)


def _monitors(conn: Connection) -> str | None:
    """Each monitor record (R-MON-4..10) is its newest ledger version, and says what it recorded."""
    from jiancha.services.monitors import integrity_mismatch

    return integrity_mismatch(conn)


def _attachments(conn: Connection) -> str | None:
    for r in _pages(
        conn, select(attachments.c.sha256, attachments.c.content), attachments.c.sha256, batch=50
    ):
        if hashlib.sha256(bytes(r.content)).hexdigest() != r.sha256:
            return f"attachment {r.sha256} no longer has the content its hash names"
    return None


def _reports(conn: Connection) -> str | None:
    """A report kept is what was handed out: its bytes hash to what its ledger entry recorded."""
    missing = _entry_without_row(conn, "report", reports)
    if missing is not None:
        return f"the report of ledger entry {missing} is missing from the reports table"
    query = select(
        reports.c.id,
        reports.c.agency_region,
        reports.c.month,
        reports.c.format,
        reports.c.sha256,
        reports.c.content,
        ledger.c.payload,
        ledger.c.kind,
    ).outerjoin(ledger, ledger.c.seq == reports.c.ledger_seq)
    for r in _pages(conn, query, reports.c.id, batch=20):
        name = f"report {r.agency_region}/{r.month}/{r.format}"
        if r.payload is None or r.kind != "report":
            return f"{name} has no ledger entry"
        record = orjson.loads(bytes(r.payload))
        recorded = (record["agency_region"], record["month"], record["format"], record["sha256"])
        if recorded != (r.agency_region, r.month, r.format, r.sha256):
            return f"{name} differs from its ledger entry"
        if hashlib.sha256(bytes(r.content)).hexdigest() != r.sha256:
            return f"{name} no longer has the content its ledger entry hashed"
    return None


def check(db: Database) -> Report:
    with db.read() as conn:
        chain = verify(conn)
        if not chain.ok:
            return Report(chain)
        for part in (
            _events,
            _catalogue,
            _registrations,
            _corrections,
            _case_states,
            _signals,
            _notices,
            _accountability,
            _evaluations,
            _disclosures,
            _procurement,
            _vehicles,
            _monitors,
            _attachments,
            _reports,
        ):
            mismatch = part(conn)
            if mismatch:
                return Report(chain, mismatch)
    return Report(chain)
