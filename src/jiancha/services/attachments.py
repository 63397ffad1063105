"""Evidence files, stored by their SHA-256 (R-ING-5)."""

from __future__ import annotations

import hashlib

from jiancha.domain.timeutil import utcnow
from jiancha.store.bulk import upsert_insert
from jiancha.store.database import Database
from jiancha.store.tables import attachments


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
