"""The leaders' review: figures per department, category and district with the previous period, the
league table, trends, hot spots, the environment and traffic of the period, and the incidents behind a
figure. Everything is aggregated in the database (dashboard.store.evaluation*); this module chooses the
period, applies who may see what, grades figures and names things."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dashboard.domain import aqi, congestion, permissions, workflow
from dashboard.domain import evaluation as ev
from dashboard.domain.geo import outline_points
from dashboard.domain.identity import Identity
from dashboard.store import evaluation as facts_store
from dashboard.store import evaluation_trends as trends_store
from dashboard.store import utcnow

from .container import Services

# Drill-down: what a tap on a group of one dimension breaks down into next.
NEXT_DIMENSION = {"department": "category", "category": "district", "district": "category",
                  "grid_cell": "category"}   # grid_cell: the unit grid (issue 15)
SEES_ALL = frozenset({workflow.ADMIN, workflow.DISPATCHER, workflow.LEADER})
HEAT_CELL_DEG = 0.01     # about 1 km
REVIEW_WORKERS = 3       # connections one review reads on side by side


class ReviewError(ValueError):
    """Bad review parameters; the message says what to send instead (HTTP 422)."""


@dataclass(frozen=True)
class ReviewQuery:
    kind: str = "this_month"
    first: date | None = None
    last: date | None = None
    filters: tuple[tuple[str, str], ...] = ()     # drill-down path, e.g. (("department", "CG"),)
    category: str | None = None                   # hot-spot filter
    figure: str | None = None                     # figure whose incidents are listed
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def filter_dict(self) -> dict[str, str]:
        return dict(self.filters)

    @property
    def dimension(self) -> str:
        """What the table breaks the current selection down by."""
        if not self.filters:
            return "department"
        last = self.filters[-1][0]
        nxt = NEXT_DIMENSION[last]
        used = {k for k, _ in self.filters}
        return nxt if nxt not in used else next((d for d in ev.DIMENSIONS if d not in used), nxt)


def _day(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ReviewError(f"{name} must be a date as YYYY-MM-DD, not {value!r}") from None


def parse_query(args: dict[str, Any]) -> ReviewQuery:
    """From URL or API arguments: period, first, last, department/category/district, heat, figure."""
    kind = str(args.get("period") or "this_month")
    if kind not in ev.PERIOD_KINDS:
        raise ReviewError(f"period must be one of {', '.join(ev.PERIOD_KINDS)}, not {kind!r}")
    filters = tuple((d, str(args[d])) for d in ev.ALL_DIMENSIONS if args.get(d))
    figure = args.get("figure") or None
    if figure and figure not in ev.FIGURES_BY_KEY:
        raise ReviewError(f"unknown figure {figure!r}; one of {', '.join(ev.FIGURES_BY_KEY)}")
    heat = args.get("heat") or None
    return ReviewQuery(kind, _day(args.get("first"), "first"), _day(args.get("last"), "last"), filters, heat, figure)


def scope_of(identity: Identity) -> str | None:
    """None: the whole city. Operators (should a route let them in) see only their department."""
    if identity.role in SEES_ALL:
        return None
    if identity.role == workflow.OPERATOR and identity.department:
        return identity.department
    raise ReviewError(f"a {identity.role} has no review to see")


def periods(services: Services, query: ReviewQuery, now: datetime) -> tuple[ev.Period, ev.Period]:
    today = now.astimezone(services.tz).date()
    try:
        current = ev.period(query.kind, today, services.tz, query.first, query.last, now=now)
    except ev.PeriodError as exc:
        raise ReviewError(str(exc)) from None
    return current, ev.previous(current, services.tz)


def utc_offset_seconds(services: Services) -> int:
    """The city's UTC offset now (the facts' calendar days use it; cities with DST get today's)."""
    return int(utcnow().astimezone(services.tz).utcoffset().total_seconds())


def refresh(services: Services) -> None:
    """Bring the facts up to date; takes a write transaction only when incidents changed."""
    offset = utc_offset_seconds(services)
    with services.store.read() as conn:
        if not facts_store.needs_refresh(conn, offset):
            return
    with services.store.begin() as conn:
        facts_store.refresh_facts(conn, offset_seconds=offset)


def thresholds(services: Services) -> dict[str, tuple[float, float]]:
    return ev.parse_thresholds(services.settings.review_thresholds)


def group_name(services: Services, dimension: str, code: str, lang: str) -> str:
    zh = lang == "zh-CN"
    if dimension == "department":
        d = services.city.department(code)   # retired ones too: past periods keep their names
        return (d.name_zh if zh else d.name_en) if d else (code or "—")
    if dimension == "district":
        d = services.city.district(code)
        return (d.name_zh if zh else d.name_en) if d else (code or "—")
    cat = services.city.find_category(code)
    return (cat.name_zh if zh else cat.name_en) if cat else (code or "—")


def _graded(figures: dict, th: dict) -> dict:
    return {k: ev.grade(k, figures.get(k), th) for k in ev.FIGURES_BY_KEY}


def figures(services: Services, identity: Identity, query: ReviewQuery, lang: str = "zh-CN",
            now: datetime | None = None, aggregates: dict | None = None) -> dict[str, Any]:
    """Key figures of the selection (with the previous period) and the league table of its breakdown."""
    now = now or utcnow()
    scope = scope_of(identity)
    current, before = periods(services, query, now)
    if aggregates is None:
        aggregates = _aggregates(services, query, current, before, scope, now)
    dim = query.dimension
    groups, groups_before = dict(aggregates["groups"]), dict(aggregates["groups_before"])
    total, total_before = groups.pop("all"), groups_before.pop("all")
    th = thresholds(services)
    now_f = ev.figures_from_counts(total)
    before_f = ev.figures_from_counts(total_before)
    rows = ev.league({g: ev.figures_from_counts(c) for g, c in groups.items()},
                     {g: ev.figures_from_counts(c) for g, c in groups_before.items()})
    for row in rows:
        row["name"] = group_name(services, dim, row["code"], lang)
        row["grades"] = _graded(row, th)
    return {
        "period": _period_json(current), "previous": _period_json(before), "dimension": dim,
        "filters": [{"dimension": d, "code": c, "name": group_name(services, d, c, lang)} for d, c in query.filters],
        "totals": now_f, "totals_before": before_f, "grades": _graded(now_f, th),
        "change": {k: (now_f[k] - before_f[k]) if isinstance(now_f.get(k), (int, float))
                   and isinstance(before_f.get(k), (int, float)) else None for k in ev.FIGURES_BY_KEY},
        "league": rows, "at": now.isoformat(),
    }


def _aggregates(services: Services, query: ReviewQuery, current: ev.Period, before: ev.Period,
                scope: str | None, now: datetime) -> dict:
    """The period's aggregates, read side by side (dashboard.store.evaluation_trends.review_aggregates)."""
    refresh(services)
    return trends_store.review_aggregates(services.store, current, before, now, query.dimension,
                                          services.settings.timezone, query.filter_dict, scope,
                                          workers=REVIEW_WORKERS)


def _period_json(p: ev.Period) -> dict:
    return {"kind": p.kind, "first": p.first_day.isoformat(), "last": p.last_day.isoformat(),
            "start": p.start.isoformat(), "end": p.end.isoformat(), "days": p.days, "running": p.running}


def hot_spots(services: Services, identity: Identity, query: ReviewQuery, now: datetime | None = None) -> list[dict]:
    now = now or utcnow()
    scope = scope_of(identity)
    current, _ = periods(services, query, now)
    lons = [p[0] for d in services.city.districts for p in outline_points(d.geometry)]   # MultiPolygons too (#15)
    lats = [p[1] for d in services.city.districts for p in outline_points(d.geometry)]
    refresh(services)   # the map may be asked for before the figures
    with services.store.read() as conn:
        return trends_store.heat_cells(conn, current, (min(lats), min(lons)), HEAT_CELL_DEG, query.category,
                                       query.filter_dict, scope)


def environment(services: Services, identity: Identity, query: ReviewQuery, now: datetime | None = None) -> dict:
    """AQI days by level (city daily means of each pollutant) and the worst hours of the day for traffic."""
    now = now or utcnow()
    scope_of(identity)
    current, _ = periods(services, query, now)
    tz = services.settings.timezone
    with services.store.read() as conn:
        means = trends_store.air_daily_means(conn, current, tz)
        hours = trends_store.congestion_by_hour(conn, current, tz)
    levels: dict[str, int] = {}
    worst_day = None
    for day, by_pollutant in sorted(means.items()):
        result = aqi.compute(by_pollutant, services.settings.aqi_standard)
        if result.level:
            levels[result.level] = levels.get(result.level, 0) + 1
            if worst_day is None or (result.aqi or 0) > worst_day["aqi"]:
                worst_day = {"day": day, "aqi": result.aqi, "level": result.level}
    for h in hours:
        h["ci"] = congestion.congestion_index(h["ratio"], 1.0)
        h["level"] = congestion.congestion_level(h["ci"])
    worst = sorted(hours, key=lambda h: -(h["ci"] or 0))[:5]
    return {"aqi_days": levels, "aqi_days_total": sum(levels.values()), "worst_aqi_day": worst_day,
            "worst_hours": worst, "hours": sorted(hours, key=lambda h: h["hour"])}


def _with_category_names(services: Services, rows: list[dict]) -> None:
    """Each row's category names (a composed title is shown in the screen's language)."""
    for r in rows:
        cat = services.city.find_category(r.get("category") or "")
        r["category_name_zh"], r["category_name_en"] = (cat.name_zh, cat.name_en) if cat else (None, None)


BACKLOG_FIGURE = "open_overdue"   # not a figure of the period: open cases overdue since before it


def open_overdue(services: Services, identity: Identity, query: ReviewQuery, now: datetime | None = None,
                 limit: int = 15) -> dict:
    """Open incidents whose deadline passed before the period began (they are due in no period shown,
    yet still overdue): {total, items (longest overdue first), oldest_seconds}."""
    from dashboard.store import evaluation_backlog
    now = now or utcnow()
    scope = scope_of(identity)
    current, _ = periods(services, query, now)
    refresh(services)
    with services.store.read() as conn:
        rows, total = evaluation_backlog.open_overdue(conn, current.start, now, query.filter_dict, scope, limit)
    _with_category_names(services, rows)
    return {"figure": BACKLOG_FIGURE, "items": rows, "total": total,
            "oldest_seconds": rows[0]["overdue_seconds"] if rows else None,
            "links": permissions.may_open_page(identity.role, "/dispatch")}


def incidents_behind(services: Services, identity: Identity, query: ReviewQuery, figure: str,
                     now: datetime | None = None, limit: int = 200) -> dict:
    now = now or utcnow()
    scope = scope_of(identity)
    if figure == BACKLOG_FIGURE:
        return open_overdue(services, identity, query, now, limit)
    if figure not in ev.FIGURES_BY_KEY:
        raise ReviewError(f"unknown figure {figure!r}")
    current, _ = periods(services, query, now)
    refresh(services)
    with services.store.read() as conn:
        rows, total = trends_store.incidents_behind(conn, current, now, figure, query.filter_dict, scope, limit)
    _with_category_names(services, rows)
    # leaders have no Dispatch page: their list shows the incidents without a link
    return {"figure": figure, "items": rows, "total": total,
            "links": permissions.may_open_page(identity.role, "/dispatch")}


def worst_overdue(services: Services, identity: Identity, query: ReviewQuery, now: datetime | None = None,
                  limit: int = 15) -> list[dict]:
    now = now or utcnow()
    scope = scope_of(identity)
    current, _ = periods(services, query, now)
    with services.store.read() as conn:
        rows = trends_store.worst_overdue(conn, current, now, scope, limit, filters=query.filter_dict)
    # and the open ones overdue since before the period (due in no period shown, still overdue)
    backlog = open_overdue(services, identity, query, now, limit)["items"]
    return sorted(rows + backlog, key=lambda r: -r["overdue_seconds"])[:limit]


def overview(services: Services, identity: Identity, query: ReviewQuery, lang: str,
             now: datetime | None = None) -> dict[str, Any]:
    """What the page shows at once: figures and league, trends, environment and traffic."""
    now = now or utcnow()
    scope = scope_of(identity)
    current, before = periods(services, query, now)
    aggregates = _aggregates(services, query, current, before, scope, now)
    return {"figures": figures(services, identity, query, lang, now, aggregates),
            "trends": {"daily": aggregates["daily"], "weekly": aggregates["weekly"]},
            "environment": environment(services, identity, query, now)}


def query_from_store(data: dict | None) -> ReviewQuery:
    """The page's query store → a ReviewQuery (the same checks as URL arguments)."""
    data = data or {}
    args: dict[str, Any] = {"period": data.get("period"), "first": data.get("first"), "last": data.get("last")}
    for dim, code in data.get("filters") or []:
        args[dim] = code
    query = parse_query(args)
    # keep the drill-down order the person tapped (parse_query orders by dimension)
    order = [d for d, _ in data.get("filters") or []]
    ordered = tuple(sorted(query.filters, key=lambda f: order.index(f[0])))
    return ReviewQuery(query.kind, query.first, query.last, ordered, query.category, query.figure)
