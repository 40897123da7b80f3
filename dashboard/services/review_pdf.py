"""The review report as a PDF (reportlab): cover, key figures, league table, trend charts, hot spots and
the longest overdue incidents. A4 landscape so the league table fits. One TrueType font that has CJK and
Latin glyphs (WenQuanYi Micro Hei, installed with the package paperang-p2-fonts-cjk) is embedded, subset,
in both languages: the report renders the same on a machine with no fonts of its own (a Chinese name in
an English report, "·" in a Chinese one). Every table cell is a paragraph, so long text wraps in its
column instead of running over the next."""
from __future__ import annotations

import io
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Circle, Drawing, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from dashboard.domain.geo import exterior_rings, outline_points
from dashboard.i18n import aqi_name, t

from . import review_report as rr

FONT = "CityOpsCJK"            # the embedded TrueType font (see font_file)
FALLBACK_FONT = "STSong-Light"   # a CID font readers are expected to have: only when the font file is missing
INK, MUTED, RULE, ACCENT = colors.HexColor("#1f2933"), colors.HexColor("#52606d"), colors.HexColor("#cbd2d9"), \
    colors.HexColor("#1565c0")
GRADE = {"green": colors.HexColor("#e3f4e8"), "amber": colors.HexColor("#fff4d6"), "red": colors.HexColor("#fde2e1")}


def font_file() -> str | None:
    """The TrueType collection of WenQuanYi Micro Hei that the package paperang-p2-fonts-cjk installs."""
    from importlib import resources
    try:
        path = resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
    except ModuleNotFoundError:
        return None
    return str(path) if path.is_file() else None


def _font(lang: str) -> str:
    """The embedded CJK+Latin font for both languages (registered once, with itself as bold and italic so
    <b> works); STSong-Light only if the font file is missing."""
    registered = pdfmetrics.getRegisteredFontNames()
    if FONT in registered:
        return FONT
    path = font_file()
    if path is None:
        if FALLBACK_FONT not in registered:
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
        return FALLBACK_FONT
    pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT, italic=FONT, boldItalic=FONT)
    return FONT


def _styles(font: str):
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=26, leading=34, textColor=INK),
        "sub": ParagraphStyle("sub", fontName=font, fontSize=13, leading=19, textColor=MUTED),
        "h": ParagraphStyle("h", fontName=font, fontSize=15, leading=21, textColor=INK, spaceBefore=6, spaceAfter=6),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, textColor=INK),
        # the figures' definitions under the key figures: all of them on the page of the table
        "def": ParagraphStyle("def", fontName=font, fontSize=8.5, leading=11.5, textColor=INK),
    }


def _table(rows: list[list[str]], font: str, widths=None, grades: list[list[str | None]] | None = None) -> Table:
    head = ParagraphStyle("head", fontName=font, fontSize=8, leading=10, textColor=INK)
    cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=10.5, textColor=INK)
    # every cell wraps inside its column (long names and titles never run over the next column)
    rows = [[Paragraph(_escape(c), head) for c in rows[0]]] + [[Paragraph(_escape(c), cell) for c in r]
                                                             for r in rows[1:]]
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
             ("TEXTCOLOR", (0, 0), (-1, -1), INK), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
             ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED), ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 3),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
    for r, row in enumerate(grades or [], 1):
        for c, grade in enumerate(row):
            if grade in GRADE:
                style.append(("BACKGROUND", (c, r), (c, r), GRADE[grade]))
    table.setStyle(TableStyle(style))
    return table


class _Drawing(Drawing):
    """A drawing that tells the renderer its initial font (reportlab's default is Helvetica, unembedded)."""
    from reportlab.lib.attrmap import AttrMap, AttrMapValue
    from reportlab.lib.validators import isString
    _attrMap = AttrMap(BASE=Drawing, fontName=AttrMapValue(isString))
    del AttrMap, AttrMapValue, isString


def _escape(value) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _daily_chart(data: dict, font: str) -> Drawing:
    lang = data["lang"]
    daily = data["trends"]["daily"]
    step = max(1, len(daily) // 8)
    drawing, chart = _chart(VerticalBarChart(), [d["day"][5:] if n % step == 0 else "" for n, d in enumerate(daily)],
                            t("rev.trend.daily", lang), font)
    chart.data = [[d["created"] for d in daily] or [0], [d["closed"] for d in daily] or [0]]
    chart.bars[0].fillColor, chart.bars[1].fillColor = ACCENT, colors.HexColor("#2e7d32")
    chart.bars.strokeColor = None
    for x, key, colour in ((86, "rev.trend.in", ACCENT), (104, "rev.trend.closed", colors.HexColor("#2e7d32"))):
        drawing.add(Rect(x * mm, 57 * mm, 2.5 * mm, 2.5 * mm, fillColor=colour, strokeColor=None))
        drawing.add(String((x + 3.5) * mm, 57 * mm, t(key, lang), fontName=font, fontSize=8, fillColor=INK))
    return drawing


def _weekly_chart(data: dict, font: str) -> Drawing:
    lang = data["lang"]
    weekly = data["trends"]["weekly"]
    drawing, chart = _chart(HorizontalLineChart(), [w["week"][5:] for w in weekly],
                            t("rev.trend.weekly", lang) + " (%)", font)
    chart.data = [[round((w["rate"] or 0) * 100, 1) for w in weekly] or [0]]
    chart.lines[0].strokeColor, chart.lines[0].strokeWidth = ACCENT, 2
    chart.valueAxis.valueMax = 100
    return drawing


def _chart(chart, categories: list[str], title: str, font: str) -> tuple[Drawing, Any]:
    """A trend chart's frame: its place in a 125 × 62 mm drawing, axes from 0, labels, the title."""
    drawing = _Drawing(125 * mm, 62 * mm)
    drawing.fontName = font       # the renderer's initial font (else Helvetica, unembedded)
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, 108 * mm, 44 * mm
    chart.categoryAxis.categoryNames = categories or [""]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    drawing.add(chart)
    drawing.add(String(12 * mm, 57 * mm, title, fontName=font, fontSize=10, fillColor=INK))
    return drawing, chart


def _hot_spot_map(data: dict, font: str) -> Drawing:
    """District outlines and a circle per hot cell, its area by count."""
    drawing = _Drawing(110 * mm, 80 * mm)
    drawing.fontName = font
    points = [p for d in data["districts"] for p in outline_points(d.geometry)]   # MultiPolygons too (#15)
    if not points:
        return drawing
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    scale = min(104 * mm / max(east - west, 1e-6), 74 * mm / max(north - south, 1e-6))

    def xy(lon, lat):
        return 3 * mm + (lon - west) * scale, 3 * mm + (lat - south) * scale
    for d in data["districts"]:
        for ring in exterior_rings(d.geometry):
            pts = [c for p in ring for c in xy(*p)]
            drawing.add(PolyLine(pts, strokeColor=MUTED, strokeWidth=0.6))
    top = max((c["n"] for c in data["hot_spots"]), default=1)
    for c in data["hot_spots"]:
        x, y = xy(c["lon"], c["lat"])
        drawing.add(Circle(x, y, 2 + 7 * (c["n"] / top) ** 0.5, fillColor=colors.Color(0.85, 0.2, 0.1, 0.55),
                           strokeColor=None))
    return drawing


def render(data: dict) -> bytes:
    lang = data["lang"]
    font = _font(lang)
    s = _styles(font)
    fig = data["figures"]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=14 * mm, rightMargin=14 * mm,
                            topMargin=14 * mm, bottomMargin=14 * mm,
                            title=t("rev.report.title", lang).format(city=data["city"]), author="CityOps",
                            initialFontName=font)   # no stray (unembedded) Helvetica on any page
    story = [Spacer(1, 40 * mm), Paragraph(t("rev.report.title", lang).format(city=data["city"]), s["title"]),
             Spacer(1, 6 * mm),
             *[Paragraph(line, s["sub"]) for line in rr.period_lines(fig, lang)]]
    story.append(Paragraph(_escape(rr.scope_line(fig, lang)), s["sub"]))
    story += [Paragraph(t("rev.report.generated", lang).format(
        time=data["now"].astimezone(data["tz"]).strftime("%Y-%m-%d %H:%M")), s["sub"]), Spacer(1, 10 * mm),
        Paragraph(t("rev.def.grades", lang), s["body"]), PageBreak()]

    story.append(Paragraph(t("rev.report.key_figures", lang), s["h"]))
    grades = [[None, fig["grades"].get(k)] for k in rr.REPORT_FIGURES]
    story.append(_table(rr.key_figures_table(data), font, [70 * mm, 40 * mm, 40 * mm, 40 * mm], grades))
    story += [Spacer(1, 4 * mm)] + [Paragraph(f"<b>{t(f'rev.fig.{k}', lang)}</b>：{t(f'rev.def.{k}', lang)}"
                                              if lang == "zh-CN" else
                                              f"<b>{t(f'rev.fig.{k}', lang)}</b>: {t(f'rev.def.{k}', lang)}", s["def"])
                                    for k in rr.REPORT_FIGURES]
    story += [PageBreak(), Paragraph(rr.league_title(fig, lang), s["h"])]
    league_grades = [[None, None] + [r["grades"].get(k) for k in rr.LEAGUE_COLUMNS] for r in fig["league"]]
    widths = [11 * mm, 36 * mm] + [19 * mm] * len(rr.LEAGUE_COLUMNS) + [30 * mm]   # 267 mm of A4 landscape's 269
    story.append(_table(rr.league_table(data), font, widths, league_grades) if fig["league"]
                 else Paragraph(t("rev.none", lang), s["body"]))

    story += [PageBreak(), Paragraph(t("rev.report.charts", lang), s["h"]),
              Table([[_daily_chart(data, font), _weekly_chart(data, font)]], hAlign="LEFT")]
    env = data["environment"]
    env_rows = [[t("rev.env.aqi_days", lang), ", ".join(f"{aqi_name(k, lang)} {v}" for k, v in env["aqi_days"].items())
                 or t("rev.env.no_aqi", lang)],
                [t("rev.env.worst_hours", lang), ", ".join(
                    t("rev.env.hour", lang).format(h=f"{h['hour']:02d}", h2=f"{(h['hour'] + 1) % 24:02d}")
                    + f" ({h['ci']})" for h in env["worst_hours"][:3]) or t("rev.env.no_traffic", lang)]]
    story += [Spacer(1, 4 * mm), Paragraph(t("rev.env", lang), s["h"]), _table(env_rows, font, [60 * mm, 190 * mm])]

    story += [PageBreak(), Paragraph(t("rev.report.hot_spots", lang), s["h"]),
              Table([[_hot_spot_map(data, font), _table(rr.hot_spot_table(data), font, [14 * mm, 90 * mm, 30 * mm])]],
                    hAlign="LEFT", style=[("VALIGN", (0, 0), (-1, -1), "TOP")])]
    story += [Spacer(1, 6 * mm), Paragraph(t("rev.report.worst_overdue", lang), s["h"])]
    rows = rr.overdue_table(data)
    story.append(_table(rows, font, [34 * mm, 80 * mm, 40 * mm, 25 * mm, 36 * mm, 30 * mm]) if len(rows) > 1
                 else Paragraph(t("rev.report.none", lang), s["body"]))
    doc.build(story)
    return out.getvalue()
