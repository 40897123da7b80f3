"""Shapes the live layers share: GeoJSON features for incidents, segments, stations and alerts.
The snapshot and the bus deltas use the same functions, so the browser applies one format."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.domain import workflow
from dashboard.domain.city import City
from dashboard.domain.privacy import mask_text


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _category(row: dict, city: City | None):
    return city.find_category(row["category"]) if city is not None else None


def incident_feature(row: dict, now: datetime, city: City | None = None) -> dict[str, Any]:
    cat = _category(row, city)
    overdue = bool(row.get("deadline") and row["status"] in workflow.OPEN_STATUSES and row["deadline"] < now)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]} if row.get("lon") is not None else None,
        "properties": {
            "id": row["id"], "code": row.get("code"), "category": row["category"],
            "category_name_zh": cat.name_zh if cat else row["category"],
            "category_name_en": cat.name_en if cat else row["category"],
            "title": mask_text(row["title"]), "priority": row["priority"], "status": row["status"],
            "district": row.get("district"), "department": row.get("department"),
            "deadline": _iso(row.get("deadline")), "created_at": _iso(row.get("created_at")),
            "overdue": overdue,
        },
    }


def segment_item(segment_id: str, state: dict | None) -> dict[str, Any]:
    state = state or {}
    return {"id": segment_id, "speed_kmh": state.get("speed_kmh"), "ci": state.get("ci"), "level": state.get("level")}


def station_item(station_id: str, state: dict | None) -> dict[str, Any]:
    state = state or {}
    return {"id": station_id, "aqi": state.get("aqi"), "level": state.get("level"),
            "primary": list(state.get("primary_pollutants") or []), "updated_at": _iso(state.get("observed_at"))}


def vehicle_feature(row: dict) -> dict[str, Any]:
    """A transit vehicle on the map (GTFS-realtime position); `vehicles.update` carries these,
    `vehicles.remove` the ids of those that left (deleted from a feed, or their trip was)."""
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
            "properties": {"id": row["vehicle_id"], "route_id": row.get("route_id"), "trip_id": row.get("trip_id"),
                           "bearing": row.get("bearing"), "speed_kmh": row.get("speed_kmh"),
                           "observed_at": _iso(row.get("observed_at"))}}


def alert_feature(row: dict) -> dict[str, Any]:
    return {
        "type": "Feature", "geometry": row.get("geometry"),
        "properties": {
            "identifier": row["identifier"], "event": row.get("event"), "severity": row.get("severity"),
            "urgency": row.get("urgency"), "headline_zh": row.get("headline_zh"),
            "headline_en": row.get("headline_en"), "status": row["status"], "expires": _iso(row.get("expires")),
            "sent": _iso(row.get("sent")), "area_desc": row.get("area_desc"),
            "districts": list((row.get("payload") or {}).get("districts") or []),   # issue 15: areas by code
        },
    }


def event_item(kind: str, source: str, title_zh: str, title_en: str, at: datetime,
               lat: float | None, lon: float | None, ref: Any = None) -> dict[str, Any]:
    return {"kind": kind, "source": source, "title_zh": title_zh, "title_en": title_en, "at": _iso(at),
            "lat": lat, "lon": lon, "ref": ref}


def incident_event(row: dict, city: City | None = None) -> dict[str, Any]:
    cat = _category(row, city)
    title_zh = mask_text(row["title"])
    title_en = f"{cat.name_en if cat else row['category']} · {row.get('address') or row.get('code')}"
    return event_item("incident", row["source"], title_zh, title_en, row["created_at"], row.get("lat"),
                      row.get("lon"), row["id"])


def alert_event(row: dict) -> dict[str, Any]:
    # alerts of several standards share a table; the payload says which one sent it
    source = "gtfs_rt_alerts" if (row.get("payload") or {}).get("standard") == "gtfs-rt" else "cap"
    return event_item("alert", source, row.get("headline_zh") or row.get("event") or "",
                      row.get("headline_en") or row.get("event") or "", row["sent"], None, None, row["identifier"])


def district_collection(city: City) -> dict:
    from dashboard.geo.drawing import district_drawing   # simplified copies to draw (issue 15)
    drawn = district_drawing(city)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": drawn.get(d.code, d.geometry),
         "properties": {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en}} for d in city.districts]}
