"""Evidence files, stored by their SHA-256 (R-ING-5)."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import String, cast, exists, or_, select, true

from jiancha.domain.access.scope import Scope
from jiancha.domain.timeutil import utcnow
from jiancha.store.bulk import upsert_insert
from jiancha.store.database import Database
from jiancha.store.tables import (
    attachment_refs,
    attachments,
    cases,
    notice_actions,
    notices,
    signal_transitions,
    signals,
)


def store(
    db: Database,
    content: bytes,
    *,
    filename: str = "",
    media_type: str = "application/octet-stream",
    uploaded_by: str = "unknown",
) -> tuple[str, bool]:
    """Keep the content once under its hash; returns (sha256, whether it was new)."""
    digest = hashlib.sha256(content).hexdigest()
    with db.write() as conn:
        stmt = upsert_insert(conn, attachments).values(
            sha256=digest,
            size=len(content),
            media_type=media_type[:200],
            filename=filename,
            content=content,
            uploaded_at=utcnow(),
            uploaded_by=uploaded_by,
        )
        returning = stmt.on_conflict_do_nothing(index_elements=["sha256"]).returning(attachments.c.sha256)
        created = conn.execute(returning).first() is not None
    return digest, created


def readable(db: Database, sha256: str, scope: Scope, who: str) -> Any:
    """The attachment, if the caller may read it: it uploaded it, or a case, a signal's move or a
    notice's answer in its scope names it. The test is one query, in SQL."""
    in_cases = exists(
        select(attachment_refs.c.id)
        .join(cases, cases.c.id == attachment_refs.c.case_id)
        .where(attachment_refs.c.sha256 == sha256, scope.restrict(cases.c.department_code))
    )
    # Materials given with a move or an answer are kept in JSON next to their hash.
    in_moves = exists(
        select(signal_transitions.c.id)
        .join(signals, signals.c.id == signal_transitions.c.signal_id)
        .where(
            cast(signal_transitions.c.materials, String).contains(sha256),
            scope.restrict(signals.c.department_code),
        )
    )
    in_answers = exists(
        select(notice_actions.c.id)
        .join(notices, notices.c.id == notice_actions.c.notice_id)
        .where(
            cast(notice_actions.c.detail, String).contains(sha256), scope.restrict(notices.c.department_code)
        )
    )
    visible = or_(attachments.c.uploaded_by == who, in_cases, in_moves, in_answers)
    with db.read() as conn:
        return conn.execute(
            select(attachments).where(attachments.c.sha256 == sha256, true() if scope.everything else visible)
        ).first()
