"""Regions can differ (R-SIG-7): a region given its own pack has its departments' cases judged by
it, its subregions follow it, and everything else keeps the platform's pack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from jiancha.domain.errors import Rejected
from jiancha.domain.rules.pack import INCLUDABLE
from jiancha.services import clock, ingest, monitors, organisation, packs, signals
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


def test_a_region_s_pack_takes_the_monitors_rules_it_includes(db: Database) -> None:
    """The region packs judge approvals by their own document, and the other supervised areas by
    the default pack's rules, which they include: a reception over the standard at a Qitaihe
    department raises the default pack's rule, recorded as raised by its own pack."""
    _organisation(db)
    reception = {
        "id": "R-1",
        "day": "2026-09-15",
        "visiting_unit": "邻市市场监督管理局",
        "reason": "交流",
        "has_letter": True,
        "guests": 2,
        "meals": 1,
        "meals_cost": 3000.0,
    }
    found = monitors.receive(
        db,
        "three_public",
        "reception",
        monitors.parse("three_public", "reception", [reception]),
        "test",
        "330904-SCJG",
    )
    assert found["signals"] == 1
    (signal,) = signals.list_signals(db, signals.SignalFilter(subject="three_public:"))[1]
    assert (signal["rule_id"], signal["pack"]) == ("SG-RECEPTION-COST", "qitaihe")
    for name in ("shenzhen-2007", "qitaihe", "sichuan-2014"):
        pack = packs.load(name)
        own = {r.id for r in pack.rules}
        assert not any(r.family in INCLUDABLE for r in pack.rules), name
        assert {r.id for r in pack.compiled()} - own == {r.id for r in pack.included}
        assert {r.family for r in pack.included} == INCLUDABLE, name
        assert pack.procurement == packs.load("default").procurement


@pytest.mark.parametrize(
    ("include", "says"),
    [
        ([{"pack": "default", "families": ["time_limit"]}], "time_limit"),
        ([{"pack": "nowhere", "families": ["vehicle_use"]}], "shipped"),
        ([{"pack": "qitaihe", "families": ["vehicle_use"]}], "includes others"),
    ],
)
def test_a_pack_includes_only_the_monitors_families_of_a_shipped_pack_that_includes_nothing(
    include: list[dict[str, object]], says: str
) -> None:
    text = yaml.safe_dump(
        {"pack": "x", "title_zh": "x", "title_en": "x", "rules": [], "include": include}, allow_unicode=True
    )
    with pytest.raises(Rejected) as refused:
        packs.parse(text, "x.yaml")
    shown = refused.value.message_en + " ".join(p.message_en for p in refused.value.problems)
    assert says in shown
    written = yaml.safe_dump(
        {"pack": "x", "title_zh": "x", "title_en": "x", "rules": [], "include": [], "included": []}
    )
    with pytest.raises(Rejected, match="included"):
        packs.parse(written, "x.yaml")
