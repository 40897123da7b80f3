"""The reference data and live state the pages show, as the JSON API serves them: departments,
districts, categories, routing rules, traffic per road segment, air per station, active alerts."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.store import routing as routing_store, state as state_store, utcnow

from .container import Services
from .operations import city_air, city_congestion


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def departments(services: Services) -> list[dict]:
    return [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "categories": list(d.categories),
             "districts": list(d.districts), "level": d.level} for d in services.city.departments]


def districts(services: Services) -> list[dict]:
    return [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "geometry": d.geometry}
            for d in services.city.districts]


def categories(services: Services) -> list[dict]:
    return [{"code": c.code, "domain": c.domain, "group_code": c.group_code, "group_zh": c.group_zh,
             "group_en": c.group_en, "name_zh": c.name_zh, "name_en": c.name_en,
             "default_priority": c.default_priority, "reportable": c.reportable, "limits": list(c.limits),
             "standard_open": c.standard_open, "standard_close": c.standard_close, "retired": c.retired}
            for c in services.city.categories]


def routing_rules(services: Services) -> list[dict]:
    with services.store.connect() as conn:
        rules = routing_store.rules(conn)
    return [{"category": r.category, "district": r.district, "department": r.department,
             "auto_dispatch": bool(r.auto_dispatch), "is_group": bool(r.is_group)} for r in rules]


def traffic(services: Services) -> dict[str, Any]:
    with services.store.connect() as conn:
        states = state_store.segment_states(conn)
    items = []
    for s in services.city.segments:
        st = states.get(s.id) or {}
        items.append({"id": s.id, "name_zh": s.name_zh, "name_en": s.name_en, "district": s.district,
                      "free_flow_kmh": s.free_flow_kmh, "speed_kmh": st.get("speed_kmh"), "flow_vph": st.get("flow_vph"),
                      "ci": st.get("ci"), "level": st.get("level"), "observed_at": _iso(st.get("observed_at")),
                      "geometry": s.geometry})
    return {"city_ci": city_congestion(services, states), "items": items, "at": utcnow().isoformat()}


def environment(services: Services) -> dict[str, Any]:
    with services.store.connect() as conn:
        states = state_store.station_states(conn)
    air = city_air(states, services.settings.aqi_standard)
    items = []
    for s in services.city.stations:
        st = states.get(s.id) or {}
        items.append({"id": s.id, "name_zh": s.name_zh, "name_en": s.name_en, "district": s.district,
                      "lon": s.lon, "lat": s.lat, "aqi": st.get("aqi"), "level": st.get("level"),
                      "primary_pollutants": list(st.get("primary_pollutants") or []),
                      "readings": st.get("readings") or {}, "observed_at": _iso(st.get("observed_at"))})
    return {"standard": services.settings.aqi_standard, "city_aqi": air.aqi, "city_level": air.level,
            "primary_pollutants": list(air.primary), "items": items, "at": utcnow().isoformat()}


def alerts(services: Services) -> list[dict]:
    now = utcnow()
    with services.store.connect() as conn:
        rows = state_store.active_alerts(conn, now)
    keys = ("identifier", "sender", "sent", "msg_type", "status", "event", "severity", "urgency", "certainty",
            "headline_zh", "headline_en", "area_desc", "geometry", "effective", "expires")
    # the districts an alert covers, and its <geocode> values as sent (issue 15)
    return [{k: _iso(r.get(k)) for k in keys} | {"districts": list((r.get("payload") or {}).get("districts") or []),
                                                 "geocodes": list((r.get("payload") or {}).get("geocodes") or [])}
            for r in rows]
