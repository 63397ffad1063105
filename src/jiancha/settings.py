"""Where the platform keeps its data: one environment variable, one default file."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATABASE_FILE = "jiancha.sqlite3"


def database_url() -> str:
    """`JIANCHA_DATABASE_URL` when set (PostgreSQL in production), else an SQLite file here."""
    url = os.environ.get("JIANCHA_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{Path(DEFAULT_DATABASE_FILE).resolve()}"
