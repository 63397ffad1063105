"""The ledger (留痕, R-AUD-1): an append-only, hash-chained record of everything accepted."""

from jiancha.store.ledger.chain import Entry, append, lock, verify

__all__ = ["Entry", "append", "lock", "verify"]
