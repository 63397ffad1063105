"""The `jiancha` command as an operator runs it, each command a separate process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
from sqlalchemy import func, select, text

from jiancha.interfaces.files.catalogue_files import write_catalogue
from jiancha.services import ingest, integrity
from jiancha.store.database import Database
from jiancha.store.tables import events, signals

from .conftest import drop_ledger_triggers, event, sample_items


def run(
    url: str, *args: str, check: bool = True, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JIANCHA_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "jiancha", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        input=input,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"jiancha {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def with_catalogue(url: str, tmp_path: Path) -> None:
    """A database at the newest schema holding the sample catalogue, set up as an operator would."""
    run(url, "db", "upgrade")
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_bytes(write_catalogue(sample_items(), "json"))
    run(url, "import", str(catalogue))


def events_file(tmp_path: Path, n: int, prefix: str = "E") -> Path:
    lines = []
    for k in range(n):
        ev = event(k, case_no=f"{prefix}-{k // 4}", at=f"2026-09-14T09:{k % 60:02d}:00+08:00")
        ev["event_id"] = f"{prefix}-{k}"
        lines.append(orjson.dumps(ev))
    path = tmp_path / f"{prefix}.jsonl"
    path.write_bytes(b"\n".join(lines))
    return path


def test_upgrade_import_and_verify_then_catch_an_edited_ledger_row(database_url: str, tmp_path: Path) -> None:
    assert "newest schema" in run(database_url, "db", "upgrade").stdout
    catalogue = tmp_path / "catalogue.xlsx"
    catalogue.write_bytes(write_catalogue(sample_items(), "xlsx"))
    assert '"added"' in run(database_url, "import", str(catalogue)).stdout
    out = orjson.loads(run(database_url, "import", str(events_file(tmp_path, 40))).stdout)
    assert out["accepted"] == 40
    assert run(database_url, "verify").stdout.startswith("OK")

    db = Database(database_url)
    drop_ledger_triggers(db)
    with db.write() as conn:
        conn.execute(text("UPDATE ledger SET ref = 'event:forged' WHERE seq = 12"))
    db.dispose()
    broken = run(database_url, "verify", check=False)
    assert broken.returncode == 1
    assert "entry 12" in broken.stdout


def test_a_bad_catalogue_file_is_rejected_whole_listing_each_row(database_url: str, tmp_path: Path) -> None:
    run(database_url, "db", "upgrade")
    good = write_catalogue(sample_items(), "csv").decode("utf-8-sig").splitlines()
    header = good[0].split(",")
    rows = [line.split(",") for line in good[1:]]
    limit = header.index("legal_limit_days")
    rows[0][limit] = "二十"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([",".join(header), *(",".join(r) for r in rows)]), encoding="utf-8")
    done = run(database_url, "import", str(bad), check=False)
    assert done.returncode == 2
    assert "row=2" in done.stderr and "legal_limit_days" in done.stderr
    listing = run(database_url, "import", str(events_file(tmp_path, 1)), check=False)
    assert "not in the catalogue" in listing.stderr, "the rejected catalogue left nothing behind"


def test_calendar_load_covers_a_new_year(database_url: str, tmp_path: Path) -> None:
    run(database_url, "db", "upgrade")
    assert "fallback" in run(database_url, "calendar", "show", "2027").stdout
    schedule = tmp_path / "2027.csv"
    schedule.write_text("date,workday,name\n2027-01-01,false,元旦\n", encoding="utf-8")
    run(database_url, "calendar", "load", str(schedule))
    shown = run(database_url, "calendar", "show", "2027").stdout
    assert "fallback" not in shown and "2027-01-01 休息 元旦" in shown


def organisation_file(tmp_path: Path) -> Path:
    from .conftest import ORGANISATION

    path = tmp_path / "organisation.json"
    path.write_bytes(orjson.dumps(ORGANISATION))
    return path


def test_users_and_tokens_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    run(database_url, "db", "upgrade")
    run(database_url, "import", str(organisation_file(tmp_path)))
    made = run(
        database_url,
        "user",
        "add",
        "zhang",
        "--role",
        "e_supervisor",
        "--region",
        "330900",
        "--name",
        "张三",
        input="a long enough secret\n",
    )
    assert "zhang" in made.stdout
    listed = run(database_url, "user", "list").stdout
    assert "zhang" in listed and "e_supervisor" in listed and "330900" in listed
    bad = run(
        database_url, "user", "add", "li", "--role", "post_user", input="a long enough secret\n", check=False
    )
    assert bad.returncode != 0 and "department_code" in bad.stderr
    token = run(database_url, "token", "issue", "--department", "330900-SCJG", "--name", "系统").stdout
    assert token.strip().splitlines()[-1].startswith("jct_")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_acknowledged_batch_survives_the_server_being_killed(database_url: str, tmp_path: Path) -> None:
    with_catalogue(database_url, tmp_path)
    run(database_url, "import", str(organisation_file(tmp_path)))
    issued = run(database_url, "token", "issue", "--department", "330900-SCJG", "--name", "审批系统")
    token = issued.stdout.strip().splitlines()[-1]
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jiancha", "serve", "--port", str(port)],
        env={**os.environ, "JIANCHA_DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        # The server a person opens: the pages and their assets come from the platform itself.
        console = httpx.get(f"{base}/console/")
        assert console.status_code == 200
        assert '<script type="module" src="/static/console.js">' in console.text
        assert httpx.get(f"{base}/static/core.js").headers["content-type"].startswith("text/javascript")
        batch = [orjson.loads(line) for line in events_file(tmp_path, 1000).read_bytes().splitlines()]
        auth = {"Authorization": f"Bearer {token}"}
        assert httpx.post(f"{base}/api/v1/events", json=batch[:1], timeout=60).status_code == 401
        r = httpx.post(f"{base}/api/v1/events", json=batch, timeout=60, headers=auth)
        assert r.status_code == 200 and r.json()["accepted"] == 1000
    finally:
        server.send_signal(signal.SIGKILL)  # no shutdown, no flush: only what was committed remains
        server.wait()
    db = Database(database_url)
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar_one() == 1000
    assert integrity.check(db).ok
    db.dispose()


def test_export_gives_back_the_imported_catalogue(database_url: str, tmp_path: Path) -> None:
    run(database_url, "db", "upgrade")
    source = tmp_path / "catalogue.csv"
    source.write_bytes(write_catalogue(sample_items(), "csv"))
    run(database_url, "import", str(source))
    exported = tmp_path / "out.json"
    assert "2 items" in run(database_url, "export", str(exported)).stdout
    got = orjson.loads(exported.read_bytes())["items"]
    want = orjson.loads(write_catalogue(sample_items(), "json"))["items"]
    assert sorted(got, key=lambda i: i["code"]) == sorted(want, key=lambda i: i["code"])


def test_an_events_file_with_a_bad_row_deep_inside_writes_nothing(database_url: str, tmp_path: Path) -> None:
    with_catalogue(database_url, tmp_path)
    path = events_file(tmp_path, 1500)
    lines = path.read_bytes().splitlines()
    bad = orjson.loads(lines[1200])
    bad["item_code"] = "NOPE-1"
    lines[1200] = orjson.dumps(bad)
    path.write_bytes(b"\n".join(lines))
    done = run(database_url, "import", str(path), check=False)
    assert done.returncode == 2
    assert "row=1201" in done.stderr and "item_code" in done.stderr
    db = Database(database_url)
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar_one() == 0
    db.dispose()


def test_signals_are_listed_as_json_naming_their_rule(database_url: str, tmp_path: Path) -> None:
    with_catalogue(database_url, tmp_path)
    run(database_url, "import", str(events_file(tmp_path, 8)))
    doc = orjson.loads(run(database_url, "signals", "--json").stdout)
    assert doc["total"] == len(doc["signals"]) > 0
    assert {s["rule_id"] for s in doc["signals"]} >= {"TL-LEGAL-OVERDUE"}
    assert all(s["explanation"]["rule"] == s["rule_id"] for s in doc["signals"])


def test_two_workers_sweeping_at_once_never_raise_a_signal_twice(database_url: str, tmp_path: Path) -> None:
    """Two `jiancha sweep` processes started together over the same due cases."""
    with_catalogue(database_url, tmp_path)
    db = Database(database_url)
    lines = events_file(tmp_path, 4000).read_bytes().splitlines()
    # Accepted long ago but judged as of that day: every case is due for the clock now.
    for start in range(0, len(lines), 1000):
        batch = ingest.validate_events([orjson.loads(x) for x in lines[start : start + 1000]])
        ingest.ingest_events(db, batch, now=datetime(2026, 9, 14, 2, tzinfo=UTC))
    env = {**os.environ, "JIANCHA_DATABASE_URL": database_url}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "jiancha", "sweep"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=300) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    handled = sum(int(out.split()[0]) for out, _ in outputs)
    assert handled == 1000, outputs  # each of the 1,000 due cases claimed by exactly one worker
    with db.read() as conn:
        rows = conn.execute(select(signals.c.case_id, signals.c.rule_id)).all()
    assert rows and len(rows) == len(set(rows))
    db.dispose()


def test_backtest_command_reports_a_pack_without_writing(database_url: str, tmp_path: Path) -> None:
    with_catalogue(database_url, tmp_path)
    run(database_url, "import", str(events_file(tmp_path, 8)))
    report = orjson.loads(
        run(
            database_url, "backtest", "--pack", "qitaihe", "--from", "2026-09-01", "--to", "2026-10-31"
        ).stdout
    )
    assert report["cases"] == 2 and report["candidate"]["by_rule"]["QTH-RED"] == 2
    bad = run(
        database_url, "backtest", "--pack", "nope", "--from", "2026-09-01", "--to", "2026-10-31", check=False
    )
    assert bad.returncode == 2 and "no pack named nope" in bad.stderr
