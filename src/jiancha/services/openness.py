"""Openness (政务公开, R-OPEN-1..3).

- The public power list (R-OPEN-1): the items in force now and meant to be public, searched and
  paged in SQL, each with everything R-CAT-1 lists and its department's name.
- Published results and the hall screens (R-OPEN-2): cases whose result is published, with the
  decision and its dates; today's volumes and latest steps. No personal data: no applicant, no
  title (it names the applicant), no official's name; case numbers shortened on the screens.
- What each department actually published (R-OPEN-3): its portal's list, sent by its system or an
  administrator, kept and ledgered, folded into one listing per item; and the pre-disclosure
  checks on it — run when a list arrives and once a day by the clock — raising signals about a
  subject through the same pipeline and lifecycle as every other watch.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, Connection, and_, delete, func, insert, or_, select

from jiancha.domain.access.scope import EVERYTHING, Scope, subtree
from jiancha.domain.catalogue import ITEM_TYPE_LABELS, ItemStatus, ItemType
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.events import ACTION_ZH, DECIDING_ACTIONS, Action
from jiancha.domain.masking import mask_id, mask_name, mask_phone, mask_text, shorten_case_no
from jiancha.domain.public.openness import (
    Listing,
    PublishedList,
    entry_record,
    fold_list,
    list_problems,
)
from jiancha.domain.rules.families.openness import (
    Version,
    Watched,
    late_published,
    not_published,
    published_differs,
)
from jiancha.domain.rules.model import Rule
from jiancha.domain.rules.pack import Pack
from jiancha.domain.timeutil import (
    end_of_local_day,
    iso_local,
    iso_utc,
    local_date,
    start_of_local_day,
    utcnow,
)
from jiancha.domain.validation import problems_from
from jiancha.services import packs
from jiancha.services.signals import Subject, raise_on_subjects
from jiancha.store import calendar as calendar_store
from jiancha.store.bulk import upsert_insert
from jiancha.store.cases import chunks
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.numbering import next_number
from jiancha.store.tables import (
    cases,
    departments,
    disclosed_items,
    disclosure_lists,
    events,
    item_versions,
    periodic_checks,
    regions,
)

FAMILIES = ("not_published", "late_published", "published_differs")

# -- the public power list (R-OPEN-1) ---------------------------------------------------------------


@dataclass(frozen=True)
class ItemQuery:
    q: str | None = None  # part of the name or the code
    code: str | None = None
    department: str | None = None
    item_type: str | None = None  # the key (licence) or the Chinese name (行政许可)
    region: str | None = None  # the region and every region below it


def _item_type(value: str) -> str:
    for t in ItemType:
        if value in (t.value, t.label):
            return t.value
    raise Rejected(
        "invalid_request",
        "请求参数无效",
        "the request is invalid",
        [
            Problem(
                "not_allowed",
                "type",
                f"事项类型 {value} 不存在，应为：{'、'.join(ITEM_TYPE_LABELS.values())}",
                f"no item type {value}; one of {', '.join(t.value for t in ItemType)}",
            )
        ],
    )


def _region_departments(conn: Connection, region: str) -> list[str]:
    """The departments of a region and of every region below it."""
    parents = {str(c): p for c, p in conn.execute(select(regions.c.code, regions.c.parent_code))}
    if region not in parents:
        return []
    within = subtree(region, parents)
    return sorted(
        str(d) for d, r in conn.execute(select(departments.c.code, departments.c.region_code)) if r in within
    )


def _in_force(now: datetime) -> Any:
    """The id of each item's version in force at `now`: the last effective by then."""
    return (
        select(
            item_versions.c.id,
            func.row_number()
            .over(
                partition_by=item_versions.c.code,
                order_by=(item_versions.c.effective_from.desc(), item_versions.c.version.desc()),
            )
            .label("rank"),
        )
        .where(item_versions.c.effective_from <= now)
        .subquery()
    )


def _public_items(now: datetime) -> Any:
    ranked = _in_force(now)
    return (
        select(
            item_versions,
            departments.c.name.label("department_name"),
            departments.c.region_code,
            regions.c.name.label("region_name"),
        )
        .join(ranked, and_(ranked.c.id == item_versions.c.id, ranked.c.rank == 1))
        .outerjoin(departments, departments.c.code == item_versions.c.department_code)
        .outerjoin(regions, regions.c.code == departments.c.region_code)
        .where(item_versions.c.status == ItemStatus.active.value, item_versions.c.public.is_(True))
    )


def search_items(
    db: Database, f: ItemQuery, limit: int = 20, offset: int = 0, now: datetime | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """Items in force now, active and meant to be public, filtered and paged in SQL."""
    now = now or utcnow()
    query = _public_items(now)
    if f.q:
        query = query.where(
            or_(
                item_versions.c.name.icontains(f.q, autoescape=True),
                item_versions.c.code.icontains(f.q, autoescape=True),
            )
        )
    if f.code:
        query = query.where(item_versions.c.code == f.code)
    if f.department:
        query = query.where(item_versions.c.department_code == f.department)
    if f.item_type:
        query = query.where(item_versions.c.item_type == _item_type(f.item_type))
    with db.read() as conn:
        if f.region:
            query = query.where(item_versions.c.department_code.in_(_region_departments(conn, f.region)))
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(
            query.order_by(item_versions.c.department_code, item_versions.c.code).limit(limit).offset(offset)
        ).all()
    return int(total), [_item_view(r) for r in rows]


def public_item(db: Database, code: str, now: datetime | None = None) -> dict[str, Any] | None:
    """One item of the public list, or None when it is not in force, not active or not public."""
    with db.read() as conn:
        row = conn.execute(_public_items(now or utcnow()).where(item_versions.c.code == code)).first()
    return _item_view(row) if row is not None else None


def _item_view(r: Any) -> dict[str, Any]:
    """Everything R-CAT-1 lists, as the public reads it: no one who changed the catalogue is named."""
    content = {k: v for k, v in r.content.items() if k != "public"}
    return {
        **content,
        "item_type_zh": ITEM_TYPE_LABELS[ItemType(r.item_type)],
        "department": r.department_name or r.department_code,
        "region_code": r.region_code,
        "region": r.region_name,
        "version": r.version,
        "in_force_since": iso_local(r.effective_from),
        "content_sha256": r.content_sha256,
    }


# -- published results (R-OPEN-2) -----------------------------------------------------------------


@dataclass(frozen=True)
class ResultQuery:
    department: str | None = None
    item: str | None = None
    region: str | None = None
    published_from: date | None = None
    published_to: date | None = None  # inclusive


RESULT_ACTIONS = sorted({a.value for a in DECIDING_ACTIONS} | {Action.reject.value})


def results(
    db: Database, f: ResultQuery, limit: int = 20, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """Cases whose result was published (an event `publish`), newest publication first; voided
    cases and items not meant to be public are left out."""
    conditions: list[ColumnElement[bool]] = [
        cases.c.published_at.is_not(None),
        cases.c.voided.is_(False),
        item_versions.c.public.is_(True),
    ]
    if f.department:
        conditions.append(cases.c.department_code == f.department)
    if f.item:
        conditions.append(cases.c.item_code == f.item)
    if f.published_from:
        conditions.append(cases.c.published_at >= start_of_local_day(f.published_from))
    if f.published_to:
        conditions.append(cases.c.published_at < end_of_local_day(f.published_to))
    joined = cases.join(item_versions, item_versions.c.id == cases.c.item_version_id)
    with db.read() as conn:
        if f.region:
            conditions.append(cases.c.department_code.in_(_region_departments(conn, f.region)))
        total = conn.execute(select(func.count()).select_from(joined).where(*conditions)).scalar_one()
        rows = conn.execute(
            select(
                cases.c.id,
                cases.c.case_no,
                cases.c.item_code,
                cases.c.department_code,
                cases.c.status,
                cases.c.received_at,
                cases.c.decided_at,
                cases.c.completed_at,
                cases.c.published_at,
                cases.c.applicant_name,
                cases.c.applicant_id_number,
                cases.c.applicant_phone,
                item_versions.c.name.label("item_name"),
                item_versions.c.item_type,
                departments.c.name.label("department_name"),
            )
            .select_from(joined.outerjoin(departments, departments.c.code == cases.c.department_code))
            .where(*conditions)
            .order_by(cases.c.published_at.desc(), cases.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        decisions: dict[int, Any] = {}
        ids = [r.id for r in rows]
        if ids:
            for e in conn.execute(
                select(events.c.case_id, events.c.action, events.c.attributes)
                .where(
                    events.c.case_id.in_(ids),
                    events.c.action.in_(RESULT_ACTIONS),
                    events.c.voided.is_(False),
                )
                .order_by(events.c.case_id, events.c.occurred_at, events.c.id)
            ):
                decisions.setdefault(int(e.case_id), e)
    return int(total), [_result_view(r, decisions.get(int(r.id))) for r in rows]


def _result_view(r: Any, decision: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"action": decision.action if decision is not None else None}
    if decision is not None:
        result["action_zh"] = ACTION_ZH[Action(decision.action)]
        for name in ("decision", "legal_basis", "fine"):
            value = decision.attributes.get(name)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                result[name] = _scrub(str(value)[:2000], r)
    return {
        "case_no": r.case_no,
        "item_code": r.item_code,
        "item_name": r.item_name,
        "item_type": r.item_type,
        "item_type_zh": ITEM_TYPE_LABELS[ItemType(r.item_type)],
        "department_code": r.department_code,
        "department": r.department_name or r.department_code,
        "status": r.status,
        "result": result,
        "received_on": local_date(r.received_at).isoformat(),
        "decided_at": iso_local(r.decided_at) if r.decided_at else None,
        "completed_at": iso_local(r.completed_at) if r.completed_at else None,
        "published_at": iso_local(r.published_at),
    }


def _scrub(text: str, r: Any) -> str:
    """A decision's text without the applicant's personal data: ID and mobile numbers masked, and
    the applicant's own name, ID number and phone wherever they appear."""
    for value, masked in (
        (r.applicant_id_number, mask_id(r.applicant_id_number)),
        (r.applicant_phone, mask_phone(r.applicant_phone)),
        (r.applicant_name, mask_name(r.applicant_name)),
    ):
        if value and len(value) >= 2:
            text = text.replace(value, masked)
    return mask_text(text)


# -- the hall screens (R-OPEN-2) ------------------------------------------------------------------


HALL_WINDOW = 100_000  # events


def hall(
    db: Database,
    department: str | None = None,
    region: str | None = None,
    limit: int = 20,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Today's cases received and completed (per department), and the latest steps of the day to
    reach the platform, newest first: the item, the step, the time, the case number shortened —
    nobody's name."""
    now = now or utcnow()
    today = local_date(now)
    start = start_of_local_day(today)
    conditions: list[ColumnElement[bool]] = [cases.c.voided.is_(False), item_versions.c.public.is_(True)]
    if department:
        conditions.append(cases.c.department_code == department)
    joined = cases.join(item_versions, item_versions.c.id == cases.c.item_version_id)
    with db.read() as conn:
        if region:
            conditions.append(cases.c.department_code.in_(_region_departments(conn, region)))

        def per_department(column: Any) -> dict[str, int]:
            return {
                str(d): int(n)
                for d, n in conn.execute(
                    select(cases.c.department_code, func.count())
                    .select_from(joined)
                    .where(*conditions, column >= start, column <= now)
                    .group_by(cases.c.department_code)
                )
            }

        received = per_department(cases.c.received_at)
        completed = per_department(cases.c.completed_at)
        # The latest steps to reach the platform, looked for among its last HALL_WINDOW events by
        # their key: an index on when events happened would cost every ingested event more than
        # the screens gain (measured: about a tenth of ingest throughput).
        newest = conn.execute(select(func.max(events.c.id))).scalar() or 0
        latest = conn.execute(
            select(
                events.c.case_no,
                events.c.step,
                events.c.action,
                events.c.occurred_at,
                cases.c.department_code,
                item_versions.c.name,
                item_versions.c.content,
            )
            .select_from(
                events.join(cases, cases.c.id == events.c.case_id).join(
                    item_versions, item_versions.c.id == cases.c.item_version_id
                )
            )
            .where(
                *conditions,
                events.c.id > newest - HALL_WINDOW,
                events.c.voided.is_(False),
                events.c.occurred_at >= start,
                events.c.occurred_at <= now,
            )
            .order_by(events.c.id.desc())
            .limit(limit)
        ).all()
        latest = sorted(latest, key=lambda r: r.occurred_at, reverse=True)
        codes = sorted(set(received) | set(completed) | {r.department_code for r in latest})
        names = dict(
            conn.execute(
                select(departments.c.code, departments.c.name).where(departments.c.code.in_(codes))
            ).all()
        )
    return {
        "date": today.isoformat(),
        "as_of": iso_local(now),
        "received": sum(received.values()),
        "completed": sum(completed.values()),
        "departments": [
            {
                "department_code": d,
                "department": names.get(d, d),
                "received": received.get(d, 0),
                "completed": completed.get(d, 0),
            }
            for d in codes
        ],
        "latest": [
            {
                "case": shorten_case_no(r.case_no),
                "item_name": r.name,
                "department": names.get(r.department_code, r.department_code),
                "step": _step_name(r.content, r.step),
                "action": r.action,
                "action_zh": ACTION_ZH[Action(r.action)],
                "at": iso_local(r.occurred_at),
            }
            for r in latest
        ],
    }


def _step_name(content: Mapping[str, Any], step: str) -> str:
    for s in content.get("process", {}).get("steps", ()):
        if s.get("code") == step:
            return str(s.get("name", step))
    return step


# -- what each department published (R-OPEN-3) -------------------------------------------------------


def parse_list(raw: Any) -> PublishedList:
    try:
        return PublishedList.model_validate(raw)
    except ValidationError as e:
        raise _refused(problems_from(e)) from e


def _refused(problems: list[Problem], status: int = 422) -> Rejected:
    return Rejected(
        "list_rejected",
        "公开清单有错误，未作任何记录",
        "the published list has errors; nothing was recorded",
        problems,
        status=status,
    )


def receive(
    db: Database, published: PublishedList, by: str, scope: Scope = EVERYTHING, now: datetime | None = None
) -> dict[str, Any]:
    """Keep a department's published list, ledgered, fold it into the department's listings and
    run the pre-disclosure checks on that department — one transaction."""
    now = now or utcnow()
    problems = list_problems(published, now)
    if problems:
        raise _refused(problems)
    department = published.department_code
    if not scope.has_department(department):
        zh, en = f"{department} 不在您的权限范围内", f"{department} is outside your scope"
        raise Rejected(
            "out_of_scope", zh, en, [Problem("out_of_scope", "department_code", zh, en)], status=403
        )
    with db.write() as conn:
        lock(conn)
        known = conn.execute(select(departments.c.code).where(departments.c.code == department)).first()
        known = (
            known
            or conn.execute(
                select(item_versions.c.id).where(item_versions.c.department_code == department).limit(1)
            ).first()
        )
        if known is None:
            raise _refused(
                [
                    Problem(
                        "unknown_department",
                        "department_code",
                        f"部门 {department} 不存在",
                        f"no department {department} in the organisation or the catalogue",
                    )
                ]
            )
        latest = conn.execute(
            select(func.max(disclosure_lists.c.captured_at)).where(
                disclosure_lists.c.department_code == department
            )
        ).scalar()
        if latest is not None and published.captured_at <= latest:
            raise _refused(
                [
                    Problem(
                        "not_after_latest",
                        "captured_at",
                        f"该部门已有 {iso_local(latest)} 采集的清单，新清单的采集时间须晚于它",
                        f"a list of this department captured at {iso_local(latest)} is already kept; "
                        "a new one must be captured later",
                    )
                ],
                status=409,
            )
        list_no = next_number(conn, disclosure_lists, "GK", now)
        entries = [entry_record(e) for e in published.entries]
        record = {
            "v": 1,
            "list_no": list_no,
            "department_code": department,
            "source": published.source,
            "captured_at": iso_utc(published.captured_at),
            "recorded_by": by,
            "entries": entries,
        }
        (seq,) = append(conn, [Entry("disclosure", f"disclosure:{list_no}", record)], now)
        list_id = conn.execute(
            insert(disclosure_lists)
            .values(
                list_no=list_no,
                department_code=department,
                source=published.source,
                captured_at=published.captured_at,
                recorded_at=now,
                recorded_by=by,
                entry_count=len(entries),
                entries=entries,
                ledger_seq=seq,
            )
            .returning(disclosure_lists.c.id)
        ).scalar_one()
        previous = _listings(conn, [department]).get(department, {})
        folded = fold_list(previous, published.entries, published.captured_at, latest)
        changed = [listing for code, listing in folded.items() if previous.get(code) != listing]
        _store_listings(conn, department, changed, int(list_id))
        raised = check(conn, [department], calendar_store.load(conn), now)
    new = sorted(
        c.code for c in changed if c.listed and (c.code not in previous or not previous[c.code].listed)
    )
    return {
        "list_no": list_no,
        "department_code": department,
        "captured_at": iso_local(published.captured_at),
        "entries": len(entries),
        "listed": sum(1 for listing in folded.values() if listing.listed),
        "new": new,
        "changed": sorted(c.code for c in changed if c.listed and c.code not in new),
        "dropped": sorted(c.code for c in changed if not c.listed),
        "signals": raised,
    }


def _listings(conn: Connection, department_codes: Sequence[str]) -> dict[str, dict[str, Listing]]:
    out: dict[str, dict[str, Listing]] = {}
    for part in chunks(sorted(department_codes)):
        for r in conn.execute(select(disclosed_items).where(disclosed_items.c.department_code.in_(part))):
            out.setdefault(r.department_code, {})[r.code] = Listing(
                code=r.code,
                name=r.name,
                status=ItemStatus(r.status),
                content_sha256=r.content_sha256,
                content=r.content,
                state=r.state_sha256,
                listed=r.listed,
                listed_since=r.listed_since,
                active_since=r.active_since,
                content_since=r.content_since,
                content_seen_at=r.content_seen_at,
                omitted_since=r.omitted_since,
            )
    return out


def _store_listings(conn: Connection, department: str, changed: Sequence[Listing], list_id: int) -> None:
    codes = [c.code for c in changed]
    for part in chunks(codes):
        conn.execute(
            delete(disclosed_items).where(
                disclosed_items.c.department_code == department, disclosed_items.c.code.in_(part)
            )
        )
    if changed:
        conn.execute(
            insert(disclosed_items),
            [
                {
                    "department_code": department,
                    "code": c.code,
                    "name": c.name,
                    "status": c.status.value,
                    "content_sha256": c.content_sha256,
                    "content": c.content,
                    "state_sha256": c.state,
                    "listed": c.listed,
                    "listed_since": c.listed_since,
                    "active_since": c.active_since,
                    "content_since": c.content_since,
                    "content_seen_at": c.content_seen_at,
                    "omitted_since": c.omitted_since,
                    "list_id": list_id,
                }
                for c in changed
            ],
        )


def list_lists(
    db: Database, department: str | None = None, limit: int = 50, offset: int = 0, scope: Scope = EVERYTHING
) -> tuple[int, list[dict[str, Any]]]:
    conditions = [scope.restrict(disclosure_lists.c.department_code)]
    if department:
        conditions.append(disclosure_lists.c.department_code == department)
    columns = [c for c in disclosure_lists.c if c.name != "entries"]
    with db.read() as conn:
        total = conn.execute(
            select(func.count()).select_from(disclosure_lists).where(*conditions)
        ).scalar_one()
        rows = conn.execute(
            select(*columns)
            .where(*conditions)
            .order_by(disclosure_lists.c.captured_at.desc(), disclosure_lists.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return int(total), [_list_view(r) for r in rows]


def list_detail(db: Database, list_no: str, scope: Scope = EVERYTHING) -> dict[str, Any] | None:
    with db.read() as conn:
        row = conn.execute(
            select(disclosure_lists).where(
                disclosure_lists.c.list_no == list_no, scope.restrict(disclosure_lists.c.department_code)
            )
        ).first()
    if row is None:
        return None
    return {**_list_view(row), "entries": row.entries}


def _list_view(r: Any) -> dict[str, Any]:
    return {
        "list_no": r.list_no,
        "department_code": r.department_code,
        "source": r.source,
        "captured_at": iso_local(r.captured_at),
        "recorded_at": iso_local(r.recorded_at),
        "recorded_by": r.recorded_by,
        "entries_count": r.entry_count,
        "ledger_seq": r.ledger_seq,
    }


# -- the pre-disclosure checks (R-OPEN-3) --------------------------------------------------------------


def _rules(pack: Pack, only: Collection[str] | None = None) -> list[Rule]:
    return [r for r in pack.compiled() if r.family in FAMILIES and (only is None or r.id in only)]


def _watched(conn: Connection, department_codes: Sequence[str]) -> dict[str, Watched]:
    """Each department's first and latest list, and its listings; departments that never sent a
    list are not watched — the platform does not know what their portal shows."""
    out: dict[str, Watched] = {}
    listings = _listings(conn, department_codes)
    for part in chunks(sorted(department_codes)):
        spans = conn.execute(
            select(
                disclosure_lists.c.department_code,
                func.min(disclosure_lists.c.captured_at),
                func.max(disclosure_lists.c.captured_at),
            )
            .where(disclosure_lists.c.department_code.in_(part))
            .group_by(disclosure_lists.c.department_code)
        ).all()
        for d, first, last in spans:
            no = conn.execute(
                select(disclosure_lists.c.list_no).where(
                    disclosure_lists.c.department_code == d, disclosure_lists.c.captured_at == last
                )
            ).scalar_one()
            out[str(d)] = Watched(str(d), first, last, str(no), listings.get(str(d), {}))
    return out


VERSION_COLUMNS = [
    "code",
    "version",
    "status",
    "change_kind",
    "effective_from",
    "public",
    "department_code",
    "name",
    "content_sha256",
]


def _histories(conn: Connection, watched: Mapping[str, Watched]) -> dict[str, list[Version]]:
    """Every version of every item of the watched departments, or listed by them; with content
    where a listing gives content to compare."""
    codes: set[str] = set()
    for part in chunks(sorted(watched)):
        codes.update(
            conn.execute(
                select(item_versions.c.code).where(item_versions.c.department_code.in_(part)).distinct()
            ).scalars()
        )
    compared = {
        code for w in watched.values() for code, listing in w.listings.items() if listing.content is not None
    }
    codes |= {code for w in watched.values() for code in w.listings}
    histories: dict[str, list[Version]] = {}
    columns = [item_versions.c[c] for c in VERSION_COLUMNS]
    for part in chunks(sorted(codes)):
        wanted = [c for c in part if c in compared]
        contents: dict[tuple[str, int], Any] = {}
        for w_part in chunks(wanted):
            contents.update(
                ((str(c), int(v)), content)
                for c, v, content in conn.execute(
                    select(item_versions.c.code, item_versions.c.version, item_versions.c.content).where(
                        item_versions.c.code.in_(w_part)
                    )
                )
            )
        for r in conn.execute(
            select(*columns)
            .where(item_versions.c.code.in_(part))
            .order_by(item_versions.c.code, item_versions.c.effective_from, item_versions.c.version)
        ):
            histories.setdefault(r.code, []).append(
                Version(
                    code=r.code,
                    version=r.version,
                    status=ItemStatus(r.status),
                    change_kind=r.change_kind,
                    effective_from=r.effective_from,
                    public=bool(r.public),
                    department_code=r.department_code,
                    name=r.name,
                    content_sha256=r.content_sha256,
                    content=contents.get((r.code, r.version)),
                )
            )
    return histories


def findings(
    conn: Connection,
    department_codes: Sequence[str],
    judges: Mapping[str, Pack],
    calendar: WorkCalendar,
    now: datetime,
    only: Collection[str] | None = None,
) -> dict[str, list[Subject]]:
    """What the checks find as of `now` for each department (judged by `judges[department]`),
    by pack; `only` limits them to those rule ids."""
    watched = _watched(conn, department_codes)
    if not watched:
        return {}
    histories = _histories(conn, watched)
    found: dict[str, list[Subject]] = {}
    for department, w in sorted(watched.items()):
        pack = judges[department]
        rules = _rules(pack, only)
        if not rules:
            continue
        own = [h for h in histories.values() if any(v.department_code == department for v in h)]
        subjects = found.setdefault(pack.pack, [])
        for rule in rules:
            if rule.family == "published_differs":
                for code, listing in sorted(w.listings.items()):
                    for name, f in published_differs(rule, histories.get(code, []), listing, w, now):
                        subjects.append(Subject(name, department, f, rule))
                continue
            family = not_published if rule.family == "not_published" else late_published
            for history in own:
                for name, f in family(rule, history, w, calendar, now):
                    subjects.append(Subject(name, department, f, rule))
    return found


def check(conn: Connection, department_codes: Sequence[str], calendar: WorkCalendar, now: datetime) -> int:
    """Run every pre-disclosure check of each department's pack on it, inside the caller's
    transaction; returns how many signals were raised."""
    judges = packs.for_departments(conn, department_codes)
    by_name = {p.pack: p for p in judges.values()}
    found = findings(conn, department_codes, judges, calendar, now)
    return sum(
        raise_on_subjects(conn, by_name[name], subjects, now) for name, subjects in sorted(found.items())
    )


CHUNK_DEPARTMENTS = 50


def watch(db: Database, now: datetime) -> int:
    """The clock's daily run (the first sweep of each local day): every department that sends its
    lists, judged by its pack as of `now`. Deadlines end at local midnight, so a daily run finds
    each the day it passes, stamped when it passed; a list's own findings come when it arrives.
    Each rule runs once a day (`periodic_checks`), departments a chunk per transaction."""
    day = local_date(now).isoformat()
    with db.read() as conn:
        department_codes = sorted(
            conn.execute(select(disclosure_lists.c.department_code).distinct()).scalars()
        )
        if not department_codes:
            return 0
        judges = packs.for_departments(conn, department_codes)
        ids = {r.id for p in judges.values() for r in _rules(p)}
        done = set(
            conn.execute(
                select(periodic_checks.c.rule_id).where(
                    periodic_checks.c.period == day, periodic_checks.c.rule_id.in_(sorted(ids))
                )
            ).scalars()
        )
        due = ids - done
        if not due:
            return 0
        calendar = calendar_store.load(conn)
    by_name = {p.pack: p for p in judges.values()}
    raised = 0
    for part in chunks(department_codes, CHUNK_DEPARTMENTS):
        with db.read() as conn:
            found = findings(conn, part, judges, calendar, now, due)
        with db.write() as conn:
            raised += sum(
                raise_on_subjects(conn, by_name[name], subjects, now)
                for name, subjects in sorted(found.items())
            )
    with db.write() as conn:
        stmt = upsert_insert(conn, periodic_checks)
        conn.execute(
            stmt.on_conflict_do_nothing(index_elements=["rule_id", "period"]),
            [{"rule_id": rule_id, "period": day, "done_at": now} for rule_id in sorted(due)],
        )
    return raised


def would_raise(
    conn: Connection, pack: Pack, calendar: WorkCalendar, start: datetime, judged_at: datetime
) -> list[Subject]:
    """For back-testing: what the pack's checks find, judged as of `judged_at` on the lists as they
    stand, that arose between `start` and `judged_at`. Lists are not replayed one by one: an item
    shown late and since corrected counts, one missing then and shown now does not."""
    if not _rules(pack):
        return []
    department_codes = sorted(conn.execute(select(disclosure_lists.c.department_code).distinct()).scalars())
    judges = dict.fromkeys(department_codes, pack)
    found = findings(conn, department_codes, judges, calendar, judged_at).get(pack.pack, [])
    return [s for s in found if start <= s.finding.at <= judged_at]
