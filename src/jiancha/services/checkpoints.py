"""Signed checkpoints and proofs over the ledger (issue 5): what a witness keeps and checks.

`make` signs the RFC 6962 root of the whole ledger when it has grown, after checking that the
ledger still hashes to the previous checkpoint's root (the platform never signs a changed past).
`inclusion` and `consistency` give the proofs, as the API serves them and `jiancha proof` checks them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from sqlalchemy import select

from jiancha.domain.errors import Rejected, invalid
from jiancha.domain.integrity import merkle
from jiancha.domain.integrity.checkpoint import Checkpoint, key_id, raw_public_key, sign
from jiancha.domain.timeutil import utcnow
from jiancha.settings import CheckpointSettings, checkpoint_settings
from jiancha.store import checkpoints as store
from jiancha.store.database import Database
from jiancha.store.tables import ledger

Rewritten = store.Rewritten


# -- the signing key --------------------------------------------------------------------------------
def signing_key(path: Path) -> Ed25519PrivateKey:
    """The platform's private key, made (mode 0600) the first time it is needed."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        _create_key(path)
        data = path.read_bytes()
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as e:
        raise Rejected(
            "bad_signing_key", f"签名私钥文件无法读取：{path}", f"cannot read the signing key {path}: {e}"
        ) from e
    if not isinstance(key, Ed25519PrivateKey):
        raise Rejected(
            "bad_signing_key", f"签名私钥不是 Ed25519 密钥：{path}", f"{path} is not an Ed25519 private key"
        )
    return key


def _create_key(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        # A link never replaces a file: when two processes start at once, the first key stands.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def public_keys(db: Database, settings: CheckpointSettings | None = None) -> dict[str, Any]:
    """Every key that signed one of the platform's checkpoints, and its current key (none until the
    first checkpoint makes one: asking does not)."""
    settings = settings or checkpoint_settings()
    with db.read() as conn:
        keys = store.public_keys(conn)
    current = None
    if settings.key_file.exists():
        raw = raw_public_key(signing_key(settings.key_file))
        current = key_id(raw)
        keys[current] = raw
    return {
        "current": current,
        "keys": [
            {"key_id": kid, "algorithm": "Ed25519", "public_key": raw.hex(), "pem": _pem(raw)}
            for kid, raw in sorted(keys.items())
        ],
    }


def _pem(raw: bytes) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return (
        Ed25519PublicKey.from_public_bytes(raw)
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


# -- making checkpoints -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Made:
    checkpoint: Checkpoint
    new: bool  # False: the ledger had not grown since the latest checkpoint, which is returned


def make(
    db: Database,
    settings: CheckpointSettings | None = None,
    at: datetime | None = None,
    block_level: int = store.BLOCK_LEVEL,
) -> Made | None:
    """Sign the root of the whole ledger unless it has not grown; None while it is empty.
    Raises Rewritten when the ledger no longer hashes to what was recorded or signed."""
    settings = settings or checkpoint_settings()
    key = signing_key(settings.key_file)
    at = at or utcnow()
    with db.write() as conn:
        size = store.ledger_size(conn)
        last = store.latest(conn)
        # Checked even when there is nothing new to sign, so `jiancha checkpoint` also answers
        # "does the ledger still hash to what was signed?" (cheap: a block and O(log n) nodes).
        store.check_recorded(conn, block_level)
        if last and last.tree_size > size:
            raise Rewritten(f"the ledger holds {size} entries; {last.tree_size} were signed at {last.time}")
        if last and store.root(conn, last.tree_size, block_level) != last.root_hash:
            raise Rewritten(
                f"the ledger's first {last.tree_size} entries no longer hash to the root "
                f"signed at {last.time}: its past was rewritten"
            )
        if last and last.tree_size == size:
            return Made(last, False)
        if size == 0:
            return None
        store.extend_nodes(conn, size, block_level)
        signed = sign(key, settings.origin, size, store.root(conn, size, block_level), at)
        return Made(store.record(conn, signed, raw_public_key(key), at), True)


def due(db: Database, interval: timedelta, now: datetime | None = None) -> bool:
    """The worker's question: has the ledger grown, and is the latest checkpoint `interval` old?"""
    now = now or utcnow()
    with db.read() as conn:
        last = store.latest(conn)
        size = store.ledger_size(conn)
    if last is None:
        return size > 0
    return size > last.tree_size and now - datetime.fromisoformat(last.time) >= interval


def latest(db: Database) -> Checkpoint | None:
    with db.read() as conn:
        return store.latest(conn)


def at_size(db: Database, tree_size: int) -> Checkpoint | None:
    with db.read() as conn:
        return store.at_size(conn, tree_size)


# -- proofs -----------------------------------------------------------------------------------------
def _covered(conn: Any, field: str, size: int) -> None:
    """Proofs are given within the latest signed checkpoint: beyond it there is no root to check."""
    last = store.latest(conn)
    top = last.tree_size if last else 0
    if not 1 <= size <= top:
        raise _out_of_range(
            field,
            top,
            "（最新检查点的大小）",
            " (the size of the latest checkpoint)",
            code="not_checkpointed",
            zh="该树大小不在已签名检查点范围内",
            en="the tree size is not covered by a signed checkpoint",
        )


def _out_of_range(
    field: str,
    top: int,
    of_zh: str = "",
    of_en: str = "",
    code: str = "invalid_request",
    zh: str = "请求参数无效",
    en: str = "the request is invalid",
) -> Rejected:
    """A refusal naming `field`, which must lie between 1 and `top`."""
    problem = invalid(
        field, "out_of_range", f"应在 1 至 {top} 之间{of_zh}", f"must be between 1 and {top}{of_en}"
    )
    return Rejected(code, zh, en, [problem])


def inclusion(db: Database, seq: int, tree_size: int, block_level: int = store.BLOCK_LEVEL) -> dict[str, Any]:
    """The audit path of ledger entry `seq` (leaf seq - 1) in the tree of the first `tree_size` entries."""
    with db.read() as conn:
        _covered(conn, "tree_size", tree_size)
        if not 1 <= seq <= tree_size:
            raise _out_of_range("seq", tree_size, "（树的大小）", " (the tree size)")
        entry = conn.execute(select(ledger.c.entry_hash).where(ledger.c.seq == seq)).scalar_one()
        proof = store.range_hashes(conn, merkle.inclusion_ranges(seq - 1, tree_size), block_level)
        checkpoint = store.at_size(conn, tree_size)
    return {
        "seq": seq,
        "leaf_index": seq - 1,
        "tree_size": tree_size,
        "entry_hash": bytes(entry).hex(),
        "leaf_hash": merkle.leaf_hash(bytes(entry)).hex(),
        "proof": [h.hex() for h in proof],
        "checkpoint": checkpoint.as_json() if checkpoint else None,
    }


def consistency(db: Database, old: int, new: int, block_level: int = store.BLOCK_LEVEL) -> dict[str, Any]:
    """Proof that the tree of the first `old` entries is the left edge of the tree of `new`."""
    with db.read() as conn:
        _covered(conn, "new", new)
        if not 1 <= old <= new:
            raise _out_of_range("old", new)
        proof = store.range_hashes(conn, merkle.consistency_ranges(old, new), block_level)
    return {"old": old, "new": new, "proof": [h.hex() for h in proof]}
