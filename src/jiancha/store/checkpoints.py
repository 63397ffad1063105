"""The Merkle tree over the ledger, as the database holds it, and the signed checkpoints.

Leaf i (from 0) is ledger entry seq = i + 1; its data is the entry's stored `entry_hash`, which
already commits to the entry's content and to every entry before it. Hashes of complete subtrees
of 2^BLOCK_LEVEL entries and above are recorded in `merkle_nodes` as checkpoints are made; below
that a proof or root hashes the few entries it needs (at most a block or two). So a checkpoint
costs the entries added since the last one, and a proof O(log n) rows plus a block of entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from jiancha.domain.integrity import merkle
from jiancha.domain.integrity.checkpoint import Checkpoint
from jiancha.domain.timeutil import iso_utc
from jiancha.store.bulk import upsert_insert
from jiancha.store.tables import checkpoints, ledger, ledger_head, merkle_nodes

BLOCK_LEVEL = 10  # 1,024 entries: a proof reads at most this many entry hashes per ragged edge


class Rewritten(Exception):
    """The ledger no longer hashes to what was recorded or signed: its past was changed."""


def ledger_size(conn: Connection) -> int:
    """Entries in the ledger. No lock: entries up to the recorded tip never change."""
    return int(conn.execute(select(ledger_head.c.seq).where(ledger_head.c.id == 1)).scalar_one())


def leaves(conn: Connection, start: int, end: int) -> list[bytes]:
    """The leaf hashes of leaves [start, end); LookupError if an entry is missing."""
    found = (
        conn.execute(
            select(ledger.c.entry_hash)
            .where(ledger.c.seq > start, ledger.c.seq <= end)
            .order_by(ledger.c.seq)
        )
        .scalars()
        .all()
    )
    if len(found) != end - start:
        raise LookupError(f"ledger entries between {start + 1} and {end} are missing")
    return merkle.leaf_hashes(bytes(h) for h in found)


def iter_leaves(conn: Connection, start: int, end: int, batch: int = 1 << BLOCK_LEVEL) -> Iterator[bytes]:
    """The same, streamed in batches."""
    for at in range(start, end, batch):
        yield from leaves(conn, at, min(at + batch, end))


def _stored(conn: Connection, wanted: Iterable[merkle.Subtree]) -> dict[merkle.Subtree, bytes]:
    by_level: dict[int, list[int]] = {}
    for level, index in wanted:
        by_level.setdefault(level, []).append(index)
    if not by_level:
        return {}
    node = merkle_nodes.c
    where = or_(*(and_(node.level == lv, node.idx.in_(ix)) for lv, ix in by_level.items()))
    rows = conn.execute(select(merkle_nodes).where(where)).all()
    return {(int(r.level), int(r.idx)): bytes(r.hash) for r in rows}


def subtree_hashes(
    conn: Connection, wanted: Iterable[merkle.Subtree], block_level: int = BLOCK_LEVEL
) -> dict[merkle.Subtree, bytes]:
    """The hash of each complete subtree: recorded ones read, small ones hashed from their entries
    (one read per block touched). A recorded one that is missing is hashed from the ledger too."""
    wanted = set(wanted)
    found = _stored(conn, (s for s in wanted if s[0] >= block_level))
    blocks: dict[int, list[merkle.Subtree]] = {}
    for level, index in wanted - found.keys():
        if level >= block_level:
            start = index << level
            found[(level, index)] = merkle.root(iter_leaves(conn, start, start + (1 << level)))
        else:
            blocks.setdefault(index >> (block_level - level), []).append((level, index))
    for block, inside in blocks.items():
        first = block << block_level
        last = max((i + 1) << lv for lv, i in inside)
        block_leaves = leaves(conn, first, last)
        for level, index in inside:
            at = (index << level) - first
            found[(level, index)] = merkle.root_of(block_leaves[at : at + (1 << level)])
    return found


def range_hashes(
    conn: Connection, ranges: Sequence[merkle.Range], block_level: int = BLOCK_LEVEL
) -> list[bytes]:
    """MTH of each range, e.g. the ranges of a proof."""
    parts = [merkle.subtrees(a, b) for a, b in ranges]
    known = subtree_hashes(conn, (s for p in parts for s in p), block_level)
    return [merkle.fold([known[s] for s in p]) for p in parts]


def root(conn: Connection, size: int, block_level: int = BLOCK_LEVEL) -> bytes:
    return merkle.EMPTY_ROOT if size == 0 else range_hashes(conn, [(0, size)], block_level)[0]


def _recorded_blocks(conn: Connection, block_level: int) -> int:
    node = merkle_nodes.c
    query = select(func.count()).select_from(merkle_nodes).where(node.level == block_level)
    return int(conn.execute(query).scalar_one())


def check_recorded(conn: Connection, block_level: int = BLOCK_LEVEL) -> None:
    """Hash the newest recorded block again from the ledger. Each entry's hash covers the one
    before, so a rewrite of any earlier entry with its chain recomputed shows up here (Rewritten);
    one without shows up in the chain walk of `jiancha verify`."""
    have = _recorded_blocks(conn, block_level)
    if not have:
        return
    start = (have - 1) << block_level
    recorded = _stored(conn, [(block_level, have - 1)])[(block_level, have - 1)]
    if merkle.root_of(leaves(conn, start, start + (1 << block_level))) != recorded:
        raise Rewritten(
            f"ledger entries up to {have << block_level} no longer hash to the recorded Merkle nodes: "
            "its past was rewritten"
        )


def extend_nodes(conn: Connection, size: int, block_level: int = BLOCK_LEVEL) -> int:
    """Record the complete subtrees of 2^block_level entries and above that lie within the first
    `size` entries and are not recorded yet; returns how many blocks were added."""
    have = _recorded_blocks(conn, block_level)
    target = size >> block_level
    if target <= have:
        return 0
    frontier = merkle.Frontier()
    edge = merkle.subtrees(0, have << block_level) if have else []
    recorded = _stored(conn, edge)
    if len(recorded) != len(edge):
        raise Rewritten("recorded Merkle nodes are missing")
    for level, index in edge:
        frontier.push(level, recorded[(level, index)])
    rows: list[dict[str, Any]] = []
    for index in range(have, target):
        h = merkle.root_of(leaves(conn, index << block_level, (index + 1) << block_level))
        rows.append({"level": block_level, "idx": index, "hash": h})
        rows.extend({"level": lv, "idx": i, "hash": x} for (lv, i), x in frontier.push(block_level, h))
        if len(rows) >= 5000:
            _insert_nodes(conn, rows)
            rows = []
    _insert_nodes(conn, rows)
    return target - have


def _insert_nodes(conn: Connection, rows: list[dict[str, Any]]) -> None:
    # Two checkpoint makers may record the same nodes at once (PostgreSQL); they agree on them.
    if rows:
        conn.execute(upsert_insert(conn, merkle_nodes).on_conflict_do_nothing(), rows)


# -- checkpoints ------------------------------------------------------------------------------------
def _checkpoint(row: Any) -> Checkpoint:
    return Checkpoint(
        row.origin,
        int(row.tree_size),
        bytes(row.root_hash),
        iso_utc(row.created_at),
        row.key_id,
        bytes(row.signature),
    )


def latest(conn: Connection) -> Checkpoint | None:
    row = conn.execute(select(checkpoints).order_by(checkpoints.c.tree_size.desc()).limit(1)).first()
    return _checkpoint(row) if row else None


def at_size(conn: Connection, tree_size: int) -> Checkpoint | None:
    row = conn.execute(select(checkpoints).where(checkpoints.c.tree_size == tree_size)).first()
    return _checkpoint(row) if row else None


def public_keys(conn: Connection) -> dict[str, bytes]:
    """Every key that signed a checkpoint, by key id."""
    rows = conn.execute(select(checkpoints.c.key_id, checkpoints.c.public_key).distinct()).all()
    return {r.key_id: bytes(r.public_key) for r in rows}


def record(conn: Connection, checkpoint: Checkpoint, public_key: bytes, at: Any) -> Checkpoint:
    """Insert a checkpoint unless one of its size exists; returns the one that stands."""
    stmt = upsert_insert(conn, checkpoints).on_conflict_do_nothing(index_elements=["tree_size"])
    conn.execute(
        stmt.values(
            tree_size=checkpoint.tree_size,
            root_hash=checkpoint.root_hash,
            origin=checkpoint.origin,
            created_at=at,
            key_id=checkpoint.key_id,
            public_key=public_key,
            signature=checkpoint.signature,
        )
    )
    stands = at_size(conn, checkpoint.tree_size)
    assert stands is not None
    return stands
