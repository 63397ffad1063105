"""`jiancha verify`: is the ledger intact, and do the tables still say what the ledger recorded?

The chain walk finds an edited, removed or reordered ledger entry. The cross-check finds an event
or a catalogue version edited in its own table after the fact (R-ING-4): its canonical bytes no
longer match the ledger entry written when it was accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select

from jiancha.domain.canonical import canonical_bytes
from jiancha.domain.timeutil import iso_utc
from jiancha.store.database import Database
from jiancha.store.ledger.chain import Verdict, verify
from jiancha.store.tables import events, item_versions, ledger


@dataclass(frozen=True)
class Report:
    chain: Verdict
    mismatch: str | None = None  # the first table row that differs from its ledger entry

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.mismatch is None

    def describe(self) -> str:
        if not self.chain.ok:
            return self.chain.describe()
        if self.mismatch:
            return f"BROKEN: {self.mismatch}"
        return self.chain.describe()

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


def check(db: Database, batch: int = 5000) -> Report:
    with db.read() as conn:
        chain = verify(conn)
        if not chain.ok:
            return Report(chain)
        last = 0
        while True:
            rows = conn.execute(
                select(events, ledger.c.payload)
                .join(ledger, ledger.c.seq == events.c.ledger_seq)
                .where(events.c.id > last)
                .order_by(events.c.id)
                .limit(batch)
            ).all()
            for r in rows:
                if canonical_bytes(event_record(r)) != bytes(r.payload):
                    return Report(
                        chain,
                        f"event {r.source_system}/{r.event_id} differs from ledger entry {r.ledger_seq}",
                    )
            if len(rows) < batch:
                break
            last = rows[-1].id
        for r in conn.execute(
            select(item_versions, ledger.c.payload).join(ledger, ledger.c.seq == item_versions.c.ledger_seq)
        ):
            recorded = orjson.loads(bytes(r.payload))
            if recorded.get("item") != r.content or recorded.get("status") != r.status:
                return Report(
                    chain,
                    f"catalogue item {r.code} version {r.version} differs from ledger entry {r.ledger_seq}",
                )
    return Report(chain)
