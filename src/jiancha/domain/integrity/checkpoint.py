"""Signed checkpoints (签名检查点): the ledger's Merkle root at a size, signed with Ed25519.

The signed bytes are a short versioned text, one field a line, in the spirit of a transparency
log's "signed note" (C2SP tlog-checkpoint), so anyone can check a signature with any Ed25519 tool:

    jiancha-checkpoint/v1
    <origin: the platform's name>
    <tree size, decimal>
    <root hash, 64 lowercase hex digits>
    <time: YYYY-MM-DDTHH:MM:SS.ffffffZ, UTC>

each line ending in "\\n". The key id is the first 8 bytes (16 hex digits) of SHA-256 of the raw
32-byte public key. A witness keeps the JSON form (`as_json`) and the platform's public key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from jiancha.domain.integrity.merkle import HASH_SIZE
from jiancha.domain.timeutil import iso_utc

FORMAT = "jiancha-checkpoint/v1"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    time: str  # fixed-width UTC text, exactly as signed
    key_id: str
    signature: bytes

    def body(self) -> bytes:
        return body(self.origin, self.tree_size, self.root_hash, self.time)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "time": self.time,
            "key_id": self.key_id,
            "signature": self.signature.hex(),
            "note": self.body().decode(),  # the signed text, for outside tools; not read back
        }


def body(origin: str, tree_size: int, root_hash: bytes, time: str) -> bytes:
    if not origin or not origin.isprintable():
        raise ValueError("the origin must be one printable line")
    if tree_size < 1 or len(root_hash) != HASH_SIZE:
        raise ValueError("a checkpoint covers at least one entry and carries a 32-byte root")
    return f"{FORMAT}\n{origin}\n{tree_size}\n{root_hash.hex()}\n{time}\n".encode()


def raw_public_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, origin: str, tree_size: int, root_hash: bytes, at: datetime) -> Checkpoint:
    time = iso_utc(at)
    return Checkpoint(
        origin,
        tree_size,
        root_hash,
        time,
        key_id(raw_public_key(key)),
        key.sign(body(origin, tree_size, root_hash, time)),
    )


def signed_by(checkpoint: Checkpoint, public_raw: bytes) -> str | None:
    """None when `public_raw` signed this checkpoint; else why not."""
    if checkpoint.key_id != key_id(public_raw):
        return f"it names key {checkpoint.key_id}, not the given key {key_id(public_raw)}"
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(checkpoint.signature, checkpoint.body())
    except (InvalidSignature, ValueError):
        return "its signature does not match its contents"
    return None


def from_json(data: Any) -> Checkpoint:
    """A checkpoint as `as_json` wrote it; ValueError naming the first bad field."""
    if not isinstance(data, dict):
        raise ValueError("(checkpoint): not a JSON object")
    if data.get("format") != FORMAT:
        raise ValueError(f"format: expected {FORMAT!r}")

    def text(name: str) -> str:
        value = data.get(name)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name}: missing or not text")
        return value

    def hex_bytes(name: str, size: int) -> bytes:
        try:
            value = bytes.fromhex(text(name))
        except ValueError as e:
            raise ValueError(f"{name}: not hexadecimal") from e
        if len(value) != size:
            raise ValueError(f"{name}: expected {size} bytes")
        return value

    size = data.get("tree_size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError("tree_size: expected a positive integer")
    return Checkpoint(
        text("origin"),
        size,
        hex_bytes("root_hash", HASH_SIZE),
        text("time"),
        text("key_id"),
        hex_bytes("signature", 64),
    )
