"""Regions can differ (R-SIG-7): a region given its own pack has its departments' cases judged by
it, its subregions follow it, and everything else keeps the platform's pack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jiancha.domain.errors import Rejected
from jiancha.services import clock, ingest, organisation, signals
from jiancha.store.database import Database

from .conftest import Desk, add_items, event, licence_item


def _organisation(db: Database) -> None:
    organisation.save(
        db,
        organisation.parse(
            {
                "regions": [
                    {"code": "330900", "name": "示范市", "level": "city"},
                    {
                        "code": "330904",
                        "name": "七台河区",
                        "level": "county",
                        "parent_code": "330900",
                        "pack": "qitaihe",
                    },
                    {"code": "33090401", "name": "某街道", "level": "county", "parent_code": "330904"},
                ],
                "departments": [
                    {"code": "330900-SCJG", "name": "示范市市场监管局", "region_code": "330900"},
                    {"code": "330904-SCJG", "name": "七台河区市场监管局", "region_code": "330904"},
                    {"code": "33090401-SCJG", "name": "某街道市场监管所", "region_code": "33090401"},
                ],
            }
        ),
    )
    add_items(
        db,
        licence_item("SCJG-XK-004", department_code="330904-SCJG"),
        licence_item("SCJG-XK-005", department_code="33090401-SCJG"),
    )


def test_a_region_with_its_own_pack_judges_its_departments_and_those_below(db: Database) -> None:
    _organisation(db)
    accepted = datetime(2026, 9, 14, 2, tzinfo=UTC)
    batch = [
        event(1, case_no="CITY-1", at="2026-09-14T09:00:00+08:00"),
        event(2, case_no="QTH-1", item_code="SCJG-XK-004", at="2026-09-14T09:00:00+08:00"),
        event(3, case_no="STREET-1", item_code="SCJG-XK-005", at="2026-09-14T09:00:00+08:00"),
    ]
    ingest.ingest_events(db, ingest.validate_events(batch), now=accepted)
    clock.sweep(db, datetime(2026, 10, 20, 4, tzinfo=UTC))  # every case is past its legal limit

    def rules_of(case_no: str) -> dict[str, str]:
        _, rows = signals.list_signals(db, signals.SignalFilter(case_no=case_no))
        return {str(r["rule_id"]): str(r["pack"]) for r in rows}

    city, county, street = rules_of("CITY-1"), rules_of("QTH-1"), rules_of("STREET-1")
    assert city["TL-LEGAL-OVERDUE"] == "default" and not any(r.startswith("QTH-") for r in city)
    assert county == {"QTH-YELLOW": "qitaihe", "QTH-RED": "qitaihe"}
    assert set(street) == {"QTH-YELLOW", "QTH-RED"}, "a subregion follows its parent's pack"
    with Desk(db) as client:
        assert client.get("/api/v1/packs").json()["regions"] == {"330904": "qitaihe"}


def test_a_region_given_an_unknown_pack_is_refused_naming_the_field(db: Database) -> None:
    org = organisation.parse(
        {"regions": [{"code": "330905", "name": "某区", "level": "county", "pack": "nowhere"}]}
    )
    with pytest.raises(Rejected) as refused:
        organisation.save(db, org)
    (problem,) = refused.value.problems
    assert problem.field == "regions[0].pack" and "nowhere" in problem.message_en
