"""OCDS files of a trading platform (R-MON-2): compiled releases as JSON lines (one a line), a JSON
array, a release package (`{"releases": [...]}`) or a record package (`{"records": [{"compiledRelease":
...}]}`). Returns each release with the file row it came from, so problems name the row."""

from __future__ import annotations

from typing import Any

import orjson

from jiancha.domain.errors import Problem, Rejected


def looks_like_ocds(data: bytes) -> bool:
    """A JSON-lines file whose first record carries an `ocid` holds releases, not events."""
    first = next((line for line in data.splitlines() if line.strip()), b"")
    try:
        doc = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(doc, dict) and "ocid" in doc


def read_releases(data: bytes, filename: str) -> list[tuple[int, Any]]:
    if filename.lower().endswith((".jsonl", ".ndjson")):
        rows: list[tuple[int, Any]] = []
        problems: list[Problem] = []
        for number, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append((number, orjson.loads(line)))
            except orjson.JSONDecodeError as e:
                problems.append(Problem("bad_json", "", "不是有效的 JSON", f"not valid JSON: {e}", number))
        if problems:
            raise Rejected(
                "releases_rejected",
                "文件有无法读取的行，未作任何记录",
                "the file has unreadable rows; nothing was recorded",
                problems,
            )
        return rows
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise Rejected("unreadable_file", "文件不是有效的 JSON", f"the file is not valid JSON: {e}") from e
    if isinstance(doc, dict) and isinstance(doc.get("records"), list):
        doc = [r.get("compiledRelease") if isinstance(r, dict) else r for r in doc["records"]]
    elif isinstance(doc, dict) and isinstance(doc.get("releases"), list):
        doc = doc["releases"]
    releases = doc if isinstance(doc, list) else [doc]
    return [(i + 1, r) for i, r in enumerate(releases)]
