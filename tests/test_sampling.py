"""Sampling (R-PAT-2): a seeded draw is reproducible and stays inside its filter; findings only on
drawn cases."""

from __future__ import annotations

from jiancha.services import ingest
from jiancha.store.database import Database

from .conftest import Desk, event


def _cases(db: Database, n: int) -> None:
    evs = [event(k, case_no=f"S-{k:03d}", at=f"2026-10-{1 + k % 28:02d}T09:00:00+08:00") for k in range(n)]
    ingest.ingest_events(db, ingest.validate_events(evs))


def test_the_same_seed_draws_the_same_cases_and_another_seed_others(db: Database) -> None:
    _cases(db, 60)
    with Desk(db) as client:
        october = {"received_from": "2026-10-01", "received_to": "2026-10-14"}
        body = {"seed": 20261123, "size": 10, "filter": october, "by": "监察员甲"}
        first = client.post("/api/v1/samples", json=body).json()
        second = client.post("/api/v1/samples", json=body).json()
        other = client.post("/api/v1/samples", json={**body, "seed": 7}).json()
        assert first["case_nos"] == second["case_nos"] and first["sample_no"] != second["sample_no"]
        assert other["case_nos"] != first["case_nos"] and len(first["case_nos"]) == 10
        assert first["population"] == sum(1 for k in range(60) if 1 + k % 28 <= 14)
        days = {int(no.removeprefix("S-")) % 28 + 1 for no in first["case_nos"]}
        assert max(days) <= 14, "every drawn case lies inside the filter"
        url = f"/api/v1/samples/{first['sample_no']}/findings"
        drawn = first["case_nos"][0]
        ok = client.post(
            url, json={"case_no": drawn, "compliant": False, "finding": "缺少现场核查记录", "by": "审查员"}
        )
        assert ok.status_code == 200 and ok.json()["reviewed"] == 1
        outsider = next(f"S-{k:03d}" for k in range(60) if f"S-{k:03d}" not in first["case_nos"])
        refused = client.post(
            url, json={"case_no": outsider, "compliant": True, "finding": "无", "by": "审查员"}
        )
        assert refused.status_code == 422 and outsider in refused.json()["error"]["message_en"]
        big = client.post("/api/v1/samples", json={**body, "size": 1000}).json()
        assert len(big["case_nos"]) == big["population"], "a sample larger than the population takes all"
