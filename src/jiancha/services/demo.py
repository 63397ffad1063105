"""`jiancha demo`: load the demo city of `demo_data` into the database, through the same services
that departmental systems use, so the demo exercises the real ingest path."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from jiancha.domain.catalogue import CatalogueChange, ChangeKind
from jiancha.domain.timeutil import utcnow
from jiancha.services import calendar as calendar_service
from jiancha.services import catalogue, clock, ingest, organisation
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
        return f"demo already loaded: {count} cases"
    now = utcnow()
    data = build_demo(calendar_service.current(db), now, seed=seed, cases=cases_wanted)
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
    for start in range(0, len(data.cases), BATCH):
        ingest.register_cases(db, data.cases[start : start + BATCH])
    for start in range(0, len(data.events), BATCH):
        ingest.ingest_events(db, ingest.validate_events(data.events[start : start + BATCH]))
        log.info("demo: %d of %d events", min(start + BATCH, len(data.events)), len(data.events))
    clock.sweep(db, now)
    return (
        f"demo loaded: {len(data.departments)} departments, {len(data.items)} items, "
        f"{len(data.cases)} cases, {len(data.events)} events"
    )
