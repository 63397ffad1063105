"""The demo's public resource trading (R-MON-2): a year of the city's contracting processes as the
trading centre publishes them (OCDS compiled releases), most of them ordinary — a month to bid,
four bidders, the lowest price wins — and a few with what the red flags look for: a short bidding
period, a single bid, a late bid that won, identical prices, every rival disqualified, the lowest
bid disqualified, a winner far below or very close to the next, contracts split just below the
tender threshold, and three firms taking turns to win."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from jiancha.domain.timeutil import iso_local
from jiancha.services import procurement
from jiancha.store.database import Database

SENDER = "示范市公共资源交易中心 交易系统"
AGENT = {"id": "330900-GGZY", "name": "示范市公共资源交易中心"}
FIRMS = [
    ("91330900MA2A0001", "示范市宏达建设工程有限公司"),
    ("91330900MA2A0002", "示范市恒信科技有限公司"),
    ("91330900MA2A0003", "示范市通衢交通工程有限公司"),
    ("91330900MA2A0004", "示范市康宁医疗器械有限公司"),
    ("91330900MA2A0005", "示范市博文教育装备有限公司"),
    ("91330900MA2A0006", "示范市绿源环保工程有限公司"),
    ("91330900MA2A0007", "示范市明远信息技术有限公司"),
    ("91330900MA2A0008", "示范市安泰物业服务有限公司"),
]
WORKS = [
    "道路养护",
    "办公设备",
    "信息系统运维",
    "医疗设备",
    "教学设备",
    "环境监测设备",
    "物业服务",
    "绿化工程",
]
CLASSES = ["45", "30", "72", "33", "39", "38", "70", "77"]


def releases(buyers: Sequence[tuple[str, str]], now: datetime) -> list[dict[str, Any]]:
    """The processes, deterministic for a given `now`; buyers are (department code, name)."""
    out: list[dict[str, Any]] = []

    def process(
        n: int,
        buyer: tuple[str, str],
        bids: list[tuple[int, float, str]],
        *,
        days: int = 30,
        winner: int = 0,
        method: str = "open",
        late: bool = False,
    ) -> None:
        """bids: (firm, amount, status); `winner` indexes `bids`."""
        opened = now - timedelta(days=330 - n * 6)
        closes = opened + timedelta(days=days)
        work = WORKS[n % len(WORKS)]
        firm, amount, _ = bids[winner]
        out.append(
            {
                "ocid": f"ocds-jc0909-2026-{n:04d}",
                "date": iso_local(closes + timedelta(days=5)),
                "buyer": {"id": buyer[0], "name": buyer[1]},
                "tender": {
                    "id": f"GGZY-2026-{n:04d}",
                    "title": f"{buyer[1]}{work}采购项目",
                    "status": "complete",
                    "procurementMethod": method,
                    "procurementMethodDetails": "公开招标" if method == "open" else "邀请招标",
                    "procuringEntity": AGENT,
                    "tenderPeriod": {"startDate": iso_local(opened), "endDate": iso_local(closes)},
                    "numberOfTenderers": len({b[0] for b in bids}),
                },
                "bids": {
                    "details": [
                        {
                            "id": f"{n}-{k}",
                            "date": iso_local(
                                closes + timedelta(hours=2) if late and k == winner else opened
                            ),
                            "status": status,
                            "tenderers": [{"id": FIRMS[f][0], "name": FIRMS[f][1]}],
                            "value": {"amount": value, "currency": "CNY"},
                        }
                        for k, (f, value, status) in enumerate(bids)
                    ]
                },
                "awards": [
                    {
                        "id": f"{n}-award",
                        "status": "active",
                        "date": iso_local(closes + timedelta(days=5)),
                        "suppliers": [{"id": FIRMS[firm][0], "name": FIRMS[firm][1]}],
                        "value": {"amount": amount, "currency": "CNY"},
                        "items": [{"classification": {"scheme": "CPV", "id": f"{CLASSES[n % 8]}000000"}}],
                    }
                ],
            }
        )

    def ordinary(n: int, base: float) -> list[tuple[int, float, str]]:
        # Four bidders 6–9 % apart; the lowest wins.
        return [((n + k) % 8, round(base * (1 + 0.06 * k + 0.01 * (n % 3)), 2), "valid") for k in range(4)]

    b = list(buyers)
    n = 0
    for n in range(1, 31):
        process(n, b[n % len(b)], ordinary(n, 800_000 + 37_000 * n))
    a, c = b[0], b[1 % len(b)]
    process(31, a, ordinary(31, 950_000), days=10)  # R003: ten days to bid
    process(32, c, [(1, 1_200_000.0, "valid")])  # R018: one bid
    process(33, a, ordinary(33, 700_000), late=True)  # R030: the winner's bid came after the deadline
    process(34, c, [(2, 880_000.0, "valid"), (3, 905_000.0, "valid"), (4, 905_000.0, "valid")])  # R028
    process(35, a, [(5, 990_000.0, "valid"), (6, 900_000.0, "disqualified"), (7, 930_000.0, "disqualified")])
    process(
        36,
        c,
        [(0, 1_010_000.0, "valid"), (1, 870_000.0, "disqualified"), (2, 1_090_000.0, "valid")],
        winner=0,
    )
    process(37, a, [(3, 400_000.0, "valid"), (4, 980_000.0, "valid"), (5, 1_020_000.0, "valid")])  # R058
    process(38, c, [(6, 1_000_000.0, "valid"), (7, 1_000_500.0, "valid"), (0, 1_090_000.0, "valid")])  # R024
    # JC-SPLIT: one buyer, one firm, three contracts just under 2,000,000 within two months.
    for k, (day, value) in enumerate(((0, 1_850_000.0), (20, 1_900_000.0), (45, 1_780_000.0))):
        process(39 + k, a, [(7, value, "valid")], method="limited", days=30 + day)
    # JC-ROTATION: the same three firms bid three times and each wins once.
    ring = [4, 5, 6]
    for k in range(3):
        bids = [(f, 1_500_000.0 + 20_000 * ((j - k) % 3), "valid") for j, f in enumerate(ring)]
        process(42 + k, c, bids, winner=k)
    return out


def trade(db: Database, buyers: Sequence[tuple[str, str]], now: datetime) -> dict[str, int]:
    """Send the year's processes as the trading centre's system would; what the flags raised."""
    sent = releases(buyers, now)
    done = procurement.receive(db, sent, SENDER, now=now)
    _, rows = procurement.processes(db, limit=1000)
    flags = Counter(s["rule_id"] for r in rows for s in r["signals"])
    return {"processes": done["accepted"], "flagged": sum(1 for r in rows if r["signals"]), **flags}
