"""The supervision ledger (R-SUP-3): who did what when, filtered, and exported as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from jiancha.domain.rules.lifecycle import SignalState
from jiancha.services import ingest, notices, signals
from jiancha.store.database import Database

from .conftest import Desk, client_as, event


def test_signals_moves_and_notices_are_listed_filtered_and_exported(db: Database) -> None:
    accepted = datetime(2026, 9, 15, 2, tzinfo=UTC)
    evs = [event(1), event(2, step="undertake", post="受理岗", at="2026-09-15T09:00:00+08:00")]
    ingest.ingest_events(db, ingest.validate_events(evs), now=accepted)
    _, rows = signals.list_signals(db, signals.SignalFilter(rule_id="PR-POST"))
    signals.move(db, int(rows[0]["id"]), SignalState.explained, "市场监管局", "承办人临时顶岗")  # type: ignore[call-overload]
    issued = notices.issue(
        db,
        notices.NoticeIn(
            department_code="330900-SCJG", title="督办通知", requirement="报告处理情况", issued_by="监察员甲"
        ),
    )
    with Desk(db) as client:
        everything = client.get("/api/v1/supervision/ledger", params={"limit": 1000}).json()["entries"]
        kinds = {e["kind"] for e in everything}
        assert {"signal", "signal_transition", "notice"} <= kinds and "event" not in kinds
        move = next(e for e in everything if e["kind"] == "signal_transition")
        assert (move["who"], move["what"], move["detail"]) == (
            "市场监管局",
            "explained",
            "承办人临时顶岗",
        )
        only = client.get(
            "/api/v1/supervision/ledger", params={"ref": f"notice:{issued['notice_no']}"}
        ).json()
        assert [(e["kind"], e["who"], e["what"]) for e in only["entries"]] == [
            ("notice", "监察员甲", "issue")
        ]
        direct = client.get("/api/v1/supervision/ledger", params={"format": "csv"})
        assert direct.status_code == 403 and "/api/v1/exports" in direct.json()["error"]["message_en"]
        asked = client.post(
            "/api/v1/exports",
            json={
                "what": "supervision_ledger",
                "params": {"kind": "signal_transition"},
                "reason": "季度通报",
            },
        ).json()
        url = f"/api/v1/exports/{asked['export_no']}"
        assert client.get(f"{url}/download").status_code == 403, "not approved yet"
        # The requester cannot approve it; the unit's leader can.
        assert client.post(f"{url}/decision", json={"approve": True}).status_code == 403
        with client_as(db, "system_supervisor", username="chief", leader=True) as chief:
            assert chief.post(f"{url}/decision", json={"approve": True}).json()["state"] == "approved"
        exported = client.get(f"{url}/download")
        assert exported.headers["content-type"].startswith("text/csv")
        assert exported.content.startswith("\ufeff".encode())
        table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert [r["who"] for r in table] == ["市场监管局"]
        assert client.get(f"{url}/download").status_code == 403, "an export is downloaded once"
        done = client.get("/api/v1/exports").json()["exports"][0]
        assert done["state"] == "downloaded" and done["rows"] == 1 and len(done["sha256"]) == 64
        steps = client.get("/api/v1/supervision/ledger", params={"ref": url.removeprefix("/api/v1/exports/")})
        assert steps.status_code == 200
        assert client.get("/api/v1/supervision/ledger", params={"kind": "event"}).status_code == 422
