"""Patrols (R-PAT-1): logged, refused outside the agency's scope, and shortfalls per working day
against the frequency of the agency's level."""

from __future__ import annotations

from jiancha.services import organisation
from jiancha.store.database import Database

from .conftest import Desk


def _tree(db: Database) -> None:
    organisation.save(
        db,
        organisation.parse(
            {
                "regions": [
                    {"code": "330900", "name": "示范市", "level": "city"},
                    {"code": "330902", "name": "东湖区", "level": "county", "parent_code": "330900"},
                    {"code": "330903", "name": "西山区", "level": "county", "parent_code": "330900"},
                ]
            }
        ),
    )


def test_shortfalls_follow_the_level_and_count_only_working_days(db: Database) -> None:
    _tree(db)
    with Desk(db) as client:

        def patrol(agency: str, target: str, at: str) -> int:
            body = {
                "agency_region": agency,
                "target_region": target,
                "kind": "data",
                "by": "监察员",
                "at": at,
            }
            return client.post("/api/v1/patrols", json=body).status_code

        # Monday 2 November: the city patrols itself twice and a county once — enough;
        # the county 330902 only once — short. Tuesday: nobody patrols. Saturday 7th is no working day.
        assert patrol("330900", "330900", "2026-11-02T09:00:00+08:00") == 200
        assert patrol("330900", "330900", "2026-11-02T15:00:00+08:00") == 200
        assert patrol("330900", "330902", "2026-11-02T10:00:00+08:00") == 200
        assert patrol("330902", "330902", "2026-11-02T11:00:00+08:00") == 200
        assert patrol("330902", "330900", "2026-11-02T11:00:00+08:00") == 422, "not above oneself"
        assert patrol("330902", "330999", "2026-11-02T11:00:00+08:00") == 422
        report = client.get(
            "/api/v1/patrols/shortfalls", params={"from": "2026-11-02", "to": "2026-11-08"}
        ).json()
    by_agency = {a["agency_region"]: a for a in report["agencies"]}
    city, county, other = by_agency["330900"], by_agency["330902"], by_agency["330903"]
    assert city["required_per_day"] == {"own": 2, "below": 1} and city["working_days"] == 5
    assert [s["day"] for s in city["shortfalls"]] == ["2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"]
    assert county["shortfalls"][0] == {"day": "2026-11-02", "own": 1, "below": 0}
    assert county["days_short"] == 5 and other["days_short"] == 5
