"""Appending to and verifying the hash chain.

entry_hash = SHA-256(b"jiancha-ledger" || encoding || seq || prev_hash
                     || recorded_at || 0 || kind || 0 || ref || 0 || payload)

with recorded_at as fixed-width UTC text.

The first entry's prev_hash is 32 zero bytes. Payloads are canonical bytes (domain.canonical), so
anyone can recompute a hash from what the entry holds. Nothing here ever updates or deletes an
entry; the database triggers of the first migration refuse it too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from jiancha.domain.canonical import ENCODING_VERSION, canonical_bytes
from jiancha.domain.timeutil import iso_utc, utcnow
from jiancha.store.bulk import insert_many
from jiancha.store.tables import ledger, ledger_head

GENESIS = bytes(32)


@dataclass(frozen=True)
class Entry:
    kind: str  # event, case, catalogue, calendar, ...
    ref: str  # what the entry is about, e.g. "event:SYS/123"
    record: Any  # made canonical bytes when appended


def entry_hash(
    encoding: int, seq: int, prev: bytes, recorded_at: datetime | str, kind: str, ref: str, payload: bytes
) -> bytes:
    """recorded_at may be given already as its fixed-width text (a batch shares one instant)."""
    when = recorded_at if isinstance(recorded_at, str) else iso_utc(recorded_at)
    head = encoding.to_bytes(2, "big") + seq.to_bytes(8, "big") + prev
    return hashlib.sha256(b"jiancha-ledger" + head + f"{when}\0{kind}\0{ref}\0".encode() + payload).digest()


def lock(conn: Connection) -> tuple[int, bytes]:
    """The tip of the chain, locked until the transaction ends (SQLite: BEGIN IMMEDIATE did it)."""
    query = select(ledger_head.c.seq, ledger_head.c.entry_hash).where(ledger_head.c.id == 1)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).one()  # created by the first migration
    return int(row.seq), bytes(row.entry_hash)


def append(conn: Connection, entries: Sequence[Entry], at: datetime | None = None) -> list[int]:
    """Append entries in order inside the caller's transaction; returns their sequence numbers."""
    if not entries:
        return []
    at = at or utcnow()
    when = iso_utc(at)
    seq, prev = lock(conn)
    rows: list[dict[str, Any]] = []
    for e in entries:
        seq += 1
        payload = canonical_bytes(e.record)
        digest = entry_hash(ENCODING_VERSION, seq, prev, when, e.kind, e.ref, payload)
        rows.append(
            {
                "seq": seq,
                "kind": e.kind,
                "ref": e.ref,
                "recorded_at": at,
                "encoding": ENCODING_VERSION,
                "payload": payload,
                "prev_hash": prev,
                "entry_hash": digest,
            }
        )
        prev = digest
    insert_many(conn, ledger, rows)
    conn.execute(update(ledger_head).where(ledger_head.c.id == 1).values(seq=seq, entry_hash=prev))
    return [r["seq"] for r in rows]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    broken_seq: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"OK: {self.entries} ledger entries, chain intact"
        return f"BROKEN at entry {self.broken_seq}: {self.reason}"


def iter_entries(conn: Connection, batch: int = 5000) -> Iterator[Any]:
    last = 0
    while True:
        rows = conn.execute(
            select(ledger).where(ledger.c.seq > last).order_by(ledger.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(conn: Connection) -> Verdict:
    """Walk the chain from the start; stop at the first entry whose hash or link is wrong."""
    prev, expected_seq = GENESIS, 1
    for row in iter_entries(conn):
        seq = int(row.seq)
        if seq != expected_seq:
            return Verdict(False, expected_seq - 1, expected_seq, f"entry {expected_seq} is missing")
        if bytes(row.prev_hash) != prev:
            return Verdict(False, seq - 1, seq, "its link to the previous entry does not match")
        digest = entry_hash(
            int(row.encoding), seq, prev, row.recorded_at, row.kind, row.ref, bytes(row.payload)
        )
        if digest != bytes(row.entry_hash):
            return Verdict(False, seq - 1, seq, "its content does not match its hash")
        prev, expected_seq = digest, seq + 1
    count = expected_seq - 1
    head = conn.execute(select(ledger_head.c.seq, ledger_head.c.entry_hash)).first()
    head_seq = int(head.seq) if head else 0
    if head_seq != count or (head is not None and bytes(head.entry_hash) != prev):
        return Verdict(
            False,
            count,
            count + 1,
            f"the chain ends at {count} but its recorded tip is entry {head_seq}: entries were removed",
        )
    return Verdict(True, count)


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(ledger)).scalar_one())
