"""State-owned enterprises' “three majors and one large” decisions (国有企业“三重一大”决策, R-MON-5).

Major decisions, appointments and dismissals of important cadres, major projects and the use of
large funds (重大决策、重要人事任免、重大项目安排和大额度资金运作) must be decided collectively by the
leading body at a meeting, and the decision's course kept (《关于进一步推进国有企业贯彻落实“三重一大”
决策制度的意见》, 中办发〔2010〕17号). The SOE commission's system sends, for the companies it
supervises, each **meeting** (党委会, 董事会 or 总经理办公会: members, who came, whether minutes were
kept and each member's view recorded, the votes), each **decision** (its category, the meeting
that took it, the party committee's prior study 前置研究, when it was carried out) and each
**payment** of the company (with the decision it rests on).

The checks follow a decision through: taken at a meeting of its company that day, the meeting
quorate, studied by the party committee first where that is required, recorded fully, not carried
out before it was taken, and every large payment resting on a decision of its kind taken before it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from jiancha.domain.monitors.base import (
    Check,
    Hit,
    Kind,
    Money,
    Monitor,
    Name,
    RecordId,
    RecordIn,
    Records,
    Settings,
    Today,
)
from jiancha.domain.timeutil import PlausibleDay

Count = Annotated[int, Field(ge=0, le=1_000)]
Body = Literal["party_committee", "board", "managers"]  # 党委会 / 董事会 / 总经理办公会
Category = Literal["major_decision", "appointment", "major_project", "large_fund"]
NONE = "—"  # shown for a missing reference or date in both languages
BODY_ZH: dict[str, str] = {"party_committee": "党委会", "board": "董事会", "managers": "总经理办公会"}
CATEGORY_ZH: dict[str, str] = {
    "major_decision": "重大决策",
    "appointment": "重要人事任免",
    "major_project": "重大项目安排",
    "large_fund": "大额度资金运作",
}


# -- record kinds ---------------------------------------------------------------------------------


class Meeting(RecordIn):
    """One meeting of a company's leading body."""

    company: Annotated[Name, Field(title="企业名称", description="company")]
    held_on: Annotated[PlausibleDay, Field(title="会议日期", description="day of the meeting")]
    body: Annotated[Body, Field(title="会议类型", description="leading body that met")]
    members: Annotated[int, Field(ge=1, le=1_000, title="应到人数", description="members expected")]
    present: Annotated[Count, Field(title="实到人数", description="members present")]
    minutes: Annotated[bool, Field(title="会议纪要（记录）已形成", description="minutes were kept")]
    views_recorded: Annotated[
        bool, Field(title="个人意见已逐一记录", description="each member's view was recorded")
    ]
    votes_for: Annotated[Count, Field(title="赞成票数", description="votes for")] = 0
    votes_against: Annotated[Count, Field(title="反对票数", description="votes against")] = 0
    votes_abstain: Annotated[Count, Field(title="弃权票数", description="abstentions")] = 0

    @model_validator(mode="after")
    def _counts(self) -> Meeting:
        if self.present > self.members:
            raise ValueError("实到人数 present 不能多于应到人数 members | present must not exceed members")
        if self.votes_for + self.votes_against + self.votes_abstain > self.present:
            raise ValueError("票数之和不能多于实到人数 | the votes must not exceed those present")
        return self


class Decision(RecordIn):
    """One “three majors and one large” decision."""

    company: Annotated[Name, Field(title="企业名称", description="company")]
    category: Annotated[Category, Field(title="事项类别", description="category of the matter")]
    title: Annotated[Name, Field(title="决策事项", description="matter decided")]
    amount: Annotated[Money | None, Field(title="涉及金额", description="amount involved, yuan")] = None
    decided_on: Annotated[PlausibleDay, Field(title="决策日期", description="day of the decision")]
    meeting_id: Annotated[
        RecordId | None, Field(title="决策会议编号", description="the meeting that took it")
    ] = None
    deliberated_on: Annotated[
        PlausibleDay | None,
        Field(title="党委前置研究讨论日期", description="day of the party committee's prior study"),
    ] = None
    executed_on: Annotated[
        PlausibleDay | None, Field(title="开始执行日期", description="day execution began")
    ] = None


class Payment(RecordIn):
    """One payment of a company, with the decision it rests on."""

    company: Annotated[Name, Field(title="企业名称", description="company")]
    paid_on: Annotated[PlausibleDay, Field(title="支付日期", description="day of payment")]
    amount: Annotated[Money, Field(title="支付金额", description="amount paid, yuan")]
    purpose: Annotated[Name, Field(title="资金用途", description="purpose of the payment")]
    decision_id: Annotated[
        RecordId | None, Field(title="决策编号", description="the decision it rests on")
    ] = None


# -- checks ---------------------------------------------------------------------------------------


def _iso(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _problems(found: list[tuple[str, str]]) -> dict[str, str]:
    return {"problem_zh": "；".join(zh for zh, _ in found), "problem_en": "; ".join(en for _, en in found)}


class DecisionMeeting(Settings):
    # A meeting named but not (yet) received counts only after this many days: the source system
    # may send the decision before its meeting.
    wait_days: int = Field(2, ge=0, le=60)


def decision_meeting(s: DecisionMeeting, records: Records, today: Today) -> list[Hit]:
    """A decision not taken at a meeting: none named, the one named unknown (after `wait_days`),
    held on another day, or a meeting of another company."""
    hits = []
    for r in records.of("decision"):
        d = r.data
        mid = d["meeting_id"]
        meeting = records.get("meeting", mid) if mid else None
        refs = [r.ref]
        if mid is None:
            problem = ("未指明决策会议", "it names no meeting")
        elif meeting is None:
            if today.day <= r.day + timedelta(days=s.wait_days):
                continue
            problem = (f"所称会议 {mid} 无记录", f"the meeting {mid} it names is unknown")
        elif meeting.data["company"] != d["company"]:
            problem = (
                f"会议 {mid} 属于{meeting.data['company']}",
                f"the meeting {mid} is of another company",
            )
            refs.append(meeting.ref)
        elif meeting.day != r.day:
            problem = (f"会议 {mid} 于 {meeting.day} 召开", f"the meeting {mid} was held on {meeting.day}")
            refs.append(meeting.ref)
        else:
            continue
        values = {
            "id": r.record_id,
            "company": d["company"],
            "title": d["title"],
            "decided_on": r.day.isoformat(),
            "meeting": mid or NONE,
            **_problems([problem]),
        }
        hits.append(Hit(f"decision/{r.record_id}", r.department_code, r.day, values, tuple(refs)))
    return hits


class Quorum(Settings):
    # More than half the members present (董事会会议应有过半数的董事出席方可举行, 《公司法》; 党委会
    # 半数以上委员到会). A meeting deciding appointments needs at least two thirds (党委（党组）讨论决定
    # 干部任免事项，应当有三分之二以上成员到会, 《党政领导干部选拔任用工作条例》; 以上 counts the two
    # thirds itself).
    more_than: float = Field(0.5, ge=0, lt=1)
    appointments_at_least: float = Field(2 / 3, ge=0, le=1)
    appointment_categories: tuple[Category, ...] = ("appointment",)


def required_present(members: int, more_than: float, at_least: float | None = None) -> int:
    """The fewest present that make a quorum: more than `more_than`, at least `at_least` of members."""
    need = math.floor(Fraction(more_than).limit_denominator(1000) * members) + 1
    if at_least is not None:
        need = max(need, math.ceil(Fraction(at_least).limit_denominator(1000) * members))
    return min(need, members)


def quorum(s: Quorum, records: Records, today: Today) -> list[Hit]:
    """A meeting with too few present for a quorum; stricter where it took an appointment."""
    appointing = {
        r.data["meeting_id"]
        for r in records.of("decision")
        if r.data["category"] in s.appointment_categories and r.data["meeting_id"]
    }
    hits = []
    for r in records.of("meeting"):
        d = r.data
        appoints = r.record_id in appointing
        need = required_present(d["members"], s.more_than, s.appointments_at_least if appoints else None)
        if d["present"] < need:
            values = {
                "id": r.record_id,
                "company": d["company"],
                "body": d["body"],
                "body_zh": BODY_ZH[d["body"]],
                "body_en": d["body"].replace("_", " "),
                "held_on": r.day.isoformat(),
                "members": d["members"],
                "present": d["present"],
                "required": need,
                "appointments": appoints,
            }
            hits.append(Hit(f"meeting/{r.record_id}", r.department_code, r.day, values, (r.ref,)))
    return hits


class PriorStudy(Settings):
    # 国有企业重大经营管理事项必须经党委（党组）研究讨论后，再由董事会或者经理层作出决定 (《中国共产党
    # 国有企业基层组织工作条例（试行）》, 2019). Appointments are the party committee's own decision.
    categories: tuple[Category, ...] = ("major_decision", "major_project", "large_fund")


def prior_study(s: PriorStudy, records: Records, today: Today) -> list[Hit]:
    """A decision of a listed category without the party committee's study on or before its day.
    A decision taken at a party committee meeting is its own study."""
    hits = []
    for r in records.of("decision"):
        d = r.data
        if d["category"] not in s.categories:
            continue
        meeting = records.get("meeting", d["meeting_id"]) if d["meeting_id"] else None
        if meeting is not None and meeting.data["body"] == "party_committee":
            continue
        studied = _iso(d["deliberated_on"])
        if studied is None or studied > r.day:
            values = {
                "id": r.record_id,
                "company": d["company"],
                "title": d["title"],
                "category": d["category"],
                "category_zh": CATEGORY_ZH[d["category"]],
                "category_en": d["category"].replace("_", " "),
                "decided_on": r.day.isoformat(),
                "deliberated_on": studied.isoformat() if studied else NONE,
            }
            hits.append(Hit(f"decision/{r.record_id}", r.department_code, r.day, values, (r.ref,)))
    return hits


class MeetingRecord(Settings):
    # 会议决定的事项、过程、参与人及其意见、结论等内容，应当完整、详细记录并存档备查 (中办发〔2010〕17号).
    # By default a missing record of each member's view counts where someone voted against or
    # abstained; set `views_always` to require it at every meeting.
    views_always: bool = False


def meeting_record(s: MeetingRecord, records: Records, today: Today) -> list[Hit]:
    """A meeting without minutes, or without each member's view recorded where it is required."""
    hits = []
    for r in records.of("meeting"):
        d = r.data
        found = []
        if not d["minutes"]:
            found.append(("未形成会议纪要", "no minutes were kept"))
        dissent = d["votes_against"] + d["votes_abstain"]
        if not d["views_recorded"] and (dissent > 0 or s.views_always):
            found.append(("未记录与会人员个人意见", "the members' individual views were not recorded"))
        if found:
            values = {
                "id": r.record_id,
                "company": d["company"],
                "body": d["body"],
                "body_zh": BODY_ZH[d["body"]],
                "body_en": d["body"].replace("_", " "),
                "held_on": r.day.isoformat(),
                "against": d["votes_against"],
                "abstain": d["votes_abstain"],
                **_problems(found),
            }
            hits.append(Hit(f"meeting/{r.record_id}", r.department_code, r.day, values, (r.ref,)))
    return hits


class NoSettings(Settings):
    pass


def executed_early(s: NoSettings, records: Records, today: Today) -> list[Hit]:
    """A decision carried out before it was taken (先执行后决策)."""
    hits = []
    for r in records.of("decision"):
        executed = _iso(r.data["executed_on"])
        if executed is not None and executed < r.day:
            values = {
                "id": r.record_id,
                "company": r.data["company"],
                "title": r.data["title"],
                "decided_on": r.day.isoformat(),
                "executed_on": executed.isoformat(),
            }
            hits.append(Hit(f"decision/{r.record_id}", r.department_code, executed, values, (r.ref,)))
    return hits


class LargePayment(Settings):
    # What counts as a large fund (大额度资金) each company sets in its own 三重一大 rules; one million
    # yuan is illustrative. The decision must be of a listed category, of the same company, taken on
    # or before the payment's day; a decision named but not (yet) received counts after `wait_days`.
    threshold: Money = 1_000_000.0
    categories: tuple[Category, ...] = ("large_fund", "major_project")
    wait_days: int = Field(2, ge=0, le=60)


def large_payment(s: LargePayment, records: Records, today: Today) -> list[Hit]:
    """A payment at or above the threshold without a collective decision before it."""
    hits = []
    for r in records.of("payment"):
        d = r.data
        if d["amount"] < s.threshold:
            continue
        did = d["decision_id"]
        decision = records.get("decision", did) if did else None
        refs = [r.ref]
        if did is None:
            problem = ("未关联集体决策", "it names no decision")
        elif decision is None:
            if today.day <= r.day + timedelta(days=s.wait_days):
                continue
            problem = (f"所称决策 {did} 无记录", f"the decision {did} it names is unknown")
        else:
            refs.append(decision.ref)
            dd = decision.data
            if dd["company"] != d["company"]:
                problem = (f"决策 {did} 属于{dd['company']}", f"the decision {did} is of another company")
            elif dd["category"] not in s.categories:
                problem = (
                    f"决策 {did} 不是大额资金或重大项目决策",
                    f"the decision {did} is a {dd['category']}",
                )
            elif decision.day > r.day:
                problem = (
                    f"决策 {did} 晚于支付（{decision.day}）",
                    f"the decision {did} came later ({decision.day})",
                )
            else:
                continue
        values = {
            "id": r.record_id,
            "company": d["company"],
            "paid_on": r.day.isoformat(),
            "amount": round(d["amount"], 2),
            "purpose": d["purpose"],
            "threshold": s.threshold,
            "decision": did or NONE,
            **_problems([problem]),
        }
        hits.append(Hit(f"payment/{r.record_id}", r.department_code, r.day, values, tuple(refs)))
    return hits


# -- demo -----------------------------------------------------------------------------------------


def demo(today: date, departments: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """Three city companies' meetings, decisions and payments of the last two months: ordinary, with
    every check's fault once."""
    # SOEs answer to the SOE commission; a city without one here: the transport bureau (a transport
    # investment group), else any department.
    code = departments.get("GZW") or departments.get("JTYS") or next(iter(departments.values()))
    out: list[tuple[str, dict[str, Any]]] = []

    def ago(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    def meeting(
        mid: str, company: str, days: int, body: str, members: int, present: int, **more: Any
    ) -> None:
        record = {
            "id": mid,
            "department_code": code,
            "company": company,
            "held_on": ago(days),
            "body": body,
            "members": members,
            "present": present,
            "minutes": True,
            "views_recorded": True,
            "votes_for": present,
            "votes_against": 0,
            "votes_abstain": 0,
        }
        record.update(more)
        out.append(("meeting", record))

    def decision(
        did: str, company: str, category: str, title: str, days: int, mid: str | None, **more: Any
    ) -> None:
        record: dict[str, Any] = {
            "id": did,
            "department_code": code,
            "company": company,
            "category": category,
            "title": title,
            "amount": None,
            "decided_on": ago(days),
            "meeting_id": mid,
            "deliberated_on": ago(days + 3) if category != "appointment" else None,
            "executed_on": ago(max(days - 5, 0)),
        }
        record.update(more)
        out.append(("decision", record))

    def payment(pid: str, company: str, days: int, amount: float, purpose: str, did: str | None) -> None:
        out.append(
            (
                "payment",
                {
                    "id": pid,
                    "department_code": code,
                    "company": company,
                    "paid_on": ago(days),
                    "amount": amount,
                    "purpose": purpose,
                    "decision_id": did,
                },
            )
        )

    jt, cs, wl = "市交通投资集团有限公司", "市城市建设发展集团有限公司", "市文旅集团有限公司"
    # Ordinary: each company's party committee and board, decisions taken there, payments after.
    for n, (company, short) in enumerate(((jt, "JT"), (cs, "CS"), (wl, "WL"))):
        base = 50 - 4 * n
        meeting(f"HY-{short}-01", company, base, "party_committee", 7, 7)
        meeting(f"HY-{short}-02", company, base - 3, "board", 9, 8, votes_for=7, votes_abstain=1)
        meeting(f"HY-{short}-03", company, base - 20, "managers", 6, 5)
        decision(f"JC-{short}-01", company, "appointment", "中层干部任免", base, f"HY-{short}-01")
        decision(
            f"JC-{short}-02",
            company,
            "major_project",
            "物流园区二期工程立项",
            base - 3,
            f"HY-{short}-02",
            amount=36_000_000.0,
        )
        decision(
            f"JC-{short}-03",
            company,
            "large_fund",
            "年度融资计划",
            base - 3,
            f"HY-{short}-02",
            amount=200_000_000.0,
        )
        decision(f"JC-{short}-04", company, "major_decision", "内部机构调整方案", base - 20, f"HY-{short}-03")
        payment(f"ZF-{short}-01", company, base - 10, 4_800_000.0, "工程进度款", f"JC-{short}-02")
        payment(f"ZF-{short}-02", company, base - 12, 86_000.0, "办公设备采购", None)
        payment(f"ZF-{short}-03", company, base - 15, 1_000_000.0, "贷款利息", f"JC-{short}-03")
    # The faults, all of the transport group and the culture and tourism group.
    decision("JC-JT-11", jt, "major_decision", "下属公司股权转让", 28, None)  # no meeting
    meeting("HY-JT-11", jt, 24, "party_committee", 9, 5)  # quorate, but not for an appointment
    decision("JC-JT-12", jt, "appointment", "副总经理聘任", 24, "HY-JT-11")
    meeting("HY-JT-12", jt, 22, "board", 9, 4)  # not quorate
    decision("JC-JT-13", jt, "major_project", "码头改造项目", 22, "HY-JT-12", deliberated_on=None)  # no study
    meeting("HY-WL-11", wl, 18, "managers", 7, 6, minutes=False)  # no minutes
    meeting(
        "HY-WL-12", wl, 15, "board", 9, 9, votes_for=6, votes_against=2, votes_abstain=1, views_recorded=False
    )
    decision(
        "JC-WL-11", wl, "large_fund", "景区收购", 15, "HY-WL-12", executed_on=ago(19)
    )  # carried out first
    payment("ZF-WL-11", wl, 9, 2_500_000.0, "景区收购定金", None)  # no decision
    return out


MONITOR = Monitor(
    "collective_decision",
    "国有企业“三重一大”决策",
    'SOE "three majors and one large" decisions',
    "R-MON-5",
    {
        "meeting": Kind(Meeting, "决策会议", "decision meeting", "held_on"),
        "decision": Kind(Decision, "“三重一大”事项决策", "decision", "decided_on"),
        "payment": Kind(Payment, "资金支付", "payment", "paid_on"),
    },
    {
        "decision_meeting": Check(
            DecisionMeeting,
            decision_meeting,
            "未经会议集体决策",
            "decision not taken at a meeting",
            timed=True,
        ),
        "quorum": Check(Quorum, quorum, "会议到会人数不足", "meeting without a quorum"),
        "prior_study": Check(
            PriorStudy, prior_study, "未经党委前置研究", "no prior study by the party committee"
        ),
        "meeting_record": Check(
            MeetingRecord, meeting_record, "会议记录不完整", "meeting not fully recorded"
        ),
        "executed_early": Check(
            NoSettings, executed_early, "先执行后决策", "carried out before it was decided"
        ),
        "large_payment": Check(
            LargePayment,
            large_payment,
            "大额资金支付未经集体决策",
            "large payment without a collective decision",
            timed=True,
        ),
    },
    # A large project is paid for years after it was decided: read three years back.
    window_days=1100,
)
