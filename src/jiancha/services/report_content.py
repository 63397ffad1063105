"""What the monthly report says (电子监察月报, R-REP-1), whatever it is printed as: the title, the
summary, the rows of its tables and the definitions behind its figures. The PDF and the xlsx
renderers lay this out; neither decides a figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jiancha.domain.statistics import Month, percent
from jiancha.domain.timeutil import LOCAL
from jiancha.services.statistics import FAMILY_ZH, STATE_ZH

COLOUR_NAMES = {"red": "红色", "yellow": "黄色", "green": "绿色"}
NO_SCORES = "本月绩效测评尚未发布"
DEFINITIONS = (
    "统计期间：按北京时间计，自当月 1 日零时至次月 1 日零时；经批准作废（更正）的办件及其信号不计。",
    "收件：当月首次收到的办件；受理：当月受理的办件；办结：当月办结（含不予受理、不予许可）的办件；"
    "月末在办：月末前收到且月末时尚未办结的办件。",
    "异常件：当月办结的办件中，被发出过黄色或红色纠错信号（不含临近期限的提前预警，不含已摘牌的信号）的办件；"
    "异常率 = 异常件 ÷ 办结件。",
    "提前办结：在承诺办结期限（扣除暂停时间后）届满之日以前办结；提前办结率 = 提前办结件 ÷ 办结件；"
    "超期办结：法定期限届满之日以后办结。",
    "信号：当月发生（条件成立之时）的预警纠错信号，按颜色、规则类别、处理情况和部门统计；突出问题为当月发出最多的规则。",
    "投诉：当月收到、当月作出是否受理决定、当月反馈结果的投诉。趋势：截至本月的十二个月，口径同上。",
)


@dataclass(frozen=True)
class Report:
    """A month's report for one agency, ready to be laid out."""

    statistics: dict[str, Any]
    agency_code: str
    agency_name: str
    made_at: datetime
    made_by: str
    scores: list[dict[str, Any]] = field(default_factory=list)

    @property
    def month(self) -> Month:
        return Month.parse(self.statistics["month"])

    @property
    def title(self) -> str:
        return f"{self.agency_name}电子监察月报"

    @property
    def subtitle(self) -> str:
        m = self.month
        state = "" if self.statistics["complete"] else "（本月尚未结束，数据截至生成时）"
        return f"{m.zh}{state}　区划代码 {self.agency_code}"

    @property
    def footer(self) -> str:
        made = self.made_at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
        return (
            f"由 Jiancha 行政权力电子监察平台于 {made} 生成（{self.made_by}）；报告的 SHA-256 记入监察台账。"
        )

    @property
    def summary(self) -> str:
        s = self.statistics
        v, h, sig, comp = s["volumes"], s["handling"], s["signals"], s["complaints"]
        prev = s["trend"][-2] if len(s["trend"]) >= 2 else None
        change = ""
        if prev is not None and prev["anomaly_rate"] is not None and h["anomaly_rate"] is not None:
            delta = (h["anomaly_rate"] - prev["anomaly_rate"]) * 100
            change = f"，较上月{'上升' if delta > 0 else '下降' if delta < 0 else '持平'}"
            change += f" {abs(delta):.2f} 个百分点" if delta else ""
        return (
            f"{self.month.zh}，本级及所辖部门共收件 {v['received']} 件，受理 {v['accepted']} 件，"
            f"办结 {v['handled']} 件，月末在办 {v['open_at_end']} 件。办结件中异常件 {h['anomalous']} 件，"
            f"异常率 {percent(h['anomaly_rate'])}{change}；提前办结 {h['early']} 件，提前办结率 "
            f"{percent(h['early_completion_rate'])}；超期办结 {h['overdue']} 件。"
            f"发出预警纠错信号 {sig['total']} 条（红色 {sig['by_colour']['red']} 条）；"
            f"收到投诉 {comp['received']} 件。"
        )

    def families(self) -> list[tuple[str, int]]:
        return [(FAMILY_ZH.get(k, k), int(n)) for k, n in self.statistics["signals"]["by_family"].items()]

    def states(self) -> list[tuple[str, int]]:
        return [(STATE_ZH.get(k, k), int(n)) for k, n in self.statistics["signals"]["by_state"].items()]


def summary_rows(s: dict[str, Any]) -> list[list[Any]]:
    v, h, sig, comp = s["volumes"], s["handling"], s["signals"], s["complaints"]
    return [
        ["收件（件）", v["received"]],
        ["受理（件）", v["accepted"]],
        ["办结（件）", v["handled"]],
        ["　其中：办结准予", v["completed"]],
        ["　　　　不予受理、不予许可", v["rejected"]],
        ["月末在办（件）", v["open_at_end"]],
        ["异常件（件）", h["anomalous"]],
        ["异常率", percent(h["anomaly_rate"])],
        ["提前办结（件）", h["early"]],
        ["提前办结率", percent(h["early_completion_rate"])],
        ["超期办结（件）", h["overdue"]],
        ["预警纠错信号（条）", sig["total"]],
        [
            "　红色 / 黄色 / 绿色",
            f"{sig['by_colour']['red']} / {sig['by_colour']['yellow']} / {sig['by_colour']['green']}",
        ],
        [
            "投诉：收到 / 受理 / 不予受理 / 反馈结果",
            f"{comp['received']} / {comp['accepted']} / {comp['not_accepted']} / {comp['resulted']}",
        ],
    ]


def department_rows(s: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            d["department_name"],
            d["received"],
            d["handled"],
            d["anomalous"],
            percent(d["anomaly_rate"]),
            percent(d["early_completion_rate"]),
            d["red"],
            d["yellow"],
            d["green"],
            d["complaints"],
        ]
        for d in s["departments"]
    ]


def trend_rows(s: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            t["month"],
            t["received"],
            t["handled"],
            t["anomalous"],
            percent(t["anomaly_rate"]),
            percent(t["early_completion_rate"]),
            t["signals"],
            t["red"],
        ]
        for t in s["trend"]
    ]


def top_rule_rows(s: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            r["rule_id"],
            r["family_zh"],
            COLOUR_NAMES.get(r["colour"], r["colour"]),
            r["count"],
            r["departments"],
            r["article"],
        ]
        for r in s["top_rules"]
    ]
