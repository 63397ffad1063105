"""What the demo's departments do besides cases, at instants where it once went wrong: the
department that drops an item from its published list (R-OPEN-3) drops one due there — it once
dropped the suspended item, and OP-NOT-PUBLISHED had nothing to find; and the province never
suspends an item that charges fees — it once suspended the only licence with a fee, and the
portal's item page had none to show."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from jiancha.domain.catalogue import CatalogueChange, ChangeKind
from jiancha.services import calendar as calendar_service
from jiancha.services import catalogue
from jiancha.services import demo_life as life
from jiancha.services.demo_data import build_demo
from jiancha.store.database import Database
from jiancha.store.tables import disclosed_items


def test_the_department_that_drops_an_item_never_drops_one_the_demo_skips(empty_db: Database) -> None:
    calendar_service.seed_from_package(empty_db)
    now = datetime(2026, 11, 24, 6, 45, 20, tzinfo=UTC)
    items = build_demo(calendar_service.current(empty_db), now, cases=20).items
    catalogue.apply_changes(
        empty_db,
        [
            CatalogueChange(
                kind=ChangeKind.add, code=i.code, effective_from=now - timedelta(days=400), item=i
            )
            for i in items
        ],
    )
    public: dict[str, list[str]] = defaultdict(list)
    for i in items:
        if i.public:
            public[i.department_code].append(i.code)
    dropping = sorted(d for d, codes in public.items() if len(codes) >= 2)[1]
    last, before = sorted(public[dropping])[-1], sorted(public[dropping])[-2]
    outcome = life.publish_lists(empty_db, items, None, now, {last})
    assert outcome["dropped"] == 1
    with empty_db.read() as conn:
        listed = {
            r.code: r.listed
            for r in conn.execute(
                select(disclosed_items).where(disclosed_items.c.department_code == dropping)
            )
        }
    assert listed[last] is True and listed[before] is False


def test_the_province_never_suspends_an_item_that_charges_fees(empty_db: Database) -> None:
    calendar_service.seed_from_package(empty_db)
    now = datetime(2026, 11, 24, 7, 27, tzinfo=UTC)  # the fee-bearing passport licence was chosen
    data = build_demo(calendar_service.current(empty_db), now, cases=300)
    suspended = life.suspension(data.items, data.cases, now, set())
    assert suspended is not None
    (item,) = [i for i in data.items if i.code == suspended.code]
    assert not item.fees
