"""Telling people (R-SIG-8, 手机短信提示): who is told what, the outbox, and its delivery.

A message is queued in the transaction of what it tells (a signal and its messages commit
together, or neither does), once per subject, recipient, channel and address (its idempotency
key). The worker claims due messages with a conditional UPDATE, sends them outside any transaction,
and then marks each sent, or schedules the next attempt with exponential back-off, or gives up
after the last attempt (state `failed`, still listed). A worker that dies between sending and
marking leaves its claim to expire: the message is then sent again, with the same key, so a
receiver can tell. Nothing is lost while a transport is down; it is only late.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from jiancha.domain.masking import mask_phone
from jiancha.domain.timeutil import iso_local, iso_local_or_none, utcnow
from jiancha.services.transports import CHANNELS, Message, Transport, TransportError, from_settings
from jiancha.settings import NotifySettings, notify_settings
from jiancha.store.bulk import select_in, upsert_insert
from jiancha.store.database import Database
from jiancha.store.tables import outbox, signals, subscriptions

log = logging.getLogger(__name__)

STATES = ("pending", "sent", "failed")
COLOUR_ZH = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}


@dataclass(frozen=True)
class Outgoing:
    """A message to queue."""

    kind: str
    subject: str
    recipient: str
    channel: str
    address: str
    title: str
    body: str

    @property
    def key(self) -> str:
        parts = (self.kind, self.subject, self.recipient, self.channel, self.address)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def enqueue(conn: Connection, messages: Sequence[Outgoing], now: datetime) -> int:
    """Queue messages inside the caller's transaction; one already queued (same key) is skipped.
    Returns how many were new."""
    unique = {m.key: m for m in messages}
    if not unique:
        return 0
    rows = [
        {
            "idempotency_key": key,
            "created_at": now,
            "kind": m.kind,
            "subject": m.subject,
            "recipient": m.recipient,
            "channel": m.channel,
            "address": m.address,
            "title": m.title,
            "body": m.body,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
        }
        for key, m in unique.items()
    ]
    stmt = upsert_insert(conn, outbox).on_conflict_do_nothing(index_elements=["idempotency_key"])
    return len(conn.execute(stmt.returning(outbox.c.id), rows).all())


# -- who is told what --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    """A role (optionally only for one department's signals) or a user, told of a kind of event,
    optionally only of one colour or rule family, through a channel at an address."""

    audience: str  # role | user
    name: str
    channel: str
    address: str
    kind: str = "signal"
    department_code: str | None = None
    colour: str | None = None
    family: str | None = None


KINDS = ("signal", "notice", "complaint")


def subscribe(db: Database, s: Subscription, now: datetime | None = None) -> int:
    if s.kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if s.audience not in ("role", "user"):
        raise ValueError("audience must be role or user")
    if s.channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
    if s.colour not in (None, *COLOUR_ZH):
        raise ValueError("colour must be green, yellow or red")
    with db.write() as conn:
        return int(
            conn.execute(
                insert(subscriptions)
                .values(
                    audience=s.audience,
                    name=s.name,
                    department_code=s.department_code,
                    kind=s.kind,
                    colour=s.colour,
                    family=s.family,
                    channel=s.channel,
                    address=s.address,
                    active=True,
                    created_at=now or utcnow(),
                )
                .returning(subscriptions.c.id)
            ).scalar_one()
        )


def list_subscriptions(db: Database, active_only: bool = True) -> list[dict[str, Any]]:
    where = [subscriptions.c.active] if active_only else []
    with db.read() as conn:
        rows = conn.execute(select(subscriptions).where(*where).order_by(subscriptions.c.id)).all()
    return [
        {
            "id": r.id,
            "audience": r.audience,
            "name": r.name,
            "kind": r.kind,
            "department_code": r.department_code,
            "colour": r.colour,
            "family": r.family,
            "channel": r.channel,
            "address": r.address,
            "active": r.active,
            "created_at": iso_local(r.created_at),
        }
        for r in rows
    ]


def unsubscribe(db: Database, subscription_id: int) -> bool:
    """Stop a subscription (kept, inactive, so what it caused to be sent stays explained).
    False when there is no such subscription."""
    with db.write() as conn:
        done = conn.execute(
            update(subscriptions).where(subscriptions.c.id == subscription_id).values(active=False)
        )
    return bool(done.rowcount)


SIGNAL_COLUMNS = [
    "case_no",
    "subject",
    "department_code",
    "rule_id",
    "family",
    "colour",
    "article",
    "message_zh",
    "raised_at",
]


def on_signals(conn: Connection, ledger_seqs: Sequence[int], now: datetime) -> int:
    """Queue the messages the subscriptions ask for about the signals just raised (found by their
    ledger entries), in the caller's transaction. One small query when nobody subscribes."""
    if not ledger_seqs:
        return 0
    subs = conn.execute(
        select(subscriptions).where(subscriptions.c.active, subscriptions.c.kind == "signal")
    ).all()
    if not subs:
        return 0
    raised = select_in(conn, signals, SIGNAL_COLUMNS, "ledger_seq", list(ledger_seqs))
    messages = [_signal_message(sig, sub) for sig in raised for sub in subs if _routes(sub, sig)]
    return enqueue(conn, messages, now)


def _routes(sub: Any, sig: Any) -> bool:
    return (
        (sub.department_code is None or sub.department_code == sig.department_code)
        and (sub.colour is None or sub.colour == sig.colour)
        and (sub.family is None or sub.family == sig.family)
    )


def _signal_message(sig: Any, sub: Any) -> Outgoing:
    about = sig.case_no or sig.subject
    return Outgoing(
        kind="signal",
        subject=f"signal:{about}/{sig.rule_id}",
        recipient=f"{sub.audience}:{sub.name}",
        channel=sub.channel,
        address=sub.address,
        title=f"【{COLOUR_ZH.get(sig.colour, sig.colour)}】{sig.rule_id} {about}",
        body=f"{sig.message_zh}（{sig.article}；{iso_local(sig.raised_at)}）",
    )


def on_record(
    conn: Connection,
    kind: str,
    department_code: str | None,
    subject: str,
    title: str,
    body: str,
    now: datetime,
) -> int:
    """Queue the messages about a notice or a complaint (`kind`) for those subscribed to that kind,
    for every department or for this one, in the caller's transaction; with no department (a
    complaint not yet accepted), only the former. `subject` names the record and the step
    (notice:DB-2026-000001/issue), so a step is told once."""
    for_all = subscriptions.c.department_code.is_(None)
    subs = conn.execute(
        select(subscriptions).where(
            subscriptions.c.active,
            subscriptions.c.kind == kind,
            for_all
            if department_code is None
            else for_all | (subscriptions.c.department_code == department_code),
        )
    ).all()
    messages = [
        Outgoing(kind, subject, f"{sub.audience}:{sub.name}", sub.channel, sub.address, title, body)
        for sub in subs
    ]
    return enqueue(conn, messages, now)


def to_person(
    conn: Connection, kind: str, subject: str, phone: str, title: str, body: str, now: datetime
) -> int:
    """Queue a text message to a member of the public (a real-name complainant) at their phone."""
    if not phone:
        return 0
    return enqueue(conn, [Outgoing(kind, subject, "person", "sms", phone, title, body)], now)


# -- delivery ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int, settings: NotifySettings) -> timedelta:
    """The wait after the n-th failed attempt: base, 2·base, 4·base, … up to the cap."""
    seconds = settings.retry_base_seconds * 2 ** min(attempts - 1, 62)
    return timedelta(seconds=min(seconds, settings.retry_cap_seconds))


def deliver_due(
    db: Database,
    now: datetime | None = None,
    transports: Mapping[str, Transport] | None = None,
    settings: NotifySettings | None = None,
) -> Delivery:
    """Send the messages due by `now`, one batch: claim, send, record each outcome."""
    now = now or utcnow()
    settings = settings or notify_settings()
    transports = transports if transports is not None else from_settings(settings)
    claimed = _claim(db, now, settings)
    sent = retrying = failed = 0
    for row in claimed:
        message = Message(
            row.idempotency_key,
            row.kind,
            row.subject,
            row.recipient,
            row.channel,
            row.address,
            row.title,
            row.body,
            row.created_at,
        )
        transport = transports.get(row.channel)
        error: str | None = None
        try:
            if transport is None:
                raise TransportError(f"no transport for channel {row.channel!r}")
            transport.send(message)
        except TransportError as e:
            error = str(e)[:2000]
        except Exception as e:  # a transport's own bug must not stop the others
            log.exception("transport %s failed unexpectedly", row.channel)
            error = f"{type(e).__name__}: {e}"[:2000]
        outcome = _record(db, row, now, error, settings)
        sent += outcome == "sent"
        retrying += outcome == "pending"
        failed += outcome == "failed"
    return Delivery(sent, retrying, failed)


def _claim(db: Database, now: datetime, settings: NotifySettings) -> list[Any]:
    """Take the due messages for this worker: counted as an attempt and out of others' reach until
    the lease ends. Two workers never claim the same message while the lease runs."""
    due = (outbox.c.next_attempt_at <= now, outbox.c.state == "pending")
    with db.write() as conn:
        query = select(outbox.c.id).where(*due).order_by(outbox.c.next_attempt_at, outbox.c.id)
        query = query.limit(settings.batch)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(conn.execute(query).scalars())
        if not ids:
            return []
        rows = conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids), *due)
            .values(
                attempts=outbox.c.attempts + 1,
                last_attempt_at=now,
                next_attempt_at=now + timedelta(seconds=settings.lease_seconds),
            )
            .returning(*outbox.c)
        ).all()
    return sorted(rows, key=lambda r: r.id)


def _record(db: Database, row: Any, now: datetime, error: str | None, settings: NotifySettings) -> str:
    """Mark a claimed message sent, or schedule its next attempt, or give up on it."""
    if error is None:
        values: dict[str, Any] = {"state": "sent", "sent_at": now, "next_attempt_at": None}
        values["last_error"] = None
    elif row.attempts >= settings.max_attempts:
        values = {"state": "failed", "next_attempt_at": None, "last_error": error}
    else:
        values = {"next_attempt_at": now + backoff(row.attempts, settings), "last_error": error}
    with db.write() as conn:
        # Only while it is still ours: a message whose lease ran out and was sent by another worker
        # stays as that worker recorded it.
        conn.execute(
            update(outbox)
            .where(outbox.c.id == row.id, outbox.c.state == "pending", outbox.c.attempts == row.attempts)
            .values(**values)
        )
    return str(values.get("state", "pending"))


# -- reading -----------------------------------------------------------------------------------------


def list_notifications(
    db: Database, state: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[int, dict[str, int], list[dict[str, Any]]]:
    where = [outbox.c.state == state] if state else []
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(outbox).where(*where)).scalar_one()
        counts = {
            str(s): int(n)
            for s, n in conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
        }
        rows = conn.execute(
            select(outbox).where(*where).order_by(outbox.c.id.desc()).limit(limit).offset(offset)
        ).all()
    return int(total), counts, [notification_view(r) for r in rows]


def notification_view(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "idempotency_key": r.idempotency_key,
        "kind": r.kind,
        "subject": r.subject,
        "recipient": r.recipient,
        "channel": r.channel,
        # A member of the public's phone number is personal data (R-SEC-3); an official's is not.
        "address": mask_phone(r.address) if r.recipient == "person" else r.address,
        "title": r.title,
        "body": r.body,
        "state": r.state,
        "attempts": r.attempts,
        "created_at": iso_local_or_none(r.created_at),
        "last_attempt_at": iso_local_or_none(r.last_attempt_at),
        "next_attempt_at": iso_local_or_none(r.next_attempt_at),
        "last_error": r.last_error,
        "sent_at": iso_local_or_none(r.sent_at),
    }
