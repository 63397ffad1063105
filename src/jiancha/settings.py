"""Where the platform keeps its data: one environment variable, one default file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_FILE = "jiancha.sqlite3"


def database_url() -> str:
    """`JIANCHA_DATABASE_URL` when set (PostgreSQL in production), else an SQLite file here."""
    url = os.environ.get("JIANCHA_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{Path(DEFAULT_DATABASE_FILE).resolve()}"


@dataclass(frozen=True)
class ApiLimits:
    """What one request may carry: `JIANCHA_MAX_BODY_BYTES` for JSON (a batch of 10,000 rich
    events fits well below the default), `JIANCHA_MAX_FILE_BYTES` for uploaded files (attachments,
    catalogue workbooks). A larger body is refused with 413 before it is read."""

    body_bytes: int = 64 * 1024 * 1024
    file_bytes: int = 256 * 1024 * 1024


def api_limits() -> ApiLimits:
    env = os.environ.get
    d = ApiLimits()
    return ApiLimits(
        body_bytes=int(env("JIANCHA_MAX_BODY_BYTES", d.body_bytes)),
        file_bytes=int(env("JIANCHA_MAX_FILE_BYTES", d.file_bytes)),
    )


@dataclass(frozen=True)
class NotifySettings:
    """Where and how notifications go (R-SIG-8): environment variables `JIANCHA_NOTIFY_*`,
    `JIANCHA_SMS_*`, `JIANCHA_SMTP_*`, `JIANCHA_DINGTALK_SECRET`; see README."""

    file_path: str = "notifications.jsonl"  # the default transport, so the demo needs no other
    timeout_seconds: float = 10.0
    retry_base_seconds: float = 30.0  # the first retry waits this long, each next one twice as long
    retry_cap_seconds: float = 3600.0
    max_attempts: int = 10  # then the message is marked failed (and still listed)
    lease_seconds: float = 300.0  # a claimed message is tried again after this if its worker died
    batch: int = 100
    sms_url: str = ""
    # A JSON object whose string values may hold {to}, {title}, {body}, {key}, {subject}.
    sms_template: str = '{"to": "{to}", "text": "{title} {body}", "id": "{key}"}'
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "jiancha@localhost"
    smtp_starttls: bool = False
    dingtalk_secret: str = ""  # signs DingTalk robot calls (加签) when set


def notify_settings() -> NotifySettings:
    env = os.environ.get
    d = NotifySettings()
    return NotifySettings(
        file_path=env("JIANCHA_NOTIFY_FILE", d.file_path),
        timeout_seconds=float(env("JIANCHA_NOTIFY_TIMEOUT", d.timeout_seconds)),
        retry_base_seconds=float(env("JIANCHA_NOTIFY_RETRY_BASE", d.retry_base_seconds)),
        retry_cap_seconds=float(env("JIANCHA_NOTIFY_RETRY_CAP", d.retry_cap_seconds)),
        max_attempts=int(env("JIANCHA_NOTIFY_MAX_ATTEMPTS", d.max_attempts)),
        lease_seconds=float(env("JIANCHA_NOTIFY_LEASE", d.lease_seconds)),
        sms_url=env("JIANCHA_SMS_URL", d.sms_url),
        sms_template=env("JIANCHA_SMS_TEMPLATE", d.sms_template),
        smtp_host=env("JIANCHA_SMTP_HOST", d.smtp_host),
        smtp_port=int(env("JIANCHA_SMTP_PORT", d.smtp_port)),
        smtp_user=env("JIANCHA_SMTP_USER", d.smtp_user),
        smtp_password=env("JIANCHA_SMTP_PASSWORD", d.smtp_password),
        smtp_from=env("JIANCHA_SMTP_FROM", d.smtp_from),
        smtp_starttls=env("JIANCHA_SMTP_STARTTLS", "") in ("1", "true", "yes"),
        dingtalk_secret=env("JIANCHA_DINGTALK_SECRET", d.dingtalk_secret),
    )


@dataclass(frozen=True)
class AccessSettings:
    """Sessions and sign-in (R-SEC-1): environment variables `JIANCHA_SESSION_*`, `JIANCHA_LOCKOUT_*`,
    `JIANCHA_COOKIE_SECURE`."""

    session_hours: float = 8.0  # a session ends this long after sign-in (a working day)
    lockout_failures: int = 5  # wrong passwords in a row before the account locks
    lockout_minutes: float = 15.0
    # Browsers keep Secure cookies only over HTTPS — and on localhost, so the demo works too.
    cookie_secure: bool = True


def access_settings() -> AccessSettings:
    env = os.environ.get
    d = AccessSettings()
    return AccessSettings(
        session_hours=float(env("JIANCHA_SESSION_HOURS", d.session_hours)),
        lockout_failures=int(env("JIANCHA_LOCKOUT_FAILURES", d.lockout_failures)),
        lockout_minutes=float(env("JIANCHA_LOCKOUT_MINUTES", d.lockout_minutes)),
        cookie_secure=env("JIANCHA_COOKIE_SECURE", "1") not in ("0", "false", "no"),
    )


# -- signed checkpoints over the ledger (issue 5) ---------------------------------------------------
SIGNING_KEY_FILE = "jiancha-signing-key.pem"


@dataclass(frozen=True)
class CheckpointSettings:
    """`JIANCHA_SIGNING_KEY`: the Ed25519 private key (PEM), made with mode 0600 on first use and
    never stored in the database; by default next to the SQLite database, else in the current
    directory. `JIANCHA_PLATFORM_NAME`: the origin line of every checkpoint.
    `JIANCHA_CHECKPOINT_INTERVAL`: seconds between the worker's checkpoints (0: none)."""

    key_file: Path
    origin: str = "jiancha"
    interval_seconds: float = 3600.0


def checkpoint_settings() -> CheckpointSettings:
    env = os.environ.get
    key = env("JIANCHA_SIGNING_KEY", "").strip()
    if not key:
        url = database_url()
        here = Path(url.removeprefix("sqlite:///")).parent if url.startswith("sqlite:///") else Path()
        key = str(here / SIGNING_KEY_FILE)
    d = CheckpointSettings(Path(key))
    return CheckpointSettings(
        key_file=Path(key).resolve(),
        origin=env("JIANCHA_PLATFORM_NAME", d.origin).strip() or d.origin,
        interval_seconds=float(env("JIANCHA_CHECKPOINT_INTERVAL", d.interval_seconds)),
    )


@dataclass(frozen=True)
class ScreenSettings:
    """The big screen's live stream (R-REP-2): `JIANCHA_SCREEN_INTERVAL`, seconds between looks at
    the figures; `JIANCHA_SCREEN_LIFETIME`, seconds a stream lasts before the browser is asked to
    reconnect — each reconnection checks the session again, so a screen whose session has ended or
    been signed out stops receiving figures (0: one snapshot, then the stream ends). Read at each
    request, so a change applies to the next connection."""

    interval_seconds: float = 5.0
    lifetime_seconds: float = 600.0


def screen_settings() -> ScreenSettings:
    env = os.environ.get
    d = ScreenSettings()
    return ScreenSettings(
        interval_seconds=max(0.05, float(env("JIANCHA_SCREEN_INTERVAL", d.interval_seconds))),
        lifetime_seconds=max(0.0, float(env("JIANCHA_SCREEN_LIFETIME", d.lifetime_seconds))),
    )
