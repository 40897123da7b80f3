"""Duplicates by text as well as place (part of the dispatch suggestions, dashboard.services.suggest):
open cases of the same 小类 or 大类 within a radius and a time window, scored by character shingles."""
from __future__ import annotations

from datetime import timedelta

from dashboard.store import suggest as store, utcnow
from dashboard.suggest import shingles

from .container import Services


def _group(services: Services, code: str) -> str | None:
    fn = getattr(services.city, "group_key", None)
    if fn:
        return fn(code)
    try:
        from dashboard.domain.categories import BY_CODE   # the taxonomy before it became city data
        cat = BY_CODE.get(code)
        return cat.group_zh if cat else None
    except ImportError:
        return None


# -- duplicates by text ---------------------------------------------------------------------------------------
def _categories_alike(services: Services, category: str) -> list[str]:
    group = _group(services, category)
    if not group:
        return [category]
    codes = {c.code for c in getattr(services.city, "categories", ()) or ()}
    if not codes:
        try:
            from dashboard.domain.categories import BY_CODE
            codes = set(BY_CODE)
        except ImportError:
            codes = set()
    return sorted({category} | {c for c in codes if _group(services, c) == group})


def text_duplicates(services: Services, incident: dict, conn=None, radius_m: float = shingles.RADIUS_M,
                    window: timedelta = shingles.WINDOW) -> list[dict]:
    """Open cases of the same 小类 or 大类 near the incident in place and time, scored by text."""
    if incident.get("lat") is None or incident.get("lon") is None:
        return []
    if conn is None:
        with services.store.connect() as own:
            return text_duplicates(services, incident, own, radius_m, window)
    from dashboard.domain.duplicates import degree_box
    at = incident.get("reported_at") or incident.get("created_at") or utcnow()
    dlat, dlon = degree_box(incident["lat"], radius_m)
    rows = store.open_for_duplicates(conn, _categories_alike(services, incident["category"]), incident["lat"],
                                     incident["lon"], dlat, dlon, at - window, incident.get("id"))
    candidates = [_open_case(services, r) for r in rows if abs(r["reported_at"] - at) <= window]
    text = shingles.shingles(f"{incident.get('title') or ''} {incident.get('description') or ''}", incident.get("address"))
    return shingles.rank(incident.get("id"), incident["category"], _group(services, incident["category"]),
                         incident["lat"], incident["lon"], text, candidates, radius_m)


def duplicate_marks(services: Services, incidents: list[dict], radius_m: float = shingles.RADIUS_M,
                    window: timedelta = shingles.WINDOW) -> dict[int, list[dict]]:
    """For the dispatch queue: among these open incidents, which look like duplicates of which (by text
    as well as place), in memory, without a query per row. {id: [matches, best first]}."""
    index = shingles.DuplicateIndex(radius_m, window)
    usable = [i for i in incidents if i.get("lat") is not None and i.get("lon") is not None]
    for inc in usable:
        index.add(_open_case(services, inc))
    out = {}
    for inc in usable:
        oc = _open_case(services, inc)
        found = index.search(inc["id"], oc.category, oc.group, oc.lat, oc.lon, oc.reported_at, oc.shingles)
        if found:
            out[inc["id"]] = found
    return out


def _open_case(services: Services, row: dict) -> shingles.OpenCase:
    return shingles.OpenCase(
        id=row["id"], category=row["category"], group=_group(services, row["category"]), lat=row["lat"],
        lon=row["lon"], reported_at=row.get("reported_at") or row.get("created_at"), code=row.get("code") or "",
        shingles=shingles.shingles(f"{row.get('title') or ''} {row.get('description') or ''}", row.get("address")))
