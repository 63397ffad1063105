"""Accountability records (R-SUP-4) through the API: finding, measures, mitigation; ledgered."""

from __future__ import annotations

from sqlalchemy import select

from jiancha.services import integrity
from jiancha.store.database import Database
from jiancha.store.tables import ledger

from .conftest import Desk

RECORD = {
    "department_code": "330900-SCJG",
    "fault": True,
    "finding": "承办人员超期办理食品经营许可，未说明理由",
    "measures": ["order_correction", "efficiency_warning"],
    "official": "王某",
    "decided_by": "市监察局",
}


def test_a_confirmed_fault_with_its_measures_and_a_mitigation_is_recorded_and_ledgered(db: Database) -> None:
    with Desk(db) as client:
        mitigated = {**RECORD, "self_corrected": True, "mitigation": "部门自查发现并已主动纠正"}
        made = client.post("/api/v1/accountability", json=mitigated)
        assert made.status_code == 200, made.text
        body = made.json()
        assert [m["label_zh"] for m in body["measures"]] == ["责令改正", "效能告诫"]
        assert body["self_corrected"] is True and body["record_no"].startswith("WZ-")
        listed = client.get("/api/v1/accountability", params={"department": "330900-SCJG"}).json()
        assert listed["total"] == 1 and listed["records"][0]["official"] == "王某"
    with db.read() as conn:
        kinds = conn.execute(select(ledger.c.kind).where(ledger.c.kind == "accountability")).scalars().all()
    assert kinds == ["accountability"]
    assert integrity.check(db).ok


def test_inconsistent_records_are_refused_naming_the_reason(db: Database) -> None:
    with Desk(db) as client:
        no_measure = client.post("/api/v1/accountability", json={**RECORD, "measures": []})
        assert no_measure.status_code == 422 and "measure" in no_measure.text
        no_fault = client.post("/api/v1/accountability", json={**RECORD, "fault": False})
        assert no_fault.status_code == 422 and "no measures" in no_fault.text
        unexplained = client.post("/api/v1/accountability", json={**RECORD, "self_corrected": True})
        assert unexplained.status_code == 422 and "主动发现" in unexplained.text
        bad = client.post("/api/v1/accountability", json={**RECORD, "measures": ["fine"]})
        assert bad.status_code == 422 and bad.json()["error"]["problems"][0]["field"].startswith("measures")
        assert client.get("/api/v1/accountability").json()["total"] == 0


def test_verify_finds_an_accountability_record_edited_behind_the_ledger(db: Database) -> None:
    from sqlalchemy import update

    from jiancha.store.tables import accountability

    with Desk(db) as client:
        assert client.post("/api/v1/accountability", json=RECORD).status_code == 200
    with db.write() as conn:
        conn.execute(update(accountability).values(measures=["order_correction"]))  # softened quietly
    assert "differs from ledger entry" in str(integrity.check(db).mismatch)
