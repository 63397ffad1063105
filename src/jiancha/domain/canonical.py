"""Canonical bytes of a record: the form whose hash the ledger keeps.

Version 1: JSON, keys sorted, no white space, UTF-8 (not ASCII-escaped), instants as fixed-width
UTC strings. Changing this is a new encoding version, never an edit of this one.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

ENCODING_VERSION = 1


def canonical_bytes(record: Any) -> bytes:
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
