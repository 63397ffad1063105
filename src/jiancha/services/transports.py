"""How a notification leaves the platform (R-SIG-8): a local file, a webhook, an SMS gateway over
HTTP, e-mail over SMTP, DingTalk and WeCom group robots. Standard library only.

A transport either returns (the receiver accepted the message) or raises `TransportError`; the
outbox then retries later. Every transport sends the message's idempotency key (a header, a field,
the e-mail's Message-ID), so a receiver can drop the rare repeat after a crash between sending and
recording it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from jiancha.domain.timeutil import iso_local
from jiancha.settings import NotifySettings


class TransportError(Exception):
    """The receiver did not accept the message; it will be tried again."""


@dataclass(frozen=True)
class Message:
    key: str  # the idempotency key
    kind: str
    subject: str
    recipient: str
    channel: str
    address: str
    title: str
    body: str
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "idempotency_key": self.key,
            "kind": self.kind,
            "subject": self.subject,
            "recipient": self.recipient,
            "address": self.address,
            "title": self.title,
            "body": self.body,
            "created_at": iso_local(self.created_at),
        }


class Transport(Protocol):
    def send(self, message: Message) -> None: ...


@dataclass(frozen=True)
class FileTransport:
    """JSON lines appended to a local file: the default, so a demo needs no network."""

    path: Path

    def send(self, message: Message) -> None:
        line = json.dumps({**message.as_json(), "channel": message.channel}, ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as e:
            raise TransportError(f"file {self.path}: {e}") from e


def _post_json(url: str, doc: Any, key: str, timeout: float) -> bytes:
    request = urllib.request.Request(
        url,
        data=json.dumps(doc, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as e:
        raise TransportError(f"HTTP {e.code} from {_host(url)}") from e
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise TransportError(f"{_host(url)}: {getattr(e, 'reason', e)}") from e


def _host(url: str) -> str:
    """The host, never the query: robot URLs carry their access token there."""
    return urllib.parse.urlsplit(url).netloc or url[:40]


@dataclass(frozen=True)
class WebhookTransport:
    """POST the message as JSON to the subscription's URL, with an `Idempotency-Key` header."""

    timeout: float

    def send(self, message: Message) -> None:
        _post_json(message.address, message.as_json(), message.key, self.timeout)


@dataclass(frozen=True)
class SmsTransport:
    """An SMS gateway over HTTP: POST the configured JSON template, its string values filled with
    {to}, {title}, {body}, {key}, {subject}; the subscription's address is the phone number."""

    url: str
    template: str
    timeout: float

    def send(self, message: Message) -> None:
        if not self.url:
            raise TransportError("SMS gateway not configured (JIANCHA_SMS_URL)")
        values = {
            "to": message.address,
            "title": message.title,
            "body": message.body,
            "key": message.key,
            "subject": message.subject,
        }
        _post_json(self.url, _fill(json.loads(self.template), values), message.key, self.timeout)


def _fill(template: Any, values: dict[str, str]) -> Any:
    """Placeholders are filled value by value, so a message never breaks the JSON around it."""
    if isinstance(template, str):
        return template.format_map(values)
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, values) for v in template]
    return template


@dataclass(frozen=True)
class EmailTransport:
    """E-mail over SMTP; the Message-ID is derived from the idempotency key."""

    host: str
    port: int
    sender: str
    user: str
    password: str
    starttls: bool
    timeout: float

    def send(self, message: Message) -> None:
        if not self.host:
            raise TransportError("SMTP server not configured (JIANCHA_SMTP_HOST)")
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.address
        mail["Subject"] = message.title
        mail["Message-ID"] = f"<{message.key}@jiancha>"
        mail["X-Jiancha-Idempotency-Key"] = message.key
        mail.set_content(f"{message.body}\n\n{message.subject}\n")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as e:
            raise TransportError(f"SMTP {self.host}:{self.port}: {e}") from e


def _robot_text(message: Message) -> str:
    # Robots keep no idempotency key; its first characters let a reader recognise a repeat.
    return f"{message.title}\n{message.body}\n({message.subject} #{message.key[:12]})"


def _robot_answer(raw: bytes, who: str) -> None:
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as e:
        raise TransportError(f"{who}: unreadable answer") from e
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        raise TransportError(f"{who}: errcode {answer.get('errcode')} {answer.get('errmsg', '')}")


@dataclass(frozen=True)
class DingTalkTransport:
    """A DingTalk group robot (钉钉自定义机器人): its text message; with a secret, the URL is signed
    with timestamp and HMAC-SHA256 as DingTalk documents (加签)."""

    secret: str
    timeout: float

    def send(self, message: Message) -> None:
        url = message.address
        if self.secret:
            url = dingtalk_signed(url, self.secret, int(time.time() * 1000))
        doc = {"msgtype": "text", "text": {"content": _robot_text(message)}}
        _robot_answer(_post_json(url, doc, message.key, self.timeout), "DingTalk")


def dingtalk_signed(url: str, secret: str, timestamp_ms: int) -> str:
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={sign}"


@dataclass(frozen=True)
class WeComTransport:
    """A WeCom group robot (企业微信群机器人): its text message to the robot's webhook URL."""

    timeout: float

    def send(self, message: Message) -> None:
        doc = {"msgtype": "text", "text": {"content": _robot_text(message)}}
        _robot_answer(_post_json(message.address, doc, message.key, self.timeout), "WeCom")


CHANNELS = ("file", "webhook", "sms", "email", "dingtalk", "wecom")


def from_settings(s: NotifySettings) -> dict[str, Transport]:
    """Every channel's transport; one not configured fails its messages, which then wait for it."""
    return {
        "file": FileTransport(Path(s.file_path)),
        "webhook": WebhookTransport(s.timeout_seconds),
        "sms": SmsTransport(s.sms_url, s.sms_template, s.timeout_seconds),
        "email": EmailTransport(
            s.smtp_host,
            s.smtp_port,
            s.smtp_from,
            s.smtp_user,
            s.smtp_password,
            s.smtp_starttls,
            s.timeout_seconds,
        ),
        "dingtalk": DingTalkTransport(s.dingtalk_secret, s.timeout_seconds),
        "wecom": WeComTransport(s.timeout_seconds),
    }
