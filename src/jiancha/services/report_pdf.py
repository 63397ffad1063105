"""The monthly report (电子监察月报, R-REP-1) as PDF: ReportLab, with a Chinese font embedded (a
GB 2312 subset of 文泉驿微米黑, Apache-2.0, shipped in `jiancha/fonts/`), tables and charts drawn
as vector graphics. The document depends on nothing installed on the reader's machine."""

from __future__ import annotations

import io
import threading
from importlib import resources
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from jiancha.services.report_content import (
    COLOUR_NAMES,
    DEFINITIONS,
    NO_SCORES,
    Report,
    department_rows,
    summary_rows,
    top_rule_rows,
    trend_rows,
)

FONT = "WQYMicroHei"
FONT_FILE = "wqy-microhei-gb2312.ttf"
_registered = threading.Lock()
INK = colors.HexColor("#1f2d3d")
RED, YELLOW, GREEN = colors.HexColor("#c0392b"), colors.HexColor("#e0a800"), colors.HexColor("#27ae60")
BLUE, GREY = colors.HexColor("#2f6fb0"), colors.HexColor("#8a99a8")
COLOUR_INK = {"red": RED, "yellow": YELLOW, "green": GREEN}


def _font() -> str:
    """Register the shipped font once per process (ReportLab embeds the glyphs a document uses)."""
    with _registered:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            data = resources.files("jiancha.fonts").joinpath(FONT_FILE).read_bytes()
            pdfmetrics.registerFont(TTFont(FONT, io.BytesIO(data)))
    return FONT


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, textColor=INK, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=16, alignment=TA_CENTER),
        "h1": ParagraphStyle(
            "h1", parent=base, fontSize=14, leading=20, spaceBefore=10, spaceAfter=4, keepWithNext=1
        ),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=GREY),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
    }


def _table(rows: list[list[Any]], widths: list[float], font: str, header: int = 1) -> Table:
    cell = _styles(font)["cell"]
    body = [[Paragraph(str(v), cell) if isinstance(v, str) and len(v) > 14 else v for v in r] for r in rows]
    table = Table(body, colWidths=widths, repeatRows=header, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 8.5),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("BACKGROUND", (0, 0), (-1, header - 1), colors.HexColor("#e8eef5")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8c4d0")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                # Numbers to the right, text to the left.
                *(
                    ("ALIGN", (c, r), (c, r), "RIGHT")
                    for r, row in enumerate(rows)
                    for c, value in enumerate(row)
                    if r >= header and (isinstance(value, int | float) or _figure(value))
                ),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _figure(value: object) -> bool:
    """A rate or a pair of counts shown as text (12.50%, 3 / 4, —)."""
    return isinstance(value, str) and bool(value) and all(ch in "0123456789.%/ —-" for ch in value)


def _bar_chart(
    title: str, labels: list[str], series: list[tuple[str, list[float], Any]], font: str
) -> Drawing:
    """A vertical bar chart: one group per label, one bar per series."""
    drawing = Drawing(170 * mm, 62 * mm, initialFontName=font)
    drawing.add(String(0, 58 * mm, title, fontName=font, fontSize=10, fillColor=INK))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 12 * mm, 120 * mm, 40 * mm
    chart.data = [values or [0] for _, values, _ in series]
    chart.categoryAxis.categoryNames = labels or ["—"]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 30 if len(labels) > 6 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 6 else "n"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max((v for _, values, _ in series for v in values), default=0)
    if top <= 0:
        chart.valueAxis.valueMax = 1
    chart.groupSpacing = 4
    for k, (_, _, ink) in enumerate(series):
        chart.bars[k].fillColor = ink
        chart.bars[k].strokeColor = None
    drawing.add(chart)
    drawing.add(_legend([(name, ink) for name, _, ink in series], font, 138 * mm, 48 * mm))
    return drawing


def _line_chart(
    title: str, labels: list[str], series: list[tuple[str, list[float | None], Any]], font: str
) -> Drawing:
    """A line chart of rates in per cent over the months."""
    drawing = Drawing(170 * mm, 62 * mm, initialFontName=font)
    drawing.add(String(0, 58 * mm, title, fontName=font, fontSize=10, fillColor=INK))
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 12 * mm, 120 * mm, 40 * mm
    chart.data = [[None if v is None else round(v * 100, 3) for v in values] for _, values, _ in series]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%.1f%%"
    chart.valueAxis.valueMin = 0
    known = [v for values in chart.data for v in values if v is not None]
    if not known or max(known) <= 0:
        chart.valueAxis.valueMax = 1
    for k, (_, _, ink) in enumerate(series):
        # A month with no case handled has no rate: the line joins the months that have one, and a
        # marker shows each (a single month has a marker and no line).
        joined = sum(v is not None for v in chart.data[k]) >= 2
        chart.lines[k].strokeColor = ink if joined else None
        chart.lines[k].strokeWidth = 1.5
        chart.lines[k].symbol = makeMarker("FilledCircle", size=3, fillColor=ink, strokeColor=ink)
    drawing.add(chart)
    drawing.add(_legend([(name, ink) for name, _, ink in series], font, 138 * mm, 48 * mm))
    return drawing


def _legend(items: list[tuple[str, Any]], font: str, x: float, y: float) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName = font
    legend.fontSize = 7.5
    legend.alignment = "right"
    legend.columnMaximum = 6
    legend.colorNamePairs = [(ink, name) for name, ink in items]
    return legend


def render(report: Report) -> bytes:
    font = _font()
    s = _styles(font)
    stats = report.statistics
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=report.title,
        author=report.made_by,
        subject=f"电子监察月报 {stats['month']}",
        creator="Jiancha 监察",
        # Every page and drawing starts in the shipped font: ReportLab's default (Helvetica) would
        # be named in the document without being embedded.
        initialFontName=font,
    )
    story: list[Any] = [
        Paragraph(report.title, s["title"]),
        Paragraph(report.subtitle, s["subtitle"]),
        Spacer(1, 4 * mm),
        Paragraph(report.summary, s["body"]),
        Spacer(1, 2 * mm),
    ]

    story += [
        Paragraph("一、总体情况", s["h1"]),
        _table([["指标", "数值"], *summary_rows(stats)], [90 * mm, 40 * mm], font),
    ]

    sig = stats["signals"]
    colour_rows = [[COLOUR_NAMES[c], sig["by_colour"][c]] for c in ("red", "yellow", "green")]
    family = report.families()
    story += [
        Paragraph("二、预警纠错情况", s["h1"]),
        Paragraph(
            f"本月共发出预警纠错信号 {sig['total']} 条，其中红色 {sig['by_colour']['red']} 条、"
            f"黄色 {sig['by_colour']['yellow']} 条、绿色 {sig['by_colour']['green']} 条。",
            s["body"],
        ),
        _table([["颜色", "条数"], *colour_rows], [40 * mm, 30 * mm], font),
        Spacer(1, 2 * mm),
        KeepTogether(
            _bar_chart(
                "按规则类别统计的信号（条）",
                [name for name, _ in family],
                [("信号", [float(n) for _, n in family], BLUE)],
                font,
            )
        ),
        _table(
            [["处理情况", "条数"], *([name, n] for name, n in report.states())],
            [40 * mm, 30 * mm],
            font,
        ),
    ]

    rows = department_rows(stats)
    top_departments = sorted(stats["departments"], key=lambda d: (-d["signals"], d["department_code"]))[:10]
    story += [
        Paragraph("三、各部门情况", s["h1"]),
        _table(
            [["部门", "收件", "办结", "异常件", "异常率", "提前办结率", "红", "黄", "绿", "投诉"], *rows]
            if rows
            else [["部门", "说明"], ["—", "本月无办件、信号或投诉"]],
            [52 * mm, 12 * mm, 12 * mm, 13 * mm, 16 * mm, 19 * mm, 10 * mm, 10 * mm, 10 * mm, 11 * mm]
            if rows
            else [52 * mm, 80 * mm],
            font,
        ),
        Spacer(1, 2 * mm),
        KeepTogether(
            _bar_chart(
                "信号最多的部门（条）",
                [d["department_name"][:10] for d in top_departments],
                [
                    (COLOUR_NAMES[c], [float(d[c]) for d in top_departments], COLOUR_INK[c])
                    for c in ("red", "yellow", "green")
                ],
                font,
            )
        ),
    ]

    comp = stats["complaints"]
    story += [
        Paragraph("四、投诉处理情况", s["h1"]),
        Paragraph(
            f"本月收到投诉 {comp['received']} 件，决定受理 {comp['accepted']} 件、"
            f"不予受理 {comp['not_accepted']} 件，"
            f"办结反馈 {comp['resulted']} 件。",
            s["body"],
        ),
    ]

    trend = stats["trend"]
    labels = [t["month"][2:] for t in trend]
    story += [
        Paragraph("五、近十二个月趋势", s["h1"]),
        KeepTogether(
            _bar_chart(
                "收件与办结（件）",
                labels,
                [
                    ("收件", [float(t["received"]) for t in trend], BLUE),
                    ("办结", [float(t["handled"]) for t in trend], GREY),
                ],
                font,
            )
        ),
        KeepTogether(
            _line_chart(
                "异常率与提前办结率",
                labels,
                [
                    ("异常率", [t["anomaly_rate"] for t in trend], RED),
                    ("提前办结率", [t["early_completion_rate"] for t in trend], GREEN),
                ],
                font,
            )
        ),
        _table(
            [["月份", "收件", "办结", "异常件", "异常率", "提前办结率", "信号", "红色"], *trend_rows(stats)],
            [20 * mm, 18 * mm, 18 * mm, 18 * mm, 20 * mm, 22 * mm, 18 * mm, 18 * mm],
            font,
        ),
    ]

    tops = top_rule_rows(stats)
    story += [
        Paragraph("六、突出问题", s["h1"]),
        _table(
            [["规则", "类别", "颜色", "次数", "涉及部门", "依据"], *tops]
            if tops
            else [["说明"], ["本月未发出信号"]],
            [32 * mm, 22 * mm, 12 * mm, 14 * mm, 16 * mm, 78 * mm] if tops else [132 * mm],
            font,
        ),
    ]

    story.append(Paragraph("七、绩效测评结果（测评结果）", s["h1"]))
    if report.scores:
        story.append(
            _table(
                [
                    ["名次", "部门", "得分"],
                    *(
                        [str(x["rank"]), str(x["department_name"]), f"{float(x['score']):.1f}"]
                        for x in report.scores
                    ),
                ],
                [16 * mm, 90 * mm, 24 * mm],
                font,
            )
        )
    else:
        story.append(Paragraph(NO_SCORES, s["body"]))

    story += [Spacer(1, 4 * mm), Paragraph("统计口径", s["h1"])]
    story += [Paragraph(line, s["small"]) for line in DEFINITIONS]
    story.append(Paragraph(report.footer, s["small"]))

    def page_number(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(GREY)
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, f"{report.title}  第 {document.page} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return out.getvalue()
