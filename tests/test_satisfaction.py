"""Satisfaction and revisits (R-PUB-2) through the API."""

from __future__ import annotations

from jiancha.store.database import Database

from .conftest import Desk

CASE = {
    "source_system": "SYS-A",
    "case_no": "C-20",
    "item_code": "SCJG-XK-001",
    "received_at": "2026-09-14T08:30:00+08:00",
    "title": "某餐饮店食品经营许可",
    "applicant": {"name": "王小明", "id_number": "330902199001011234", "phone": "13812345678"},
}


def test_the_applicant_rates_once_with_the_check_code_and_revisits_are_summarised(db: Database) -> None:
    with Desk(db) as client:
        code = client.post("/api/v1/cases", json=CASE).json()["check_code"]
        wrong = "000000" if code != "000000" else "111111"
        refused = client.post(
            "/api/v1/public/ratings", json={"case_no": "C-20", "check_code": wrong, "score": 1}
        )
        assert refused.status_code == 404
        out_of_range = client.post(
            "/api/v1/public/ratings", json={"case_no": "C-20", "check_code": code, "score": 6}
        )
        assert (
            out_of_range.status_code == 422
            and out_of_range.json()["error"]["problems"][0]["field"] == "score"
        )
        rated = client.post(
            "/api/v1/public/ratings",
            json={"case_no": "C-20", "check_code": code, "score": 5, "channel": "device"},
        )
        assert rated.status_code == 200 and rated.json()["ledger_seq"] > 0
        again = client.post(
            "/api/v1/public/ratings", json={"case_no": "C-20", "check_code": code, "score": 1}
        )
        assert again.status_code == 409
        for score in (4, 2):
            visit = {
                "case_no": "C-20",
                "channel": "phone",
                "score": score,
                "comment": "电话回访",
                "by": "回访员甲",
            }
            assert client.post("/api/v1/revisits", json=visit).status_code == 200
        summary = client.get("/api/v1/satisfaction").json()["departments"]["330900-SCJG"]
    assert summary == {"rating": {"count": 1, "mean_score": 5.0}, "revisit": {"count": 2, "mean_score": 3.0}}
