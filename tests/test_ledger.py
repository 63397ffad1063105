"""The ledger (R-AUD-1): append-only in the database itself, and verify names the broken entry."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from jiancha.services import ingest, integrity
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append
from jiancha.store.ledger.chain import verify

from .conftest import event


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


def _drop_triggers(db: Database) -> None:
    """What an intruder with database access would do first."""
    with db.write() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("DROP TRIGGER ledger_no_update_delete ON ledger"))
        else:
            conn.execute(text("DROP TRIGGER ledger_no_update"))
            conn.execute(text("DROP TRIGGER ledger_no_delete"))


def test_verify_names_an_entry_edited_directly_in_the_database(empty_db: Database) -> None:
    _fill(empty_db, 10)
    _drop_triggers(empty_db)
    with empty_db.write() as conn:
        conn.execute(text("UPDATE ledger SET payload = :p WHERE seq = 7"), {"p": b'{"k":6,"text":"edited"}'})
    report = integrity.check(empty_db)
    assert not report.ok
    assert report.chain.broken_seq == 7
    assert "7" in report.describe()


def test_verify_notices_a_removed_entry_and_a_removed_tail(empty_db: Database) -> None:
    _fill(empty_db, 10)
    _drop_triggers(empty_db)
    with empty_db.write() as conn:
        conn.execute(text("DELETE FROM ledger WHERE seq = 4"))
    assert integrity.check(empty_db).chain.broken_seq == 4


def test_verify_notices_a_removed_tail(empty_db: Database) -> None:
    _fill(empty_db, 10)
    _drop_triggers(empty_db)
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
