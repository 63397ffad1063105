"""The monitors of other supervised areas (R-MON-4..10): the records their source systems send, the
checks of each department's pack over them, and what a reader may see.

**Records.** A monitor (`jiancha.domain.monitors`) names its record kinds; a record is validated
by its kind's model — every problem named by the item's place and field, in both languages, and a
bad item refuses the whole batch. A record belongs to a department: the one it names, else the
sender's; a department's system sends only its own. A record sent again with other values is its
next version (the row holds the current one); unchanged, it adds nothing. Every version is one
ledger entry (kind `monitor_record`, reference `<monitor>:<kind>/<id>`) holding what the row holds.

**Checks.** In the transaction that keeps a batch, every rule of the monitor's family in the pack
of each department the batch touched runs its check over that department's records of the
monitor whose day is within the monitor's window; each hit is raised once per subject and rule.
Once a local day (`periodic_checks`), the clock runs the checks time alone can change (a
disclosure not made, a site nobody checked in at) over every department holding records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import Connection, func, select

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.monitors import MONITORS
from jiancha.domain.monitors.base import Monitor, Record, RecordIn, Records, Today, as_record
from jiancha.domain.rules.families import monitors as family
from jiancha.domain.rules.lifecycle import UNRESOLVED
from jiancha.domain.timeutil import iso_local, iso_utc, local_date, utcnow
from jiancha.domain.validation import problems_from
from jiancha.services import packs
from jiancha.services.signals import Subject, raise_on_subjects
from jiancha.store import calendar as calendar_store
from jiancha.store.bulk import upsert_insert
from jiancha.store.cases import chunks
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.tables import departments, monitor_records, periodic_checks, signals

MAX_RECORDS = 5_000  # a batch through the API; a file is sent in batches of this size


def monitor_named(name: str) -> Monitor:
    found = MONITORS.get(name)
    if found is None:
        zh, en = f"没有监督模块 {name}", f"there is no monitor {name}; known: {', '.join(sorted(MONITORS))}"
        raise Rejected("unknown_monitor", zh, en, [Problem("unknown_monitor", "monitor", zh, en)], status=404)
    return found


def _kind_of(monitor: Monitor, kind: str) -> None:
    if kind not in monitor.kinds:
        zh = f"{monitor.zh}没有记录类型 {kind}"
        en = f"monitor {monitor.family} has no record kind {kind}; it has {', '.join(monitor.kinds)}"
        raise Rejected(
            "unknown_record_kind", zh, en, [Problem("unknown_record_kind", "kind", zh, en)], status=404
        )


def parse(monitor_name: str, kind: str, raw: Any) -> list[RecordIn]:
    """One record or an array, each validated by its kind's model; Rejected naming every problem
    by its place (`[i].field`)."""
    monitor = monitor_named(monitor_name)
    _kind_of(monitor, kind)
    model = monitor.kinds[kind].model
    items = raw if isinstance(raw, list) else [raw]
    problems: list[Problem] = []
    if not items:
        problems.append(Problem("empty", "", "没有记录", "no records"))
    if len(items) > MAX_RECORDS:
        zh, en = f"一次最多 {MAX_RECORDS} 条记录", f"at most {MAX_RECORDS} records at once"
        problems.append(Problem("too_many", "", zh, en))
    found: list[RecordIn] = []
    seen: set[str] = set()
    for i, item in enumerate(items[:MAX_RECORDS]):
        if not isinstance(item, dict):
            problems.append(Problem("not_object", f"[{i}]", "应为 JSON 对象", "must be a JSON object", i))
            continue
        try:
            record = model.model_validate(item)
        except ValidationError as e:
            problems.extend(
                Problem(p.code, f"[{i}].{p.field}", p.message_zh, p.message_en, i) for p in problems_from(e)
            )
            continue
        if record.id in seen:
            zh, en = f"记录 {record.id} 在本批中重复", f"record {record.id} is repeated in this batch"
            problems.append(Problem("repeated", f"[{i}].id", zh, en, i))
        seen.add(record.id)
        found.append(record)
    if problems:
        raise _refused(monitor, problems)
    return found


def _refused(monitor: Monitor, problems: list[Problem]) -> Rejected:
    return Rejected(
        "records_rejected",
        f"{monitor.zh}记录有错误，未作任何记录",
        f"the {monitor.en} records have errors; nothing was recorded",
        problems,
    )


def record_payload(row: Mapping[str, Any]) -> dict[str, Any]:
    """A version of a record as the ledger holds it."""
    return {
        "v": 1,
        "monitor": row["monitor"],
        "kind": row["kind"],
        "record_id": row["record_id"],
        "department_code": row["department_code"],
        "day": row["day"].isoformat(),
        "version": row["version"],
        "received_at": iso_utc(row["received_at"]),
        "recorded_by": row["recorded_by"],
        "data": row["data"],
    }


def receive(
    db: Database,
    monitor_name: str,
    kind: str,
    items: Sequence[RecordIn],
    by: str,
    sender_department: str | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Keep the new records and versions, ledgered, and raise what the checks of the departments
    touched find — in one transaction."""
    now = now or utcnow()
    monitor = monitor_named(monitor_name)
    _kind_of(monitor, kind)
    spec = monitor.kinds[kind]
    with db.write() as conn:
        lock(conn)
        known = set(conn.execute(select(departments.c.code)).scalars())
        held = {
            r.record_id: r
            for part in chunks(sorted(i.id for i in items))
            for r in conn.execute(
                select(monitor_records).where(
                    monitor_records.c.monitor == monitor.family,
                    monitor_records.c.kind == kind,
                    monitor_records.c.record_id.in_(part),
                )
            )
        }
        problems: list[Problem] = []
        rows: list[dict[str, Any]] = []
        for i, item in enumerate(items):
            unit = item.department_code or sender_department
            old = held.get(item.id)
            if sender_department is not None and (
                unit != sender_department or (old is not None and old.department_code != sender_department)
            ):
                raise Rejected(
                    "not_your_unit",
                    "接入系统只能报送本部门的记录",
                    "a department's system sends only its own department's records",
                    status=403,
                )
            if unit is None or unit not in known:
                zh, en = "所属部门应为已登记的部门编码", "department_code must name a known department"
                problems.append(Problem("unknown_department", f"[{i}].department_code", zh, en, i))
                continue
            kept = as_record(kind, spec, item, unit)
            data, day = dict(kept.data), kept.day
            if old is not None and (old.department_code, old.day, old.data) == (unit, day, data):
                continue
            rows.append(
                {
                    "monitor": monitor.family,
                    "kind": kind,
                    "record_id": item.id,
                    "department_code": unit,
                    "day": day,
                    "data": data,
                    "version": (old.version + 1) if old is not None else 1,
                    "received_at": now,
                    "recorded_by": by,
                }
            )
        if problems:
            raise _refused(monitor, problems)
        entries = [Entry("monitor_record", _ref(r), record_payload(r)) for r in rows]
        for r, seq in zip(rows, append(conn, entries, now), strict=True):
            if r["record_id"] in held:
                conn.execute(
                    monitor_records.update()
                    .where(monitor_records.c.id == held[r["record_id"]].id)
                    .values(**r, ledger_seq=seq)
                )
            else:
                conn.execute(monitor_records.insert().values(**r, ledger_seq=seq))
        raised = assess(conn, monitor, {r["department_code"] for r in rows}, now)
    return {
        "monitor": monitor.family,
        "kind": kind,
        "received": len(items),
        "recorded": len(rows),
        "unchanged": len(items) - len(rows),
        "signals": raised,
    }


def _ref(row: Mapping[str, Any]) -> str:
    return f"{row['monitor']}:{row['kind']}/{row['record_id']}"


def _records(conn: Connection, monitor: Monitor, department: str, since: date) -> Records:
    return Records(
        Record(r.kind, r.record_id, r.department_code, r.day, r.data)
        for r in conn.execute(
            select(monitor_records).where(
                monitor_records.c.monitor == monitor.family,
                monitor_records.c.department_code == department,
                monitor_records.c.day >= since,
            )
        )
    )


def assess(
    conn: Connection, monitor: Monitor, codes: Iterable[str], now: datetime, timed_only: bool = False
) -> int:
    """Run the monitor's rules of each department's pack over its records; raise what they find."""
    wanted = sorted(set(codes))
    if not wanted:
        return 0
    judges = packs.for_departments(conn, wanted)
    today = Today(local_date(now), calendar_store.load(conn))
    since = today.day - timedelta(days=monitor.window_days)
    raised = 0
    for code in wanted:
        pack = judges[code]
        rules = [
            r
            for r in pack.compiled()
            if r.family == monitor.family and (not timed_only or family.check_of(r).timed)
        ]
        if not rules:
            continue
        records = _records(conn, monitor, code, since)
        found = [
            Subject(family.subject(rule, hit), hit.department_code, family.finding(rule, hit), rule)
            for rule in rules
            for hit in family.check_of(rule).run(family.settings_of(rule), records, today)
        ]
        raised += raise_on_subjects(conn, pack, found, now)
    return raised


def watch(db: Database, now: datetime) -> int:
    """Once a local day per monitor (`periodic_checks`, rule id `monitor:<family>`): the checks time
    alone can change, over every department holding records of the monitor."""
    day = local_date(now).isoformat()
    timed = {name: m for name, m in MONITORS.items() if any(c.timed for c in m.checks.values())}
    with db.read() as conn:
        done = set(
            conn.execute(
                select(periodic_checks.c.rule_id).where(
                    periodic_checks.c.period == day,
                    periodic_checks.c.rule_id.in_([f"monitor:{n}" for n in timed]),
                )
            ).scalars()
        )
    raised = 0
    for name, monitor in sorted(timed.items()):
        if f"monitor:{name}" in done:
            continue
        with db.write() as conn:
            codes = conn.execute(
                select(monitor_records.c.department_code).where(monitor_records.c.monitor == name).distinct()
            ).scalars()
            raised += assess(conn, monitor, codes, now, timed_only=True)
            conn.execute(
                upsert_insert(conn, periodic_checks).on_conflict_do_nothing(
                    index_elements=["rule_id", "period"]
                ),
                [{"rule_id": f"monitor:{name}", "period": day, "done_at": now}],
            )
    return raised


# -- reading --------------------------------------------------------------------------------------


def overview(db: Database, scope: Scope = EVERYTHING) -> list[dict[str, Any]]:
    """Every monitor: its kinds and checks, the records in scope of each kind, and its unresolved
    signals in scope."""
    with db.read() as conn:
        counts = {
            (str(m), str(k)): int(n)
            for m, k, n in conn.execute(
                select(monitor_records.c.monitor, monitor_records.c.kind, func.count())
                .where(scope.restrict(monitor_records.c.department_code))
                .group_by(monitor_records.c.monitor, monitor_records.c.kind)
            )
        }
        open_signals = {
            str(f): int(n)
            for f, n in conn.execute(
                select(signals.c.family, func.count())
                .where(
                    signals.c.family.in_(sorted(MONITORS)),
                    signals.c.state.in_(sorted(UNRESOLVED)),
                    scope.restrict(signals.c.department_code),
                )
                .group_by(signals.c.family)
            )
        }
    return [
        {
            "monitor": m.family,
            "zh": m.zh,
            "en": m.en,
            "requirement": m.requirement,
            "window_days": m.window_days,
            "has_index": m.index is not None,
            "kinds": [
                {
                    "kind": k,
                    "zh": spec.zh,
                    "en": spec.en,
                    "day": spec.day,
                    "fields": fields_of(spec.model),
                    "records": counts.get((m.family, k), 0),
                }
                for k, spec in m.kinds.items()
            ],
            "checks": [
                {"check": c, "zh": spec.zh, "en": spec.en, "timed": spec.timed}
                for c, spec in m.checks.items()
            ],
            "unresolved_signals": open_signals.get(m.family, 0),
        }
        for m in sorted(MONITORS.values(), key=lambda m: int(m.requirement.rsplit("-", 1)[1]))
    ]


def fields_of(model: type[RecordIn]) -> list[dict[str, Any]]:
    """A kind's fields as its model describes them: name, Chinese label, English meaning, whether
    required (the model's JSON Schema, so the console and the docs say what the API checks)."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "zh": str(prop.get("title") or name),
            "en": str(prop.get("description") or name),
            "required": name in required,
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _signals_by_record(conn: Connection, monitor: Monitor, scope: Scope) -> dict[str, list[dict[str, Any]]]:
    """The monitor's signals in scope, by the record (`kind/id`) each rests on."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in conn.execute(
        select(
            signals.c.id,
            signals.c.subject,
            signals.c.rule_id,
            signals.c.colour,
            signals.c.state,
            signals.c.message_zh,
            signals.c.message_en,
            signals.c.explanation,
        )
        .where(signals.c.family == monitor.family, scope.restrict(signals.c.department_code))
        .order_by(signals.c.id)
    ):
        shown = {
            "id": s.id,
            "subject": s.subject,
            "rule_id": s.rule_id,
            "colour": s.colour,
            "state": s.state,
            "message_zh": s.message_zh,
            "message_en": s.message_en,
        }
        for ref in (s.explanation or {}).get("values", {}).get("records", []):
            found[str(ref)].append(shown)
    return found


def _row(r: Any) -> dict[str, Any]:
    return {
        "kind": r.kind,
        "id": r.record_id,
        "department_code": r.department_code,
        "day": r.day.isoformat(),
        "version": r.version,
        "received_at": iso_local(r.received_at),
        "ledger_seq": r.ledger_seq,
        "data": r.data,
    }


def records(
    db: Database,
    monitor_name: str,
    kind: str,
    scope: Scope = EVERYTHING,
    department: str | None = None,
    flagged: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> dict[str, Any]:
    """A kind's records in scope, newest day first, each with the signals resting on it."""
    monitor = monitor_named(monitor_name)
    _kind_of(monitor, kind)
    where = [
        monitor_records.c.monitor == monitor.family,
        monitor_records.c.kind == kind,
        scope.restrict(monitor_records.c.department_code),
    ]
    if department:
        where.append(monitor_records.c.department_code == department)
    with db.read() as conn:
        flags = _signals_by_record(conn, monitor, scope)
        if flagged:
            ids = sorted(ref.split("/", 1)[1] for ref in flags if ref.startswith(f"{kind}/"))
            where.append(monitor_records.c.record_id.in_(ids))
        total = int(
            conn.execute(select(func.count()).select_from(monitor_records).where(*where)).scalar_one()
        )
        rows = conn.execute(
            select(monitor_records)
            .where(*where)
            .order_by(monitor_records.c.day.desc(), monitor_records.c.record_id)
            .offset(offset)
            .limit(limit)
        ).all()
    return {
        "monitor": monitor.family,
        "kind": kind,
        "total": total,
        "records": [{**_row(r), "signals": flags.get(f"{kind}/{r.record_id}", [])} for r in rows],
    }


def record(
    db: Database, monitor_name: str, kind: str, record_id: str, scope: Scope = EVERYTHING
) -> dict[str, Any] | None:
    """A record, its versions (from the ledger) and the signals resting on it."""
    from jiancha.store.tables import ledger

    monitor = monitor_named(monitor_name)
    _kind_of(monitor, kind)
    with db.read() as conn:
        r = conn.execute(
            select(monitor_records).where(
                monitor_records.c.monitor == monitor.family,
                monitor_records.c.kind == kind,
                monitor_records.c.record_id == record_id,
            )
        ).first()
        if r is None or not scope.has_department(r.department_code):
            return None
        ref = f"{monitor.family}:{kind}/{record_id}"
        versions = [
            {
                "version": p["version"],
                "ledger_seq": seq,
                "received_at": iso_local(datetime.fromisoformat(p["received_at"])),
                "recorded_by": p["recorded_by"],
                "data": p["data"],
            }
            for seq, payload in conn.execute(
                select(ledger.c.seq, ledger.c.payload)
                .where(ledger.c.kind == "monitor_record", ledger.c.ref == ref)
                .order_by(ledger.c.seq)
            )
            for p in [orjson.loads(bytes(payload))]
        ]
        flags = _signals_by_record(conn, monitor, scope).get(f"{kind}/{record_id}", [])
    return {"monitor": monitor.family, **_row(r), "versions": versions, "signals": flags}


def index(
    db: Database, monitor_name: str, scope: Scope = EVERYTHING, now: datetime | None = None
) -> dict[str, Any]:
    """An index monitor's index (R-MON-8/9) for each subject in scope, with every component, by the
    settings of the platform pack's first rule naming its index check (or the check's defaults)."""
    monitor = monitor_named(monitor_name)
    if monitor.index is None or monitor.index_check is None:
        zh, en = f"{monitor.zh}没有指数", f"monitor {monitor.family} has no index"
        raise Rejected("no_index", zh, en, status=404)
    now = now or utcnow()
    check = monitor.checks[monitor.index_check]
    pack = packs.active()
    rule = next(
        (
            r
            for r in pack.compiled()
            if r.family == monitor.family and r.params.get("check") == monitor.index_check
        ),
        None,
    )
    settings = family.settings_of(rule) if rule is not None else check.settings()
    rows: list[dict[str, Any]] = []
    with db.read() as conn:
        today = Today(local_date(now), calendar_store.load(conn))
        since = today.day - timedelta(days=monitor.window_days)
        codes = conn.execute(
            select(monitor_records.c.department_code)
            .where(
                monitor_records.c.monitor == monitor.family, scope.restrict(monitor_records.c.department_code)
            )
            .distinct()
            .order_by(monitor_records.c.department_code)
        ).scalars()
        for code in list(codes):
            rows.extend(monitor.index(settings, _records(conn, monitor, code, since), today))
    return {
        "monitor": monitor.family,
        "day": today.day.isoformat(),
        "pack": pack.pack,
        "rule_id": rule.id if rule is not None else None,
        "settings": settings.model_dump(mode="json"),
        "rows": rows,
    }


# -- integrity ------------------------------------------------------------------------------------


def integrity_mismatch(conn: Connection) -> str | None:
    """The first record that differs from its ledger entry, or whose newest ledger version is not
    the one kept (a version rolled back or removed)."""
    from jiancha.store.tables import ledger

    newest: dict[str, int] = {
        str(ref): int(seq)
        for ref, seq in conn.execute(
            select(ledger.c.ref, func.max(ledger.c.seq))
            .where(ledger.c.kind == "monitor_record")
            .group_by(ledger.c.ref)
        )
    }
    kept: set[str] = set()
    for r in conn.execute(select(monitor_records).order_by(monitor_records.c.id)):
        row = dict(r._mapping)
        ref = _ref(row)
        kept.add(ref)
        entry = conn.execute(
            select(ledger.c.kind, ledger.c.payload).where(ledger.c.seq == r.ledger_seq)
        ).first()
        if (
            entry is None
            or entry.kind != "monitor_record"
            or orjson.loads(bytes(entry.payload)) != record_payload(row)
        ):
            return f"monitor record {ref} differs from ledger entry {r.ledger_seq}"
        if newest.get(ref) != r.ledger_seq:
            return f"monitor record {ref} is not its newest version in the ledger (entry {newest.get(ref)})"
    missing = sorted(set(newest) - kept)
    if missing:
        return f"the monitor record of ledger reference {missing[0]} is missing"
    return None
