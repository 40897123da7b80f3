"""The operations picture: everything the map and the key figures show, read from the store."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from dashboard.domain import aqi, congestion, workflow
from dashboard.domain.geo import outline_points
from dashboard.store import incidents as incident_store, state as state_store
from dashboard.store import utcnow

from . import features
from .closure import closure_figures
from .container import Services


def city_congestion(services: Services, segment_states: dict[str, dict]) -> float | None:
    return congestion.weighted_index([
        (segment_states.get(s.id, {}).get("ci"), s.free_flow_kmh) for s in services.city.segments])


def city_air(station_states: dict[str, dict], standard: str = aqi.DEFAULT) -> aqi.AqiResult:
    """City AQI from the mean of each pollutant over the stations (as city-level releases do)."""
    sums: dict[str, list[float]] = {}
    for st in station_states.values():
        for pollutant, reading in (st.get("readings") or {}).items():
            if reading.get("value") is not None:
                sums.setdefault(pollutant, []).append(float(reading["value"]))
    return aqi.compute({p: sum(v) / len(v) for p, v in sums.items()}, standard)


def key_figures(services: Services, conn, now: datetime | None = None,
                segment_states: dict | None = None, station_states: dict | None = None) -> dict[str, Any]:
    now = now or utcnow()
    segment_states = state_store.segment_states(conn) if segment_states is None else segment_states
    station_states = state_store.station_states(conn) if station_states is None else station_states
    counts = incident_store.figures(conn, services.day_start(now), now)
    air = city_air(station_states, services.settings.aqi_standard)
    counts |= closure_figures(conn, now)   # on-time rate and time to close (the wall shows them)
    return counts | {
        "city_ci": city_congestion(services, segment_states),
        "city_aqi": air.aqi, "aqi_level": air.level, "primary": list(air.primary),
        "active_alerts": len(state_store.active_alerts(conn, now)),
        "at": now.isoformat(),
    }


def newest_events(conn, now: datetime, limit: int = 20, department_scope: str | None = None,
                  city=None) -> list[dict]:
    rows = incident_store.recent(conn, limit * 4 if department_scope else limit, department_scope)
    if department_scope is not None:   # an operator: their open cases, not what they closed days ago
        rows = [r for r in rows if r["status"] in workflow.OPEN_STATUSES][:limit]
    items = [features.incident_event(r, city) for r in rows]
    items += [features.alert_event(a) for a in state_store.active_alerts(conn, now)[:limit]]
    items.sort(key=lambda e: e["at"] or "", reverse=True)
    return items[:limit]


def operations_snapshot(services: Services, department_scope: str | None = None) -> dict[str, Any]:
    """The whole picture; `department_scope` limits incidents to one department (operators).
    Cached per data version (the bus position, read first: anything published later reaches the
    page as a delta)."""
    last_id = services.bus.position()
    services.city   # the city in force first (a new import changes the picture: a new cache key)
    return services.cache.remember(f"operations:{department_scope or '*'}:c{services.city_version}", last_id,
                                   lambda: _operations_snapshot(services, department_scope, last_id))


def operations_json(services: Services, identity) -> bytes:
    """The picture as the API sends it, for this identity (operators: their department's incidents),
    encoded once per data version: a big city's picture is a megabyte of JSON."""
    scope = identity.department if identity is not None and identity.role == "operator" else None
    return services.cache.remember(
        f"operations-json:{scope or '*'}:c{services.city_version}", services.bus.position(),
        lambda: json.dumps(operations_snapshot(services, scope), ensure_ascii=False, default=str,
                           separators=(",", ":")).encode())


def _operations_snapshot(services: Services, department_scope: str | None, last_id: str | None) -> dict[str, Any]:
    city = services.city
    now = utcnow()
    with services.store.connect() as conn:
        seg_states = state_store.segment_states(conn)
        st_states = state_store.station_states(conn)
        incidents = incident_store.open_incidents(conn, department_scope=department_scope)
        alerts = state_store.active_alerts(conn, now)
        vehicles = state_store.vehicles(conn)   # transit vehicles; deltas: vehicles.update / vehicles.remove
        figures = key_figures(services, conn, now, seg_states, st_states)
        events = newest_events(conn, now, department_scope=department_scope, city=services.city)
    segments = [{"type": "Feature", "geometry": s.geometry, "properties": {
        "name_zh": s.name_zh, "name_en": s.name_en, "free_flow_kmh": s.free_flow_kmh,
        **features.segment_item(s.id, seg_states.get(s.id))}} for s in city.segments]
    stations = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]}, "properties": {
        "name_zh": s.name_zh, "name_en": s.name_en, **features.station_item(s.id, st_states.get(s.id))}}
        for s in city.stations]
    lons = [p[0] for d in city.districts for p in outline_points(d.geometry)]   # MultiPolygons too (#15)
    lats = [p[1] for d in city.districts for p in outline_points(d.geometry)]
    return {
        "districts": features.district_collection(city),
        "segments": {"type": "FeatureCollection", "features": segments},
        "stations": {"type": "FeatureCollection", "features": stations},
        "incidents": {"type": "FeatureCollection",
                      "features": [f for f in (features.incident_feature(r, now, services.city) for r in incidents) if f["geometry"]]},
        "alerts": {"type": "FeatureCollection", "features": [features.alert_feature(a) for a in alerts if a.get("geometry")]},
        "vehicles": {"type": "FeatureCollection", "features": [features.vehicle_feature(v) for v in vehicles]},
        "figures": figures,
        "events": events,
        "bus_last_id": last_id,
        "center": [city.center[1], city.center[0]],
        "bounds": [[min(lats), min(lons)], [max(lats), max(lons)]],
        "generated_at": now.astimezone(timezone.utc).isoformat(),
    }
