"""A department's published list of powers as a file (R-OPEN-3), for portals read by a script:
JSON (the object `POST /api/v1/disclosures` takes) or CSV, one row per item.

CSV columns: `department_code`, `captured_at` (the same on every row), `source` (optional), `code`,
`name`, and optionally `status`, `published_at`, `content_sha256` and `content` (a JSON object).
"""

from __future__ import annotations

import contextlib
import csv
import io
from typing import Any

import orjson

from jiancha.domain.errors import Problem, Rejected

LIST_FIELDS = ("department_code", "captured_at", "source")


def read_published_list(data: bytes, filename: str) -> Any:
    """The raw list the file holds, for `openness.parse_list` to validate."""
    if b"\x00" in data or b"\\u0000" in data:
        raise Rejected("nul_character", "文件中含有不允许的 NUL 字符", "the file contains a NUL character")
    try:
        if not filename.lower().endswith(".csv"):
            return orjson.loads(data)
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    except (UnicodeDecodeError, orjson.JSONDecodeError, csv.Error) as e:
        raise Rejected("unreadable_file", "文件无法读取", f"the file cannot be read: {e}") from e
    head: dict[str, str] = {}
    entries = []
    problems = []
    for i, row in enumerate(rows, start=2):
        values = {k: v.strip() for k, v in row.items() if k and v not in (None, "")}
        for name in LIST_FIELDS:
            value = values.pop(name, "")
            if value and head.setdefault(name, value) != value:
                problems.append(
                    Problem(
                        "differs",
                        name,
                        f"第 {i} 行的 {name} 与第一行不同：一个文件只能是一份清单",
                        f"row {i} gives another {name} than the first row: a file holds one list",
                        i,
                    )
                )
        if "content" in values:
            # Unreadable JSON is left as text: validation then names the field.
            with contextlib.suppress(orjson.JSONDecodeError):
                values["content"] = orjson.loads(values["content"])
        entries.append(values)
    if problems:
        raise Rejected(
            "list_rejected",
            "公开清单有错误，未作任何记录",
            "the published list has errors; nothing was recorded",
            problems,
        )
    return {**head, "entries": entries}
