"""The review to take away: a PDF report of the period (cover, key figures, league table, charts, hot
spots, longest overdue incidents) and CSV / Excel exports of the tables, in Chinese or English.
Generated on the server from the same service calls as the page. Chinese text uses reportlab's
built-in CID font STSong-Light, so no font file ships and nothing is fetched."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from dashboard.domain import evaluation as ev
from dashboard.domain import evaluation_format as fmt
from dashboard.domain.identity import Identity
from dashboard.i18n import status_name, t
from dashboard.store import utcnow

from . import evaluation
from .container import Services
from .evaluation import ReviewQuery

LEAGUE_COLUMNS = ("due", "closure_rate", "on_time_rate", "disposal_rate", "rework_rate", "return_rate",
                  "verify_fail_rate", "close_mean", "overdue", "supervised")
REPORT_FIGURES = [f.key for f in ev.FIGURES]


def report_data(services: Services, identity: Identity, query: ReviewQuery, lang: str,
                now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    view = evaluation.overview(services, identity, query, lang, now)
    return {
        "lang": lang, "now": now, "city": services.city.name(lang),
        "figures": view["figures"], "trends": view["trends"], "environment": view["environment"],
        "hot_spots": evaluation.hot_spots(services, identity, query, now)[:10],
        "overdue": evaluation.worst_overdue(services, identity, query, now),
        "tz": services.tz,
        "district_at": services.city.district_at, "districts": services.city.districts,
        "district_name": lambda code: evaluation.group_name(services, "district", code, lang),
        "department_name": lambda code: evaluation.group_name(services, "department", code, lang),
        "place_name": lambda lon, lat: place_name(services.city, lon, lat, lang),
    }


def place_name(city, lon: float, lat: float, lang: str) -> str:
    """A hot spot named as people know the place: its district and the nearest road ("南塘区 · 近 滨江路")."""
    district_code = city.district_at(lon, lat)
    district = next((d for d in city.districts if d.code == district_code), None)
    nearest = city.segment_index.nearest(lon, lat, max_distance_m=2000) if city.segments else None   # STRtree (#15)
    best = city.segments_by_id.get(nearest[0]) if nearest else None
    parts = []
    if district is not None:
        parts.append(district.name_zh if lang == "zh-CN" else district.name_en)
    if best is not None:    # within 2 km
        parts.append(t("rev.place.near", lang).format(road=best.name_zh if lang == "zh-CN" else best.name_en))
    return " · ".join(parts) or t("rev.place.unnamed", lang)


def period_lines(fig: dict, lang: str) -> list[str]:
    """The period and what it is compared with (a running period says "to date")."""
    p, prev = fig["period"], fig["previous"]
    if p.get("running"):
        return [t("rev.period.range_to_date", lang).format(first=p["first"], last=p["last"], time=p["end"][11:16]),
                t("rev.period.compare_to_date", lang).format(first=prev["first"], last=prev["last"],
                                                             time=prev["end"][11:16])]
    return [t("rev.period.range", lang).format(first=p["first"], last=p["last"]),
            t("rev.period.compare", lang).format(first=prev["first"], last=prev["last"])]


def scope_line(fig: dict, lang: str) -> str:
    """What the report covers: the whole city, or the drill-down path ("Whole city › Water › Manholes")."""
    return " › ".join([t("rev.crumb.city", lang)] + [f["name"] for f in fig["filters"]])


def league_title(fig: dict, lang: str) -> str:
    """"League table" for the city; "By category" (etc.) under a drill-down, as the page says."""
    return t(f"rev.breakdown.{fig['dimension']}", lang) if fig["filters"] else t("rev.league", lang)


# -- tables (shared by CSV, Excel and PDF) ------------------------------------------------------
def league_table(data: dict, with_change: bool = True) -> list[list[str]]:
    lang, fig = data["lang"], data["figures"]
    head = [t("rev.col.rank", lang), t(f"rev.breakdown.{fig['dimension']}", lang)]
    head += [t(f"rev.fig.{k}", lang) for k in LEAGUE_COLUMNS]
    if with_change:
        head += [t("rev.col.change", lang) + ": " + t("rev.fig.on_time_rate", lang)]
    rows = [head]
    for r in fig["league"]:
        row = [str(r["rank"]), r["name"]] + [fmt.format_figure(k, r.get(k), lang) for k in LEAGUE_COLUMNS]
        if with_change:
            row.append(fmt.format_change("on_time_rate", r["change"].get("on_time_rate"), lang))
        rows.append(row)
    return rows


def key_figures_table(data: dict) -> list[list[str]]:
    lang, fig = data["lang"], data["figures"]
    rows = [[t("rev.report.figure", lang), t("rev.report.value", lang), t("rev.report.before", lang),
             t("rev.col.change", lang)]]
    for k in REPORT_FIGURES:
        rows.append([t(f"rev.fig.{k}", lang), fmt.format_figure(k, fig["totals"].get(k), lang),
                     fmt.format_figure(k, fig["totals_before"].get(k), lang),
                     fmt.format_change(k, fig["change"].get(k), lang)])
    return rows


def overdue_table(data: dict) -> list[list[str]]:
    lang, tz = data["lang"], data["tz"]
    rows = [[t("rev.inc.code", lang), t("rev.inc.title_col", lang), t("rev.inc.department", lang),
             t("rev.inc.status", lang), t("rev.inc.deadline", lang), t("rev.inc.overdue_by", lang)]]
    for r in data["overdue"]:
        rows.append([r["code"] or str(r["id"]), (r["title"] or "")[:28], data["department_name"](r["department"]),
                     status_name(r["status"], lang), r["deadline"].astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                     fmt.format_duration(r["overdue_seconds"], lang)])
    return rows


def hot_spot_table(data: dict) -> list[list[str]]:
    lang = data["lang"]
    rows = [[t("rev.col.rank", lang), t("rev.report.cell", lang), t("rev.heat", lang)]]
    for n, cell in enumerate(data["hot_spots"], 1):
        rows.append([str(n), data["place_name"](cell["lon"], cell["lat"]), t("rev.heat.count", lang).format(n=cell["n"])])
    return rows


def _unit(key: str, lang: str) -> str:
    kind = ev.FIGURES_BY_KEY[key].kind
    return {"rate": " (%)", "duration": t("rev.csv.hours", lang), "count": ""}[kind]


def _number(key: str, value):
    """A figure as a number for a spreadsheet: rates in percent, durations in hours, counts as they are."""
    if value is None:
        return ""
    kind = ev.FIGURES_BY_KEY[key].kind
    if kind == "rate":
        return round(value * 100, 1)
    if kind == "duration":
        return round(value / 3600, 2)
    return int(value)


def numeric_league(data: dict) -> list[list]:
    """The league table with numbers (units in the header), for CSV and Excel."""
    lang, fig = data["lang"], data["figures"]
    head = [t("rev.col.rank", lang), t(f"rev.breakdown.{fig['dimension']}", lang)]
    head += [t(f"rev.fig.{k}", lang) + _unit(k, lang) for k in LEAGUE_COLUMNS]
    return [head] + [[r["rank"], r["name"]] + [_number(k, r.get(k)) for k in LEAGUE_COLUMNS] for r in fig["league"]]


def numeric_key_figures(data: dict) -> list[list]:
    lang, fig = data["lang"], data["figures"]
    rows = [[t("rev.report.figure", lang), t("rev.report.value", lang), t("rev.report.before", lang)]]
    for k in REPORT_FIGURES:
        rows.append([t(f"rev.fig.{k}", lang) + _unit(k, lang), _number(k, fig["totals"].get(k)),
                     _number(k, fig["totals_before"].get(k))])
    return rows


def csv_bytes(data: dict) -> bytes:
    """What the export covers (period, scope), the league table and the key figures as numbers with their
    units in the header; UTF-8 with a BOM so spreadsheet programs read Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    fig, lang = data["figures"], data["lang"]
    writer.writerow([t("rev.title", lang), data["city"]])
    for line in period_lines(fig, lang):
        writer.writerow([line])
    writer.writerow([t("rev.csv.scope", lang), scope_line(fig, lang)])
    writer.writerow([])
    writer.writerows(numeric_league(data))
    writer.writerow([])
    writer.writerows(numeric_key_figures(data))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


FORMULA_STARTS = ("=", "+", "-", "@")


def xlsx_bytes(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    lang = data["lang"]
    book = Workbook()
    sheets = [(league_title(data["figures"], lang), numeric_league(data)),
              (t("rev.report.key_figures", lang), numeric_key_figures(data)),
              (t("rev.report.worst_overdue", lang), overdue_table(data)), (t("rev.heat", lang), hot_spot_table(data))]
    daily = [[t("rev.col.name", lang), t("rev.trend.in", lang), t("rev.trend.closed", lang)]]
    daily += [[d["day"], d["created"], d["closed"]] for d in data["trends"]["daily"]]
    sheets.append((t("rev.trend.daily", lang), daily))
    for n, (title, rows) in enumerate(sheets):
        sheet = book.active if n == 0 else book.create_sheet()
        sheet.title = title[:31].replace("/", " ")
        for row in rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value[:1] in FORMULA_STARTS:
                    cell.data_type = "s"   # text, never a formula (=HYPERLINK(…) in a title stays text)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(48, max(8, width * 1.6))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf_bytes(data: dict) -> bytes:
    from .review_pdf import render
    return render(data)


def filename(data: dict, ext: str) -> str:
    """cityops-review-<first>-<last>[-<dimension>-<code>…].<ext>: a drilled-down file says what it covers."""
    import re
    fig = data["figures"]
    p = fig["period"]
    scope = "".join(f"-{f['dimension']}-{re.sub(r'[^A-Za-z0-9_.]+', '_', str(f['code']))}" for f in fig["filters"])
    return f"cityops-review-{p['first']}-{p['last']}{scope}.{ext}"

