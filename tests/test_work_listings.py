"""The lists behind the console's patrols and samples pages: the patrols and the samples an agency
and those below it made, newest first, each agency seeing only its own subtree's."""

from __future__ import annotations

from jiancha.services import ingest
from jiancha.store.database import Database

from .conftest import client_as, event


def test_an_agency_lists_its_own_patrols_and_those_below_it_newest_first(db: Database) -> None:
    top = client_as(db, "system_supervisor", username="top")
    city = client_as(db, "e_supervisor", region="330900", username="city")
    other = client_as(db, "e_supervisor", region="330800", username="other")

    def patrol(client, agency: str, at: str, findings: str = "") -> None:  # type: ignore[no-untyped-def]
        body = {"agency_region": agency, "target_region": agency, "kind": "video", "at": at}
        answer = client.post(
            "/api/v1/patrols", json={**body, "findings": findings, "issue_found": bool(findings)}
        )
        assert answer.status_code == 200, answer.text

    patrol(city, "330900", "2026-11-02T09:00:00+08:00")
    patrol(city, "330900", "2026-11-03T09:00:00+08:00", "窗口人员离岗")
    patrol(other, "330800", "2026-11-04T09:00:00+08:00")
    mine = city.get("/api/v1/patrols").json()
    assert mine["total"] == 2
    assert [p["at"] for p in mine["patrols"]] == ["2026-11-03T09:00:00+08:00", "2026-11-02T09:00:00+08:00"]
    first = mine["patrols"][0]
    assert first["findings"] == "窗口人员离岗" and first["issue_found"] is True
    assert first["kind"] == "video" and first["by"].startswith("city")
    assert top.get("/api/v1/patrols", params={"limit": 1}).json()["total"] == 3
    assert len(top.get("/api/v1/patrols", params={"limit": 1}).json()["patrols"]) == 1
    department = client_as(db, "post_user", department="330900-SCJG", username="official")
    assert department.get("/api/v1/patrols").status_code == 403


def test_an_agency_lists_the_samples_it_drew_with_how_many_cases_were_reviewed(db: Database) -> None:
    evs = [event(k, case_no=f"S-{k:03d}", at=f"2026-10-{1 + k:02d}T09:00:00+08:00") for k in range(12)]
    ingest.ingest_events(db, ingest.validate_events(evs))
    city = client_as(db, "e_supervisor", region="330900", username="city")
    other = client_as(db, "e_supervisor", region="330800", username="other")
    drawn = city.post("/api/v1/samples", json={"seed": 42, "size": 3}).json()
    again = city.post("/api/v1/samples", json={"seed": 43, "size": 2}).json()
    finding = {"case_no": drawn["case_nos"][0], "compliant": False, "finding": "缺少审核意见"}
    assert city.post(f"/api/v1/samples/{drawn['sample_no']}/findings", json=finding).status_code == 200
    listed = city.get("/api/v1/samples").json()
    assert listed["total"] == 2
    newest, oldest = listed["samples"]
    assert newest["sample_no"] == again["sample_no"] and oldest["sample_no"] == drawn["sample_no"]
    assert oldest["seed"] == 42 and oldest["drawn"] == 3 and oldest["reviewed"] == 1
    assert oldest["population"] == 12 and newest["reviewed"] == 0
    assert other.get("/api/v1/samples").json() == {"total": 0, "samples": []}
