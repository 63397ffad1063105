"""Raising signals from the rule engine's findings (R-SIG-1, R-SIG-6) and reading them.

A signal is raised once per case and rule, stamped with the instant its condition arose, carries
its explanation (rule, article, values, triggering events, deadline), and is written to the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Connection, func, insert, select, tuple_, update

from jiancha.domain.catalogue import ItemStatus, PowerItem
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.clock.deadlines import CaseState, Deadlines
from jiancha.domain.errors import Rejected
from jiancha.domain.events import Action
from jiancha.domain.rules.engine import evaluate, first_per_rule
from jiancha.domain.rules.families import TIMED
from jiancha.domain.rules.lifecycle import UNRESOLVED, SignalState, check_move
from jiancha.domain.rules.model import CaseFacts, Colour, Context, Finding, RecordedEvent, Rule
from jiancha.domain.rules.pack import Pack, render
from jiancha.domain.timeutil import end_of_local_day, iso_local, iso_utc, local_date, utcnow
from jiancha.store.bulk import insert_many, select_in
from jiancha.store.cases import chunks
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


def facts_of(conn: Connection, case_ids: Sequence[int]) -> dict[int, tuple[Any, CaseFacts]]:
    """Each case's row and the facts its rules look at. A catalogue version is read for every
    batch but parsed once per process: its content never changes."""
    rows = select_in(conn, cases, CASE_COLUMNS, "id", list(case_ids))
    version_ids = sorted({r.item_version_id for r in rows})
    versions = select_in(conn, item_versions, ["id", "content", "status"], "id", version_ids)
    items = {v.id: (_item(v.content), ItemStatus(v.status)) for v in versions}
    evs: dict[int, list[RecordedEvent]] = {r.id: [] for r in rows}
    found = select_in(conn, events, FACT_COLUMNS, "case_id", [r.id for r in rows])
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
) -> list[Raised]:
    """Evaluate the pack on the given cases and raise what is new, inside the caller's transaction.
    `folded` gives the state and deadlines as of `now` of cases the caller has just folded."""
    rules = {r.id: r for r in pack.compiled() if not timed_only or r.family in TIMED}
    if not case_ids or not rules:
        return []
    # Take the chain's lock before looking at what exists: two workers (or a worker and an
    # ingester) then see each other's signals and never raise the same one twice.
    lock(conn)
    facts = facts_of(conn, case_ids)
    # A rule speaks once per case: one that has spoken is not asked again.
    raised: dict[int, set[str]] = {}
    for s in select_in(conn, signals, ["case_id", "rule_id"], "case_id", list(case_ids)):
        raised.setdefault(int(s.case_id), set()).add(str(s.rule_id))
    every = list(rules.values())
    folded = folded or {}
    new: list[tuple[Any, Finding, Rule]] = []
    for case_id, (row, case_facts) in facts.items():
        spoken = raised.get(case_id)
        judged = [r for r in every if r.id not in spoken] if spoken else every
        if not judged:
            continue
        ctx = Context(case_facts, calendar, now, folded.get(case_id))
        for f in first_per_rule(evaluate(judged, ctx, timed_only=timed_only)):
            new.append((row, f, rules[f.rule_id]))
    if not new:
        return []
    records = [_record(pack, row, f, rule) for row, f, rule in new]
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
                "escalate_at": escalation_due(f.at, after, calendar) if f.colour is Colour.yellow else None,
            }
            for (row, f, rule), rec, seq in zip(new, records, seqs, strict=True)
        ],
    )
    yellow = {row.id: (row, f) for row, f, _ in new if f.colour is Colour.yellow}
    if pack.escalation is not None and pack.escalation.repeat and yellow:
        _repeat_escalations(conn, pack, list(yellow.values()), now)
    return [Raised(row.case_no, f.rule_id, f.colour.value, f.at) for row, f, _ in new]


REPEAT_RULE = "ESC-REPEAT"


def _repeat_escalations(
    conn: Connection, pack: Pack, cases_with_yellow: list[tuple[Any, Finding]], now: datetime
) -> None:
    """R-SIG-2, second half: a category's last N cases in a row all yellow → red on the newest."""
    assert pack.escalation is not None and pack.escalation.repeat
    n = pack.escalation.repeat
    rows = []
    for row, f in cases_with_yellow:
        case = conn.execute(select(cases.c.item_code, cases.c.received_at).where(cases.c.id == row.id)).one()
        last = conn.execute(
            select(cases.c.id, cases.c.case_no)
            .where(
                cases.c.department_code == row.department_code,
                cases.c.item_code == case.item_code,
                tuple_(cases.c.received_at, cases.c.id) <= tuple_(case.received_at, row.id),
            )
            .order_by(cases.c.received_at.desc(), cases.c.id.desc())
            .limit(n)
        ).all()
        if len(last) < n:
            continue
        ids = [int(c.id) for c in last]
        yellows = dict(
            conn.execute(
                select(signals.c.case_id, func.min(signals.c.id))
                .where(signals.c.case_id.in_(ids), signals.c.colour == "yellow")
                .group_by(signals.c.case_id)
            ).all()
        )
        if (
            len(yellows) < n
            or conn.execute(
                select(signals.c.id).where(signals.c.case_id == row.id, signals.c.rule_id == REPEAT_RULE)
            ).first()
        ):
            continue
        values = {
            "case_no": row.case_no,
            "item": case.item_code,
            "department": row.department_code,
            "count": n,
        }
        explanation = {
            "rule": REPEAT_RULE,
            "article": pack.escalation.article,
            "values": {
                **values,
                "cases": [c.case_no for c in reversed(last)],
                "yellow_signals": [int(yellows[i]) for i in reversed(ids)],
            },
            "events": list(f.events),
            "deadline": None,
        }
        rec = {
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
            "explanation": explanation,
        }
        (seq,) = append(conn, [Entry("signal", f"signal:{row.case_no}/{REPEAT_RULE}", rec)], now)
        rows.append(
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
                "explanation": explanation,
                "ledger_seq": seq,
                "escalate_at": None,
                "escalated_from": int(yellows[row.id]),
            }
        )
    insert_many(conn, signals, rows)


def _record(pack: Pack, row: Any, f: Finding, rule: Rule) -> dict[str, Any]:
    values = {"case_no": row.case_no, **f.values}
    shown = {k: ("、".join(map(str, v)) if isinstance(v, list) else v) for k, v in values.items()}
    return {
        "v": 1,
        "case_no": row.case_no,
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


def list_signals(
    db: Database, f: SignalFilter, limit: int = 100, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    conditions = [
        c
        for c in (
            signals.c.colour == f.colour if f.colour else None,
            signals.c.state == f.state if f.state else None,
            signals.c.rule_id == f.rule_id if f.rule_id else None,
            signals.c.department_code == f.department_code if f.department_code else None,
            signals.c.case_no == f.case_no if f.case_no else None,
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


def counts(db: Database) -> dict[str, int]:
    with db.read() as conn:
        return {
            str(c): int(n)
            for c, n in conn.execute(select(signals.c.colour, func.count()).group_by(signals.c.colour))
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


def escalate_due(conn: Connection, pack: Pack, now: datetime) -> int:
    """Turn every unresolved yellow whose time to be corrected has passed into a red that points at
    it, stamped when that time passed. Claims each yellow with a conditional UPDATE."""
    if pack.escalation is None:
        return 0
    lock(conn)
    due = conn.execute(
        select(signals)
        .where(signals.c.escalate_at <= now, signals.c.state.in_([s.value for s in UNRESOLVED]))
        .order_by(signals.c.escalate_at)
    ).all()
    rows = []
    for y in due:
        claimed = conn.execute(
            update(signals)
            .where(signals.c.id == y.id, signals.c.escalate_at == y.escalate_at)
            .values(escalate_at=None)
        ).rowcount
        if not claimed:
            continue
        values = {"case_no": y.case_no, "rule": y.rule_id}
        rec = {
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
        (seq,) = append(conn, [Entry("signal", f"signal:{y.case_no}/ESC-{y.rule_id}", rec)], now)
        rows.append(
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
        )
    insert_many(conn, signals, rows)
    return len(rows)


def move(
    db: Database, signal_id: int, to: SignalState, by: str, reason: str = "", now: datetime | None = None
) -> dict[str, Any]:
    """Move a signal through its life (R-SIG-1): attributed, ledgered, and refused with a clear
    reason when the move is not allowed or another hand moved it first."""
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        row = conn.execute(select(signals).where(signals.c.id == signal_id)).first()
        if row is None:
            raise Rejected("not_found", "信号不存在", "signal not found", status=404)
        current = SignalState(row.state)
        try:
            check_move(current, to, reason)
        except ValueError as e:
            zh, en = str(e).split(" | ", 1)
            raise Rejected("bad_move", zh, en, status=409) from e
        record = {
            "v": 1,
            "signal": signal_id,
            "case_no": row.case_no,
            "rule_id": row.rule_id,
            "from": current.value,
            "to": to.value,
            "by": by,
            "reason": reason,
            "at": iso_utc(now),
        }
        (seq,) = append(
            conn, [Entry("signal_transition", f"signal:{row.case_no}/{row.rule_id}", record)], now
        )
        keep_escalating = to in UNRESOLVED
        conn.execute(
            update(signals)
            .where(signals.c.id == signal_id, signals.c.state == current.value)
            .values(state=to.value, escalate_at=row.escalate_at if keep_escalating else None)
        )
        conn.execute(
            insert(signal_transitions).values(
                signal_id=signal_id,
                from_state=current.value,
                to_state=to.value,
                by=by,
                reason=reason,
                at=now,
                ledger_seq=seq,
            )
        )
    return signal_detail(db, signal_id) or {}


def signal_detail(db: Database, signal_id: int) -> dict[str, Any] | None:
    with db.read() as conn:
        row = conn.execute(select(signals).where(signals.c.id == signal_id)).first()
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
                "ledger_seq": h.ledger_seq,
            }
            for h in history
        ],
    }
