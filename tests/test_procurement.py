"""Public resource trading (R-MON-2): compiled OCDS releases received through the API, kept and
ledgered, and the pack's red flags raised as signals a supervisor follows like any other."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import func, select

from jiancha.services import integrity, procurement, signals
from jiancha.store.database import Database
from jiancha.store.tables import procurement_releases

from .conftest import client_as, ensure_organisation, system_client
from .test_procurement_red_flags import FIXTURES

BUYER = {"id": "330900-SCJG", "name": "示范市市场监督管理局"}


def fixture(name: str, buyer: dict[str, str] | None = BUYER) -> list[dict[str, Any]]:
    """OCP's test processes, bought by a department of ours."""
    releases = [orjson.loads(line) for line in (FIXTURES / f"{name}.jsonl").read_bytes().splitlines()]
    return [{**r, "buyer": buyer} if buyer else r for r in releases]


def expected(name: str) -> dict[str, Any]:
    return dict(orjson.loads((FIXTURES / f"{name}.expected").read_bytes()))


def raised(db: Database, rule: str) -> dict[str, dict[str, Any]]:
    _, rows = signals.list_signals(db, signals.SignalFilter(rule_id=rule), limit=1000)
    return {str(r["subject"]): r for r in rows}


def test_a_single_bid_raises_a_signal_once_on_the_buyers_department(db: Database) -> None:
    ensure_organisation(db)
    sender = system_client(db, "330900-SCJG")
    answer = sender.post("/api/v1/procurement/releases", json=fixture("R018"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["accepted"] == 7
    flagged = {f"ocds:{ocid}" for ocid in expected("R018")["OCID"]}
    found = raised(db, "PC-R018")
    assert set(found) == flagged
    for signal in found.values():
        assert signal["department_code"] == "330900-SCJG" and signal["colour"] == "yellow"
        assert signal["explanation"]["values"]["indicator"] == "R018"
        assert "只收到一份投标" in signal["message_zh"] and "single bid" in signal["message_en"]
    # The same releases again change nothing and raise nothing.
    again = sender.post("/api/v1/procurement/releases", json=fixture("R018")).json()
    assert again["accepted"] == 0 and again["unchanged"] == 7 and again["signals_raised"] == 0
    assert set(raised(db, "PC-R018")) == flagged
    assert integrity.check(db).ok


def test_a_late_bid_that_won_flags_the_process_and_the_winner(db: Database) -> None:
    ensure_organisation(db)
    procurement.receive(db, procurement.parse_releases(fixture("R030")), "交易中心")
    assert {"ocds:F", "ocds-tenderer:W"} <= set(raised(db, "PC-R030"))
    assert all(s["colour"] == "red" for s in raised(db, "PC-R030").values())


def test_a_new_version_of_a_process_is_kept_beside_the_old_and_both_are_ledgered(db: Database) -> None:
    ensure_organisation(db)
    first = fixture("R018")[:1]
    procurement.receive(db, first, "交易中心")
    changed = copy.deepcopy(first)
    changed[0]["tender"]["numberOfTenderers"] = 3
    changed[0]["tender"]["title"] = "办公设备采购"
    assert procurement.receive(db, changed, "交易中心")["accepted"] == 1
    found = procurement.process(db, "open")
    assert found is not None and found["title"] == "办公设备采购"
    assert len(found["versions"]) == 2 and found["release"]["tender"]["numberOfTenderers"] == 3
    assert [s["rule_id"] for s in found["signals"]] == ["PC-R018"]  # raised on the first, kept
    assert integrity.check(db).ok
    # A release edited in the table behind the ledger's back is found out.
    with db.write() as conn:
        conn.execute(
            procurement_releases.update()
            .where(procurement_releases.c.ocid == "open")
            .values(release={"ocid": "open", "tender": {"numberOfTenderers": 9}})
        )
    report = integrity.check(db)
    assert not report.ok and "open" in str(report.mismatch)


def test_bad_releases_are_refused_whole_naming_each_place(db: Database) -> None:
    ensure_organisation(db)
    sender = system_client(db, "330900-SCJG")
    answer = sender.post("/api/v1/procurement/releases", json=[{"ocid": "ok"}, {"tender": {}}, 7])
    assert answer.status_code == 422
    problems = {p["field"]: p for p in answer.json()["error"]["problems"]}
    assert set(problems) == {"[1].ocid", "[2]"}
    assert problems["[1].ocid"]["message_zh"] and problems["[1].ocid"]["message_en"]
    # A buyer the organisation does not know, from an administrator (no department): whose is it?
    admin = client_as(db, "administrator", username="admin1")
    refused = admin.post("/api/v1/procurement/releases", json=[{"ocid": "x", "buyer": {"id": "nobody"}}])
    assert refused.status_code == 422
    assert refused.json()["error"]["problems"][0]["field"] == "[0].buyer.id"
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(procurement_releases)).scalar_one() == 0


def test_each_agency_sees_its_own_processes(db: Database) -> None:
    ensure_organisation(db)
    procurement.receive(db, fixture("R018"), "交易中心")
    other = [{**r, "ocid": f"B-{r['ocid']}", "buyer": {"id": "330800-SCJG"}} for r in fixture("R018", None)]
    procurement.receive(db, other, "交易中心")
    city = client_as(db, "e_supervisor", region="330900")
    listed = city.get("/api/v1/procurement/processes", params={"limit": 100}).json()
    assert listed["total"] == 7 and {p["department_code"] for p in listed["processes"]} == {"330900-SCJG"}
    flagged = next(p for p in listed["processes"] if p["ocid"] == "open")
    assert [s["rule_id"] for s in flagged["signals"]] == ["PC-R018"]
    assert city.get("/api/v1/procurement/processes/B-open").status_code == 404
    assert city.get("/api/v1/procurement/processes/open").json()["buyer"] == "示范市市场监督管理局"


def test_a_trading_platforms_file_is_imported_whole_or_refused_naming_its_row(
    database_url: str, tmp_path: Path
) -> None:
    from .test_cli import organisation_file, run

    run(database_url, "db", "upgrade")
    run(database_url, "import", str(organisation_file(tmp_path)))
    lines = [orjson.dumps(r) for r in fixture("R030")]
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\n".join([*lines[:2], b'{"tender": {}}', *lines[2:]]))
    refused = run(database_url, "import", str(bad), check=False)
    assert refused.returncode != 0
    assert "row=3 field=[2].ocid" in refused.stderr  # the file's third row
    good = tmp_path / "releases.jsonl"
    good.write_bytes(b"\n".join(lines))
    done = orjson.loads(run(database_url, "import", str(good)).stdout)
    assert done["kind"] == "procurement" and done["accepted"] == len(lines) and done["signals_raised"] >= 2
    package = tmp_path / "package.json"
    package.write_bytes(orjson.dumps({"releases": fixture("R030")}))
    again = orjson.loads(run(database_url, "import", str(package)).stdout)
    assert again["accepted"] == 0 and again["unchanged"] == len(lines)


def test_only_the_flagged_processes_when_asked(db: Database) -> None:
    ensure_organisation(db)
    procurement.receive(db, fixture("R018"), "交易中心")
    city = client_as(db, "e_supervisor", region="330900")
    flagged = city.get("/api/v1/procurement/processes", params={"flagged": "true"}).json()
    assert {p["ocid"] for p in flagged["processes"]} == set(expected("R018")["OCID"])
    assert flagged["total"] == len(expected("R018")["OCID"]) < 7


def test_a_process_shows_its_parties_flags_as_far_as_the_reader_may_see(db: Database) -> None:
    ensure_organisation(db)
    procurement.receive(db, procurement.parse_releases(fixture("R030")), "交易中心")
    found = procurement.process(db, "F")
    assert found is not None
    assert [(s["subject"], s["rule_id"]) for s in found["signals"]] == [("ocds:F", "PC-R030")]
    assert ("ocds-tenderer:W", "PC-R030") in {(s["subject"], s["rule_id"]) for s in found["party_signals"]}
    city = client_as(db, "e_supervisor", region="330900")
    seen = city.get("/api/v1/procurement/processes/F").json()
    assert {s["subject"] for s in seen["party_signals"]} >= {"ocds-tenderer:W"}
