"""Queries over cases, their events and attachment references."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, and_, bindparam, select, update

from jiancha.domain.catalogue import LimitUnit
from jiancha.domain.clock.deadlines import CaseState, CaseStatus, Deadlines, Limits, StepEvent
from jiancha.domain.events import Action
from jiancha.store.bulk import insert_many, select_in, update_many
from jiancha.store.tables import attachment_refs, attachments, cases, events

T = TypeVar("T")
CHUNK = 500  # keeps IN lists well under SQLite's parameter limit

STATE_COLUMNS = [f.name for f in fields(CaseState)]
DUE_COLUMNS = ["legal_due", "promised_due", "step_due", "calendar_fallback", "next_check_at"]


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


EVENT_CONTENT = [
    "source_system",
    "event_id",
    "case_no",
    "item_code",
    "step",
    "action",
    "actor",
    "post",
    "occurred_at",
    "attributes",
    "correction_seq",  # a corrected event takes no other content under its id
]


def stored_events(conn: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """The stored events among the given (source_system, event_id) keys, with their content."""
    by_source: dict[str, list[str]] = {}
    for source, event_id in keys:
        by_source.setdefault(source, []).append(event_id)
    found: dict[tuple[str, str], Any] = {}
    for source, ids in by_source.items():
        for r in select_in(conn, events, EVENT_CONTENT, "event_id", ids, {"source_system": source}):
            found[(source, r.event_id)] = r
    return found


# What ingestion needs of a stored case: identity, registration and the folded state.
INGEST_COLUMNS = [
    "id",
    "case_no",
    "item_code",
    "department_code",
    "item_version_id",
    "check_code",
    "registration_at",
    "voided",
    *STATE_COLUMNS,
    *DUE_COLUMNS,
]


def by_case_no(conn: Connection, case_nos: Sequence[str]) -> dict[str, Any]:
    return {r.case_no: r for r in select_in(conn, cases, INGEST_COLUMNS, "case_no", case_nos)}


def known_attachments(conn: Connection, hashes: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(hashes):
        found.update(
            conn.execute(select(attachments.c.sha256).where(attachments.c.sha256.in_(part))).scalars()
        )
    return found


def state_of(row: Row[Any]) -> CaseState:
    values = {name: getattr(row, name) for name in STATE_COLUMNS}
    values["status"] = CaseStatus(values["status"])
    return CaseState(**values)


def state_values(state: CaseState, due: Deadlines) -> dict[str, Any]:
    values = {name: getattr(state, name) for name in STATE_COLUMNS}
    values["status"] = state.status.value
    values.update(
        legal_due=due.legal_due,
        promised_due=due.promised_due,
        step_due=due.step_due,
        next_check_at=due.next_check_at,
        calendar_fallback=",".join(map(str, due.fallback_years)),
    )
    return values


def limits_of(content: dict[str, Any]) -> Limits:
    steps = content["process"]["steps"]
    return Limits(
        legal_days=int(content["legal_limit_days"]),
        promised_days=int(content["promised_limit_days"]),
        unit=LimitUnit(content.get("limit_unit", "working")),
        step_days={s["code"]: s.get("limit_days") for s in steps},
    )


def step_events(conn: Connection, case_id: int) -> list[StepEvent]:
    query = (
        select(events.c.step, events.c.action, events.c.occurred_at, events.c.attributes)
        .where(events.c.case_id == case_id, events.c.voided.is_(False))
        .order_by(events.c.occurred_at, events.c.id)
    )
    return [StepEvent(r.step, Action(r.action), r.occurred_at, r.attributes) for r in conn.execute(query)]


def update_states(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """rows: {"id": case id, <columns to set>}; one driver call per set of columns."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows:
        by_columns.setdefault(tuple(r), []).append(r)
    for group in by_columns.values():
        update_many(conn, cases, "id", group)


def changed(row: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Only the columns whose value differs: less to write, and indexes on unchanged columns
    (status, next check) are left alone."""
    return {k: v for k, v in values.items() if getattr(row, k) != v}


def insert_cases(conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new cases, their ids drawn beforehand so that no read-back is needed. The caller
    holds the write lock (SQLite) or draws from the sequence (PostgreSQL), so ids never collide."""
    if not rows:
        return {}
    if conn.dialect.name == "postgresql":
        ids = list(
            conn.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, %s)",
                (len(rows),),
            ).scalars()
        )
    else:
        first = int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM cases").scalar_one()) + 1
        ids = list(range(first, first + len(rows)))
    insert_many(conn, cases, [{"id": i, **r} for i, r in zip(ids, rows, strict=True)])
    return {r["case_no"]: int(i) for i, r in zip(ids, rows, strict=True)}


def cases_with_open_refs(conn: Connection, case_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for part in chunks(case_ids):
        query = (
            select(attachment_refs.c.case_id)
            .where(attachment_refs.c.case_id.in_(part), attachment_refs.c.locked_at.is_(None))
            .distinct()
        )
        found.update(int(x) for x in conn.execute(query).scalars())
    return found


def lock_refs(conn: Connection, closures: list[dict[str, Any]]) -> None:
    """closures: {"c": case id, "s": step, "at": instant}: the step closed, its materials lock."""
    if closures:
        stmt = (
            update(attachment_refs)
            .where(
                and_(
                    attachment_refs.c.case_id == bindparam("c"),
                    attachment_refs.c.step == bindparam("s"),
                    attachment_refs.c.locked_at.is_(None),
                )
            )
            .values(locked_at=bindparam("at"))
        )
        conn.execute(stmt, closures)


def locked_refs(conn: Connection, case_ids: Sequence[int]) -> dict[tuple[int, str, str], str]:
    """(case id, step, material name) -> hash, for materials already locked."""
    out: dict[tuple[int, str, str], str] = {}
    for part in chunks(case_ids):
        query = select(attachment_refs).where(
            attachment_refs.c.case_id.in_(part), attachment_refs.c.locked_at.is_not(None)
        )
        for r in conn.execute(query):
            out[(int(r.case_id), r.step, r.name)] = r.sha256
    return out
