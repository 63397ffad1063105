"""Raising signals from the rule engine's findings (R-SIG-1, R-SIG-6) and reading them.

A signal is raised once per case and rule, stamped with the instant its condition arose, carries
its explanation (rule, article, values, triggering events, deadline), and is written to the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Connection, Table, func, select, true, tuple_, update

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.catalogue import ItemStatus, PowerItem
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.clock.deadlines import CaseState, Deadlines
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.events import Action, AttachmentRef
from jiancha.domain.rules.engine import evaluate, first_per_rule
from jiancha.domain.rules.families import TIMED
from jiancha.domain.rules.lifecycle import UNRESOLVED, SignalState, check_move
from jiancha.domain.rules.model import CaseFacts, Colour, Context, Finding, RecordedEvent, Rule
from jiancha.domain.rules.pack import Pack, render
from jiancha.domain.timeutil import end_of_local_day, iso_local, iso_utc, local_date, utcnow
from jiancha.services import notifications, packs
from jiancha.store.bulk import insert_many, select_in, update_many
from jiancha.store.cases import chunks, known_attachments
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.tables import cases, events, item_versions, signal_transitions, signals

CASE_COLUMNS = ["id", "case_no", "department_code", "received_at", "item_version_id"]
FACT_COLUMNS = [
    "id",
    "case_id",
    "source_system",
    "event_id",
    "step",
    "action",
    "actor",
    "post",
    "occurred_at",
    "received_at",
    "attributes",
]

ACTIONS = {a.value: a for a in Action}  # Action(value) costs an enum call per event
# A case's events in the order they occurred, the order they were stored breaking ties.
_CASE_THEN_TIME = itemgetter(*(FACT_COLUMNS.index(c) for c in ("case_id", "occurred_at", "id")))


def facts_of(
    conn: Connection, case_ids: Sequence[int], without_events: Collection[int] = ()
) -> dict[int, tuple[Any, CaseFacts]]:
    """Each case's row and the facts its rules look at; the cases `without_events` come without
    their events. A catalogue version is read for every batch but parsed once per process: its
    content never changes."""
    rows = select_in(conn, cases, CASE_COLUMNS, "id", list(case_ids))
    version_ids = sorted({r.item_version_id for r in rows})
    versions = select_in(conn, item_versions, ["id", "content", "status"], "id", version_ids)
    items = {v.id: (_item(v.content), ItemStatus(v.status)) for v in versions}
    evs: dict[int, list[RecordedEvent]] = {r.id: [] for r in rows}
    wanted = [r.id for r in rows if r.id not in without_events]
    # A voided event (R-AUD-2) no longer counts for its case.
    found = select_in(conn, events, FACT_COLUMNS, "case_id", wanted, {"voided": False}) if wanted else []
    found.sort(key=_CASE_THEN_TIME)
    for _, case_id, source, event_id, step, action, actor, post, occurred, received, attributes in found:
        evs[case_id].append(
            RecordedEvent(
                source, event_id, step, ACTIONS[action], actor, post, occurred, received, attributes
            )
        )
    out: dict[int, tuple[Any, CaseFacts]] = {}
    for r in rows:
        item, status = items[r.item_version_id]
        out[r.id] = (r, CaseFacts(r.case_no, item, status, r.received_at, tuple(evs[r.id])))
    return out


# Parsed catalogue versions by their content: the same content is the same item, in whichever
# database (tests and benchmarks open many in one process) and whatever its id there.
_ITEMS: dict[bytes, PowerItem] = {}
ITEM_CACHE_SIZE = 1024


def _item(content: dict[str, Any]) -> PowerItem:
    key = orjson.dumps(content)
    item = _ITEMS.get(key)
    if item is None:
        if len(_ITEMS) >= ITEM_CACHE_SIZE:
            _ITEMS.clear()
        item = _ITEMS[key] = PowerItem.model_validate(content)
    return item


@dataclass(frozen=True)
class Raised:
    case_no: str
    rule_id: str
    colour: str
    raised_at: datetime


def raise_signals(
    conn: Connection,
    pack: Pack,
    case_ids: Sequence[int],
    calendar: WorkCalendar,
    now: datetime,
    *,
    timed_only: bool = False,
    folded: dict[int, tuple[CaseState, Deadlines]] | None = None,
    judged_at: datetime | None = None,
) -> list[Raised]:
    """Evaluate the pack on the given cases and raise what is new, inside the caller's transaction.
    `folded` gives the state and deadlines as of the judging instant of cases the caller has just
    folded. The rules judge at `judged_at` when given (an imported log's own time), else at `now`,
    which is always when the signals are recorded."""
    rules = {r.id: r for r in pack.compiled() if not timed_only or r.family in TIMED}
    if not case_ids or not rules:
        return []
    # Take the chain's lock before looking at what exists: two workers (or a worker and an
    # ingester) then see each other's signals and never raise the same one twice.
    lock(conn)
    # The time families judge from the folded state, its due dates and the item alone: for a case
    # the caller has folded, the clock need not read its events.
    facts = facts_of(conn, case_ids, without_events=set(folded or ()) if timed_only else ())
    # A rule speaks once per case: one that has spoken is not asked again.
    raised: dict[int, set[str]] = {}
    for s in select_in(conn, signals, ["case_id", "rule_id"], "case_id", list(case_ids)):
        raised.setdefault(int(s.case_id), set()).add(str(s.rule_id))
    every = list(rules.values())
    folded = folded or {}
    new: list[tuple[Any, Finding, Rule]] = []
    # In case order: the database returns the rows in any order, and the ledger's must not vary.
    for case_id in sorted(facts):
        row, case_facts = facts[case_id]
        spoken = raised.get(case_id)
        judged = [r for r in every if r.id not in spoken] if spoken else every
        if not judged:
            continue
        ctx = Context(case_facts, calendar, judged_at or now, folded.get(case_id), recorded=now)
        for f in first_per_rule(evaluate(judged, ctx, timed_only=timed_only)):
            new.append((row, f, rules[f.rule_id]))
    if not new:
        return []
    records = [_record(pack, row.case_no, f, rule) for row, f, rule in new]
    after = pack.escalation.after_working_days if pack.escalation else None
    seqs = append(
        conn, [Entry("signal", f"signal:{rec['case_no']}/{rec['rule_id']}", rec) for rec in records], now
    )
    insert_many(
        conn,
        signals,
        [
            {
                "case_id": row.id,
                "case_no": row.case_no,
                "department_code": row.department_code,
                "pack": pack.pack,
                "rule_id": f.rule_id,
                "family": rule.family,
                "colour": f.colour.value,
                "state": "open",
                "raised_at": f.at,
                "recorded_at": now,
                "deadline": f.deadline,
                "article": rule.article,
                "message_zh": rec["message_zh"],
                "message_en": rec["message_en"],
                "explanation": rec["explanation"],
                "ledger_seq": seq,
                "escalated_from": None,
                "escalate_at": escalation_due(f.at, after, calendar)
                if f.colour is Colour.yellow and rule.escalates
                else None,
            }
            for (row, f, rule), rec, seq in zip(new, records, seqs, strict=True)
        ],
    )
    yellow = {row.id: (row, f) for row, f, rule in new if f.colour is Colour.yellow and rule.escalates}
    if pack.escalation is not None and pack.escalation.repeat and yellow:
        _repeat_escalations(conn, pack, list(yellow.values()), now)
    notifications.on_signals(conn, seqs, now)
    return [Raised(row.case_no, f.rule_id, f.colour.value, f.at) for row, f, _ in new]


REPEAT_RULE = "ESC-REPEAT"


def _repeat_escalations(
    conn: Connection, pack: Pack, cases_with_yellow: list[tuple[Any, Finding]], now: datetime
) -> None:
    """R-SIG-2, second half: a category's last N cases in a row all yellow → red on the newest."""
    assert pack.escalation is not None and pack.escalation.repeat
    n = pack.escalation.repeat
    rows = _last_in_category(conn, [row.id for row, _ in cases_with_yellow], n)
    in_rows = sorted({c.id for last in rows.values() for c in last})
    yellows: dict[int, int] = {}
    repeated: set[int] = set()
    for part in chunks(in_rows):
        yellows.update(
            (int(c), int(y))
            for c, y in conn.execute(
                select(signals.c.case_id, func.min(signals.c.id))
                .where(
                    signals.c.case_id.in_(part),
                    signals.c.colour == "yellow",
                    signals.c.rule_id.not_in(pack.warnings_only()),
                )
                .group_by(signals.c.case_id)
            )
        )
    for part in chunks(list(rows)):
        repeated.update(
            conn.execute(
                select(signals.c.case_id).where(signals.c.case_id.in_(part), signals.c.rule_id == REPEAT_RULE)
            ).scalars()
        )
    new: list[tuple[Any, Finding, str, list[Any]]] = []
    for row, f in cases_with_yellow:
        last = rows.get(row.id, [])
        if len(last) < n or any(c.id not in yellows for c in last) or row.id in repeated:
            continue
        new.append((row, f, last[0].item_code, last))
    records = []
    for row, f, item_code, last in new:
        values = {"case_no": row.case_no, "item": item_code, "department": row.department_code, "count": n}
        records.append(
            {
                "v": 1,
                "case_no": row.case_no,
                "pack": pack.pack,
                "rule_id": REPEAT_RULE,
                "family": "escalation",
                "colour": "red",
                "raised_at": iso_utc(f.at),
                "article": pack.escalation.article,
                "message_zh": render(pack.escalation.repeat_message_zh, values),
                "message_en": render(pack.escalation.repeat_message_en, values),
                "explanation": {
                    "rule": REPEAT_RULE,
                    "article": pack.escalation.article,
                    "values": {
                        **values,
                        "cases": [c.case_no for c in reversed(last)],
                        "yellow_signals": [yellows[c.id] for c in reversed(last)],
                    },
                    "events": list(f.events),
                    "deadline": None,
                },
            }
        )
    seqs = append(
        conn,
        [
            Entry("signal", f"signal:{row.case_no}/{REPEAT_RULE}", rec)
            for (row, *_), rec in zip(new, records, strict=True)
        ],
        now,
    )
    insert_many(
        conn,
        signals,
        [
            {
                "case_id": row.id,
                "case_no": row.case_no,
                "department_code": row.department_code,
                "pack": pack.pack,
                "rule_id": REPEAT_RULE,
                "family": "escalation",
                "colour": "red",
                "state": "open",
                "raised_at": f.at,
                "recorded_at": now,
                "deadline": None,
                "article": pack.escalation.article,
                "message_zh": rec["message_zh"],
                "message_en": rec["message_en"],
                "explanation": rec["explanation"],
                "ledger_seq": seq,
                "escalate_at": None,
                "escalated_from": yellows[row.id],
            }
            for (row, f, _, _), rec, seq in zip(new, records, seqs, strict=True)
        ],
    )
    notifications.on_signals(conn, seqs, now)


def _last_in_category(conn: Connection, case_ids: list[int], n: int) -> dict[int, list[Any]]:
    """For each case, the last n cases of its category (one item at one department) received up to
    and including it, newest first: one query a chunk, each case's row an index range scan."""
    newest = cases.alias("newest")
    earlier = cases.alias("earlier")
    in_row = (
        select(earlier.c.id, earlier.c.case_no, earlier.c.item_code, earlier.c.received_at)
        .where(
            earlier.c.department_code == newest.c.department_code,
            earlier.c.item_code == newest.c.item_code,
            tuple_(earlier.c.received_at, earlier.c.id) <= tuple_(newest.c.received_at, newest.c.id),
        )
        .order_by(earlier.c.received_at.desc(), earlier.c.id.desc())
        .limit(n)
    )
    if conn.dialect.name == "postgresql":
        last = in_row.lateral("last")
        query = select(newest.c.id.label("newest"), *last.c).join_from(newest, last, true())
    else:
        # SQLite has no LATERAL; a correlated IN runs the same scan for each case.
        ids = in_row.with_only_columns(earlier.c.id).correlate(newest)
        query = select(
            newest.c.id.label("newest"), cases.c.id, cases.c.case_no, cases.c.item_code, cases.c.received_at
        ).join_from(newest, cases, cases.c.id.in_(ids))
    found: dict[int, list[Any]] = {}
    for part in chunks(case_ids):
        for r in conn.execute(query.where(newest.c.id.in_(part))):
            found.setdefault(int(r.newest), []).append(r)
    for last_n in found.values():
        last_n.sort(key=lambda c: (c.received_at, c.id), reverse=True)
    return found


@dataclass(frozen=True)
class Subject:
    """What a watch (a family beyond one case) found something about, e.g. feed:SYS@2026-11-02T…"""

    name: str
    department_code: str
    finding: Finding
    rule: Rule
    # A watch that judges a case among others (like cases) names it: the signal is the case's too.
    case_id: int | None = None
    case_no: str | None = None


def raise_on_subjects(conn: Connection, pack: Pack, found: Sequence[Subject], now: datetime) -> int:
    """Raise the signals of watches, once per subject and rule, inside the caller's transaction."""
    if not found:
        return 0
    lock(conn)
    existing = {
        (str(n), str(r))
        for part in chunks(sorted({s.name for s in found}))
        for n, r in conn.execute(
            select(signals.c.subject, signals.c.rule_id).where(signals.c.subject.in_(part))
        )
    }
    new = {(s.name, s.rule.id): s for s in found if (s.name, s.rule.id) not in existing}
    if not new:
        return 0
    records = [
        _record(pack, s.case_no, s.finding, s.rule, {"subject": s.name, "department": s.department_code})
        for s in new.values()
    ]
    seqs = append(conn, [Entry("signal", f"signal:{r['subject']}/{r['rule_id']}", r) for r in records], now)
    insert_many(
        conn,
        signals,
        [
            {
                "case_id": s.case_id,
                "case_no": s.case_no,
                "subject": s.name,
                "department_code": s.department_code,
                "pack": pack.pack,
                "rule_id": s.rule.id,
                "family": s.rule.family,
                "colour": s.finding.colour.value,
                "state": "open",
                "raised_at": s.finding.at,
                "recorded_at": now,
                "deadline": s.finding.deadline,
                "article": s.rule.article,
                "message_zh": rec["message_zh"],
                "message_en": rec["message_en"],
                "explanation": rec["explanation"],
                "ledger_seq": seq,
                "escalated_from": None,
                "escalate_at": None,
            }
            for s, rec, seq in zip(new.values(), records, seqs, strict=True)
        ],
    )
    notifications.on_signals(conn, seqs, now)
    return len(new)


def raise_overdue(
    conn: Connection, table: Table, now: datetime, subject_of: Callable[[Any, Pack], Subject]
) -> int:
    """The clock's watch of records with a due day (notices, complaints): each row whose
    `watch_at` has come is judged by its department's pack (`subject_of` says what is late), its
    signal raised once, and the row set aside until a new due day sets `watch_at` again."""
    due = conn.execute(
        select(table).where(table.c.watch_at <= now).order_by(table.c.watch_at, table.c.id)
    ).all()
    if not due:
        return 0
    judges = packs.for_departments(conn, {r.department_code for r in due})
    found: dict[str, list[Subject]] = {}
    for r in due:
        found.setdefault(judges[r.department_code].pack, []).append(subject_of(r, judges[r.department_code]))
    by_name = {p.pack: p for p in judges.values()}
    raised = sum(
        raise_on_subjects(conn, by_name[name], subjects, now) for name, subjects in sorted(found.items())
    )
    conn.execute(update(table).where(table.c.id.in_([r.id for r in due])).values(watch_at=None))
    return raised


def _record(
    pack: Pack, case_no: str | None, f: Finding, rule: Rule, about: dict[str, str] | None = None
) -> dict[str, Any]:
    """The ledger record of a new signal: about a case, or (`about`) a subject wider than one."""
    values = {"case_no": case_no, **(about or {}), **f.values}
    shown = {k: ("、".join(map(str, v)) if isinstance(v, list) else v) for k, v in values.items()}
    return {
        "v": 1,
        "case_no": case_no,
        **({"subject": about["subject"]} if about else {}),
        "pack": pack.pack,
        "rule_id": f.rule_id,
        "family": rule.family,
        "colour": f.colour.value,
        "raised_at": iso_utc(f.at),
        "article": rule.article,
        "message_zh": render(rule.message_zh, shown),
        "message_en": render(rule.message_en, shown),
        "explanation": {
            "rule": f.rule_id,
            "article": rule.article,
            "values": f.values,
            "events": list(f.events),
            "deadline": f.deadline.isoformat() if f.deadline else None,
        },
    }


@dataclass(frozen=True)
class SignalFilter:
    colour: str | None = None
    state: str | None = None
    rule_id: str | None = None
    department_code: str | None = None
    case_no: str | None = None
    # What a watch's signals are about, by the start of their subject: `vehicle:V-1/`, `ocds:`,
    # `three_public:reception/R-1` (a prefix; LIKE's wildcards in it are taken literally).
    subject: str | None = None


def list_signals(
    db: Database, f: SignalFilter, limit: int = 100, offset: int = 0, scope: Scope = EVERYTHING
) -> tuple[int, list[dict[str, Any]]]:
    conditions = [
        c
        for c in (
            scope.restrict(signals.c.department_code),
            signals.c.colour == f.colour if f.colour else None,
            _state(f.state),
            signals.c.rule_id == f.rule_id if f.rule_id else None,
            signals.c.department_code == f.department_code if f.department_code else None,
            signals.c.case_no == f.case_no if f.case_no else None,
            signals.c.subject.startswith(f.subject, autoescape=True) if f.subject else None,
        )
        if c is not None
    ]
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(signals).where(*conditions)).scalar_one()
        rows = conn.execute(
            select(signals)
            .where(*conditions)
            .order_by(signals.c.raised_at.desc(), signals.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return int(total), [signal_view(r) for r in rows]


def signal_view(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "case_no": r.case_no,
        "subject": r.subject,
        "department_code": r.department_code,
        "pack": r.pack,
        "rule_id": r.rule_id,
        "family": r.family,
        "colour": r.colour,
        "state": r.state,
        "raised_at": iso_local(r.raised_at),
        "recorded_at": iso_local(r.recorded_at),
        "deadline": r.deadline.isoformat() if r.deadline else None,
        "article": r.article,
        "message_zh": r.message_zh,
        "message_en": r.message_en,
        "explanation": r.explanation,
        "ledger_seq": r.ledger_seq,
    }


# Not a state of its own: the signals still waiting for the department (open or explained).
UNRESOLVED_FILTER = "unresolved"


def _state(state: str | None) -> Any:
    if not state:
        return None
    if state == UNRESOLVED_FILTER:
        return signals.c.state.in_(sorted(UNRESOLVED))
    return signals.c.state == state


def counts(db: Database, scope: Scope = EVERYTHING, state: str | None = None) -> dict[str, int]:
    """Signals by colour: all of them, or those of a state (or the unresolved)."""
    with db.read() as conn:
        return {
            str(c): int(n)
            for c, n in conn.execute(
                select(signals.c.colour, func.count())
                .where(scope.restrict(signals.c.department_code), _state(state) if state else true())
                .group_by(signals.c.colour)
            )
        }


def case_ids(conn: Connection, case_nos: Iterable[str]) -> list[int]:
    found: list[int] = []
    for part in chunks(sorted(set(case_nos))):
        found.extend(
            int(x) for x in conn.execute(select(cases.c.id).where(cases.c.case_no.in_(part))).scalars()
        )
    return found


def escalation_due(raised_at: datetime, after: int | None, calendar: WorkCalendar) -> datetime | None:
    """The end of the N-th working day after the day a yellow was raised (R-SIG-2)."""
    if after is None:
        return None
    return end_of_local_day(calendar.add_working_days(local_date(raised_at), after))


# What a red needs of the yellow it escalates.
ESCALATION_COLUMNS = [
    "id",
    "case_id",
    "case_no",
    "department_code",
    "rule_id",
    "raised_at",
    "escalate_at",
    "explanation",
]


def packs_with_escalations_due(conn: Connection, now: datetime) -> list[str]:
    """The packs whose yellows are due to escalate by `now`."""
    return list(
        conn.execute(
            select(signals.c.pack)
            .where(signals.c.escalate_at <= now, (signals.c.state + "").in_([s.value for s in UNRESOLVED]))
            .distinct()
        ).scalars()
    )


def escalate_due(conn: Connection, pack: Pack, now: datetime) -> int:
    """Turn every unresolved yellow of the pack whose time to be corrected has passed into a red that
    points at it, stamped when that time passed. Claims the yellows with one conditional UPDATE."""
    if pack.escalation is None:
        return 0
    lock(conn)
    # The partial index on escalate_at finds the few due yellows; SQLite, left to choose, walks
    # every open signal by state instead, so state is compared in a form no index serves.
    unresolved = (signals.c.state + "").in_([s.value for s in UNRESOLVED])
    is_due = (signals.c.escalate_at <= now, unresolved, signals.c.pack == pack.pack)
    due = conn.execute(
        select(*(signals.c[c] for c in ESCALATION_COLUMNS))
        .where(*is_due)
        .order_by(signals.c.escalate_at, signals.c.id)
    ).all()
    # One statement claims them all; under the chain's lock it finds the rows just read.
    claimed = set(
        conn.execute(
            update(signals).where(*is_due).values(escalate_at=None).returning(signals.c.id)
        ).scalars()
    )
    due = [y for y in due if y.id in claimed]
    records = []
    for y in due:
        values = {"case_no": y.case_no, "rule": y.rule_id}
        records.append(
            {
                "v": 1,
                "case_no": y.case_no,
                "pack": pack.pack,
                "rule_id": f"ESC-{y.rule_id}",
                "family": "escalation",
                "colour": Colour.red.value,
                "raised_at": iso_utc(y.escalate_at),
                "article": pack.escalation.article,
                "message_zh": render(pack.escalation.message_zh, values),
                "message_en": render(pack.escalation.message_en, values),
                "explanation": {
                    "rule": f"ESC-{y.rule_id}",
                    "article": pack.escalation.article,
                    "values": {
                        "yellow": y.id,
                        "yellow_rule": y.rule_id,
                        "yellow_raised_at": iso_utc(y.raised_at),
                        "after_working_days": pack.escalation.after_working_days,
                    },
                    "events": y.explanation.get("events", []),
                    "deadline": None,
                },
            }
        )
    seqs = append(
        conn,
        [
            Entry("signal", f"signal:{y.case_no}/{rec['rule_id']}", rec)
            for y, rec in zip(due, records, strict=True)
        ],
        now,
    )
    insert_many(
        conn,
        signals,
        [
            {
                "case_id": y.case_id,
                "case_no": y.case_no,
                "department_code": y.department_code,
                "pack": pack.pack,
                "rule_id": rec["rule_id"],
                "family": "escalation",
                "colour": "red",
                "state": "open",
                "raised_at": y.escalate_at,
                "recorded_at": now,
                "deadline": None,
                "article": pack.escalation.article,
                "message_zh": rec["message_zh"],
                "message_en": rec["message_en"],
                "explanation": rec["explanation"],
                "ledger_seq": seq,
                "escalate_at": None,
                "escalated_from": y.id,
            }
            for y, rec, seq in zip(due, records, seqs, strict=True)
        ],
    )
    notifications.on_signals(conn, seqs, now)
    return len(due)


@dataclass(frozen=True)
class Move:
    """One move of a signal through its life: who, why, and when it was decided."""

    signal_id: int
    to: SignalState
    by: str
    reason: str = ""
    at: datetime | None = None  # when the move was made, if not now (a department's answer)
    materials: tuple[AttachmentRef, ...] = ()  # evidence given with it, stored beforehand by hash


def move(
    db: Database,
    signal_id: int,
    to: SignalState,
    by: str,
    reason: str = "",
    now: datetime | None = None,
    materials: Sequence[AttachmentRef] = (),
) -> dict[str, Any]:
    """Move a signal through its life (R-SIG-1, R-SUP-1): attributed, ledgered, with the materials
    given, and refused with a clear reason when the move is not allowed."""
    move_many(db, [Move(signal_id, to, by, reason, materials=tuple(materials))], now)
    return signal_detail(db, signal_id) or {}


def move_many(db: Database, moves: Sequence[Move], now: datetime | None = None) -> None:
    """Several moves in one transaction and one ledger append: all are made, or none."""
    now = now or utcnow()
    if not moves:
        return
    with db.write() as conn:
        lock(conn)
        apply_moves(conn, moves, now)


def check_materials(conn: Connection, materials: Sequence[AttachmentRef]) -> None:
    """Refuse, naming each, materials that were not uploaded first."""
    given = sorted({a.sha256 for a in materials})
    unknown = set(given) - known_attachments(conn, given)
    if unknown:
        problems = [
            Problem(
                "unknown_attachment",
                f"materials[{k}].sha256",
                f"材料 {a.name} 尚未上传",
                f"material {a.name} ({a.sha256}) has not been uploaded",
            )
            for k, a in enumerate(materials)
            if a.sha256 in unknown
        ]
        raise Rejected("unknown_attachment", "材料尚未上传", "a material has not been uploaded", problems)


def apply_moves(conn: Connection, moves: Sequence[Move], now: datetime) -> None:
    """The moves, in the caller's transaction, which holds the ledger lock."""
    columns = ["id", "state", "case_no", "subject", "rule_id", "escalate_at"]
    rows = {r.id: r for r in select_in(conn, signals, columns, "id", sorted({m.signal_id for m in moves}))}
    check_materials(conn, [a for m in moves for a in m.materials])
    states: dict[int, SignalState] = {}
    entries, changes, history = [], {}, []
    for m in moves:
        row = rows.get(m.signal_id)
        if row is None:
            raise Rejected("not_found", "信号不存在", f"signal {m.signal_id} not found", status=404)
        current = states.get(row.id, SignalState(row.state))
        try:
            check_move(current, m.to, m.reason)
        except ValueError as e:
            zh, en = str(e).split(" | ", 1)
            raise Rejected("bad_move", zh, en, status=409) from e
        at = m.at or now
        entries.append(
            Entry(
                "signal_transition",
                f"signal:{row.case_no or row.subject}/{row.rule_id}",
                {
                    "v": 1,
                    "signal": row.id,
                    "case_no": row.case_no,
                    **({"subject": row.subject} if row.subject else {}),
                    "rule_id": row.rule_id,
                    "from": current.value,
                    "to": m.to.value,
                    "by": m.by,
                    "reason": m.reason,
                    "at": iso_utc(at),
                    **({"materials": [a.model_dump() for a in m.materials]} if m.materials else {}),
                },
            )
        )
        states[row.id] = m.to
        # Still waiting for the department: the escalation clock keeps running.
        keep = m.to in UNRESOLVED
        changes[row.id] = {
            "id": row.id,
            "state": m.to.value,
            "escalate_at": row.escalate_at if keep else None,
        }
        history.append(
            {
                "signal_id": row.id,
                "from_state": current.value,
                "to_state": m.to.value,
                "by": m.by,
                "reason": m.reason,
                "at": at,
                "materials": [a.model_dump() for a in m.materials] or None,
            }
        )
    seqs = append(conn, entries, now)
    update_many(conn, signals, "id", list(changes.values()))
    insert_many(
        conn, signal_transitions, [{**h, "ledger_seq": seq} for h, seq in zip(history, seqs, strict=True)]
    )


def signal_detail(db: Database, signal_id: int, scope: Scope = EVERYTHING) -> dict[str, Any] | None:
    with db.read() as conn:
        row = conn.execute(
            select(signals).where(signals.c.id == signal_id, scope.restrict(signals.c.department_code))
        ).first()
        if row is None:
            return None
        history = conn.execute(
            select(signal_transitions)
            .where(signal_transitions.c.signal_id == signal_id)
            .order_by(signal_transitions.c.id)
        ).all()
    return {
        **signal_view(row),
        "escalated_from": row.escalated_from,
        "escalate_at": iso_local(row.escalate_at) if row.escalate_at else None,
        "history": [
            {
                "from": h.from_state,
                "to": h.to_state,
                "by": h.by,
                "reason": h.reason,
                "at": iso_local(h.at),
                "materials": h.materials or [],
                "ledger_seq": h.ledger_seq,
            }
            for h in history
        ],
    }
