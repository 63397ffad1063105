"""Rural collective "three assets" (农村集体"三资": 资金、资产、资源, R-MON-7).

Guangzhou's rural integrity warning system brought the disclosure (农村党风廉政信息公开) and the
clearance and transactions of the collective "three assets" of all its 1,144 villages under
supervision, with a trading platform for collective assets (seed 002); Quangang networked its
"three assets" supervision (seed 001). Here the agriculture bureau (the supervising department)
sends:

- `village`: a village's registration — the village (by a code that stays the same, e.g. its
  统计用区划代码), its name and township, how often it must disclose its accounts and affairs
  (monthly or quarterly), from `since` to `until`, at most a year. The monitor reads records of the
  last 400 days, so a village is registered each year (e.g. `since` 1 January, `until` 31
  December); a registration older than that is no longer read.
- `transaction`: a transaction of the collective's assets (lease, sale, contract, construction,
  purchase): amount, method (public bidding, auction, open listing, negotiated, direct), the day
  it was concluded, the counterparty, and whether the villagers' meeting (村民会议, or the
  villagers' representatives' meeting it authorised) approved it.
- `disclosure`: a village's disclosure of one period (`YYYY-MM` or `YYYY-Qn`) and the day it was
  published.

Checks: a transaction at or above a threshold concluded by a method that is not open; a
transaction at or above a threshold without the meeting's approval; and a period's disclosure
published late, or still missing once due — the clock runs it daily, since time alone makes a
disclosure missing.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from jiancha.domain.monitors.base import (
    Check,
    Hit,
    Kind,
    Money,
    Monitor,
    Name,
    Record,
    RecordId,
    RecordIn,
    Records,
    Settings,
    Today,
)
from jiancha.domain.timeutil import EARLIEST_YEAR, LATEST_YEAR, PlausibleDay

WINDOW_DAYS = 400  # how far back the monitor reads records
MAX_REGISTRATION_DAYS = 366  # a registration covers at most a year, so it is read all its life

Frequency = Literal["monthly", "quarterly"]
TransactionKind = Literal["lease", "sale", "contract", "construction", "purchase"]
Method = Literal["public_bidding", "auction", "open_listing", "negotiated", "direct"]
KIND_NAMES: Mapping[str, tuple[str, str]] = {
    "lease": ("租赁", "lease"),
    "sale": ("出售转让", "sale"),
    "contract": ("承包发包", "contracting out"),
    "construction": ("工程建设", "construction"),
    "purchase": ("采购", "purchase"),
}
METHOD_NAMES: Mapping[str, tuple[str, str]] = {
    "public_bidding": ("公开招标", "public bidding"),
    "auction": ("拍卖", "auction"),
    "open_listing": ("公开挂牌", "open listing"),
    "negotiated": ("协商议定", "negotiation"),
    "direct": ("直接指定", "direct award"),
}
Period = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$")]


def period_bounds(period: str) -> tuple[date, date]:
    """The first and last day of a period `YYYY-MM` or `YYYY-Qn`."""
    year = int(period[:4])
    if period[5] == "Q":
        first_month, months = 3 * int(period[6]) - 2, 3
    else:
        first_month, months = int(period[5:7]), 1
    last_month = first_month + months - 1
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def periods(frequency: str, since: date, until: date) -> list[str]:
    """The periods of a registration: those ending on a day from `since` to `until`."""
    out: list[str] = []
    year, month = since.year, since.month
    while True:
        period = f"{year:04d}-{month:02d}" if frequency == "monthly" else f"{year:04d}-Q{(month + 2) // 3}"
        first, last = period_bounds(period)
        if first > until:
            return out
        if since <= last <= until and period not in out:
            out.append(period)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


class Village(RecordIn):
    """A village's registration for disclosure (村务公开) over at most a year."""

    # The village's code, the same in every registration and record.
    village: Annotated[RecordId, Field(title="村编码", description="village code")]
    name: Annotated[Name, Field(title="村名", description="village name")]
    township: Annotated[Name, Field(title="乡镇（街道）", description="township or subdistrict")]
    disclosure: Annotated[Frequency, Field(title="公开频次", description="how often it discloses")]
    since: Annotated[PlausibleDay, Field(title="登记起始日", description="first day registered")]
    until: Annotated[PlausibleDay, Field(title="登记截止日", description="last day registered")]

    @field_validator("until")
    @classmethod
    def _within_a_year(cls, until: date, info: ValidationInfo) -> date:
        since = info.data.get("since")
        if since is not None and until < since:
            raise ValueError("不能早于 since | must not precede since")
        if since is not None and (until - since).days >= MAX_REGISTRATION_DAYS:
            raise ValueError(
                "一次登记最长一年，请按年登记 | a registration covers at most a year: register the "
                "village yearly"
            )
        return until


class Transaction(RecordIn):
    """A transaction of a village's collective assets."""

    village: Annotated[RecordId, Field(title="村编码", description="village code")]
    kind: Annotated[TransactionKind, Field(title="交易类型", description="kind of transaction")]
    # e.g. 村集体厂房
    item: Annotated[Name | None, Field(title="交易标的", description="what was leased, sold, built…")] = None
    amount: Annotated[Money, Field(title="交易金额", description="amount, yuan")]
    method: Annotated[Method, Field(title="交易方式", description="how the counterparty was chosen")]
    concluded_on: Annotated[PlausibleDay, Field(title="成交日期", description="day concluded")]
    counterparty: Annotated[Name, Field(title="交易对象", description="counterparty")]
    approved_by_meeting: Annotated[
        bool,
        Field(
            title="经村民（代表）会议通过",
            description="approved by the villagers' or representatives' meeting",
        ),
    ]


class Disclosure(RecordIn):
    """A village's disclosure (村务、财务公开) of one period."""

    village: Annotated[RecordId, Field(title="村编码", description="village code")]
    period: Annotated[Period, Field(title="公开期间", description="period disclosed, YYYY-MM or YYYY-Qn")]
    published_on: Annotated[PlausibleDay, Field(title="公开日期", description="day published")]

    @field_validator("period")
    @classmethod
    def _plausible(cls, period: str) -> str:
        if not EARLIEST_YEAR <= int(period[:4]) <= LATEST_YEAR:
            raise ValueError(
                f"期间须在 {EARLIEST_YEAR} 至 {LATEST_YEAR} 年之间 | the period must lie between "
                f"{EARLIEST_YEAR} and {LATEST_YEAR}"
            )
        return period

    @field_validator("published_on")
    @classmethod
    def _not_before_period(cls, published: date, info: ValidationInfo) -> date:
        period = info.data.get("period")
        if period is not None and published < period_bounds(period)[0]:
            raise ValueError(f"不能早于 {period} 开始 | cannot precede the start of {period}")
        return published


# -- helpers ---------------------------------------------------------------------------------------


def _names(records: Records) -> dict[tuple[str, str], str]:
    """Each village's name, by (department, code), from its latest registration."""
    return {(r.department_code, r.data["village"]): r.data["name"] for r in records.of("village")}


def _transaction_hit(r: Record, name: str, limit: float) -> Hit:
    kind_zh, kind_en = KIND_NAMES[r.data["kind"]]
    method_zh, method_en = METHOD_NAMES[r.data["method"]]
    return Hit(
        f"transaction/{r.record_id}",
        r.department_code,
        r.day,
        {
            "id": r.record_id,
            "village": r.data["village"],
            "village_name": name,
            "kind_zh": kind_zh,
            "kind_en": kind_en,
            "item": r.data.get("item") or kind_zh,
            "amount": round(r.data["amount"], 2),
            "method_zh": method_zh,
            "method_en": method_en,
            "counterparty": r.data["counterparty"],
            "concluded_on": r.day.isoformat(),
            "limit": limit,
        },
        (r.ref,),
    )


# -- checks ----------------------------------------------------------------------------------------


class OpenMethod(Settings):
    # Our default of 50,000 yuan: the amount above which a collective's transaction must be traded
    # openly (on the rural property trading platform) is set by provincial and city rules, e.g.
    # 《广东省农村集体资产管理条例》 and 《广州市农村集体资产交易管理办法》 (articles not checked).
    min_amount: Money = 50_000.0
    open_methods: tuple[Method, ...] = ("public_bidding", "auction", "open_listing")


def open_method(s: OpenMethod, records: Records, today: Today) -> list[Hit]:
    """A transaction of at least `min_amount` concluded by a method not among `open_methods`."""
    names = _names(records)
    return [
        _transaction_hit(
            r, names.get((r.department_code, r.data["village"]), r.data["village"]), s.min_amount
        )
        for r in records.of("transaction")
        if r.data["amount"] >= s.min_amount and r.data["method"] not in s.open_methods
    ]


class MeetingApproval(Settings):
    # 《村民委员会组织法》第二十四条: disposing of collective property (以借贷、租赁或者其他方式处分村
    # 集体财产) and contracting out collective projects need the villagers' meeting, or the
    # representatives' meeting it authorised. The law sets no amount; 50,000 yuan is our default.
    min_amount: Money = 50_000.0


def meeting_approval(s: MeetingApproval, records: Records, today: Today) -> list[Hit]:
    """A transaction of at least `min_amount` the villagers' meeting did not approve."""
    names = _names(records)
    return [
        _transaction_hit(
            r, names.get((r.department_code, r.data["village"]), r.data["village"]), s.min_amount
        )
        for r in records.of("transaction")
        if r.data["amount"] >= s.min_amount and not r.data["approved_by_meeting"]
    ]


class DisclosureDue(Settings):
    # 《村民委员会组织法》第三十条: 村务公开 at least quarterly, the accounts monthly where the
    # collective's finances are busy. The days allowed after a period ends are set locally; 10
    # days is our default.
    due_days: Annotated[int, Field(ge=0, le=90)] = 10


def disclosure_due(s: DisclosureDue, records: Records, today: Today) -> list[Hit]:
    """For each registration and each of its periods that began within the records read: the
    disclosure published after the period's end plus `due_days`, or none published by then and
    that day passed. The earliest disclosure of a village's period counts."""
    published: dict[tuple[str, str, str], Record] = {}
    for r in records.of("disclosure"):  # in day order: the first one kept is the earliest
        published.setdefault((r.department_code, r.data["village"], r.data["period"]), r)
    by_village: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for r in records.of("village"):
        by_village[(r.department_code, r.data["village"])].append(r)
    hits = []
    for (dept, village), registrations in by_village.items():
        seen: set[str] = set()
        for reg in registrations:
            since, until = date.fromisoformat(reg.data["since"]), date.fromisoformat(reg.data["until"])
            for period in periods(reg.data["disclosure"], since, until):
                first, last = period_bounds(period)
                due = last + timedelta(days=s.due_days)
                if period in seen or first < today.day - timedelta(days=WINDOW_DAYS):
                    continue
                seen.add(period)
                pub = published.get((dept, village, period))
                if pub is None and today.day <= due:
                    continue  # not due yet
                if pub is not None and pub.day <= due:
                    continue  # published in time
                if pub is None:
                    state_zh, state_en, on = "未公开", "not published", ""
                else:
                    late = (pub.day - due).days
                    on = pub.day.isoformat()
                    state_zh, state_en = (
                        f"于 {on} 才公开，逾期 {late} 天",
                        f"published on {on}, {late} day{'s' * (late != 1)} late",
                    )
                hits.append(
                    Hit(
                        f"disclosure/{village}@{period}",
                        dept,
                        due + timedelta(days=1),
                        {
                            "village": village,
                            "village_name": reg.data["name"],
                            "township": reg.data["township"],
                            "period": period,
                            "due": due.isoformat(),
                            "published_on": on,
                            "state_zh": state_zh,
                            "state_en": state_en,
                        },
                        (reg.ref, pub.ref) if pub is not None else (reg.ref,),
                    )
                )
    return hits


MONITOR = Monitor(
    "village_assets",
    '农村集体"三资"',
    'Rural collective "three assets"',
    "R-MON-7",
    {
        "village": Kind(Village, "村务公开登记", "village registration", "since"),
        "transaction": Kind(Transaction, "集体三资交易", "collective asset transaction", "concluded_on"),
        "disclosure": Kind(Disclosure, "村务财务公开", "village disclosure", "published_on"),
    },
    {
        "open_method": Check(
            OpenMethod,
            open_method,
            "达到限额未公开交易",
            "a transaction at or above the limit not traded openly",
        ),
        "meeting_approval": Check(
            MeetingApproval,
            meeting_approval,
            "未经村民会议决定",
            "a transaction at or above the limit without the villagers' meeting",
        ),
        "disclosure_due": Check(
            DisclosureDue,
            disclosure_due,
            "村务财务未按期公开",
            "village disclosure late or missing",
            timed=True,
        ),
    },
    window_days=WINDOW_DAYS,
)


# -- demo ------------------------------------------------------------------------------------------


def demo(today: date, departments: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """Four villages of the agriculture bureau registered from the first day of the month before
    last: 东岙村 published that month's accounts late, 西岭村 not at all, the others on time; a
    dozen transactions, one of 86,000 yuan agreed by negotiation and one of 120,000 yuan traded
    openly but never put to the villagers' meeting."""
    dept = departments.get("NYNC") or next(iter(departments.values()))
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    since = (last_month - timedelta(days=1)).replace(day=1)  # the first day of the month before last
    until = since.replace(year=since.year + 1) - timedelta(days=1)
    villages = [
        ("330902101201", "东岙村", "白泉镇", "monthly", "late"),
        ("330902101202", "西岭村", "白泉镇", "monthly", "missing"),
        ("330902102203", "南湾村", "干览镇", "monthly", "on_time"),
        ("330902102204", "北岙村", "干览镇", "quarterly", "on_time"),
    ]
    out: list[tuple[str, dict[str, Any]]] = []
    for code, name, township, frequency, habit in villages:
        out.append(
            (
                "village",
                {
                    "id": f"VR-{code}-{since.isoformat()}",
                    "department_code": dept,
                    "village": code,
                    "name": name,
                    "township": township,
                    "disclosure": frequency,
                    "since": since.isoformat(),
                    "until": until.isoformat(),
                },
            )
        )
        for n, period in enumerate(periods(frequency, since, today - timedelta(days=1))):
            last = period_bounds(period)[1]
            if n == 0 and habit == "missing":
                continue
            on = last + timedelta(days=15 if n == 0 and habit == "late" else 5)
            if on <= today:
                out.append(
                    (
                        "disclosure",
                        {
                            "id": f"VD-{code}-{period}",
                            "department_code": dept,
                            "village": code,
                            "period": period,
                            "published_on": on.isoformat(),
                        },
                    )
                )
    transactions = [
        # (village, kind, item, amount, method, days ago, counterparty, approved)
        (
            "330902101201",
            "lease",
            "村集体厂房出租（5年）",
            86_000.0,
            "negotiated",
            40,
            "舟山某水产加工有限公司",
            True,
        ),
        (
            "330902101202",
            "construction",
            "村道硬化工程",
            120_000.0,
            "public_bidding",
            33,
            "某建设工程有限公司",
            False,
        ),
        ("330902101201", "purchase", "村委会办公用品", 3_600.0, "direct", 52, "某文具店", False),
        ("330902101202", "lease", "滩涂养殖承包（3年）", 210_000.0, "auction", 47, "李某某", True),
        (
            "330902102203",
            "contract",
            "村集体林地承包",
            95_000.0,
            "open_listing",
            45,
            "某农业专业合作社",
            True,
        ),
        ("330902102203", "sale", "废旧办公设备处置", 8_200.0, "negotiated", 38, "某物资回收公司", True),
        (
            "330902102204",
            "construction",
            "文化礼堂修缮",
            180_000.0,
            "public_bidding",
            30,
            "某建筑装饰有限公司",
            True,
        ),
        ("330902102204", "lease", "沿街店面出租", 48_000.0, "negotiated", 26, "王某某", True),
        ("330902101201", "construction", "排水沟清淤", 22_000.0, "direct", 21, "某土石方工程队", True),
        ("330902102203", "purchase", "路灯采购", 64_000.0, "public_bidding", 17, "某照明科技有限公司", True),
        ("330902101202", "lease", "村集体仓库出租", 36_000.0, "open_listing", 12, "某物流有限公司", True),
        (
            "330902102204",
            "contract",
            "村级光伏屋顶合作",
            150_000.0,
            "open_listing",
            8,
            "某新能源有限公司",
            True,
        ),
    ]
    for n, (code, kind, item, amount, method, age, counterparty, approved) in enumerate(transactions, 1):
        out.append(
            (
                "transaction",
                {
                    "id": f"VT-{today.year}-{n:03d}",
                    "department_code": dept,
                    "village": code,
                    "kind": kind,
                    "item": item,
                    "amount": amount,
                    "method": method,
                    "concluded_on": (today - timedelta(days=age)).isoformat(),
                    "counterparty": counterparty,
                    "approved_by_meeting": approved,
                },
            )
        )
    return out
