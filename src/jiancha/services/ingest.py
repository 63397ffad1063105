"""Ingesting cases and step events (R-ING-1..5): validated whole, written whole, ledgered.

A batch is either accepted entirely (each event stored once, duplicates answered as such) or
rejected entirely with every problem listed; nothing of a rejected batch is written. When the
call returns, the batch is committed and durable.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.clock.deadlines import CaseState, Deadlines, Limits, StepEvent, apply, deadlines
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.events import MAX_BATCH, CaseIn, EventIn
from jiancha.domain.timeutil import iso_utc, utcnow
from jiancha.domain.validation import problems_from
from jiancha.services import calendar as calendar_service
from jiancha.services import evasion, packs, signals
from jiancha.store import calendar as calendar_store
from jiancha.store import cases as case_store
from jiancha.store import catalogue as catalogue_store
from jiancha.store.bulk import insert_many
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.tables import attachment_refs, events

_event = TypeAdapter(EventIn)
_case = TypeAdapter(CaseIn)
# An event may be stamped a little ahead of our clock by a source whose clock runs fast.
FUTURE_TOLERANCE_SECONDS = 300


@dataclass
class Outcome:
    index: int
    status: str  # accepted | duplicate
    ledger_seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "status": self.status, "ledger_seq": self.ledger_seq}


@dataclass
class BatchResult:
    accepted: int = 0
    duplicates: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    calendar_fallback: tuple[int, ...] = ()
    signals: int = 0  # signals the batch raised


def latest_plausible() -> float:
    """The latest instant (a POSIX timestamp) an event may have happened at: now, give or take a
    departmental server's clock running a little ahead."""
    return utcnow().timestamp() + FUTURE_TOLERANCE_SECONDS


def in_future(field: str, index: int | None) -> Problem:
    return Problem("in_future", field, "发生时间晚于当前时间", f"{field} is in the future", index)


def validate_events(raw: Any) -> list[EventIn]:
    """One event (an object) or a batch (a list of at most 10,000); every problem is collected."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise Rejected("empty_batch", "批次中没有事件", "the batch holds no events")
    if len(items) > MAX_BATCH:
        raise Rejected(
            "batch_too_large",
            f"一批最多 {MAX_BATCH} 个事件，收到 {len(items)} 个",
            f"a batch holds at most {MAX_BATCH} events, got {len(items)}",
            status=413,
        )
    out: list[EventIn] = []
    problems: list[Problem] = []
    latest = latest_plausible()
    for i, item in enumerate(items):
        try:
            ev = _event.validate_python(item)
        except ValidationError as e:
            problems.extend(problems_from(e, i))
            continue
        if ev.occurred_at.timestamp() > latest:
            problems.append(in_future("occurred_at", i))
        out.append(ev)
    if problems:
        raise Rejected(
            "events_rejected",
            "批次中有无效事件，整批未写入",
            "the batch has invalid events; nothing of it was written",
            problems,
        )
    return out


def validate_case(raw: Any) -> CaseIn:
    try:
        return _case.validate_python(raw)
    except ValidationError as e:
        raise Rejected("case_rejected", "办件数据无效", "the case is invalid", problems_from(e)) from e


def ledger_record(ev: EventIn, received_at: str) -> dict[str, Any]:
    """The canonical content of an event, as the ledger keeps it (received_at as iso_utc text)."""
    return {
        "v": 1,
        "source_system": ev.source_system,
        "event_id": ev.event_id,
        "case_no": ev.case_no,
        "item_code": ev.item_code,
        "step": ev.step,
        "action": ev.action.value,
        "actor": ev.actor,
        "post": ev.post,
        "occurred_at": iso_utc(ev.occurred_at),
        "received_at": received_at,
        "attributes": ev.attributes,
    }


def _same_content(ev: EventIn, stored: Any) -> bool:
    """Whether a repeated (source_system, event_id) carries what was stored under it."""
    return (
        ev.case_no,
        ev.item_code,
        ev.step,
        ev.action.value,
        ev.actor,
        ev.post,
        ev.occurred_at,
        ev.attributes,
    ) == (
        stored.case_no,
        stored.item_code,
        stored.step,
        stored.action,
        stored.actor,
        stored.post,
        stored.occurred_at,
        stored.attributes,
    )


@dataclass
class _Plan:
    """What a batch will write, once every check has passed."""

    fresh: list[tuple[int, EventIn]]
    stored: dict[str, Any]
    histories: dict[str, list[Any]]


def _plan(conn: Any, batch: list[EventIn], result: BatchResult, scope: Scope = EVERYTHING) -> _Plan:
    """Sort out duplicates and check everything that needs the database; raise with every problem."""
    problems: list[Problem] = []
    earlier = case_store.stored_events(conn, {(e.source_system, e.event_id) for e in batch})
    first_in_batch: dict[tuple[str, str], EventIn] = {}
    fresh: list[tuple[int, EventIn]] = []
    for i, e in enumerate(batch):
        key = (e.source_system, e.event_id)
        before = earlier.get(key)
        same = first_in_batch.get(key)
        if before is not None or same is not None:
            # An event corrected with approval (R-AUD-2) keeps its id: whatever the source re-sends
            # under it is a duplicate of what was corrected, not a conflict.
            corrected = before is not None and before.correction_seq is not None
            if (before is not None and not corrected and not _same_content(e, before)) or (
                same is not None and same != e
            ):
                problems.append(
                    Problem(
                        "conflict",
                        "event_id",
                        f"事件编号 {e.event_id} 已用于内容不同的另一事件",
                        f"event id {e.event_id} was already used for an event with other content",
                        i,
                    )
                )
            result.outcomes[i].status = "duplicate"
            result.duplicates += 1
        else:
            first_in_batch[key] = e
            fresh.append((i, e))

    stored = case_store.by_case_no(conn, sorted({e.case_no for _, e in fresh}))
    histories = catalogue_store.versions(conn, {e.item_code for _, e in fresh})
    hashes = sorted({a.sha256 for _, e in fresh for a in e.attachment_refs()})
    uploaded = case_store.known_attachments(conn, hashes) if hashes else set()
    case_items = {no: r.item_code for no, r in stored.items()}
    for i, e in fresh:
        if e.item_code not in histories:
            problems.append(
                Problem(
                    "unknown_item",
                    "item_code",
                    f"事项 {e.item_code} 不在权力清单中",
                    f"item {e.item_code} is not in the catalogue",
                    i,
                )
            )
            continue
        owner = (
            stored[e.case_no].department_code
            if e.case_no in stored
            else histories[e.item_code][-1].department_code
        )
        if not scope.has_department(owner):
            # A system pushes its own department's cases only (its token's scope).
            problems.append(
                Problem(
                    "out_of_scope",
                    "item_code",
                    f"办件属于部门 {owner}，不在本系统的范围内",
                    f"the case belongs to department {owner}, outside this system's scope",
                    i,
                )
            )
            continue
        if e.case_no in stored and stored[e.case_no].voided:
            problems.append(
                Problem(
                    "case_voided",
                    "case_no",
                    f"办件 {e.case_no} 已经批准更正作废，不再接收事件",
                    f"case {e.case_no} was voided by an approved correction and takes no more events",
                    i,
                )
            )
            continue
        item = case_items.setdefault(e.case_no, e.item_code)  # a new case takes its first event's item
        if item != e.item_code:
            problems.append(
                Problem(
                    "item_mismatch",
                    "item_code",
                    f"办件 {e.case_no} 属于事项 {item}",
                    f"case {e.case_no} belongs to item {item}",
                    i,
                )
            )
        for k, a in enumerate(e.attachment_refs()):
            if a.sha256 not in uploaded:
                problems.append(
                    Problem(
                        "attachment_missing",
                        f"attributes.attachments[{k}].sha256",
                        "附件尚未上传",
                        "the attachment has not been uploaded",
                        i,
                    )
                )
    if problems:
        only_conflicts = all(p.code == "conflict" for p in problems)
        forbidden = all(p.code == "out_of_scope" for p in problems)
        raise Rejected(
            "events_rejected",
            "批次中有无效事件，整批未写入",
            "the batch has invalid events; nothing of it was written",
            problems,
            status=409 if only_conflicts else 403 if forbidden else 422,
        )
    return _Plan(fresh, stored, histories)


def check_events(db: Database, batch: list[EventIn]) -> None:
    """Every check `ingest_events` makes, writing nothing: for files, checked whole before any batch
    is written. Raises Rejected with every problem, indexed by position in `batch`."""
    with db.read() as conn:
        _plan(conn, batch, BatchResult(outcomes=[Outcome(i, "accepted") for i in range(len(batch))]))


def ingest_events(
    db: Database,
    batch: list[EventIn],
    now: datetime | None = None,
    scope: Scope = EVERYTHING,
    judged_at: datetime | None = None,
) -> BatchResult:
    """`now` is the platform's clock (received_at, and the instant rules judge at); tests and
    replays set it, everything else leaves it to the real clock. `judged_at` (not after `now`)
    judges the rules at another instant: an imported log's own time, so a case whose later events
    come in a later batch is not judged late for want of them; the clock judges what is still open
    at its own time afterwards."""
    result = BatchResult(outcomes=[Outcome(i, "accepted") for i in range(len(batch))])
    with db.write() as conn:
        now = now or utcnow()
        judge = min(judged_at, now) if judged_at is not None else now
        calendar = calendar_store.load(conn)
        lock(conn)  # one ingester at a time decides what is a duplicate and extends the chain
        plan = _plan(conn, batch, result, scope)
        fresh, stored, histories = plan.fresh, plan.stored, plan.histories
        if not fresh:
            return result
        # Each case is judged by its department's pack (R-SIG-7); its warnings and disclosure days
        # are thresholds of its clock.
        judges = packs.for_departments(
            conn,
            {r.department_code for r in stored.values()}
            | {v.department_code for h in histories.values() for v in h},
        )
        thresholds = {p.pack: (p.warnings(), p.disclosure()) for p in judges.values()}

        # -- the ledger first: every accepted event gets its entry and sequence number -----------
        received = iso_utc(now)
        seqs = append(
            conn,
            [
                Entry("event", f"event:{e.source_system}/{e.event_id}", ledger_record(e, received))
                for _, e in fresh
            ],
            now,
        )
        for (i, _), seq in zip(fresh, seqs, strict=True):
            result.outcomes[i].ledger_seq = seq
        result.accepted = len(fresh)

        # -- fold the new events into each case; a new case is judged by the catalogue version in
        #    force when it was received, which is its first event when it was not registered before
        by_case: dict[str, list[EventIn]] = defaultdict(list)
        for _, e in fresh:
            by_case[e.case_no].append(e)
        versions = {v.id: v for h in histories.values() for v in h}
        limits_cache: dict[int, Limits] = {}

        def limits_for(version_id: int) -> Limits:
            if version_id not in limits_cache:
                limits_cache[version_id] = case_store.limits_of(versions[version_id].content)
            return limits_cache[version_id]

        new_rows: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        closed_steps: dict[str, list[tuple[str, datetime]]] = {}
        folded: dict[str, tuple[CaseState, Deadlines]] = {}  # as of now, for the rules
        fallback: set[int] = set()
        for case_no, evs in by_case.items():
            evs.sort(key=lambda e: e.occurred_at)
            steps = [StepEvent(e.step, e.action, e.occurred_at, e.attributes) for e in evs]
            row = stored.get(case_no)
            if row is None:
                version = catalogue_store.in_force(histories[evs[0].item_code], evs[0].occurred_at)
                limits = limits_for(version.id)
                state, closed = _replay(CaseState(received_at=steps[0].occurred_at), steps, limits, calendar)
                due = deadlines(state, limits, calendar, *thresholds[judges[version.department_code].pack])
                new_rows.append(_new_case_row(case_no, evs[0].source_system, version, now, state, due))
            else:
                limits = limits_for(row.item_version_id)
                state, closed = _advance(conn, row, steps, limits, calendar)
                due = deadlines(state, limits, calendar, *thresholds[judges[row.department_code].pack])
                diff = case_store.changed(row, case_store.state_values(state, due))
                if diff:
                    updates.append({"id": row.id, **diff})
            closed_steps[case_no] = closed
            fallback.update(due.fallback_years)
            if state.last_event_at is None or state.last_event_at <= judge:
                folded[case_no] = (state, due)
        new_ids = case_store.insert_cases(conn, new_rows)
        case_ids = {no: (stored[no].id if no in stored else new_ids[no]) for no in by_case}
        closures = [{"c": case_ids[no], "s": s, "at": at} for no, cl in closed_steps.items() for s, at in cl]

        insert_many(
            conn,
            events,
            [
                {
                    "source_system": e.source_system,
                    "event_id": e.event_id,
                    "case_id": case_ids[e.case_no],
                    "case_no": e.case_no,
                    "item_code": e.item_code,
                    "step": e.step,
                    "action": e.action.value,
                    "actor": e.actor,
                    "post": e.post,
                    "occurred_at": e.occurred_at,
                    "received_at": now,
                    "attributes": e.attributes,
                    "ledger_seq": seq,
                }
                for (_, e), seq in zip(fresh, seqs, strict=True)
            ],
        )
        case_store.update_states(conn, updates)
        _attach(conn, fresh, seqs, case_ids, closures)
        departments = {no: r.department_code for no, r in stored.items()}
        departments.update((r["case_no"], r["department_code"]) for r in new_rows)
        evasion.note_feeds(conn, [(e.source_system, departments[e.case_no]) for _, e in fresh], now)
        # -- the rules of each case's pack, on every case the batch touched (R-SIG-3) ------------
        known = {case_ids[no]: f for no, f in folded.items()}
        judged: dict[str, list[int]] = defaultdict(list)
        for no, case_id in case_ids.items():
            judged[judges[departments[no]].pack].append(case_id)
        packs_by_name = {p.pack: p for p in judges.values()}
        result.signals = sum(
            len(
                signals.raise_signals(
                    conn, packs_by_name[name], ids, calendar, now, folded=known, judged_at=judge
                )
            )
            for name, ids in sorted(judged.items())
        )
        result.calendar_fallback = tuple(sorted(fallback))
    calendar_service.warn_fallback(result.calendar_fallback)
    return result


def _advance(
    conn: Any, row: Any, steps: list[StepEvent], limits: Limits, calendar: WorkCalendar
) -> tuple[CaseState, list[tuple[str, datetime]]]:
    """Apply new events to a case; replay all its events when one arrives out of order, so the
    state is what it would have been had they come in order. Also returns the steps that closed
    (their materials lock then, R-ING-5)."""
    if row.last_event_at is not None and steps[0].occurred_at < row.last_event_at:
        every = sorted(case_store.step_events(conn, row.id) + steps, key=lambda s: s.occurred_at)
        return _replay(CaseState(received_at=row.received_at), every, limits, calendar)
    return _replay(case_store.state_of(row), steps, limits, calendar)


def _replay(
    state: CaseState, steps: list[StepEvent], limits: Limits, calendar: WorkCalendar
) -> tuple[CaseState, list[tuple[str, datetime]]]:
    closed: list[tuple[str, datetime]] = []
    for step in steps:
        before, was_done = state.current_step, state.completed_at is not None
        state = apply(state, step, limits, calendar)
        if before is not None and (state.current_step != before or (state.completed_at and not was_done)):
            closed.append((before, step.occurred_at))
    return state, closed


def new_check_code() -> str:
    """The code an applicant gives with the case number to follow the case (R-PUB-3)."""
    return f"{secrets.randbelow(900_000) + 100_000}"


def _new_case_row(
    case_no: str, source: str, version: Any, now: datetime, state: CaseState, due: Deadlines
) -> dict[str, Any]:
    return {
        "case_no": case_no,
        "source_system": source,
        "item_code": version.code,
        "item_version_id": version.id,
        "department_code": version.department_code,
        "title": "",
        "applicant_name": "",
        "applicant_id_number": "",
        "applicant_phone": "",
        "check_code": new_check_code(),
        "registered_at": now,
        "registration_at": None,
        **case_store.state_values(state, due),
    }


def _attach(
    conn: Any,
    fresh: list[tuple[int, EventIn]],
    seqs: list[int],
    case_ids: dict[str, int],
    closures: list[dict[str, Any]],
) -> None:
    """Record materials given with events, and lock those of the steps that closed."""
    refs: list[dict[str, Any]] = []
    for (_, e), seq in zip(fresh, seqs, strict=True):
        for a in e.attachment_refs():
            refs.append(
                {
                    "case_id": case_ids[e.case_no],
                    "step": e.step,
                    "name": a.name,
                    "sha256": a.sha256,
                    "event_ledger_seq": seq,
                    "attached_at": e.occurred_at,
                }
            )
    if refs:
        locked = case_store.locked_refs(conn, sorted({r["case_id"] for r in refs}))
        for r in refs:
            earlier = locked.get((r["case_id"], r["step"], r["name"]))
            r["locked_at"] = None
            r["changed_after_lock"] = earlier is not None and earlier != r["sha256"]
        conn.execute(attachment_refs.insert(), refs)
    if closures:
        open_cases = case_store.cases_with_open_refs(conn, sorted({c["c"] for c in closures}))
        case_store.lock_refs(conn, [c for c in closures if c["c"] in open_cases])


def register_cases(db: Database, batch: list[CaseIn], scope: Scope = EVERYTHING) -> list[tuple[str, str]]:
    """Register cases with their applicants, all or none; per case ("created" | "completed" |
    "duplicate", check code).

    A case first seen through its events may have its registration (applicant, check code) filled
    once; after that, its data is never changed in place (R-ING-4).
    """
    with db.write() as conn:
        now = utcnow()
        calendar = calendar_store.load(conn)
        lock(conn)  # serialised with event ingestion, which may create the same case
        stored = case_store.by_case_no(conn, sorted({c.case_no for c in batch}))
        histories = catalogue_store.versions(conn, {c.item_code for c in batch})
        judges = packs.for_departments(conn, {v.department_code for h in histories.values() for v in h})
        problems = []
        for i, case in enumerate(batch):
            existing = stored.get(case.case_no)
            if case.item_code not in histories:
                problems.append(
                    Problem(
                        "unknown_item",
                        "item_code",
                        f"事项 {case.item_code} 不在权力清单中",
                        f"item {case.item_code} is not in the catalogue",
                        i,
                    )
                )
            elif not scope.has_department(
                existing.department_code
                if existing is not None
                else histories[case.item_code][-1].department_code
            ):
                problems.append(
                    Problem(
                        "out_of_scope",
                        "item_code",
                        "办件不属于本系统的部门",
                        "the case belongs to another department than this system's",
                        i,
                    )
                )
            elif existing is not None and existing.item_code != case.item_code:
                problems.append(
                    Problem(
                        "item_mismatch",
                        "item_code",
                        f"办件 {case.case_no} 属于事项 {existing.item_code}",
                        f"case {case.case_no} belongs to item {existing.item_code}",
                        i,
                    )
                )
        if problems:
            forbidden = all(p.code == "out_of_scope" for p in problems)
            raise Rejected(
                "case_rejected",
                "办件数据无效，整批未写入",
                "invalid cases; nothing was written",
                problems,
                status=403 if forbidden else 422,
            )
        out: list[tuple[str, str]] = []
        entries: list[Entry] = []
        new_rows: list[dict[str, Any]] = []
        completed: list[dict[str, Any]] = []
        seen: dict[str, str] = {}
        for case in batch:
            existing = stored.get(case.case_no)
            if case.case_no in seen or (existing is not None and existing.registration_at is not None):
                out.append(("duplicate", seen.get(case.case_no) or (existing.check_code if existing else "")))
                continue
            registration = {
                "title": case.title,
                "applicant_name": case.applicant.name,
                "applicant_id_number": case.applicant.id_number,
                "applicant_phone": case.applicant.phone,
                "check_code": case.check_code or new_check_code(),
            }
            seen[case.case_no] = registration["check_code"]
            entries.append(
                Entry(
                    "case",
                    f"case:{case.case_no}",
                    {
                        "v": 1,
                        "case_no": case.case_no,
                        "item_code": case.item_code,
                        "source_system": case.source_system,
                        "received_at": iso_utc(case.received_at),
                        **registration,
                    },
                )
            )
            if existing is not None:
                completed.append({"id": existing.id, **registration, "registration_at": now})
                out.append(("completed", registration["check_code"]))
                continue
            version = catalogue_store.in_force(histories[case.item_code], case.received_at)
            state = CaseState(received_at=case.received_at)
            judge = judges[version.department_code]
            limits = case_store.limits_of(version.content)
            due = deadlines(state, limits, calendar, judge.warnings(), judge.disclosure())
            new_rows.append(
                {
                    **_new_case_row(case.case_no, case.source_system, version, now, state, due),
                    **registration,
                    "registration_at": now,
                }
            )
            out.append(("created", registration["check_code"]))
        append(conn, entries, now)
        case_store.update_states(conn, completed)
        case_store.insert_cases(conn, new_rows)
    return out


def register_case(db: Database, case: CaseIn, scope: Scope = EVERYTHING) -> tuple[str, str]:
    return register_cases(db, [case], scope)[0]
