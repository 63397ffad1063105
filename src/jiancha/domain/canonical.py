"""Canonical bytes of a record: the form whose hash the ledger keeps.

Version 1: JSON, keys sorted, no white space, UTF-8 (not ASCII-escaped), instants as fixed-width
UTC strings. Changing this is a new encoding version, never an edit of this one.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

ENCODING_VERSION = 1


# Levels of objects and lists in free-form data (an event's attributes): far more than any system
# sends, and well below the 255 that orjson writes, so a record holding such data is recordable.
MAX_NESTING = 64


def nesting(value: Any) -> int:
    """How many levels of objects and lists `value` has (0 for a scalar)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            todo.extend((child, level + 1) for child in children)
    return deepest


def canonical_bytes(record: Any) -> bytes:
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
