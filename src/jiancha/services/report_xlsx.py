"""The monthly report (电子监察月报, R-REP-1) as an xlsx workbook (openpyxl): one sheet per part,
numbers as numbers and rates as percentages (so they can be computed on), and Excel's own charts
over the cells: signals by department, the trend of volumes and of the two rates."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from jiancha.services.report_content import (
    COLOUR_NAMES,
    DEFINITIONS,
    NO_SCORES,
    Report,
    top_rule_rows,
)
from jiancha.services.statistics import FAMILY_ZH, STATE_ZH

HEAD = Font(bold=True)
FILL = PatternFill("solid", fgColor="E8EEF5")
PERCENT = "0.00%"


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]], widths: list[int]) -> Any:
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font, cell.fill = HEAD, FILL
    for row in rows:
        ws.append(row)
    for k, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(k)].width = width
    ws.freeze_panes = "A2"
    return ws


def _percent_columns(ws: Any, *columns: int) -> None:
    for col in columns:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = PERCENT


def render(report: Report) -> bytes:
    s = report.statistics
    v, h, sig, comp = s["volumes"], s["handling"], s["signals"], s["complaints"]
    wb = Workbook()
    cover = wb.active
    cover.title = "概况"
    cover.append([report.title])
    cover["A1"].font = Font(bold=True, size=16)
    cover.append([report.subtitle])
    cover.append([report.summary])
    cover["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    cover.row_dimensions[3].height = 75
    cover.append([])
    cover.append(["指标", "数值"])
    for cell in cover[5]:
        cell.font, cell.fill = HEAD, FILL
    figures: list[tuple[str, Any, bool]] = [
        ("收件（件）", v["received"], False),
        ("受理（件）", v["accepted"], False),
        ("办结（件）", v["handled"], False),
        ("其中：办结准予（件）", v["completed"], False),
        ("其中：不予受理、不予许可（件）", v["rejected"], False),
        ("月末在办（件）", v["open_at_end"], False),
        ("异常件（件）", h["anomalous"], False),
        ("异常率", h["anomaly_rate"], True),
        ("提前办结（件）", h["early"], False),
        ("提前办结率", h["early_completion_rate"], True),
        ("超期办结（件）", h["overdue"], False),
        ("预警纠错信号（条）", sig["total"], False),
        *((f"{COLOUR_NAMES[c]}信号（条）", sig["by_colour"][c], False) for c in ("red", "yellow", "green")),
        ("投诉收到（件）", comp["received"], False),
        ("投诉受理（件）", comp["accepted"], False),
        ("投诉不予受理（件）", comp["not_accepted"], False),
        ("投诉反馈结果（件）", comp["resulted"], False),
    ]
    for name, value, is_rate in figures:
        cover.append([name, value])
        if is_rate:
            cover.cell(cover.max_row, 2).number_format = PERCENT
    cover.append([])
    cover.append(["统计口径"])
    cover.cell(cover.max_row, 1).font = HEAD
    for line in DEFINITIONS:
        cover.append([line])
    cover.append([report.footer])
    cover.column_dimensions["A"].width = 60
    cover.column_dimensions["B"].width = 16
    cover.merge_cells("A3:F3")
    cover.column_dimensions["C"].width = 12

    departments = _sheet(
        wb,
        "各部门",
        ["部门代码", "部门", "收件", "受理", "办结", "月末在办", "异常件", "异常率", "提前办结", "提前办结率",
         "超期办结", "信号", "红色", "黄色", "绿色", "投诉"],
        [
            [
                d["department_code"], d["department_name"], d["received"], d["accepted"], d["handled"],
                d["open_at_end"], d["anomalous"], d["anomaly_rate"], d["early"], d["early_completion_rate"],
                d["overdue"], d["signals"], d["red"], d["yellow"], d["green"], d["complaints"],
            ]
            for d in s["departments"]
        ],
        [16, 30, 8, 8, 8, 10, 8, 10, 10, 11, 10, 8, 8, 8, 8, 8],
    )  # fmt: skip
    _percent_columns(departments, 8, 10)
    if s["departments"]:
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
        chart.title, chart.y_axis.title = "各部门信号（条）", "条"
        n = len(s["departments"]) + 1
        chart.add_data(
            Reference(departments, min_col=13, max_col=15, min_row=1, max_row=n), titles_from_data=True
        )
        chart.set_categories(Reference(departments, min_col=2, min_row=2, max_row=n))
        chart.width, chart.height = 22, 10
        departments.add_chart(chart, f"A{n + 3}")

    signal_rows: list[list[Any]] = [
        ["颜色", COLOUR_NAMES[c], sig["by_colour"][c]] for c in ("red", "yellow", "green")
    ]
    signal_rows += [["规则类别", FAMILY_ZH.get(k, k), n] for k, n in sig["by_family"].items()]
    signal_rows += [["处理情况", STATE_ZH.get(k, k), n] for k, n in sig["by_state"].items()]
    _sheet(wb, "预警纠错", ["分类", "项目", "条数"], signal_rows, [12, 24, 10])

    _sheet(
        wb,
        "突出问题",
        ["规则", "类别", "颜色", "次数", "涉及部门", "依据"],
        top_rule_rows(s),
        [22, 14, 8, 8, 10, 60],
    )

    trend = _sheet(
        wb,
        "趋势",
        [
            "月份",
            "收件",
            "办结",
            "异常件",
            "异常率",
            "提前办结",
            "提前办结率",
            "信号",
            "红色",
            "黄色",
            "绿色",
        ],
        [
            [
                t["month"],
                t["received"],
                t["handled"],
                t["anomalous"],
                t["anomaly_rate"],
                t["early"],
                t["early_completion_rate"],
                t["signals"],
                t["red"],
                t["yellow"],
                t["green"],
            ]
            for t in s["trend"]
        ],
        [10, 10, 10, 10, 10, 10, 12, 8, 8, 8, 8],
    )
    _percent_columns(trend, 5, 7)
    n = len(s["trend"]) + 1
    months = Reference(trend, min_col=1, min_row=2, max_row=n)
    volumes = BarChart()
    volumes.type, volumes.title, volumes.y_axis.title = "col", "收件与办结（件）", "件"
    volumes.add_data(Reference(trend, min_col=2, max_col=3, min_row=1, max_row=n), titles_from_data=True)
    volumes.set_categories(months)
    volumes.width, volumes.height = 20, 8
    trend.add_chart(volumes, f"A{n + 3}")
    rates = LineChart()
    rates.title, rates.y_axis.title = "异常率与提前办结率", "%"
    rates.y_axis.number_format = "0%"
    rates.add_data(Reference(trend, min_col=5, min_row=1, max_row=n), titles_from_data=True)
    rates.add_data(Reference(trend, min_col=7, min_row=1, max_row=n), titles_from_data=True)
    rates.set_categories(months)
    rates.width, rates.height = 20, 8
    trend.add_chart(rates, f"A{n + 21}")

    _sheet(wb, "投诉", ["收到", "受理", "不予受理", "反馈结果"], [[comp[k] for k in comp]], [10, 10, 10, 10])

    if report.scores:
        _sheet(
            wb,
            "测评结果",
            ["名次", "部门代码", "部门", "得分"],
            [[x["rank"], x["department_code"], x["department_name"], x["score"]] for x in report.scores],
            [8, 16, 30, 10],
        )
    else:
        ws = wb.create_sheet("测评结果")
        ws.append([NO_SCORES])
        ws.column_dimensions["A"].width = 30

    wb.properties.title = report.title
    wb.properties.creator = "Jiancha 监察"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
