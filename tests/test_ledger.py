"""The ledger (R-AUD-1): append-only in the database itself, and verify names the broken entry."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from jiancha.services import ingest, integrity
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append
from jiancha.store.ledger.chain import verify

from .conftest import drop_ledger_triggers, event


def _fill(db: Database, n: int = 5) -> None:
    with db.write() as conn:
        append(conn, [Entry("note", f"note:{k}", {"k": k, "text": "留痕"}) for k in range(n)])


def test_a_fresh_chain_verifies(empty_db: Database) -> None:
    _fill(empty_db)
    with empty_db.read() as conn:
        verdict = verify(conn)
    assert verdict.ok and verdict.entries == 5


@pytest.mark.parametrize(
    "statement", ["UPDATE ledger SET kind = 'x' WHERE seq = 2", "DELETE FROM ledger WHERE seq = 2"]
)
def test_the_database_refuses_to_change_or_delete_an_entry(empty_db: Database, statement: str) -> None:
    _fill(empty_db)
    with pytest.raises(DBAPIError, match="append-only"), empty_db.write() as conn:
        conn.execute(text(statement))
    with empty_db.read() as conn:
        assert verify(conn).ok


def test_verify_names_an_entry_edited_directly_in_the_database(empty_db: Database) -> None:
    _fill(empty_db, 10)
    drop_ledger_triggers(empty_db)
    with empty_db.write() as conn:
        conn.execute(text("UPDATE ledger SET payload = :p WHERE seq = 7"), {"p": b'{"k":6,"text":"edited"}'})
    report = integrity.check(empty_db)
    assert not report.ok
    assert report.chain.broken_seq == 7
    assert "7" in report.describe()


def test_verify_notices_a_removed_entry_and_a_removed_tail(empty_db: Database) -> None:
    _fill(empty_db, 10)
    drop_ledger_triggers(empty_db)
    with empty_db.write() as conn:
        conn.execute(text("DELETE FROM ledger WHERE seq = 4"))
    assert integrity.check(empty_db).chain.broken_seq == 4


def test_verify_notices_a_removed_tail(empty_db: Database) -> None:
    _fill(empty_db, 10)
    drop_ledger_triggers(empty_db)
    with empty_db.write() as conn:
        conn.execute(text("DELETE FROM ledger WHERE seq > 8"))
    report = integrity.check(empty_db)
    assert not report.ok and report.chain.broken_seq == 9


def test_verify_notices_an_event_row_edited_behind_the_ledgers_back(db: Database) -> None:
    ingest.ingest_events(
        db,
        ingest.validate_events(
            [event(1), event(2, step="undertake", post="承办岗", at="2026-09-15T09:00:00+08:00")]
        ),
    )
    assert integrity.check(db).ok
    with db.write() as conn:
        conn.execute(text("UPDATE events SET actor = '李四' WHERE event_id = 'E-2'"))
    report = integrity.check(db)
    assert not report.ok
    assert "E-2" in report.describe()


def _world(db: Database) -> None:
    """Two cases, one registered with its applicant, and an attachment."""
    import hashlib
    from datetime import UTC, datetime

    from jiancha.domain.events import CaseIn
    from jiancha.store.tables import attachments

    content = b"decision"
    with db.write() as conn:
        conn.execute(
            attachments.insert().values(
                sha256=hashlib.sha256(content).hexdigest(),
                size=8,
                media_type="text/plain",
                filename="d.txt",
                content=content,
                uploaded_at=datetime.now(UTC),
                uploaded_by="SYS-A",
            )
        )
    ingest.register_case(
        db,
        CaseIn.model_validate(
            {
                "source_system": "SYS-A",
                "case_no": "C-1",
                "item_code": "SCJG-XK-001",
                "received_at": "2026-09-14T08:00:00+08:00",
                "applicant": {"name": "王小明", "phone": "13812345678"},
            }
        ),
    )
    ingest.ingest_events(
        db,
        ingest.validate_events(
            [
                event(1),
                event(2, step="undertake", post="承办岗", at="2026-09-15T09:00:00+08:00"),
                event(3, case_no="C-2", at="2026-09-16T09:00:00+08:00"),
            ]
        ),
    )


FORGE = (
    "INSERT INTO events (source_system, event_id, case_id, case_no, item_code, step, action, actor, post, "
    "occurred_at, received_at, attributes, ledger_seq) SELECT source_system, 'FORGED', case_id, case_no, "
    "item_code, step, action, actor, post, occurred_at, received_at, attributes, 999999 FROM events "
    "WHERE event_id = 'E-1'"
)
TAMPERING = {
    "a forged event row": FORGE,
    "a deleted event row": "DELETE FROM events WHERE event_id = 'E-2'",
    "an event moved to another case": (
        "UPDATE events SET case_id = (SELECT id FROM cases WHERE case_no = 'C-2') WHERE event_id = 'E-2'"
    ),
    "a back-dated catalogue version": (
        "UPDATE item_versions SET effective_from = effective_from + INTERVAL '1 day'"
    ),
    "a moved legal deadline": "UPDATE cases SET legal_due = legal_due + 1 WHERE case_no = 'C-1'",
    "a case marked completed": "UPDATE cases SET status = 'completed' WHERE case_no = 'C-1'",
    "an edited applicant": "UPDATE cases SET applicant_name = '李四' WHERE case_no = 'C-1'",
    "a replaced attachment": "UPDATE attachments SET content = :forged",
    "a signal quietly closed": "UPDATE signals SET state = 'closed'",
    "a signal turned green": "UPDATE signals SET colour = 'green'",
    "a signal deleted": "DELETE FROM signals",
}


@pytest.mark.parametrize("what", list(TAMPERING))
def test_verify_catches_tables_edited_behind_the_ledgers_back(db: Database, what: str) -> None:
    _world(db)
    assert integrity.check(db).ok, integrity.check(db).describe()
    statement = TAMPERING[what]
    if db.dialect == "sqlite":
        statement = statement.replace(
            "effective_from + INTERVAL '1 day'", "datetime(effective_from, '+1 day')"
        )
        statement = statement.replace("legal_due + 1", "date(legal_due, '+1 day')")
    with db.write() as conn:
        conn.execute(text(statement), {"forged": b"forged"} if ":forged" in statement else {})
    report = integrity.check(db)
    assert not report.ok, what
    assert report.describe().startswith("BROKEN")


def test_verify_catches_a_changed_recording_time(db: Database) -> None:
    _world(db)
    drop_ledger_triggers(db)
    with db.write() as conn:
        if db.dialect == "sqlite":
            conn.execute(
                text("UPDATE ledger SET recorded_at = datetime(recorded_at, '-1 day') WHERE seq = 5")
            )
        else:
            conn.execute(text("UPDATE ledger SET recorded_at = recorded_at - INTERVAL '1 day' WHERE seq = 5"))
    assert integrity.check(db).chain.broken_seq == 5
