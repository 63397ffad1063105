"""Signed checkpoints over the ledger (issue 5): an outside witness holding an old checkpoint can
show the platform has not rewritten its past."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from jiancha.domain.canonical import ENCODING_VERSION
from jiancha.domain.errors import Rejected
from jiancha.domain.integrity import merkle, witness
from jiancha.domain.integrity.checkpoint import from_json, key_id, raw_public_key, sign
from jiancha.interfaces.api import create_app
from jiancha.services import checkpoints
from jiancha.services.worker import Worker
from jiancha.settings import CheckpointSettings
from jiancha.store import checkpoints as store
from jiancha.store.database import Database
from jiancha.store.ledger.chain import Entry, append, entry_hash
from jiancha.store.tables import ledger, ledger_head

from .conftest import drop_ledger_triggers
from .test_cli import _free_port, events_file, run, with_catalogue

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> CheckpointSettings:
    return CheckpointSettings(key_file=tmp_path / "keys" / "signing.pem", origin="台州市监察平台")


def grow(db: Database, n: int) -> None:
    with db.write() as conn:
        start = store.ledger_size(conn)
        append(conn, [Entry("test", f"test:{start + k}", {"k": start + k}) for k in range(n)], at=T0)


def leaves(db: Database) -> list[bytes]:
    with db.read() as conn:
        hashes = conn.execute(select(ledger.c.entry_hash).order_by(ledger.c.seq)).scalars().all()
    return [merkle.leaf_hash(bytes(h)) for h in hashes]


def rewrite(db: Database, seq: int) -> None:
    """What an intruder with database access does: change an entry, then recompute the chain from
    it on, and the recorded tip, so that the chain walk finds nothing wrong."""
    drop_ledger_triggers(db)
    with db.write() as conn:
        rows = conn.execute(select(ledger).where(ledger.c.seq >= seq).order_by(ledger.c.seq)).all()
        prev = bytes(rows[0].prev_hash)
        for r in rows:
            payload = b'{"k":"forged"}' if r.seq == seq else bytes(r.payload)
            h = entry_hash(ENCODING_VERSION, r.seq, prev, r.recorded_at, r.kind, r.ref, payload)
            conn.execute(
                update(ledger)
                .where(ledger.c.seq == r.seq)
                .values(payload=payload, prev_hash=prev, entry_hash=h)
            )
            prev = h
        conn.execute(update(ledger_head).values(entry_hash=prev))


def test_a_checkpoint_signs_the_rfc6962_root_of_every_ledger_entry(
    empty_db: Database, settings: CheckpointSettings
) -> None:
    assert checkpoints.make(empty_db, settings) is None  # nothing to sign yet
    grow(empty_db, 50)
    made = checkpoints.make(empty_db, settings, at=T0)
    assert made is not None and made.new
    cp = made.checkpoint
    assert (cp.tree_size, cp.origin, cp.time) == (50, "台州市监察平台", "2026-11-23T08:00:00.000000Z")
    assert cp.root_hash == merkle.root(leaves(empty_db))
    public = raw_public_key(checkpoints.signing_key(settings.key_file))
    assert cp.key_id == key_id(public)
    assert witness.signature(cp, {cp.key_id: public}) is None
    # The signed text is the documented note, so any Ed25519 tool can check it.
    assert cp.body().decode().splitlines() == [
        "jiancha-checkpoint/v1",
        "台州市监察平台",
        "50",
        cp.root_hash.hex(),
        "2026-11-23T08:00:00.000000Z",
    ]
    # Read back from the database and from its JSON form, it is the same signed checkpoint.
    assert checkpoints.latest(empty_db) == cp == from_json(orjson.loads(orjson.dumps(cp.as_json())))
    again = checkpoints.make(empty_db, settings)
    assert again is not None and not again.new and again.checkpoint == cp


def test_the_private_key_is_made_once_readable_by_its_owner_only(settings: CheckpointSettings) -> None:
    key = checkpoints.signing_key(settings.key_file)
    assert stat.S_IMODE(os.stat(settings.key_file).st_mode) == 0o600
    assert raw_public_key(checkpoints.signing_key(settings.key_file)) == raw_public_key(key)
    assert [p.name for p in settings.key_file.parent.iterdir()] == ["signing.pem"]


@pytest.mark.parametrize("block_level", [2, store.BLOCK_LEVEL])
def test_every_proof_between_checkpoints_verifies(
    empty_db: Database, settings: CheckpointSettings, block_level: int
) -> None:
    """Level 2 makes the recorded subtrees (blocks of 4 entries) carry most of every proof."""
    sizes = [1, 5, 13, 40, 41, 64, 77]
    for size in sizes:
        grow(empty_db, size - len(leaves(empty_db)))
        made = checkpoints.make(empty_db, settings, block_level=block_level)
        assert made is not None and made.checkpoint.root_hash == merkle.root(leaves(empty_db))
    all_leaves = leaves(empty_db)
    signed = {n: checkpoints.at_size(empty_db, n) for n in sizes}
    keys = checkpoints.public_keys(empty_db, settings)
    trusted = {k["key_id"]: bytes.fromhex(k["public_key"]) for k in keys["keys"]}
    assert keys["current"] in trusted
    for old in sizes:
        for new in sizes:
            if old <= new:
                proof = checkpoints.consistency(empty_db, old, new, block_level)["proof"]
                a, b = signed[old], signed[new]
                assert a is not None and b is not None
                assert witness.consistency(a, b, [bytes.fromhex(h) for h in proof], trusted) is None
    for seq in range(1, 78):
        answer = checkpoints.inclusion(empty_db, seq, 77, block_level)
        assert answer["leaf_hash"] == all_leaves[seq - 1].hex()
        cp = signed[77]
        assert cp is not None
        proof = [bytes.fromhex(h) for h in answer["proof"]]
        assert witness.inclusion(cp, seq, bytes.fromhex(answer["entry_hash"]), proof, trusted) is None
        assert witness.inclusion(cp, seq, b"\x00" * 32, proof, trusted) is not None


def test_checkpoints_and_merkle_nodes_cannot_be_changed(
    empty_db: Database, settings: CheckpointSettings
) -> None:
    grow(empty_db, 9)
    checkpoints.make(empty_db, settings, block_level=1)
    for sql in (
        "UPDATE checkpoints SET tree_size = 8",
        "DELETE FROM checkpoints",
        "UPDATE merkle_nodes SET hash = hash",
        "DELETE FROM merkle_nodes",
    ):
        with pytest.raises(Exception, match="append-only"), empty_db.write() as conn:
            conn.execute(text(sql))
    with empty_db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM merkle_nodes")).scalar_one() == 4 + 2 + 1


@pytest.mark.parametrize("block_level", [2, store.BLOCK_LEVEL])
@pytest.mark.parametrize("seq", [3, 30])
def test_the_platform_refuses_to_sign_over_a_rewritten_past(
    empty_db: Database, settings: CheckpointSettings, block_level: int, seq: int
) -> None:
    grow(empty_db, 33)
    checkpoints.make(empty_db, settings, block_level=block_level)
    grow(empty_db, 10)
    rewrite(empty_db, seq)
    with pytest.raises(checkpoints.Rewritten, match=r"rewritten|no longer hash"):
        checkpoints.make(empty_db, settings, block_level=block_level)
    assert [c.tree_size for c in [checkpoints.latest(empty_db)] if c] == [33]


def test_a_rewrite_is_found_even_with_nothing_new_to_sign(
    empty_db: Database, settings: CheckpointSettings
) -> None:
    """32 entries in blocks of 4: the signed root is made of recorded nodes only, so the newest
    recorded block is hashed again from the ledger to notice the change."""
    grow(empty_db, 32)
    checkpoints.make(empty_db, settings, block_level=2)
    rewrite(empty_db, 2)
    with pytest.raises(checkpoints.Rewritten, match="recorded Merkle nodes"):
        checkpoints.make(empty_db, settings, block_level=2)


def test_a_forged_checkpoint_over_a_rewritten_past_fails_the_witness(
    empty_db: Database, settings: CheckpointSettings
) -> None:
    """Even an intruder holding the signing key cannot link the witness's checkpoint to a
    rewritten ledger."""
    grow(empty_db, 20)
    made = checkpoints.make(empty_db, settings)
    assert made is not None
    held = made.checkpoint
    grow(empty_db, 7)
    rewrite(empty_db, 4)
    key = checkpoints.signing_key(settings.key_file)
    forged = sign(key, held.origin, 27, merkle.root(leaves(empty_db)), T0 + timedelta(hours=1))
    with empty_db.write() as conn:
        store.record(conn, forged, raw_public_key(key), T0 + timedelta(hours=1))
    trusted = {held.key_id: raw_public_key(key)}
    proof = [bytes.fromhex(h) for h in checkpoints.consistency(empty_db, 20, 27)["proof"]]
    assert witness.signature(forged, trusted) is None  # the signature itself is genuine
    assert "were changed" in (witness.consistency(held, forged, proof, trusted) or "")


def test_proofs_beyond_the_latest_checkpoint_are_refused_naming_the_field(
    empty_db: Database, settings: CheckpointSettings
) -> None:
    grow(empty_db, 10)
    checkpoints.make(empty_db, settings)
    grow(empty_db, 5)  # not yet signed
    with pytest.raises(Rejected) as e:
        checkpoints.inclusion(empty_db, 3, 12)
    assert [p.field for p in e.value.problems] == ["tree_size"]
    with pytest.raises(Rejected) as e:
        checkpoints.inclusion(empty_db, 11, 10)
    assert [p.field for p in e.value.problems] == ["seq"]
    with pytest.raises(Rejected) as e:
        checkpoints.consistency(empty_db, 11, 10)
    assert [p.field for p in e.value.problems] == ["old"]


def test_the_worker_signs_when_the_ledger_has_grown_and_an_interval_has_passed(
    empty_db: Database, settings: CheckpointSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIANCHA_SIGNING_KEY", str(settings.key_file))
    monkeypatch.setenv("JIANCHA_CHECKPOINT_INTERVAL", "3600")
    worker = Worker(empty_db)
    worker.checkpoint()
    assert checkpoints.latest(empty_db) is None  # an empty ledger is not signed
    grow(empty_db, 3)
    worker.checkpoint()
    first = checkpoints.latest(empty_db)
    assert first is not None and first.tree_size == 3
    grow(empty_db, 2)
    worker.checkpoint()  # grown, but the hour has not passed
    assert checkpoints.latest(empty_db) == first
    assert checkpoints.due(
        empty_db, timedelta(hours=1), datetime.fromisoformat(first.time) + timedelta(hours=1)
    )


# -- the API --------------------------------------------------------------------------------------------
@pytest.fixture
def client(
    empty_db: Database, settings: CheckpointSettings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("JIANCHA_SIGNING_KEY", str(settings.key_file))
    with TestClient(create_app(empty_db)) as c:
        yield c


def test_the_api_serves_checkpoints_keys_and_proofs(
    client: TestClient, empty_db: Database, settings: CheckpointSettings
) -> None:
    assert client.get("/api/v1/checkpoints/latest").status_code == 404
    grow(empty_db, 12)
    checkpoints.make(empty_db, settings)
    grow(empty_db, 9)
    checkpoints.make(empty_db, settings)
    latest = client.get("/api/v1/checkpoints/latest").json()
    old = client.get("/api/v1/checkpoints/12").json()
    assert (latest["tree_size"], old["tree_size"]) == (21, 12)
    keys = client.get("/api/v1/checkpoints/public-key").json()
    trusted = {k["key_id"]: bytes.fromhex(k["public_key"]) for k in keys["keys"]}
    assert keys["current"] == latest["key_id"] and "BEGIN PUBLIC KEY" in keys["keys"][0]["pem"]

    proof = client.get("/api/v1/proofs/consistency", params={"old": 12}).json()
    assert (proof["old"], proof["new"]) == (12, 21)
    assert (
        witness.consistency(
            from_json(old), from_json(latest), [bytes.fromhex(h) for h in proof["proof"]], trusted
        )
        is None
    )
    incl = client.get("/api/v1/proofs/inclusion", params={"seq": 5, "tree_size": 12}).json()
    assert incl["checkpoint"] == old
    assert (
        witness.inclusion(
            from_json(old),
            5,
            bytes.fromhex(incl["entry_hash"]),
            [bytes.fromhex(h) for h in incl["proof"]],
            trusted,
        )
        is None
    )


def test_bad_proof_requests_get_a_bilingual_error_naming_the_field(
    client: TestClient, empty_db: Database
) -> None:
    grow(empty_db, 4)
    checkpoints.make(empty_db)
    cases = [
        ("/api/v1/proofs/inclusion?seq=0", "seq"),
        ("/api/v1/proofs/inclusion?seq=2&tree_size=5", "tree_size"),
        ("/api/v1/proofs/inclusion?seq=5&tree_size=4", "seq"),
        ("/api/v1/proofs/consistency?old=x", "old"),
        ("/api/v1/proofs/consistency?old=3&new=2", "old"),
        ("/api/v1/proofs/consistency?old=1&new=9", "new"),
    ]
    for url, field in cases:
        r = client.get(url)
        assert r.status_code == 422, url
        error = r.json()["error"]
        assert [p["field"] for p in error["problems"]] == [field], url
        assert error["message_zh"] and error["message_en"]
    assert client.get("/api/v1/checkpoints/7").json()["error"]["code"] == "not_found"


# -- `jiancha checkpoint` and `jiancha proof`, as a witness runs them -----------------------------------
def test_jiancha_proof_checks_consistency_and_fails_on_a_rewritten_ledger(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIANCHA_SIGNING_KEY", str(tmp_path / "signing.pem"))  # run() passes it on
    url = database_url
    with_catalogue(url, tmp_path)
    run(url, "import", str(events_file(tmp_path, 30)))
    old = tmp_path / "old.json"
    old.write_text(run(url, "checkpoint", "--json").stdout)
    run(url, "import", str(events_file(tmp_path, 25, prefix="F")))
    new = tmp_path / "new.json"
    new.write_text(run(url, "checkpoint", "--json").stdout)
    assert orjson.loads(new.read_bytes())["tree_size"] > orjson.loads(old.read_bytes())["tree_size"]
    key = orjson.loads(run(url, "proof", "key").stdout)["keys"][0]["public_key"]

    ok = run(url, "proof", "consistency", "--old", str(old), "--new", str(new), "--key", key)
    assert ok.stdout.startswith("OK")
    assert run(url, "proof", "consistency", "--old", str(old)).stdout.startswith("OK")
    assert run(url, "proof", "inclusion", "--seq", "7", "--checkpoint", str(old)).stdout.startswith("OK")

    # A tampered signature, and a key the witness does not trust, both fail.
    bent = orjson.loads(old.read_bytes())
    bent["signature"] = ("0" if bent["signature"][0] != "0" else "1") + bent["signature"][1:]
    (tmp_path / "bent.json").write_bytes(orjson.dumps(bent))
    failed = run(url, "proof", "consistency", "--old", str(tmp_path / "bent.json"), check=False)
    assert failed.returncode == 1 and "signature does not match" in failed.stdout
    failed = run(url, "proof", "consistency", "--old", str(old), "--key", "ab" * 32, check=False)
    assert failed.returncode == 1 and "not trusted" in failed.stdout

    # The intruder rewrites an early entry and recomputes the chain: the chain walk alone would
    # pass; the platform will not sign over it, and the witness's checkpoint exposes it.
    db = Database(url)
    rewrite(db, 5)
    db.dispose()
    refused = run(url, "checkpoint", check=False)
    assert refused.returncode == 1 and "REFUSED" in refused.stderr
    for args in (["--new", str(new)], []):
        failed = run(url, "proof", "consistency", "--old", str(old), *args, check=False)
        assert failed.returncode == 1, failed.stdout
        assert "were changed" in failed.stdout
    failed = run(url, "proof", "inclusion", "--seq", "5", "--checkpoint", str(old), check=False)
    assert failed.returncode == 1 and "is not in checkpoint" in failed.stdout


def test_jiancha_proof_asks_a_running_platform(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIANCHA_SIGNING_KEY", str(tmp_path / "signing.pem"))
    url = database_url
    with_catalogue(url, tmp_path)
    old = tmp_path / "old.json"
    old.write_text(run(url, "checkpoint", "--json").stdout)
    run(url, "import", str(events_file(tmp_path, 12)))
    run(url, "checkpoint")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jiancha", "serve", "--port", str(port)],
        env={**os.environ, "JIANCHA_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        ok = run(url, "proof", "consistency", "--old", str(old), "--server", base)
        assert ok.stdout.startswith("OK") and f"{base}" not in ok.stdout
        assert run(url, "proof", "inclusion", "--seq", "3", "--server", base).stdout.startswith("OK")
        wrong = run(
            url, "proof", "inclusion", "--seq", "3", "--entry-hash", "00" * 32, "--server", base, check=False
        )
        assert wrong.returncode == 1 and "is not in checkpoint" in wrong.stdout
        beyond = run(url, "proof", "inclusion", "--seq", "999", "--server", base, check=False)
        assert beyond.returncode == 1 and "seq" in beyond.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
