"""JSON files as sources send them: JSON lines (one document a line) or one JSON document."""

from __future__ import annotations

from typing import Any

import orjson

from jiancha.domain.errors import Problem, Rejected


def is_json_lines(filename: str) -> bool:
    return filename.lower().endswith((".jsonl", ".ndjson"))


def json_lines(data: bytes, code: str) -> list[tuple[int, Any]]:
    """Each non-empty line's document with its row number; Rejected (`code`) naming every row
    that is not JSON, before anything is kept."""
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
            code,
            "文件有无法读取的行，未作任何记录",
            "the file has unreadable rows; nothing was recorded",
            problems,
        )
    return rows


def json_document(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise Rejected("unreadable_file", "文件不是有效的 JSON", f"the file is not valid JSON: {e}") from e
