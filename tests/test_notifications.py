"""Notifications (R-SIG-8) through real receivers: HTTP servers and an SMTP sink on loopback.

Nothing is lost while a transport is down, and every message arrives exactly once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from jiancha.domain.rules.model import Colour, Finding
from jiancha.services import ingest, notifications, packs, signals
from jiancha.services.notifications import Outgoing, Subscription, deliver_due
from jiancha.services.transports import from_settings
from jiancha.settings import NotifySettings
from jiancha.store.database import Database
from jiancha.store.tables import outbox
from jiancha.store.tables import signals as signal_table

from .conftest import Desk, event

T0 = datetime(2026, 9, 15, 2, tzinfo=UTC)


# -- receivers ---------------------------------------------------------------------------------------


@dataclass
class Receiver:
    """An HTTP endpoint on loopback: answers `status` (500 while 'down'), keeps what it accepted."""

    status: int = 200
    answer: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    accepted: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _serve(receiver: Receiver, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(receiver.delay)
            with receiver.lock:
                if receiver.status == 200:
                    receiver.accepted.append(
                        {"path": self.path, "headers": dict(self.headers), "json": json.loads(body)}
                    )
                else:
                    receiver.refused += 1
            self.send_response(receiver.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(receiver.answer).encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    r = Receiver()
    server, url = _serve(r)
    yield r, url
    server.shutdown()
    server.server_close()


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP to accept mail: what a relay would say."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        self.mails: list[str] = []
        super().__init__(("127.0.0.1", 0), _SmtpHandler)


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: SmtpSink

    def say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.say("220 sink ESMTP")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.say("250 sink")
            elif verb == "DATA":
                self.say("354 go ahead")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data.decode())
                self.server.mails.append("".join(lines))
                self.say("250 queued")
            elif verb == "QUIT":
                self.say("221 bye")
                return
            else:
                self.say("250 ok")


def settings_for(tmp_path: Path, **overrides: Any) -> NotifySettings:
    base = NotifySettings(
        file_path=str(tmp_path / "notifications.jsonl"),
        timeout_seconds=5,
        retry_base_seconds=60,
        retry_cap_seconds=600,
        max_attempts=6,
    )
    return replace(base, **overrides)


def outbox_rows(db: Database) -> list[Any]:
    with db.read() as conn:
        return list(conn.execute(select(outbox).order_by(outbox.c.id)))


def push(db: Database, *evs: dict[str, object]) -> None:
    ingest.ingest_events(db, ingest.validate_events(list(evs)), now=T0)


def raise_some_signals(db: Database) -> int:
    """A case that skips required steps: several signals on arrival."""
    push(db, event(1), event(2, step="approve", post="批准岗", at="2026-09-15T09:00:00+08:00"))
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(signal_table)).scalar_one())


# -- tests -------------------------------------------------------------------------------------------


def test_a_webhook_down_then_back_gets_every_message_exactly_once(
    db: Database, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    r, url = receiver
    notifications.subscribe(db, Subscription("role", "supervisor", "webhook", url + "/hook"))
    raised = raise_some_signals(db)
    assert raised >= 2 and len(outbox_rows(db)) == raised
    s = settings_for(tmp_path)
    transports = from_settings(s)

    r.status = 500  # the receiver is down
    assert deliver_due(db, T0, transports, s).retrying == raised
    assert {(m.attempts, m.next_attempt_at, m.state) for m in outbox_rows(db)} == {
        (1, T0 + timedelta(seconds=60), "pending")
    }
    assert all("HTTP 500" in m.last_error for m in outbox_rows(db))
    assert deliver_due(db, T0 + timedelta(seconds=59), transports, s) == notifications.Delivery()
    t1 = T0 + timedelta(seconds=60)
    assert deliver_due(db, t1, transports, s).retrying == raised
    assert {m.next_attempt_at for m in outbox_rows(db)} == {t1 + timedelta(seconds=120)}  # back-off doubles

    r.status = 200  # back
    t2 = t1 + timedelta(seconds=120)
    assert deliver_due(db, t2, transports, s).sent == raised
    assert deliver_due(db, t2 + timedelta(days=1), transports, s) == notifications.Delivery()
    rows = outbox_rows(db)
    assert {(m.state, m.attempts, m.sent_at, m.next_attempt_at) for m in rows} == {("sent", 3, t2, None)}
    keys = Counter(a["headers"]["Idempotency-Key"] for a in r.accepted)
    assert keys == Counter({m.idempotency_key: 1 for m in rows})
    assert r.refused == 2 * raised
    assert all(a["json"]["idempotency_key"] == a["headers"]["Idempotency-Key"] for a in r.accepted)


def test_an_sms_gateway_refusing_connections_then_listening_gets_each_message_once(
    db: Database, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nobody listens on, yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    template = '{"mobile": "{to}", "content": "{title}：{body}", "requestId": "{key}"}'
    s = settings_for(tmp_path, sms_url=f"http://127.0.0.1:{port}/send", sms_template=template)
    notifications.subscribe(db, Subscription("user", "zhangsan", "sms", "13800000000", colour="red"))
    raise_some_signals(db)
    reds = len(outbox_rows(db))
    assert reds >= 1
    done = deliver_due(db, T0, from_settings(s), s)
    assert done.retrying == reds and "127.0.0.1" in outbox_rows(db)[0].last_error

    r = Receiver()
    server, _ = _serve(r, port)
    try:
        assert deliver_due(db, T0 + timedelta(minutes=1), from_settings(s), s).sent == reds
        assert deliver_due(db, T0 + timedelta(days=1), from_settings(s), s).sent == 0
    finally:
        server.shutdown()
        server.server_close()
    assert len(r.accepted) == reds
    sms = r.accepted[0]["json"]
    assert sms["mobile"] == "13800000000" and "【红灯】" in sms["content"]
    assert sorted(a["json"]["requestId"] for a in r.accepted) == sorted(
        m.idempotency_key for m in outbox_rows(db)
    )


def test_two_workers_at_once_never_send_a_message_twice(
    db: Database, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    r, url = receiver
    r.delay = 0.02
    with db.write() as conn:
        notifications.enqueue(
            conn,
            [
                Outgoing("signal", f"signal:C-{n}/X", "role:supervisor", "webhook", url, "t", "b")
                for n in range(30)
            ],
            T0,
        )
    s = settings_for(tmp_path, batch=4)

    def work() -> None:
        while deliver_due(db, T0, from_settings(s), s).sent:
            pass

    workers = [threading.Thread(target=work) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(r.accepted) == 30
    assert len({a["headers"]["Idempotency-Key"] for a in r.accepted}) == 30
    assert {m.state for m in outbox_rows(db)} == {"sent"}


def test_a_message_is_given_up_after_the_last_attempt_and_still_listed(
    db: Database, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    r, url = receiver
    r.status = 500
    s = settings_for(tmp_path, max_attempts=3, retry_base_seconds=10, retry_cap_seconds=15)
    with db.write() as conn:
        notifications.enqueue(
            conn, [Outgoing("signal", "signal:C-1/X", "role:a", "webhook", url, "t", "b")], T0
        )
    waits = []
    now = T0
    for _ in range(3):
        deliver_due(db, now, from_settings(s), s)
        (row,) = outbox_rows(db)
        if row.next_attempt_at:
            waits.append(row.next_attempt_at - now)
            now = row.next_attempt_at
    assert waits == [timedelta(seconds=10), timedelta(seconds=15)]  # doubled, then capped
    assert (row.state, row.attempts, row.next_attempt_at) == ("failed", 3, None)
    assert deliver_due(db, now + timedelta(days=30), from_settings(s), s) == notifications.Delivery()
    body = Desk(db).get("/api/v1/notifications?state=failed").json()
    assert body["total"] == 1 and body["counts"] == {"failed": 1}
    assert body["notifications"][0]["attempts"] == 3 and "HTTP 500" in body["notifications"][0]["last_error"]


def test_who_is_told_what_follows_roles_departments_colours_and_users(db: Database) -> None:
    for sub in (
        Subscription("role", "supervisor", "file", "监察室"),
        Subscription(
            "role", "handler", "wecom", "http://wecom/scjg", department_code="330900-SCJG", colour="red"
        ),
        Subscription("role", "handler", "wecom", "http://wecom/other", department_code="330900-GTJ"),
        Subscription("user", "zhangsan", "email", "zs@example.org", family="procedure"),
        Subscription("user", "lisi", "email", "ls@example.org", kind="complaint"),
    ):
        notifications.subscribe(db, sub)
    raise_some_signals(db)
    with db.read() as conn:
        sigs = conn.execute(
            select(signal_table.c.rule_id, signal_table.c.colour, signal_table.c.family)
        ).all()
    told = Counter(m.recipient + " " + m.address for m in outbox_rows(db))
    assert told["role:supervisor 监察室"] == len(sigs)
    assert told["role:handler http://wecom/scjg"] == sum(s.colour == "red" for s in sigs)
    assert told["user:zhangsan zs@example.org"] == sum(s.family == "procedure" for s in sigs) >= 1
    assert not any("other" in k or "lisi" in k for k in told)
    skipped = next(m for m in outbox_rows(db) if m.subject == "signal:C-1/PR-SKIPPED")
    assert skipped.title == "【红灯】PR-SKIPPED C-1" and "跳过必经环节" in skipped.body


def test_the_default_file_transport_writes_json_lines(db: Database, tmp_path: Path) -> None:
    notifications.subscribe(db, Subscription("role", "supervisor", "file", "监察室"))
    raised = raise_some_signals(db)
    s = settings_for(tmp_path)
    assert deliver_due(db, T0, None, s).sent == raised
    lines = [json.loads(x) for x in Path(s.file_path).read_text(encoding="utf-8").splitlines()]
    assert len(lines) == raised
    assert {x["idempotency_key"] for x in lines} == {m.idempotency_key for m in outbox_rows(db)}
    assert lines[0]["recipient"] == "role:supervisor" and lines[0]["channel"] == "file"


def test_a_message_is_queued_once_even_when_asked_twice(db: Database) -> None:
    m = Outgoing("signal", "signal:C-1/X", "role:a", "file", "x", "t", "b")
    with db.write() as conn:
        assert notifications.enqueue(conn, [m, m], T0) == 1
    with db.write() as conn:
        assert notifications.enqueue(conn, [m], T0) == 0
    assert len(outbox_rows(db)) == 1


def test_a_signal_rolled_back_leaves_no_message(db: Database) -> None:
    notifications.subscribe(db, Subscription("role", "supervisor", "file", "监察室"))
    pack = packs.active()
    rule = next(r for r in pack.compiled() if r.family == "silent_feed")
    found = signals.Subject("feed:SYS-A@x", "330900-SCJG", Finding(rule.id, Colour.yellow, T0), rule)
    with pytest.raises(RuntimeError), db.write() as conn:
        assert signals.raise_on_subjects(conn, pack, [found], T0) == 1
        assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == 1
        raise RuntimeError("the transaction fails after the signal was raised")
    assert outbox_rows(db) == []
    with db.write() as conn:
        signals.raise_on_subjects(conn, pack, [found], T0)
    assert [m.subject for m in outbox_rows(db)] == [f"signal:feed:SYS-A@x/{rule.id}"]


def test_dingtalk_robot_gets_its_text_message_signed(
    db: Database, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    r, url = receiver
    r.answer = {"errcode": 310000, "errmsg": "sign not match"}
    notifications.subscribe(
        db, Subscription("role", "supervisor", "dingtalk", url + "/robot/send?access_token=T")
    )
    raised = raise_some_signals(db)
    s = settings_for(tmp_path, dingtalk_secret="SEC")
    assert deliver_due(db, T0, from_settings(s), s).retrying == raised  # errcode ≠ 0 is a failure
    assert "310000" in outbox_rows(db)[0].last_error
    r.answer = {"errcode": 0, "errmsg": "ok"}
    r.accepted.clear()
    assert deliver_due(db, T0 + timedelta(minutes=5), from_settings(s), s).sent == raised
    got = r.accepted[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(got["path"]).query)
    assert query["access_token"] == ["T"]
    ts = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(b"SEC", f"{ts}\nSEC".encode(), hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    assert got["json"]["msgtype"] == "text" and "【" in got["json"]["text"]["content"]


def test_wecom_robot_gets_its_text_message(
    db: Database, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    r, url = receiver
    r.answer = {"errcode": 0, "errmsg": "ok"}
    notifications.subscribe(
        db, Subscription("role", "supervisor", "wecom", url + "/cgi-bin/webhook/send?key=K")
    )
    raised = raise_some_signals(db)
    s = settings_for(tmp_path)
    assert deliver_due(db, T0, from_settings(s), s).sent == raised
    assert {a["path"] for a in r.accepted} == {"/cgi-bin/webhook/send?key=K"}
    assert all(a["json"]["msgtype"] == "text" for a in r.accepted)


def test_email_goes_through_smtp_with_a_message_id_from_its_key(db: Database, tmp_path: Path) -> None:
    notifications.subscribe(db, Subscription("user", "zhangsan", "email", "zs@example.org", colour="red"))
    raise_some_signals(db)
    reds = outbox_rows(db)
    s = settings_for(tmp_path, smtp_host="127.0.0.1", smtp_port=1)  # nothing listens on port 1
    assert deliver_due(db, T0, from_settings(s), s).retrying == len(reds)
    sink = SmtpSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    try:
        s = replace(s, smtp_port=sink.server_address[1])
        assert deliver_due(db, T0 + timedelta(minutes=1), from_settings(s), s).sent == len(reds)
    finally:
        sink.shutdown()
        sink.server_close()
    assert len(sink.mails) == len(reds)
    assert sorted(f"<{m.idempotency_key}@jiancha>" in mail for m in reds for mail in sink.mails).count(
        True
    ) == len(reds)
    assert "To: zs@example.org" in sink.mails[0]


def test_a_channel_without_its_transport_configured_waits_for_it(db: Database, tmp_path: Path) -> None:
    notifications.subscribe(db, Subscription("user", "zhangsan", "sms", "13800000000"))
    raise_some_signals(db)
    s = settings_for(tmp_path)  # no SMS gateway
    done = deliver_due(db, T0, from_settings(s), s)
    assert done.sent == 0 and done.retrying == len(outbox_rows(db))
    assert "JIANCHA_SMS_URL" in outbox_rows(db)[0].last_error


def test_subscribe_and_notify_once_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    from .test_cli import with_catalogue

    with_catalogue(database_url, tmp_path)
    out_file = tmp_path / "out.jsonl"
    env = {**os.environ, "JIANCHA_DATABASE_URL": database_url, "JIANCHA_NOTIFY_FILE": str(out_file)}

    def jiancha(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "jiancha", *args], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "role:supervisor by file" in jiancha(
        "subscribe", "--role", "supervisor", "--channel", "file", "--address", "监察室"
    )
    evs = tmp_path / "events.jsonl"
    evs.write_text(
        "\n".join(
            json.dumps(e)
            for e in (event(1), event(2, step="approve", post="批准岗", at="2026-09-15T09:00:00+08:00"))
        )
    )
    jiancha("import", str(evs))
    assert " sent" in jiancha("notify", "--once")
    lines = out_file.read_text(encoding="utf-8").splitlines()
    assert lines and all(json.loads(x)["recipient"] == "role:supervisor" for x in lines)
    assert jiancha("notify", "--once") == ""  # nothing more is due


def test_notices_and_complaints_reach_their_department_and_a_real_name_complainant_by_text(
    db: Database, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    from jiancha.services import complaints, notices

    for sub in (
        Subscription("role", "supervisor", "file", "监察室", kind="complaint"),
        Subscription("role", "handler", "file", "市场监管局", kind="notice", department_code="330900-SCJG"),
        Subscription(
            "role", "handler", "file", "市场监管局", kind="complaint", department_code="330900-SCJG"
        ),
        Subscription("role", "handler", "file", "国土局", kind="notice", department_code="330900-GTJ"),
    ):
        notifications.subscribe(db, sub)
    issued = notices.issue(
        db,
        notices.NoticeIn(
            department_code="330900-SCJG", title="督办", requirement="报告", issued_by="监察员甲"
        ),
        now=T0,
    )
    real = {
        "department_code": "330900-SCJG",
        "content": "窗口超时未办",
        "complainant": {"name": "王小明", "phone": "13812345678"},
    }
    no = str(complaints.submit(db, complaints.parse(real), now=T0)["complaint_no"])
    quiet = str(
        complaints.submit(
            db,
            complaints.parse({"department_code": "330900-SCJG", "content": "乱收费", "anonymous": True}),
            now=T0,
        )["complaint_no"]
    )
    by_step = {m.subject: m for m in outbox_rows(db)}
    assert by_step[f"notice:{issued['notice_no']}/issue"].address == "市场监管局"
    assert not any(m.address == "国土局" for m in outbox_rows(db)), "another department's notice"
    # A complaint not yet accepted is the supervisors' business, not the department's.
    assert [m.address for m in outbox_rows(db) if m.subject == f"complaint:{no}/submit"] == ["监察室"]

    for n in (no, quiet):
        complaints.decide(db, n, True, "予以受理", "监察员甲", now=T0 + timedelta(hours=1))
        complaints.result(db, n, "已办结并致歉", "市场监管局", now=T0 + timedelta(days=3))
    texts = [m for m in outbox_rows(db) if m.recipient == "person"]
    assert [(m.subject, m.channel, m.address) for m in texts] == [
        (f"complaint:{no}/decision", "sms", "13812345678"),
        (f"complaint:{no}/result", "sms", "13812345678"),
    ], "the real-name complainant is told twice; the anonymous one no one can tell"
    assert "予以受理" in texts[0].body and "已办结并致歉" in texts[1].body
    transferred = [m.address for m in outbox_rows(db) if m.subject.endswith("/transfer")]
    assert sorted(transferred) == ["市场监管局", "市场监管局", "监察室", "监察室"]

    r, url = receiver
    s = settings_for(tmp_path, sms_url=url)
    assert deliver_due(db, T0 + timedelta(days=4), from_settings(s), s).failed == 0
    assert sorted(a["json"]["to"] for a in r.accepted) == ["13812345678", "13812345678"]
    with Desk(db) as client:
        listed = client.get("/api/v1/notifications").json()["notifications"]
    shown = {n["address"] for n in listed if n["recipient"] == "person"}
    assert shown == {"138****5678"}, "the outbox shows a citizen's number masked"


def test_subscriptions_are_made_listed_and_stopped_through_the_api(db: Database) -> None:
    with Desk(db) as client:
        url = "/api/v1/notifications/subscriptions"
        made = client.post(
            url,
            json={
                "audience": "role",
                "name": "handler",
                "kind": "notice",
                "channel": "wecom",
                "address": "http://wecom/scjg",
                "department_code": "330900-SCJG",
            },
        )
        assert made.status_code == 201 and made.json()["active"] is True
        bad = client.post(url, json={"audience": "team", "name": "x", "channel": "pigeon", "address": "x"})
        assert bad.status_code == 422
        assert {p["field"] for p in bad.json()["error"]["problems"]} == {"audience", "channel"}
        assert [s["id"] for s in client.get(url).json()["subscriptions"]] == [made.json()["id"]]
        stopped = client.delete(f"{url}/{made.json()['id']}")
        assert stopped.status_code == 200 and client.get(url).json()["total"] == 0
        assert client.get(url, params={"inactive": "true"}).json()["subscriptions"][0]["active"] is False
        assert client.delete(f"{url}/999999").status_code == 404
    from jiancha.services import notices

    notices.issue(
        db,
        notices.NoticeIn(
            department_code="330900-SCJG", title="督办", requirement="报告", issued_by="监察员甲"
        ),
        now=T0,
    )
    assert outbox_rows(db) == [], "a stopped subscription tells no one"
