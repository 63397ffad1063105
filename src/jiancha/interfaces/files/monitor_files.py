"""Files of the monitors' source systems (R-MON-4..10): records as JSON lines (one a line) or a JSON
array, either all of one kind (`--kind three_public/reception`) or each naming its own `monitor`
and `record_kind` (`--kind monitors`; not `kind`, a field of some records). All of the file is
checked — every record valid and every department known — before anything is kept; problems name
the file's rows."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.monitors import MONITORS
from jiancha.interfaces.files.json_files import is_json_lines, json_document, json_lines
from jiancha.services import monitors
from jiancha.store.database import Database
from jiancha.store.tables import departments

MIXED = "monitors"


def looks_like_records(first: Any) -> bool:
    """A record naming its monitor and kind (a mixed file of the monitors' records)."""
    return (
        isinstance(first, dict)
        and first.get("monitor") in MONITORS
        and isinstance(first.get("record_kind"), str)
    )


def is_monitor_kind(kind: str) -> bool:
    return kind == MIXED or kind.split("/", 1)[0] in MONITORS


def _rows(data: bytes, filename: str) -> list[tuple[int, Any]]:
    if is_json_lines(filename):
        return json_lines(data, "records_rejected")
    doc = json_document(data)
    return [(i + 1, r) for i, r in enumerate(doc if isinstance(doc, list) else [doc])]


def import_records(db: Database, data: bytes, filename: str, kind: str, by: str) -> dict[str, Any]:
    """Keep a file's records: all of them, or nothing with every problem named by its row."""
    groups: dict[tuple[str, str], list[tuple[int, Any]]] = defaultdict(list)
    problems: list[Problem] = []
    for row, raw in _rows(data, filename):
        if kind != MIXED:
            monitor, _, record_kind = kind.partition("/")
            groups[monitor, record_kind].append((row, raw))
            continue
        if (
            not isinstance(raw, dict)
            or not isinstance(raw.get("monitor"), str)
            or not isinstance(raw.get("record_kind"), str)
        ):
            zh = "每条记录须写明 monitor 和 record_kind"
            en = "each record names its monitor and record_kind"
            problems.append(Problem("required", "monitor", zh, en, row))
            continue
        rest = {k: v for k, v in raw.items() if k not in ("monitor", "record_kind")}
        groups[raw["monitor"], raw["record_kind"]].append((row, rest))
    with db.read() as conn:
        known = set(conn.execute(select(departments.c.code)).scalars())
    parsed = {}
    for (monitor, record_kind), rows in sorted(groups.items()):
        try:
            parsed[monitor, record_kind] = monitors.parse(monitor, record_kind, [raw for _, raw in rows])
        except Rejected as e:
            if not e.problems:
                raise
            problems.extend(
                p.at(rows[p.index][0]) if p.index is not None else p.at(rows[0][0]) for p in e.problems
            )
            continue
        for (row, _), item in zip(rows, parsed[monitor, record_kind], strict=True):
            if item.department_code not in known:
                zh, en = "所属部门应为已登记的部门编码", "department_code must name a known department"
                problems.append(Problem("unknown_department", "department_code", zh, en, row))
    if problems:
        raise Rejected(
            "records_rejected",
            "文件中有无效记录，未作任何记录",
            "the file has invalid records; nothing was recorded",
            problems,
        )
    results = []
    for (monitor, record_kind), items in sorted(parsed.items()):
        for start in range(0, len(items), monitors.MAX_RECORDS):
            results.append(
                monitors.receive(
                    db, monitor, record_kind, items[start : start + monitors.MAX_RECORDS], by, None
                )
            )
    return {
        "records": sum(r["received"] for r in results),
        "recorded": sum(r["recorded"] for r in results),
        "unchanged": sum(r["unchanged"] for r in results),
        "signals": sum(r["signals"] for r in results),
    }
