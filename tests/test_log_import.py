"""Event logs kept elsewhere imported as cases and events (R-ING-2, issue 9): a file checked whole
before anything is written, a log sent again as XES after CSV recognised event by event, a pack's
mapping or one made from the file, naive timestamps given a zone, OCEL flattened on an object
type, and the command an operator runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from jiancha.domain.errors import Rejected
from jiancha.interfaces.files import log_import
from jiancha.services import catalogue, ingest, signals
from jiancha.store.database import Database
from jiancha.store.tables import cases, events, ledger, regions

from .conftest import event
from .test_cli import run

DATA = Path(__file__).parent / "data" / "road-fines"
HEADER = "case_id,activity,timestamp,resource,amount\n"


def count(db: Database, table: object) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_log_sent_again_as_xes_after_csv_is_recognised_event_by_event(db: Database) -> None:
    first = log_import.import_log(
        db, log_import.source_of(DATA / "roadtraffic100traces.csv", "csv"), "it-road-fines"
    )
    assert (first["cases"], first["accepted"], first["duplicates"]) == (100, 390, 0)
    again = log_import.import_log(
        db, log_import.source_of(DATA / "roadtraffic100traces.xes", "xes"), "it-road-fines"
    )
    assert (again["cases"], again["accepted"], again["duplicates"]) == (100, 0, 390)
    with db.read() as conn:
        pack = conn.execute(select(regions.c.pack).where(regions.c.code == "IT-RF")).scalar_one()
    assert pack == "it-road-fines"
    (item,) = [i for i in catalogue.current_items(db) if i.code == "IT-RF-FINE"]
    assert [s.code for s in item.process.ordered()][:3] == [
        "create-fine",
        "send-fine",
        "insert-fine-notification",
    ]


def test_a_bad_event_keeps_nothing_and_is_named_by_its_row(db: Database, tmp_path: Path) -> None:
    before = (count(db, events), count(db, ledger), count(db, regions))
    log = write(
        tmp_path,
        "fines.csv",
        HEADER
        + "F1,Create Fine,2006-07-24 00:00:00+00:00,561,35.0\n"
        + "F1,Tear Up Fine,2006-08-24 00:00:00+00:00,561,\n"
        + "F1,Send Fine,2006-12-05 00:00:00,,\n"
        + "F1,Payment,2150-12-05 00:00:00+00:00,,\n",
    )
    with pytest.raises(Rejected) as refused:
        log_import.import_log(db, log_import.source_of(log, "csv"), "it-road-fines")
    found = {(p.index, p.field, p.code) for p in refused.value.problems}
    assert (3, "activity", "unknown_activity") in found
    assert any(i == 4 and f == "timestamp" for i, f, _ in found)  # no offset
    assert (5, "timestamp", "in_future") in found  # a log is history
    assert all(p.message_zh and p.message_en and p.message_zh != p.message_en for p in refused.value.problems)
    assert (count(db, events), count(db, ledger), count(db, regions)) == before


def test_a_case_number_another_item_holds_refuses_the_log(db: Database, tmp_path: Path) -> None:
    ingest.ingest_events(db, ingest.validate_events([event(1, case_no="F9")]))
    held = count(db, events)
    log = write(tmp_path, "fines.csv", HEADER + "F9,Create Fine,2006-07-24 00:00:00+00:00,561,35.0\n")
    with pytest.raises(Rejected) as refused:
        log_import.import_log(db, log_import.source_of(log, "csv"), "it-road-fines")
    assert [(p.index, p.code) for p in refused.value.problems] == [(2, "item_mismatch")]
    assert count(db, events) == held


def test_a_log_without_a_mapping_gets_one_from_its_file(db: Database, tmp_path: Path) -> None:
    log = write(
        tmp_path,
        "permits.csv",
        "case,activity,timestamp,user\n"
        "P1,Receive Application,2026-09-14T09:00:00+08:00,王五\n"
        "P1,Check Documents,2026-09-15T10:00:00+08:00,赵六\n"
        "P2,Receive Application,2026-09-16T09:00:00+08:00,王五\n",
    )
    summary = log_import.import_log(db, log_import.source_of(log, "csv"), "default")
    assert summary == {
        "format": "csv",
        "pack": "default",
        "source_system": "log-permits",
        "item": "LOG-permits",
        "department": "LOG-permits",
        "cases": 2,
        "events": 3,
        "accepted": 3,
        "duplicates": 0,
    }
    (item,) = [i for i in catalogue.current_items(db) if i.code == "LOG-permits"]
    assert [(s.code, s.name) for s in item.process.ordered()] == [
        ("receive-application", "Receive Application"),
        ("check-documents", "Check Documents"),
    ]
    with db.read() as conn:
        actors = sorted(
            conn.execute(select(events.c.actor).where(events.c.source_system == "log-permits")).scalars()
        )
    assert actors == ["王五", "王五", "赵六"]


def test_a_deadline_the_source_gives_is_the_case_s_promised_day(db: Database, tmp_path: Path) -> None:
    """`--deadline` names the attribute holding it (of the event, else of its case); a value that
    is no date refuses the log, naming its row and the attribute."""
    header = "case,activity,timestamp,case:due\n"
    rows = (
        "P1,Receive Application,2026-09-14T09:00:00+08:00,2026-09-30\n"
        "P1,Check Documents,2026-09-15T10:00:00+08:00,2026-09-30\n"
        "P2,Receive Application,2026-09-16T09:00:00+08:00,2026-10-09T18:00:00+08:00\n"
        "P3,Receive Application,2026-09-16T09:00:00+08:00,\n"
    )
    bad = write(
        tmp_path, "permits.csv", header + rows + "P4,Receive Application,2026-09-17T09:00:00+08:00,soon\n"
    )
    with pytest.raises(Rejected) as refused:
        log_import.import_log(db, log_import.source_of(bad, "csv"), "default", deadline="due")
    assert [(p.index, p.field) for p in refused.value.problems] == [(6, "attributes")]
    assert "promised_due" in refused.value.problems[0].message_en
    assert count(db, events) == 0
    log_import.import_log(
        db,
        log_import.source_of(write(tmp_path, "permits.csv", header + rows), "csv"),
        "default",
        deadline="due",
    )
    with db.read() as conn:
        promised = {
            r.case_no: r.promised_due for r in conn.execute(select(cases.c.case_no, cases.c.promised_due))
        }
    # P3 states none: its promise is the item's limit counted from receipt (the file's own item
    # has no limit, so the day it was received).
    assert promised == {"P1": date(2026, 9, 30), "P2": date(2026, 10, 9), "P3": date(2026, 9, 16)}


def test_naive_timestamps_need_the_zone_they_were_written_in(db: Database) -> None:
    log = DATA / "roadtraffic_1t_per_variant.xes.gz"
    with pytest.raises(Rejected) as refused:
        log_import.import_log(db, log_import.source_of(log, "xes"), "it-road-fines")
    assert refused.value.problems[0].field == "time:timestamp" and refused.value.problems[0].index == 1
    assert count(db, events) == 0
    summary = log_import.import_log(
        db, log_import.source_of(log, "xes", timezone="Europe/Rome"), "it-road-fines"
    )
    assert (summary["cases"], summary["events"], summary["accepted"]) == (231, 1_891, 1_891)
    with pytest.raises(Rejected, match="time zone"):
        log_import.source_of(log, "xes", timezone="Mars/Olympus")


def test_an_ocel_log_is_flattened_on_the_object_type_of_its_cases(db: Database, tmp_path: Path) -> None:
    doc = {
        "objectTypes": [{"name": "fine", "attributes": []}, {"name": "officer", "attributes": []}],
        "eventTypes": [{"name": "Create Fine", "attributes": []}, {"name": "Send Fine", "attributes": []}],
        "objects": [
            {"id": "O1", "type": "fine", "attributes": []},
            {"id": "O2", "type": "fine", "attributes": []},
            {"id": "X", "type": "officer", "attributes": []},
        ],
        "events": [
            {
                "id": "e1",
                "type": "Create Fine",
                "time": "2006-07-24T00:00:00Z",
                "attributes": [],
                "relationships": [{"objectId": "O1", "qualifier": ""}, {"objectId": "X", "qualifier": "by"}],
            },
            {
                "id": "e2",
                "type": "Send Fine",
                "time": "2006-12-05T00:00:00Z",
                "attributes": [],
                "relationships": [{"objectId": "O1", "qualifier": ""}, {"objectId": "O2", "qualifier": ""}],
            },
        ],
    }
    log = tmp_path / "fines.jsonocel"
    log.write_bytes(orjson.dumps(doc))
    with pytest.raises(Rejected, match="case-type"):
        log_import.import_log(db, log_import.source_of(log, "ocel"), "it-road-fines")
    summary = log_import.import_log(db, log_import.source_of(log, "ocel", case_type="fine"), "it-road-fines")
    assert (summary["cases"], summary["events"]) == (2, 3)  # e2 belongs to both fines
    _, rows = signals.list_signals(db, signals.SignalFilter(rule_id="RF-1"))
    assert [r["case_no"] for r in rows] == ["O1"]  # sent 134 days after it was created


def test_the_operator_imports_a_log_and_lists_its_signals_by_rule(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rf.sqlite3'}"
    run(url, "db", "upgrade")
    # An XES file is a log by its name: --format may be left out.
    done = run(url, "import", str(DATA / "roadtraffic100traces.xes"), "--pack", "it-road-fines")
    assert orjson.loads(done.stdout)["accepted"] == 390
    listed = orjson.loads(run(url, "signals", "--json").stdout)
    assert listed["total"] == 35 and {s["rule_id"] for s in listed["signals"]} == {"RF-1"}
    bad = run(url, "import", str(DATA / "roadtraffic100traces.xes"), "--format", "pdf", check=False)
    assert bad.returncode == 2 and "unknown log format pdf" in bad.stderr
    with Database(url).read() as conn:
        assert conn.execute(select(func.count()).select_from(cases)).scalar_one() == 100
    # A deadline the source gives, named on the command line.
    permits = write(
        tmp_path,
        "permits.csv",
        "case,activity,timestamp,due\nP1,Receive,2026-09-14T09:00:00+08:00,2026-09-30\n",
    )
    run(url, "import", str(permits), "--format", "csv", "--deadline", "due")
    with Database(url).read() as conn:
        stated = conn.execute(select(cases.c.promised_due).where(cases.c.case_no == "P1")).scalar_one()
    assert stated == date(2026, 9, 30)
