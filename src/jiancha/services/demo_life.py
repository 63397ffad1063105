"""What the demo city's departments do besides handling cases, so that every rule family of the
default pack has something true to find: results published (mostly in time), penalties executed
with their receipts (mostly), some systems reporting late or only once a case is done, one feed
falling silent, one county leaving an item off the platform, one item suspended while cases still
come in — and, after the fact, departments answering most of their signals.

Every choice is deterministic (a hash of the case number), so the same demo gives the same board.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from jiancha.domain.catalogue import CatalogueChange, ChangeKind, PowerItem
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.corrections import CorrectionIn, EventKey, Fix
from jiancha.domain.events import CaseIn
from jiancha.domain.rules.lifecycle import SignalState
from jiancha.domain.supervision.accountability import AccountabilityIn, Measure
from jiancha.domain.supervision.notices import NoticeKind
from jiancha.domain.timeutil import LOCAL, local_date, start_of_local_day
from jiancha.services import (
    access,
    accountability,
    complaints,
    corrections,
    evaluation,
    notices,
    patrols,
    sampling,
    satisfaction,
    signals,
)
from jiancha.store.database import Database
from jiancha.store.tables import cases as cases_table
from jiancha.store.tables import events as events_table
from jiancha.store.tables import item_versions as items_table
from jiancha.store.tables import notices as notices_table
from jiancha.store.tables import regions as regions_table
from jiancha.store.tables import signals as signal_table


def _h(text: str, salt: str) -> int:
    return zlib.crc32(f"{salt}:{text}".encode())


def _instant(raw: str) -> datetime:
    return datetime.fromisoformat(raw)


def _iso(at: datetime) -> str:
    return at.astimezone(LOCAL).isoformat(timespec="seconds")


def publish_results(
    events: list[dict[str, Any]], calendar: WorkCalendar, now: datetime
) -> list[dict[str, Any]]:
    """Each approval or decision published on the portal 1–4 working days later; one case in fifty
    a week late, one in fifty never (the disclosure rule's findings)."""
    out = list(events)
    for e in events:
        if e["action"] not in ("approve", "decide"):
            continue
        h = _h(e["case_no"], "publish")
        if h % 50 == 0:
            continue
        days = 9 + h % 3 if h % 50 == 1 else 1 + h % 4
        decided = _instant(e["occurred_at"]).astimezone(LOCAL)
        day = calendar.add_working_days(decided.date(), days)
        at = datetime(day.year, day.month, day.day, 10, (h >> 8) % 60, tzinfo=LOCAL)
        if at > now:
            continue
        out.append(
            {
                **{k: e[k] for k in ("source_system", "case_no", "item_code", "step", "actor", "post")},
                "event_id": f"{e['event_id']}-P",
                "action": "publish",
                "occurred_at": _iso(at),
                "attributes": {"channel": "政府门户网站", "title": f"{e['case_no']} 办理结果公开"},
            }
        )
    return sorted(out, key=lambda e: str(e["occurred_at"]))


def fine_unequally(cases: Sequence[CaseIn], events: list[dict[str, Any]]) -> str | None:
    """One penalty fined four times what like cases got (same item, clause and circumstance): in
    the largest group of like cases, if it has the five a comparison needs, its latest decision.
    Changes `events` in place; returns the case fined."""
    items = {c.case_no: c.item_code for c in cases}
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        a = e["attributes"]
        if e["action"] == "decide" and a.get("fine") and a.get("clause") and e["case_no"] in items:
            groups[(items[e["case_no"]], a["clause"], a["circumstance"])].append(e)
    like = max(groups.values(), key=len, default=[])
    if len(like) < 5:
        return None
    fines = sorted(float(e["attributes"]["fine"]) for e in like)
    middle = (fines[(len(fines) - 1) // 2] + fines[len(fines) // 2]) / 2
    if middle <= 0:
        return None
    chosen = max(like, key=lambda e: (str(e["occurred_at"]), e["case_no"]))
    fine = f"{round(middle * 4 / 100) * 100:.2f}"
    decision = chosen["attributes"].get("decision", "")
    chosen["attributes"] = {
        **chosen["attributes"],
        "fine": fine,
        "decision": decision.replace(f"罚款{chosen['attributes']['fine'][:-3]}元", f"罚款{fine[:-3]}元"),
    }
    return str(chosen["case_no"])


def execute_penalties(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A penalty's execution records the amount paid and the receipt's number; about one case in
    sixty has no receipt, and one in sixty paid another amount than decided."""
    fines = {e["case_no"]: e["attributes"].get("fine") for e in events if e["action"] == "decide"}
    out = []
    for e in events:
        fine = fines.get(e["case_no"])
        if e["action"] == "execute" and fine:
            h = _h(e["case_no"], "execute")
            paid = f"{float(fine) / 2:.2f}" if h % 60 == 1 else fine
            receipt = {} if h % 60 == 0 else {"receipt_no": f"JK{h % 10**8:08d}"}
            e = {**e, "attributes": {**e["attributes"], "amount": paid, **receipt}}
        out.append(e)
    return out


def delivery_times(events: list[dict[str, Any]], now: datetime) -> dict[str, datetime]:
    """When each event is sent: the end of its hour, except for a few systems' habits — one case
    in 150 has its later steps typed in thirty hours late, one in 300 is entered only once done."""
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        by_case[e["case_no"]].append(e)
    out: dict[str, datetime] = {}
    for case_no, evs in by_case.items():
        h = _h(case_no, "deliver")
        last = max(_instant(e["occurred_at"]) for e in evs)
        done = evs[-1]["action"] in ("complete", "close")
        for k, e in enumerate(evs):
            at = _instant(e["occurred_at"])
            hour_end = at.replace(minute=59, second=59)
            if h % 300 == 7 and done:
                sent = last + timedelta(hours=2)
            elif h % 150 == 11 and k > 0:
                sent = at + timedelta(hours=30)
            else:
                sent = hour_end
            out[e["event_id"]] = min(sent, now)
    return out


def silence_one_feed(
    cases: list[CaseIn], events: list[dict[str, Any]], calendar: WorkCalendar, now: datetime
) -> tuple[str, list[dict[str, Any]]]:
    """The county approval system with the fewest events stops sending ten working days ago."""
    volume = Counter(e["source_system"] for e in events)
    county = [s for s in volume if "审批系统" in s and not s.startswith("330900-")]
    feed = min(county, key=lambda s: (volume[s], s))
    cut = start_of_local_day(calendar.subtract_working_days(local_date(now), 10))
    kept = [e for e in events if e["source_system"] != feed or _instant(e["occurred_at"]) < cut]
    return feed, kept


def idle_one_item(
    items: list[PowerItem], cases: list[CaseIn], events: list[dict[str, Any]], now: datetime
) -> tuple[str | None, list[CaseIn], list[dict[str, Any]]]:
    """One county handles an item entirely off the platform: none of its cases come online, while
    the same item at the city and the other counties keeps coming."""
    month = local_date(now).replace(day=1)
    first = (month - timedelta(days=1)).replace(day=1)
    last_month = Counter(
        c.item_code for c in cases if first <= c.received_at.astimezone(LOCAL).date() < month
    )
    groups: dict[str, list[PowerItem]] = defaultdict(list)
    for i in items:
        groups[i.name].append(i)
    candidates = [
        (min(last_month[i.code] for i in group), group) for group in groups.values() if len(group) >= 3
    ]
    if not candidates:
        return None, cases, events
    busiest, group = max(candidates, key=lambda c: (c[0], c[1][0].code))
    if busiest < 6:
        return None, cases, events
    county = sorted(i.code for i in group if not i.department_code.startswith("330900-"))
    if not county:
        return None, cases, events
    code = county[-1]
    return (
        code,
        [c for c in cases if c.item_code != code],
        [e for e in events if e["item_code"] != code],
    )


def suspension(
    items: list[PowerItem], cases: list[CaseIn], now: datetime, skip: set[str]
) -> CatalogueChange | None:
    """The item with the fewest cases in the last fortnight (but some) is suspended two weeks ago
    by the province; its department keeps taking cases on. Not an item that charges fees: the demo
    has three, and the portal shows what a fee looks like on them."""
    since = now - timedelta(days=14)
    recent = Counter(c.item_code for c in cases if c.received_at >= since)
    chosen = [i for i in items if recent[i.code] >= 3 and i.code not in skip and not i.fees]
    if not chosen:
        return None
    item = min(chosen, key=lambda i: (recent[i.code], i.code))
    return CatalogueChange(
        kind=ChangeKind.suspend,
        code=item.code,
        effective_from=since,
        reason="依据省级部门通知暂停实施",
        changed_by="demo",
    )


def answer_signals(db: Database, now: datetime) -> Counter[str]:
    """Departments answer what they were told: four in five yellows rectified within hours, some
    withdrawn by the supervisor as data errors, some explained and awaiting review; the rest stay
    open (and escalate). Reds: one in three is confirmed as a fault, one in five rectified."""
    with db.read() as conn:
        rows = conn.execute(
            select(
                signal_table.c.id,
                signal_table.c.colour,
                signal_table.c.raised_at,
                signal_table.c.department_code,
                signal_table.c.escalate_at,
            ).where(signal_table.c.state == "open")
        ).all()
    moves: list[signals.Move] = []
    for r in rows:
        h = _h(str(r.id), "answer") % 100
        at = min(r.raised_at + timedelta(hours=2 + h % 5), now)
        if r.escalate_at is not None and at >= r.escalate_at:
            continue
        by = f"{r.department_code} 承办人"
        if r.colour == "yellow":
            if h < 80:
                moves.append(signals.Move(r.id, SignalState.rectified, by, "已按要求整改", at))
            elif h < 84:
                moves.append(
                    signals.Move(r.id, SignalState.withdrawn, "监察员", "核实为数据报送错误，予以摘牌", at)
                )
            elif h < 90:
                moves.append(signals.Move(r.id, SignalState.explained, by, "情况特殊，已书面说明", at))
        elif r.colour == "red":
            if h < 33:
                moves.append(
                    signals.Move(r.id, SignalState.fault_confirmed, "监察员", "经核查属实，认定过错", at)
                )
            elif h < 53:
                moves.append(signals.Move(r.id, SignalState.rectified, by, "已纠正并报送整改材料", at))
    signals.move_many(db, moves)
    return Counter(m.to.value for m in moves)


def issue_notices(db: Database, now: datetime) -> Counter[str]:
    """The supervisors issue a notice (督办) on the oldest open red of each of six departments, the
    day after it was raised; the departments report on most in time, one asks for and is granted an
    extension, and one never reports (the clock flags it)."""
    with db.read() as conn:
        reds = conn.execute(
            select(
                signal_table.c.id,
                signal_table.c.case_no,
                signal_table.c.department_code,
                signal_table.c.raised_at,
            )
            .where(
                signal_table.c.colour == "red",
                signal_table.c.state == "open",
                signal_table.c.case_no.is_not(None),
            )
            .order_by(signal_table.c.raised_at, signal_table.c.id)
        ).all()
    chosen: dict[str, Any] = {}
    for r in reds:
        if r.department_code not in chosen and r.raised_at < now - timedelta(days=45):
            chosen[r.department_code] = r
        if len(chosen) == 6:
            break
    outcome: Counter[str] = Counter()
    for k, r in enumerate(chosen.values()):
        at = r.raised_at + timedelta(days=1)
        issued = notices.issue(
            db,
            notices.NoticeIn(
                department_code=r.department_code,
                title=f"关于办件 {r.case_no} 红色纠错信号的督办通知",
                requirement="请查明原因，依法纠正，并报告调查处理情况",
                case_no=r.case_no,
                signal_id=r.id,
                issued_by="示范市监察局 电子监察员",
            ),
            now=at,
        )
        no = str(issued["notice_no"])
        by = f"{r.department_code} 负责人"
        if k == 0:
            outcome["never reported"] += 1
            continue
        if k == 1:
            notices.request_extension(
                db, no, 10, "需委托第三方检测，时间不足", by, now=at + timedelta(days=5)
            )
            notices.decide_extension(
                db, no, True, "示范市监察局 电子监察员", "同意延期", now=at + timedelta(days=6)
            )
            outcome["extended"] += 1
        notices.report(
            db, no, "已查明原因：承办人员超期未办；已责令整改并完成办结。", by, now=at + timedelta(days=12)
        )
        if k % 2 == 0:
            notices.review(db, no, True, "示范市监察局 电子监察员", now=at + timedelta(days=14))
            outcome["closed"] += 1
        else:
            outcome["reported"] += 1
    return outcome


# The measures of R-SUP-1 the supervisors take on six signals, and what each department then does:
# answers in time (accepted), answers and is sent back, or never answers (the clock flags it).
MEASURES = (
    ("explain", "请就该预警信号作出解释和说明", "answered"),
    ("explain", "请就该报警信号作出书面解释和说明", "sent back"),
    ("materials", "请提供该办件的全部审批材料，供监察人员查阅", "answered"),
    ("perform", "责令依法履行审批职责，立即办结该件", "answered"),
    ("stop", "责令立即停止违规收费行为", "never answered"),
    ("accountability", "建议对该件承办人员追究行政过错责任，并报告处理结果", "answered"),
)


def require_measures(db: Database, now: datetime) -> Counter[str]:
    """The supervisors take a measure on the oldest still-open signal of each of six departments
    (not the departments given a notice), the day after it was raised."""
    with db.read() as conn:
        noticed = set(conn.execute(select(notices_table.c.department_code)).scalars())
        rows = conn.execute(
            select(signal_table.c.id, signal_table.c.department_code, signal_table.c.raised_at)
            .where(
                signal_table.c.state == "open",
                signal_table.c.case_no.is_not(None),
                signal_table.c.colour.in_(("yellow", "red")),
                signal_table.c.raised_at < now - timedelta(days=30),
            )
            .order_by(signal_table.c.raised_at, signal_table.c.id)
        ).all()
    chosen: dict[str, Any] = {}
    for r in rows:
        if r.department_code not in noticed and r.department_code not in chosen:
            chosen[r.department_code] = r
    outcome: Counter[str] = Counter()
    supervisor = "示范市监察局 电子监察员"
    for (kind, requirement, fate), r in zip(MEASURES, chosen.values(), strict=False):
        at = r.raised_at + timedelta(days=1)
        made = notices.issue(
            db,
            notices.NoticeIn(
                kind=NoticeKind(kind),
                signal_id=r.id,
                title=f"监察措施：{requirement[:12]}",
                requirement=requirement,
                issued_by=supervisor,
            ),
            now=at,
        )
        no, by = str(made["notice_no"]), f"{r.department_code} 负责人"
        outcome[f"{kind} {fate}"] += 1
        if fate == "never answered":
            continue
        notices.report(
            db, no, "已按要求办理，情况如下：承办人员已补正并办结。", by, now=at + timedelta(days=2)
        )
        if fate == "sent back":
            notices.review(db, no, False, supervisor, "说明不充分，请补充原因", now=at + timedelta(days=3))
        else:
            notices.review(db, no, True, supervisor, now=at + timedelta(days=3))
    return outcome


def public_complaints(db: Database, calendar: WorkCalendar, now: datetime) -> Counter[str]:
    """The public complains: about the first overdue cases and one in eighty after (real-name), and
    anonymously about fees now and then. The supervisors decide most in time; departments answer
    most transfers."""
    with db.read() as conn:
        late_cases = conn.execute(
            select(signal_table.c.case_no, signal_table.c.department_code, signal_table.c.raised_at)
            .where(signal_table.c.rule_id == "TL-LEGAL-OVERDUE")
            .order_by(signal_table.c.raised_at, signal_table.c.id)
        ).all()
    outcome: Counter[str] = Counter()
    eligible = [r for r in late_cases if r.raised_at + timedelta(days=3) < now]
    chosen = [r for i, r in enumerate(eligible) if i < 3 or _h(str(r.case_no), "complain") % 80 == 0]
    for k, r in enumerate(chosen):
        at = r.raised_at + timedelta(days=2, hours=3)
        person = {
            "name": "市民" + "甲乙丙丁戊己庚辛"[k % 8],
            "phone": f"139{_h(str(r.case_no), 'phone') % 10**8:08d}",
        }
        raw = {
            "department_code": r.department_code,
            "case_no": r.case_no,
            "content": f"办件 {r.case_no} 超过法定期限仍未办结",
            "complainant": person,
        }
        if k % 5 == 4:
            raw = {"department_code": r.department_code, "content": "窗口要求另交加急费", "anonymous": True}
        no = str(complaints.submit(db, complaints.parse(raw), now=at)["complaint_no"])
        if k % 7 == 6:
            outcome["awaiting a decision"] += 1
            continue
        decided = at + timedelta(days=2)
        if raw.get("anonymous"):
            complaints.decide(db, no, False, "线索不具体，无法核查", "示范市监察局 投诉受理员", now=decided)
            outcome["not accepted"] += 1
            continue
        complaints.decide(
            db, no, True, "属本机关管辖，予以受理，转相关部门办理", "示范市监察局 投诉受理员", now=decided
        )
        answered = decided + timedelta(days=10)
        if k % 4 == 3 or answered > now:
            outcome["awaiting the department"] += 1
            continue
        complaints.result(
            db, no, "已督促办结，并向投诉人说明情况", f"{r.department_code} 负责人", now=answered
        )
        outcome["answered"] += 1
        # The agency checks the result: an overdue case complained of is upheld (查实) — it costs the
        # department points in the month's evaluation.
        if answered + timedelta(days=1) < now:
            complaints.verdict(
                db,
                no,
                True,
                "经核查，办件确已超过法定期限",
                "示范市监察局 投诉受理员",
                now=answered + timedelta(days=1),
            )
            outcome["upheld"] += 1
    return outcome


def hold_accountable(db: Database, now: datetime) -> int:
    """For one confirmed fault in ten (at least one, when there is a fault), the supervisors record
    the accountability decided: a small demo then has a record too, whatever its signals' ids."""
    with db.read() as conn:
        faults = conn.execute(
            select(signal_table.c.id, signal_table.c.department_code, signal_table.c.message_zh)
            .where(signal_table.c.state == "fault_confirmed")
            .order_by(signal_table.c.id)
        ).all()
    chosen = [r for r in faults if _h(str(r.id), "accountable") % 10 == 0] or faults[:1]
    made = 0
    for r in chosen:
        h = _h(str(r.id), "accountable")
        own = h % 3 == 0
        accountability.record(
            db,
            AccountabilityIn(
                department_code=r.department_code,
                signal_id=r.id,
                fault=True,
                finding=str(r.message_zh),
                measures=[Measure.order_correction]
                if own
                else [Measure.order_correction, Measure.efficiency_warning],
                self_corrected=own,
                mitigation="部门自查发现并已主动纠正" if own else "",
                decided_by="示范市监察局",
            ),
            now=now,
        )
        made += 1
    return made


def patrol_and_sample(db: Database, calendar: WorkCalendar, now: datetime) -> Counter[str]:
    """The agencies patrol the last ten working days (one county misses a few), draw one sample of
    twenty completed cases and review five; applicants rate one case in twenty, and the city revisits
    some by phone."""
    done: Counter[str] = Counter()
    with db.read() as conn:
        tree = dict(conn.execute(select(regions_table.c.code, regions_table.c.parent_code)).all())
    day = local_date(now)
    for _ in range(10):
        day = calendar.subtract_working_days(day, 1)
        for region, parent in sorted(tree.items()):
            h = _h(f"{region}{day}", "patrol")
            own = 2 if h % 7 else 1  # now and then a county makes one patrol instead of two
            for k in range(own):
                at = datetime(day.year, day.month, day.day, 9 + 3 * k, h % 60, tzinfo=LOCAL)
                patrols.log(
                    db,
                    patrols.PatrolIn(
                        agency_region=region,
                        target_region=region,
                        kind="data" if k else "video",
                        by=f"{region} 电子监察员",
                        at=at,
                        findings="" if h % 11 else "窗口人员离岗",
                        issue_found=h % 11 == 0,
                    ),
                    now=at,
                )
                done["patrols"] += 1
            if parent is None:
                children = sorted(c for c, p in tree.items() if p == region)
                if children:
                    at = datetime(day.year, day.month, day.day, 16, 0, tzinfo=LOCAL)
                    patrols.log(
                        db,
                        patrols.PatrolIn(
                            agency_region=region,
                            target_region=children[h % len(children)],
                            kind="data",
                            by=f"{region} 电子监察员",
                            at=at,
                        ),
                        now=at,
                    )
                    done["patrols"] += 1
    sample = sampling.draw(
        db,
        sampling.DrawIn(
            seed=20261123, size=20, filter=sampling.CaseFilterIn(status="completed"), by="示范市监察局"
        ),
        now=now,
    )
    for case_no in sample["case_nos"][:5]:
        ok = _h(case_no, "review") % 5 != 0
        sampling.review(
            db,
            str(sample["sample_no"]),
            sampling.FindingIn(
                case_no=case_no,
                compliant=ok,
                finding="程序规范，材料齐全" if ok else "缺少现场核查记录",
                by="审查员",
            ),
            now=now,
        )
        done["reviewed"] += 1
    with db.read() as conn:
        rated = conn.execute(
            select(cases_table.c.case_no, cases_table.c.check_code, cases_table.c.completed_at)
            .where(cases_table.c.status == "completed")
            .order_by(cases_table.c.id)
        ).all()
    for r in rated:
        h = _h(r.case_no, "rate")
        if h % 20 or not r.check_code:
            continue
        score = 5 if h % 7 else (3 if h % 3 else 2)
        satisfaction.rate(
            db,
            satisfaction.RatingIn(
                case_no=r.case_no, check_code=r.check_code, score=score, channel="device" if h % 2 else "web"
            ),
            now=r.completed_at,
        )
        done["ratings"] += 1
        if h % 100 == 0:
            satisfaction.revisit(
                db,
                satisfaction.RevisitIn(
                    case_no=r.case_no, channel="phone", score=score, comment="电话回访", by="回访员"
                ),
                now=r.completed_at + timedelta(days=3),
            )
            done["revisits"] += 1
    return done


def request_corrections(db: Database, department: str, password: str, now: datetime) -> Counter[str]:
    """Corrections of important data (R-AUD-2): the department asks to correct a mistyped handler
    (approved), to void a case its system pushed twice (approved) and to correct an acceptance
    time (left for the leader); the administrator's suspension of an item waits for him too."""
    official = access.sign_in(db, "scjg", password, now).caller
    leader = access.sign_in(db, "jianguan", password, now).caller
    admin = access.sign_in(db, "admin", password, now).caller
    with db.read() as conn:
        # Open cases first; a small demo built at an hour when fewer than three are open takes
        # finished ones too.
        open_cases = (
            conn.execute(
                select(cases_table.c.case_no)
                .where(cases_table.c.department_code == department, cases_table.c.event_count > 0)
                .order_by((cases_table.c.status != "open"), cases_table.c.case_no)
                .limit(3)
            )
            .scalars()
            .all()
        )
        first = {
            no: conn.execute(
                select(events_table.c.source_system, events_table.c.event_id, events_table.c.occurred_at)
                .where(events_table.c.case_no == no)
                .order_by(events_table.c.occurred_at)
                .limit(1)
            ).one()
            for no in open_cases
        }
        item = conn.execute(
            select(items_table.c.code)
            .where(items_table.c.department_code == department, items_table.c.status == "active")
            .order_by(items_table.c.code.desc())
            .limit(1)
        ).scalar_one()
    typo, late = first[open_cases[0]], first[open_cases[2]]
    asks = [
        CorrectionIn(
            event=EventKey(source_system=typo.source_system, event_id=typo.event_id),
            changes={"actor": "周敏"},
            reason="承办人姓名录入错误，以纸质卷宗为准",
        ),
        CorrectionIn(case_no=open_cases[1], action=Fix.void, reason="审批系统重复推送，与另一办件为同一申请"),
        CorrectionIn(
            event=EventKey(source_system=late.source_system, event_id=late.event_id),
            changes={"occurred_at": (late.occurred_at - timedelta(minutes=30)).isoformat()},
            reason="窗口终端时钟偏差，受理时间以窗口登记簿为准",
        ),
    ]
    done: Counter[str] = Counter()
    for k, ask in enumerate(asks):
        asked = corrections.request(db, ask, official, now)
        if k < 2:
            corrections.decide(db, asked["correction_no"], True, "", leader, now)
            done["approved"] += 1
        else:
            done["requested"] += 1
    change = CatalogueChange(
        kind=ChangeKind.suspend,
        code=item,
        effective_from=now,
        changed_by=admin.label,
        reason="上级部门调整实施主体，暂停受理",
    )
    if "awaiting_approval" in corrections.change_catalogue(db, [change], admin, now):
        done["requested"] += 1
    return done


def publish_last_month(db: Database, region: str, password: str, now: datetime) -> str | None:
    """The city's leader publishes last month's evaluation (R-EVA-2), as it does each month."""
    this_month = local_date(now).replace(day=1)
    last = (this_month - timedelta(days=1)).strftime("%Y-%m")
    leader = access.sign_in(db, "jianguan", password, now).caller
    evaluation.publish(db, region, last, leader, now)
    return last


def change_one_item(items: list[PowerItem], now: datetime, skip: set[str]) -> CatalogueChange | None:
    """Six weeks ago the province changed one item's conditions (a new version in force since then);
    its department's portal never followed — the pre-disclosure check finds it late (R-OPEN-3)."""
    chosen = sorted((i for i in items if i.code not in skip and i.conditions), key=lambda i: i.code)
    if not chosen:
        return None
    item = chosen[len(chosen) // 3]
    return CatalogueChange(
        kind=ChangeKind.change,
        code=item.code,
        effective_from=now - timedelta(days=45),
        reason="依据省级部门通知调整受理条件",
        changed_by="demo",
        item=item.model_copy(update={"conditions": f"{item.conditions}；自调整之日起须提交电子营业执照"}),
    )


def publish_lists(
    db: Database, items: list[PowerItem], changed: CatalogueChange | None, now: datetime, skip: set[str]
) -> dict[str, Any]:
    """Each department's portal, read twice (sixty days ago and yesterday) and sent as its list of
        powers (R-OPEN-3). Most lists agree with the catalogue; on yesterday's, one department has
        dropped an item, one shows an item with a material missing, and one lists a service the
        catalogue does not hold; no portal shows the changed item's new version. Two departments send
        only each item's hash, as the public power list gives it. The dropped item is none of `skip`
    (the suspended one: a suspended item is due on no list, so dropping it would find nothing)."""
    from jiancha.domain.catalogue import content_sha256
    from jiancha.services import openness

    by_department: dict[str, list[PowerItem]] = defaultdict(list)
    for i in items:
        if i.public:
            by_department[i.department_code].append(i)
    departments = sorted(d for d, its in by_department.items() if len(its) >= 2)
    dropped = departments[1 % len(departments)]
    differs = departments[2 % len(departments)]
    extra = departments[3 % len(departments)]
    hashed = set(departments[-2:]) - {dropped, differs, extra}
    skip = skip | ({changed.code} if changed else set())
    outcome: Counter[str] = Counter()
    for department in departments:
        own = sorted(by_department[department], key=lambda i: i.code)
        droppable = [i.code for i in own if i.code not in skip]
        for days, latest in ((60, False), (1, True)):
            captured = now - timedelta(days=days)
            entries: list[dict[str, Any]] = []
            for k, item in enumerate(own):
                if latest and department == dropped and droppable and item.code == droppable[-1]:
                    outcome["dropped"] += 1
                    continue
                content = item.model_dump(mode="json")
                entry: dict[str, Any] = {"code": item.code, "name": item.name}
                if department in hashed:
                    entry["content_sha256"] = content_sha256(content)
                else:
                    if latest and department == differs and k == 0 and len(item.materials) >= 2:
                        content = {**content, "materials": list(item.materials[:-1])}
                        outcome["differs"] += 1
                    entry["content"] = content
                entries.append(entry)
            if latest and department == extra:
                entries.append({"code": f"{department}-GG-999", "name": "政策咨询服务"})
                outcome["not in catalogue"] += 1
            published = openness.parse_list(
                {
                    "department_code": department,
                    "captured_at": captured.isoformat(),
                    "source": f"https://{department.lower()}.example.gov.cn/qlqd",
                    "entries": entries,
                }
            )
            openness.receive(db, published, f"{department} 门户网站采集程序", now=now)
            outcome["lists"] += 1
    return dict(outcome)
