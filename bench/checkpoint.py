"""Checkpoints and proofs over a ledger of 1,000,000 entries, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.checkpoint [--entries 1000000] [--postgres URL] [--no-sqlite]

The ledger is written straight into its table with insert_many (a real hash chain, small
payloads), not through ingestion, which would take far too long; the ledger is all that is measured.
Timed: the first checkpoint (it records the Merkle nodes of every complete block of 1,024
entries), a checkpoint after 1,000 more entries, 200 inclusion proofs and 200 consistency
proofs between random sizes (each checked), and, for comparison, the root computed by streaming
every entry (what a checkpoint would cost without recorded nodes). Peak memory is the process's.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text, update

from bench import scratch_postgres
from jiancha.domain.canonical import ENCODING_VERSION
from jiancha.domain.integrity import merkle
from jiancha.services import checkpoints
from jiancha.settings import CheckpointSettings
from jiancha.store import checkpoints as store
from jiancha.store.bulk import insert_many
from jiancha.store.database import Database
from jiancha.store.ledger.chain import GENESIS, entry_hash
from jiancha.store.migrate import upgrade
from jiancha.store.tables import ledger, ledger_head

AT = datetime(2026, 11, 23, 2, tzinfo=UTC)
CHUNK = 50_000
PROOFS = 200


def fill(db: Database, start: int, n: int, prev: bytes) -> bytes:
    """Entries start+1 .. start+n, chained from `prev`; returns the new tip."""
    seq = start
    while seq < start + n:
        rows: list[dict[str, Any]] = []
        for _ in range(min(CHUNK, start + n - seq)):
            seq += 1
            payload = b'{"bench":%d}' % seq
            h = entry_hash(ENCODING_VERSION, seq, prev, AT, "bench", f"bench:{seq}", payload)
            rows.append(
                {
                    "seq": seq,
                    "kind": "bench",
                    "ref": f"bench:{seq}",
                    "recorded_at": AT,
                    "encoding": ENCODING_VERSION,
                    "payload": payload,
                    "prev_hash": prev,
                    "entry_hash": h,
                }
            )
            prev = h
        with db.write() as conn:
            insert_many(conn, ledger, rows)
            conn.execute(update(ledger_head).values(seq=seq, entry_hash=prev))
    return prev


def timed(label: str, fn: Any) -> Any:
    started = time.perf_counter()
    out = fn()
    print(f"  {label}: {time.perf_counter() - started:.3f} s", flush=True)
    return out


def measure(name: str, db: Database, n: int, key: Path) -> None:
    print(f"{name}, {n:,} entries", flush=True)
    upgrade(db)
    settings = CheckpointSettings(key_file=key, origin="bench")
    tip = timed("write the ledger (not the subject)", lambda: fill(db, 0, n, GENESIS))
    first = timed("first checkpoint (records every block's nodes)", lambda: checkpoints.make(db, settings))
    tip = fill(db, n, 1000, tip)
    second = timed("next checkpoint, 1,000 entries later", lambda: checkpoints.make(db, settings))
    assert first and second
    old, new = first.checkpoint, second.checkpoint
    with db.read() as conn:
        nodes = conn.execute(text("SELECT count(*) FROM merkle_nodes")).scalar_one()
        streamed = timed(
            "root by streaming every entry, for comparison",
            lambda: merkle.root(store.iter_leaves(conn, 0, new.tree_size, batch=50_000)),
        )
    assert streamed == new.root_hash
    print(f"  merkle_nodes rows: {nodes:,}", flush=True)
    rng = random.Random(6962)

    def inclusions() -> None:
        for _ in range(PROOFS):
            seq = rng.randint(1, new.tree_size)
            answer = checkpoints.inclusion(db, seq, new.tree_size)
            proof = [bytes.fromhex(h) for h in answer["proof"]]
            leaf = bytes.fromhex(answer["leaf_hash"])
            assert merkle.verify_inclusion(seq - 1, new.tree_size, leaf, proof, new.root_hash)

    def consistencies() -> None:
        roots = {old.tree_size: old.root_hash, new.tree_size: new.root_hash}
        for _ in range(PROOFS):
            proof = [
                bytes.fromhex(h) for h in checkpoints.consistency(db, old.tree_size, new.tree_size)["proof"]
            ]
            assert merkle.verify_consistency(
                old.tree_size, new.tree_size, roots[old.tree_size], new.root_hash, proof
            )

    timed(f"{PROOFS} inclusion proofs, made and checked", inclusions)
    timed(f"{PROOFS} consistency proofs {old.tree_size:,} -> {new.tree_size:,}", consistencies)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of the process so far: {peak:.0f} MiB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", default=os.environ.get("JIANCHA_TEST_POSTGRES_URL", ""))
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "bench-key.pem"
        if not args.no_sqlite:
            db = Database(f"sqlite:///{tmp}/checkpoint.sqlite3")
            try:
                measure("sqlite", db, args.entries, key)
            finally:
                db.dispose()
        if args.postgres:
            with scratch_postgres(args.postgres) as db:
                measure("postgresql", db, args.entries, key)


if __name__ == "__main__":
    main()
