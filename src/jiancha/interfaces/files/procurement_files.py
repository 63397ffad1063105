"""OCDS files of a trading platform (R-MON-2): compiled releases as JSON lines (one a line), a JSON
array, a release package (`{"releases": [...]}`) or a record package (`{"records": [{"compiledRelease":
...}]}`). Returns each release with the file row it came from, so problems name the row."""

from __future__ import annotations

from typing import Any

import orjson

from jiancha.interfaces.files.json_files import is_json_lines, json_document, json_lines


def looks_like_ocds(data: bytes) -> bool:
    """A JSON-lines file whose first record carries an `ocid` holds releases, not events."""
    first = next((line for line in data.splitlines() if line.strip()), b"")
    try:
        doc = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(doc, dict) and "ocid" in doc


def read_releases(data: bytes, filename: str) -> list[tuple[int, Any]]:
    if is_json_lines(filename):
        return json_lines(data, "releases_rejected")
    doc = json_document(data)
    if isinstance(doc, dict) and isinstance(doc.get("records"), list):
        doc = [r.get("compiledRelease") if isinstance(r, dict) else r for r in doc["records"]]
    elif isinstance(doc, dict) and isinstance(doc.get("releases"), list):
        doc = doc["releases"]
    releases = doc if isinstance(doc, list) else [doc]
    return [(i + 1, r) for i, r in enumerate(releases)]
