"""The city in force as the admins' read-only reference page and the dispatchers' standards read it:
districts, departments, the taxonomy with its standards and 处置时限, routing rules (with why), the
calendar's years, and the import history. The package is the source of truth: nothing here writes."""
from __future__ import annotations

from typing import Any

from dashboard.domain import routing
from dashboard.domain.categories import KIND_WORDS

from . import city_import
from .container import Services


def city_in_force(services: Services) -> dict[str, Any]:
    city = services.city
    return {
        "name_zh": city.name_zh, "name_en": city.name_en, "version": city.version, "timezone": city.timezone,
        "default_language": city.default_language, "center": list(city.center), "bounds": list(city.bounds()),
        "city_version": services.city_version,
        "districts": [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "retired": d.retired,
                       "geometry": d.geometry} for d in city.districts + city.retired_districts],
        "departments": [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "level": d.level,
                         "districts": list(d.districts), "contact": d.contact, "retired": d.retired,
                         "categories": list(d.categories)} for d in city.departments + city.retired_departments],
        "categories": [{"code": c.code, "kind": c.domain, "kind_label": KIND_WORDS.get(c.domain, c.domain),
                        "group_code": c.group_code, "group_zh": c.group_zh, "group_en": c.group_en,
                        "name_zh": c.name_zh, "name_en": c.name_en, "default_priority": c.default_priority,
                        "reportable": c.reportable, "limits": {f"p{p}": c.limit(p) for p in range(1, 5)},
                        "standard_open": c.standard_open, "standard_close": c.standard_close, "retired": c.retired}
                       for c in city.categories],
        "routing": [{"category": r.category, "is_group": r.is_group, "district": r.district,
                     "department": r.department, "auto_dispatch": r.auto_dispatch} for r in city.routing],
        "calendar": [{"year": y.year, "status": y.status, "source": y.source,
                      "holidays": [[d.isoformat(), n] for d, n in y.holidays],
                      "workdays": [[d.isoformat(), n] for d, n in y.workdays]} for y in city.calendar.years],
        "working_periods": [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in city.calendar.working_periods],
        "counts": {"segments": len(city.segments), "stations": len(city.stations), "source_ids": len(city.source_ids)},
    }


def standards(services: Services, category: str) -> dict[str, str] | None:
    """The 立案标准 (when verifying) and 结案标准 (when closing) of a category, or None."""
    cat = services.city.find_category(category)
    if cat is None:
        return None
    return {"code": cat.code, "name_zh": cat.name_zh, "name_en": cat.name_en, "standard_open": cat.standard_open,
            "standard_close": cat.standard_close, "retired": cat.retired}


def why_department(services: Services, category: str, district: str | None, lang: str = "zh-CN") -> dict[str, Any]:
    """Which department a case goes to and why (the most specific routing rule)."""
    city = services.city
    rule = routing.suggest(city.routing, category, district, city.group_key(category))
    return {"department": rule.department if rule else None, "auto_dispatch": bool(rule and rule.auto_dispatch),
            "why": routing.explain(rule, category, district, lang)}


def import_history(services: Services, limit: int = 50) -> list[dict[str, Any]]:
    return city_import.history(services.store, limit)
