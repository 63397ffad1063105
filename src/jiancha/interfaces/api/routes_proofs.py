"""Signed checkpoints and proofs over the ledger (issue 5), for outside witnesses.

A witness keeps a checkpoint and the public key; later it asks for a consistency proof from its
checkpoint to the latest and checks it (`jiancha proof` does exactly this). Open to anyone: a
witness stands outside the platform, and these answers hold hashes and signatures, no content.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from jiancha.interfaces.api.access import Public
from jiancha.interfaces.api.deps import database
from jiancha.interfaces.api.errors import not_found
from jiancha.services import checkpoints
from jiancha.store.database import Database

router = APIRouter(tags=["proofs"])

Size = Annotated[int, Query(ge=1, le=2**62)]


@router.get("/checkpoints/latest", summary="The latest signed checkpoint (签名检查点)")
def latest(_: Public, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    found = checkpoints.latest(db)
    if found is None:
        raise not_found("签名检查点", "checkpoint")
    return found.as_json()


@router.get("/checkpoints/public-key", summary="The platform's Ed25519 public keys, by key id")
def public_key(_: Public, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return checkpoints.public_keys(db)


@router.get("/checkpoints/{tree_size}", summary="The signed checkpoint of a tree size")
def by_size(
    _: Public, db: Annotated[Database, Depends(database)], tree_size: Annotated[int, Path(ge=1, le=2**62)]
) -> dict[str, Any]:
    found = checkpoints.at_size(db, tree_size)
    if found is None:
        raise not_found(f"大小为 {tree_size} 的签名检查点", f"checkpoint of tree size {tree_size}")
    return found.as_json()


@router.get("/proofs/inclusion", summary="Audit path of a ledger entry in the tree of a signed size")
def inclusion(
    _: Public,
    db: Annotated[Database, Depends(database)],
    seq: Size,
    tree_size: Annotated[int | None, Query(ge=1, le=2**62, description="default: the latest")] = None,
) -> dict[str, Any]:
    return checkpoints.inclusion(db, seq, tree_size or _latest_size(db))


@router.get("/proofs/consistency", summary="Proof that the tree of `old` entries is a prefix of `new`")
def consistency(
    _: Public,
    db: Annotated[Database, Depends(database)],
    old: Size,
    new: Annotated[int | None, Query(ge=1, le=2**62, description="default: the latest")] = None,
) -> dict[str, Any]:
    return checkpoints.consistency(db, old, new or _latest_size(db))


def _latest_size(db: Database) -> int:
    found = checkpoints.latest(db)
    if found is None:
        raise not_found("签名检查点", "checkpoint")
    return found.tree_size
