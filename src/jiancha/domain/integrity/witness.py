"""What an outside witness checks (见证): signatures by trusted keys, and the proofs against them.

Each function returns None when all holds, else why not, in a sentence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jiancha.domain.integrity import merkle
from jiancha.domain.integrity.checkpoint import Checkpoint, signed_by


def signature(checkpoint: Checkpoint, keys: Mapping[str, bytes]) -> str | None:
    """`keys`: trusted raw public keys by key id."""
    key = keys.get(checkpoint.key_id)
    if key is None:
        return f"checkpoint {checkpoint.tree_size} is signed by key {checkpoint.key_id}, which is not trusted"
    why = signed_by(checkpoint, key)
    return f"checkpoint {checkpoint.tree_size}: {why}" if why else None


def consistency(
    old: Checkpoint, new: Checkpoint, proof: Sequence[bytes], keys: Mapping[str, bytes]
) -> str | None:
    for checkpoint in (old, new):
        why = signature(checkpoint, keys)
        if why:
            return why
    if old.origin != new.origin:
        return f"the checkpoints are of different ledgers ({old.origin!r}, {new.origin!r})"
    if old.tree_size > new.tree_size:
        return f"checkpoint {old.tree_size} is newer than checkpoint {new.tree_size}"
    if not merkle.verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof):
        return (
            f"the ledger of checkpoint {new.tree_size} does not extend that of checkpoint "
            f"{old.tree_size}: entries up to {old.tree_size} were changed"
        )
    return None


def inclusion(
    checkpoint: Checkpoint, seq: int, entry_hash: bytes, proof: Sequence[bytes], keys: Mapping[str, bytes]
) -> str | None:
    why = signature(checkpoint, keys)
    if why:
        return why
    leaf = merkle.leaf_hash(entry_hash)
    if not merkle.verify_inclusion(seq - 1, checkpoint.tree_size, leaf, proof, checkpoint.root_hash):
        return f"ledger entry {seq} with hash {entry_hash.hex()} is not in checkpoint {checkpoint.tree_size}"
    return None
