"""The dynamic supervision ledger (动态监察台账, R-SUP-3): every signal, move, notice, complaint,
accountability record, patrol, sample and rating as the hash-chained ledger recorded it — who,
what, when — filterable by kind, period and subject, and exportable as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import orjson
from sqlalchemy import ColumnElement, select

from jiancha.domain.timeutil import iso_local, start_of_local_day
from jiancha.store.database import Database
from jiancha.store.tables import ledger

KINDS = (
    "signal",
    "signal_transition",
    "notice",
    "complaint",
    "accountability",
    "patrol",
    "sample",
    "sample_finding",
    "rating",
    "access",  # users given access, locked, disabled; tokens issued and revoked
    "export",  # exports asked for, decided, downloaded (R-SEC-2)
    "personal_data",  # reads of unmasked personal data, with their reason (R-SEC-2)
    "correction",  # corrections of cases, events, the catalogue: asked, approved, refused (R-AUD-2)
)
COLUMNS = ("seq", "recorded_at", "kind", "ref", "who", "what", "detail")


@dataclass(frozen=True)
class LedgerFilter:
    kind: str | None = None
    start: date | None = None
    end: date | None = None  # inclusive
    ref_prefix: str | None = None  # e.g. "notice:DB-2026-000001" or "signal:C-1/"


def rows(db: Database, f: LedgerFilter, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    where: list[ColumnElement[bool]] = [ledger.c.kind == f.kind] if f.kind else [ledger.c.kind.in_(KINDS)]
    if f.start:
        where.append(ledger.c.recorded_at >= start_of_local_day(f.start))
    if f.end:
        where.append(ledger.c.recorded_at < start_of_local_day(f.end + timedelta(days=1)))
    if f.ref_prefix:
        where.append(ledger.c.ref.startswith(f.ref_prefix, autoescape=True))
    with db.read() as conn:
        found = conn.execute(
            select(ledger.c.seq, ledger.c.kind, ledger.c.ref, ledger.c.recorded_at, ledger.c.payload)
            .where(ledger.c.seq > after, *where)
            .order_by(ledger.c.seq)
            .limit(limit)
        ).all()
    return [_row(r) for r in found]


def _row(r: Any) -> dict[str, Any]:
    rec = orjson.loads(bytes(r.payload))
    who = next((rec[k] for k in ("by", "issued_by", "decided_by", "drawn_by") if rec.get(k)), "")
    what = rec.get("action") or rec.get("to") or rec.get("rule_id") or r.kind
    detail = rec.get("message_zh") or rec.get("reason") or rec.get("finding") or rec.get("title") or ""
    return {
        "seq": r.seq,
        "recorded_at": iso_local(r.recorded_at),
        "kind": r.kind,
        "ref": r.ref,
        "who": who,
        "what": what,
        "detail": detail,
    }
