"""Public resource trading (公共资源交易, R-MON-2): compiled OCDS releases received from a trading
platform, kept and ledgered, and the red flags of the packs raised on them as signals.

A release is kept as received, one row per version of a contracting process (its `ocid`); the
newest is the process's state. A process belongs to its buyer's department when `/buyer/id` is a
department the organisation knows, else to the sender's (a trading centre's system sends for many
buyers). After every batch the indicators run again over the newest releases of every process,
grouped by the pack their departments are judged by — several indicators compare a process with
all the others (quartiles and fences), so they cannot look at the new ones alone. A flag raises
its signal once per subject and rule; a flag that goes away leaves the signal to the supervisor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, exists, func, literal, select

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.procurement import ocds, red_flags
from jiancha.domain.rules.families import procurement as family
from jiancha.domain.timeutil import iso_local, iso_utc, utcnow
from jiancha.services import packs
from jiancha.services.signals import Subject, raise_on_subjects
from jiancha.store.bulk import insert_many
from jiancha.store.cases import chunks
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.tables import departments, procurement_releases, signals

MAX_RELEASES = 10_000
OCID_MAX = 200


def parse_releases(raw: Any) -> list[dict[str, Any]]:
    """A JSON array of compiled releases (or one release); every problem named by its place."""
    releases = raw if isinstance(raw, list) else [raw]
    problems: list[Problem] = []
    if not releases:
        problems.append(Problem("empty", "", "没有发布记录", "no releases"))
    if len(releases) > MAX_RELEASES:
        zh, en = f"一次最多 {MAX_RELEASES} 条", f"at most {MAX_RELEASES} releases at once"
        problems.append(Problem("too_many", "", zh, en))
    for i, release in enumerate(releases[:MAX_RELEASES]):
        if not isinstance(release, dict):
            problems.append(Problem("not_object", f"[{i}]", "应为 JSON 对象", "must be a JSON object", i))
            continue
        ocid = release.get("ocid")
        if not isinstance(ocid, str) or not ocid.strip() or len(ocid) > OCID_MAX:
            zh = f"缺少 ocid 或不是 1–{OCID_MAX} 个字符的字符串"
            en = f"ocid is missing or not a string of 1–{OCID_MAX} characters"
            problems.append(Problem("bad_ocid", f"[{i}].ocid", zh, en, i))
    if problems:
        raise _refused(problems)
    return releases


def _refused(problems: list[Problem]) -> Rejected:
    return Rejected(
        "releases_rejected",
        "发布记录有错误，未作任何记录",
        "the releases have errors; nothing was recorded",
        problems,
    )


def _title(release: Mapping[str, Any]) -> str:
    found = ocds.string(ocds.tender(release), "title") or ocds.string(release, "title")
    return (found or str(release["ocid"]))[:500]


def _buyer(release: Mapping[str, Any]) -> tuple[str | None, str]:
    buyer = ocds.obj(release, "buyer")
    ident = ocds.string(buyer, "id")
    return ident, (ocds.string(buyer, "name") or ident or "")[:500]


def canonical(release: Mapping[str, Any]) -> bytes:
    return orjson.dumps(release, option=orjson.OPT_SORT_KEYS)


def receive(
    db: Database,
    releases: list[dict[str, Any]],
    by: str,
    sender_department: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Keep the releases not already held as they are, ledgered, and run the red flags — one
    transaction: what is acknowledged is kept, with the signals it raised."""
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        known = set(conn.execute(select(departments.c.code)).scalars())
        newest = _newest_hashes(conn, {str(r["ocid"]) for r in releases})
        rows: list[dict[str, Any]] = []
        problems: list[Problem] = []
        for i, release in enumerate(releases):
            ocid = str(release["ocid"])
            digest = hashlib.sha256(canonical(release)).hexdigest()
            if newest.get(ocid) == digest:
                continue
            newest[ocid] = digest
            buyer_id, buyer = _buyer(release)
            department = buyer_id if buyer_id in known else sender_department
            if department is None:
                zh = "采购人不是已登记的部门，且发送方不属于任何部门，无法确定归属"
                en = "the buyer is not a known department and the sender belongs to none: whose is it?"
                problems.append(Problem("unknown_department", f"[{i}].buyer.id", zh, en, i))
                continue
            rows.append(
                {
                    "ocid": ocid,
                    "department_code": department,
                    "title": _title(release),
                    "buyer": buyer,
                    "release": release,
                    "sha256": digest,
                    "received_at": now,
                    "recorded_by": by,
                }
            )
        if problems:
            raise _refused(problems)
        seqs = append(conn, [Entry("procurement", f"ocds:{r['ocid']}", _record(r)) for r in rows], now)
        insert_many(
            conn, procurement_releases, [{**r, "ledger_seq": s} for r, s in zip(rows, seqs, strict=True)]
        )
        raised = assess(conn, now) if rows else 0
    return {
        "received": len(releases),
        "accepted": len(rows),
        "unchanged": len(releases) - len(rows),
        "signals_raised": raised,
    }


def _record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The ledger record of a release kept: everything the row holds but its sequence number."""
    return {
        "v": 1,
        "ocid": row["ocid"],
        "department_code": row["department_code"],
        "sha256": row["sha256"],
        "recorded_by": row["recorded_by"],
        "received_at": iso_utc(row["received_at"]),
        "release": row["release"],
    }


def _newest_hashes(conn: Connection, ocids: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in chunks(sorted(ocids)):
        newest = (
            select(func.max(procurement_releases.c.id))
            .where(procurement_releases.c.ocid.in_(part))
            .group_by(procurement_releases.c.ocid)
        )
        for ocid, digest in conn.execute(
            select(procurement_releases.c.ocid, procurement_releases.c.sha256).where(
                procurement_releases.c.id.in_(newest)
            )
        ):
            found[str(ocid)] = str(digest)
    return found


def _newest(scope: Scope = EVERYTHING) -> Any:
    ids = select(func.max(procurement_releases.c.id)).group_by(procurement_releases.c.ocid)
    return select(procurement_releases).where(
        procurement_releases.c.id.in_(ids), scope.restrict(procurement_releases.c.department_code)
    )


def assess(conn: Connection, now: datetime) -> int:
    """Run every pack's red flags over the newest release of each process its departments hold,
    inside the caller's transaction; returns how many signals were raised."""
    rows = conn.execute(_newest()).all()
    if not rows:
        return 0
    judges = packs.for_departments(conn, {r.department_code for r in rows})
    by_pack: dict[str, list[Any]] = {}
    for r in rows:
        by_pack.setdefault(judges[r.department_code].pack, []).append(r)
    by_name = {p.pack: p for p in judges.values()}
    raised = 0
    for name, group in sorted(by_pack.items()):
        pack = by_name[name]
        rules = pack.red_flags()
        if not rules:
            continue
        releases = {r.ocid: r.release for r in group}
        processes = {
            r.ocid: family.Process(r.ocid, r.department_code, r.title, r.buyer, r.received_at) for r in group
        }
        settings = family.settings_of(pack.procurement, rules)
        assessment = red_flags.assess(releases.values(), settings)
        found = family.findings(rules, assessment, processes, releases, now)
        raised += raise_on_subjects(conn, pack, [Subject(n, d, f, rule) for n, d, f, rule in found], now)
    return raised


def processes(
    db: Database,
    scope: Scope = EVERYTHING,
    department: str | None = None,
    limit: int = 50,
    offset: int = 0,
    flagged: bool = False,
) -> tuple[int, list[dict[str, Any]]]:
    """The contracting processes in scope, newest first, each with its red flags; `flagged`: only
    those with one."""
    query = _newest(scope)
    if department:
        query = query.where(procurement_releases.c.department_code == department)
    if flagged:
        subject = literal("ocds:") + procurement_releases.c.ocid
        query = query.where(exists(select(signals.c.id).where(signals.c.subject == subject)))
    with db.read() as conn:
        total = int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())
        rows = conn.execute(
            query.order_by(procurement_releases.c.received_at.desc(), procurement_releases.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        flags = _flags(conn, [f"ocds:{r.ocid}" for r in rows])
    return total, [{**_summary(r), "signals": flags.get(f"ocds:{r.ocid}", [])} for r in rows]


def _summary(r: Any) -> dict[str, Any]:
    return {
        "ocid": r.ocid,
        "title": r.title,
        "buyer": r.buyer,
        "department_code": r.department_code,
        "received_at": iso_local(r.received_at),
        "recorded_by": r.recorded_by,
        "sha256": r.sha256,
        "ledger_seq": r.ledger_seq,
    }


def _flags(conn: Connection, subjects: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for part in chunks(subjects):
        for s in conn.execute(
            select(
                signals.c.id,
                signals.c.subject,
                signals.c.department_code,
                signals.c.rule_id,
                signals.c.colour,
                signals.c.state,
            )
            .where(signals.c.subject.in_(part))
            .order_by(signals.c.id)
        ):
            found.setdefault(str(s.subject), []).append(
                {
                    "id": s.id,
                    "subject": s.subject,
                    "department_code": s.department_code,
                    "rule_id": s.rule_id,
                    "colour": s.colour,
                    "state": s.state,
                }
            )
    return found


def process(db: Database, ocid: str, scope: Scope = EVERYTHING) -> dict[str, Any] | None:
    """A contracting process: its newest release, every version received and its signals."""
    with db.read() as conn:
        versions = conn.execute(
            select(procurement_releases)
            .where(procurement_releases.c.ocid == ocid)
            .order_by(procurement_releases.c.id.desc())
        ).all()
        if not versions or not scope.has_department(versions[0].department_code):
            return None
        # The flags of its buyer, agent and tenderers too: a party's signal goes to one department
        # only, and a supervisor reading this process should see what its parties are flagged for.
        parties = [
            f"{family.SUBJECT[group]}:{ident}" for group, ident in sorted(family.parties(versions[0].release))
        ]
        flags = _flags(conn, [f"ocds:{ocid}", *parties])
    return {
        **_summary(versions[0]),
        "release": versions[0].release,
        "versions": [_summary(v) for v in versions],
        "signals": flags.get(f"ocds:{ocid}", []),
        "party_signals": [
            f for party in parties for f in flags.get(party, []) if scope.has_department(f["department_code"])
        ],
    }
