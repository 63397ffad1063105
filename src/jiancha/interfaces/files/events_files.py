"""Event files for systems that can only hand over files (R-ING-2): JSON lines, JSON, CSV.

CSV columns are the fields of an event; `attributes` holds a JSON object when present.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from typing import Any

import orjson

from jiancha.domain.errors import Problem, Rejected


def read_events(data: bytes, filename: str) -> Iterator[tuple[int, Any]]:
    """(row number, raw event) pairs; row numbers are lines for JSON lines and CSV (header = 1)."""
    name = filename.lower()
    if b"\x00" in data or b"\\u0000" in data:
        raise Rejected("nul_character", "文件中含有不允许的 NUL 字符", "the file contains a NUL character")
    try:
        if name.endswith(".csv"):
            reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
            for i, row in enumerate(reader, start=2):
                event: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
                if "attributes" in event:
                    # Unreadable JSON is left as text: validation then names the field.
                    with contextlib.suppress(orjson.JSONDecodeError):
                        event["attributes"] = orjson.loads(event["attributes"])
                yield i, event
        elif name.endswith(".json"):
            doc = orjson.loads(data)
            for i, item in enumerate(doc if isinstance(doc, list) else [doc], start=1):
                yield i, item
        else:
            for i, line in enumerate(data.splitlines(), start=1):
                if line.strip():
                    try:
                        yield i, orjson.loads(line)
                    except orjson.JSONDecodeError as e:
                        yield i, _Unreadable(str(e))
    except (UnicodeDecodeError, orjson.JSONDecodeError) as e:
        raise Rejected("unreadable_file", "文件无法读取", f"the file cannot be read: {e}") from e


class _Unreadable:
    """A line that is not JSON; validation reports it with its line number."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def problem(self, row: int) -> Problem:
        return Problem(
            "bad_json", "(line)", "该行不是有效的 JSON", f"the line is not valid JSON: {self.reason}", row
        )
