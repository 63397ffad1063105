"""`jiancha demo`: load the demo city of `demo_data` into the database, through the same services
that departmental systems use, so the demo exercises the real ingest path."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from jiancha.domain.catalogue import CatalogueChange, ChangeKind, PowerItem
from jiancha.domain.events import EventIn
from jiancha.domain.timeutil import LOCAL, utcnow
from jiancha.services import (
    attachments,
    catalogue,
    clock,
    demo_monitors,
    demo_procurement,
    demo_vehicles,
    ingest,
    notifications,
    organisation,
)
from jiancha.services import calendar as calendar_service
from jiancha.services import demo_life as life
from jiancha.services.demo_data import CITY, build_demo
from jiancha.store.database import Database
from jiancha.store.tables import cases, regions

log = logging.getLogger(__name__)
BATCH = 1000


def load_demo(db: Database, cases_wanted: int = 20_000, seed: int = 2026) -> str:
    """Build the demo unless the database holds it already; returns a one-line summary."""
    with db.read() as conn:
        present = conn.execute(select(regions.c.code).where(regions.c.code == CITY[0])).first() is not None
        count = int(conn.execute(select(func.count()).select_from(cases)).scalar_one())
    if present and count:
        demo_users(db)  # a demo built before there were users gets them
        return f"demo already loaded: {count} cases"
    now = utcnow()
    calendar = calendar_service.current(db)
    data = build_demo(calendar, now, seed=seed, cases=cases_wanted)
    # What departments do besides handling cases: each rule family gets something true to find.
    idle, kept_cases, kept_events = life.idle_one_item(data.items, data.cases, data.events, now)
    silent, kept_events = life.silence_one_feed(kept_cases, kept_events, calendar, now)
    unequal = life.fine_unequally(kept_cases, kept_events)
    kept_events = life.execute_penalties(life.publish_results(kept_events, calendar, now))
    suspended = life.suspension(data.items, kept_cases, now, {idle or ""})
    changed = life.change_one_item(data.items, now, {idle or "", suspended.code if suspended else ""})
    organisation.save(
        db, organisation.parse({"regions": data.regions, "departments": data.departments}), by="demo"
    )
    effective = now - timedelta(days=400)
    catalogue.apply_changes(
        db,
        [
            CatalogueChange(
                kind=ChangeKind.add, code=i.code, effective_from=effective, changed_by="demo", item=i
            )
            for i in data.items
        ],
    )
    if suspended is not None:
        catalogue.apply_changes(db, [suspended])
    if changed is not None:
        catalogue.apply_changes(db, [changed])
    for start in range(0, len(kept_cases), BATCH):
        ingest.register_cases(db, kept_cases[start : start + BATCH])
    events = _with_materials(db, data.items, kept_events)
    sent = life.delivery_times(events, now)
    events.sort(key=lambda e: (sent[e["event_id"]], str(e["occurred_at"])))
    done = 0
    for batch in _hourly((ingest.validate_events(part) for part in _chunks(events, BATCH)), sent):
        # Replay history on its own clock, as if each hour's events arrived as that hour ended
        # (a few systems later): a case is judged with what was known then.
        ingest.ingest_events(db, batch, now=min(now, max(sent[e.event_id] for e in batch)))
        done += len(batch)
        log.info("demo: %d of %d events", done, len(events))
    answered = life.answer_signals(db, now)
    # The departments hear of their notices and measures, the supervisors of complaints, in the
    # file transport; real-name complainants are texted (queued for an SMS gateway, if configured).
    for kind, role, label in (("notice", "handler", "各部门承办人"), ("complaint", "supervisor", "监察室")):
        notifications.subscribe(db, notifications.Subscription("role", role, "file", label, kind=kind))
    noticed = life.issue_notices(db, now)
    measures = life.require_measures(db, now)
    complained = life.public_complaints(db, calendar, now)
    accountable = life.hold_accountable(db, now)
    watched = life.patrol_and_sample(db, calendar, now)
    published = life.publish_lists(db, data.items, changed, now, {suspended.code if suspended else ""})
    buyers = [(d["code"], d["name"]) for d in data.departments if str(d["code"]).startswith(CITY[0] + "-")]
    traded = demo_procurement.trade(db, buyers[:3], now)
    driven = demo_vehicles.drive(db, buyers[:2], calendar, now)
    city = {
        str(d["code"]).removeprefix(CITY[0] + "-"): str(d["code"])
        for d in data.departments
        if str(d["code"]).startswith(CITY[0] + "-")
    }
    watched_areas = demo_monitors.send(db, city, now)
    clock.sweep(db, now)
    # From now on the supervisors hear of every red signal, in the file transport (no network).
    notifications.subscribe(
        db, notifications.Subscription("role", "supervisor", "file", "监察室", colour="red")
    )
    demo_users(db)
    corrected = life.request_corrections(db, f"{CITY[0]}-SCJG", DEMO_PASSWORD, now)
    evaluated = life.publish_last_month(db, CITY[0], DEMO_PASSWORD, now)
    return (
        f"demo loaded: {len(data.departments)} departments, {len(data.items)} items, "
        f"{len(kept_cases)} cases, {len(events)} events; feed {silent} silent, item {idle} idle, "
        f"item {suspended.code if suspended else None} suspended; signals answered: "
        + ", ".join(f"{k} {v}" for k, v in sorted(answered.items()))
        + "; notices: "
        + ", ".join(f"{k} {v}" for k, v in sorted(noticed.items()))
        + "; measures: "
        + ", ".join(f"{k} {v}" for k, v in sorted(measures.items()))
        + "; complaints: "
        + ", ".join(f"{k} {v}" for k, v in sorted(complained.items()))
        + f"; accountability records: {accountable}; "
        + ", ".join(f"{k} {v}" for k, v in sorted(watched.items()))
        + "; corrections: "
        + ", ".join(f"{k} {v}" for k, v in sorted(corrected.items()))
        + f"; evaluation of {evaluated} published"
        + f"; fined unlike its like cases: {unequal}"
        + "; procurement: "
        + ", ".join(f"{k} {v}" for k, v in sorted(traded.items()))
        + "; vehicles: "
        + ", ".join(f"{k} {v}" for k, v in driven.items())
        + "; monitors' signals: "
        + ", ".join(f"{k} {v}" for k, v in watched_areas.items())
        + "; published lists: "
        + ", ".join(f"{k} {v}" for k, v in sorted(published.items()))
    )


def _with_materials(
    db: Database, items: list[PowerItem], events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Attach each step's required materials at the first event of that step, as a hall's system
    would upload them; about one case in thirty forgets one, which the materials rule catches."""
    materials = {i.code: {s.code: s.materials for s in i.process.steps} for i in items}
    hashes: dict[str, str] = {}
    for names in {m for steps in materials.values() for ms in steps.values() for m in ms}:
        hashes[names], _ = attachments.store(
            db,
            f"示范材料：{names}".encode(),
            filename=f"{names}.txt",
            media_type="text/plain; charset=utf-8",
            uploaded_by="demo",
        )
    seen: set[tuple[str, str]] = set()
    out = []
    for e in events:
        needed = materials.get(e["item_code"], {}).get(e["step"], ())
        key = (e["case_no"], e["step"])
        if needed and key not in seen:
            seen.add(key)
            forgetful = zlib.crc32(e["case_no"].encode()) % 30 == 0
            given = needed[1:] if forgetful else needed
            e = {
                **e,
                "attributes": {
                    **e.get("attributes", {}),
                    "attachments": [{"name": m, "sha256": hashes[m]} for m in given],
                },
            }
        out.append(e)
    return out


def _chunks(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _hourly(batches: Iterable[list[EventIn]], sent: dict[str, datetime]) -> Iterator[list[EventIn]]:
    """Regroup events ordered by when they are sent into one batch per local hour of sending (at
    most BATCH events each)."""
    current: list[EventIn] = []
    for batch in batches:
        for e in batch:
            if current and (
                len(current) >= BATCH or local_hour(sent[e.event_id]) != local_hour(sent[current[0].event_id])
            ):
                yield current
                current = []
            current.append(e)
    if current:
        yield current


def local_hour(at: datetime) -> tuple[int, int, int, int]:
    t = at.astimezone(LOCAL)
    return (t.year, t.month, t.day, t.hour)


# The demo's people, all with the password DEMO_PASSWORD — for trying the platform only: anyone who
# reads this file knows it. A real deployment makes its users with `jiancha user add`.
DEMO_PASSWORD = "jiancha-demo"
DEMO_USERS = (
    ("admin", "系统管理员", "administrator", None, None),
    ("jianchayuan", "市监察局 电子监察员", "e_supervisor", CITY[0], None),
    ("jianguan", "市监察局 系统监管员", "system_supervisor", CITY[0], None),
    ("donghu", "东湖区监察局 电子监察员", "e_supervisor", "330902", None),
    ("scjg", "市场监管局 科长", "post_user", None, f"{CITY[0]}-SCJG"),
)


def demo_users(db: Database) -> list[str]:
    """Make the demo's users (once); returns their names."""
    from jiancha.services import access

    known = {u["username"] for u in access.list_users(db)}
    for username, name, role, region, department in DEMO_USERS:
        if username in known:
            continue
        access.create_user(
            db,
            access.parse_user(
                {
                    "username": username,
                    "display_name": name,
                    "role": role,
                    "region_code": region,
                    "department_code": department,
                    "leader": username == "jianguan",
                    "password": DEMO_PASSWORD,
                }
            ),
            by="demo",
        )
    return [u[0] for u in DEMO_USERS]
