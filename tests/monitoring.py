"""What the monitors' tests share: the demo city's departments by suffix, and a record as the
service keeps it (validated by its kind's model, its fields as JSON values, its day)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jiancha.domain.monitors.base import Monitor, Record, as_record

CITY = {
    s: f"330900-{s}"
    for s in (
        "SCJG",
        "ZRZY",
        "ZJ",
        "JTYS",
        "STHJ",
        "WJW",
        "GA",
        "MZ",
        "RS",
        "JY",
        "NYNC",
        "WGLY",
        "YJGL",
        "SW",
    )
}


def kept(monitor: Monitor, kind: str, fields: Mapping[str, Any], department: str) -> Record:
    """`fields` as a source would send them; the department, unless they name one, `department`."""
    spec = monitor.kinds[kind]
    item = spec.model.model_validate({"department_code": department, **fields})
    return as_record(kind, spec, item, item.department_code or department)
