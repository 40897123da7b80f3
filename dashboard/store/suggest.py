"""Data access of dispatch suggestions: the closed cases to learn from (labels from their history),
the models (bytes checked against their SHA-256 before anything is unpickled), per-category
settings, department renames/merges, and the suggestions computed for incidents."""
from __future__ import annotations

import hashlib
import zlib
from datetime import datetime
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain import workflow

from . import as_utc, schema as t
from .schema_suggest import suggest_department_map, suggest_models, suggest_predictions, suggest_settings

_CASE_COLUMNS = ("id", "title", "description", "category", "department", "district", "lat", "lon", "source",
                 "reported_at", "created_at", "closed_at", "details")


class CorruptModel(Exception):
    """The stored model's bytes do not match their recorded digest, or do not load."""


# -- closed cases -------------------------------------------------------------------------------------
def closed_cases(conn: Connection, before: datetime | None = None, since: datetime | None = None,
                 batch: int = 20_000) -> Iterator[dict]:
    """Closed incidents reported in [since, before), each with `final_department` (the department of
    its last dispatch or reassignment: the one that finally closed it, after any returns), `returned`
    and `filed` (the category it was first reported under, when the history says it was changed)."""
    i, h = t.incidents.c, t.incident_history.c
    where = [i.status == workflow.CLOSED]
    if before is not None:
        where.append(i.reported_at < before)
    if since is not None:
        where.append(i.reported_at >= since)
    last_id = 0
    while True:
        columns = [getattr(i, c) for c in _CASE_COLUMNS] + ([i.grid_cell] if "grid_cell" in t.incidents.c else [])
        rows = conn.execute(sa.select(*columns)
                            .where(*where, i.id > last_id).order_by(i.id).limit(batch)).all()
        if not rows:
            return
        ids = [r.id for r in rows]
        steps: dict[int, list] = {}
        for s in conn.execute(sa.select(h.incident_id, h.action, h.details)
                              .where(h.incident_id.in_(ids), h.action.in_(("dispatch", "reassign", "return", "verify")))
                              .order_by(h.incident_id, h.version)):
            steps.setdefault(s.incident_id, []).append(s)
        for r in rows:
            d = dict(r._mapping)
            for k in ("reported_at", "created_at", "closed_at"):
                d[k] = as_utc(d[k])
            final, returned, recategorized = d["department"], False, False
            for s in steps.get(r.id, []):
                details = s.details or {}
                if s.action in ("dispatch", "reassign") and details.get("department"):
                    final = details["department"]
                elif s.action == "return":
                    returned = True
                elif s.action == "verify" and details.get("category"):
                    recategorized = True
            d["final_department"], d["returned"] = final, returned
            service_code = (d.get("details") or {}).get("service_code")
            d["filed"] = service_code or (None if recategorized else d["category"])
            yield d
        last_id = ids[-1]


def count_closed(conn: Connection) -> int:
    i = t.incidents.c
    return conn.execute(sa.select(sa.func.count()).select_from(t.incidents).where(i.status == workflow.CLOSED)).scalar_one()


# -- models ---------------------------------------------------------------------------------------------
def save_model(conn: Connection, blob: bytes, *, trained_at: datetime, trained_on: int, algorithm: str,
               metrics: dict, thresholds: dict, activate: bool = True) -> int:
    """Store a model's bytes (compressed) with their digest; returns its version."""
    packed = zlib.compress(blob, 6)
    version = (conn.execute(sa.select(sa.func.max(suggest_models.c.version))).scalar_one() or 0) + 1
    if activate:
        conn.execute(suggest_models.update().values(active=False))
    conn.execute(suggest_models.insert().values(
        version=version, trained_at=trained_at, trained_on=trained_on, algorithm=algorithm[:200],
        metrics=metrics, thresholds=thresholds, sha256=hashlib.sha256(packed).hexdigest(),
        size_bytes=len(packed), model=packed, active=activate))
    return version


def active_version(conn: Connection) -> int | None:
    m = suggest_models.c
    return conn.execute(sa.select(sa.func.max(m.version)).where(m.active.is_(True))).scalar_one()


def load_model_bytes(conn: Connection, version: int) -> bytes:
    """The model's bytes, only if they match the digest recorded when it was stored."""
    row = conn.execute(sa.select(suggest_models.c.model, suggest_models.c.sha256)
                       .where(suggest_models.c.version == version)).first()
    if row is None:
        raise CorruptModel(f"no model version {version}")
    packed = bytes(row.model)
    if hashlib.sha256(packed).hexdigest() != row.sha256:
        raise CorruptModel(f"model version {version}: the bytes do not match their digest")
    try:
        return zlib.decompress(packed)
    except zlib.error as exc:
        raise CorruptModel(f"model version {version}: {exc}") from None


def models(conn: Connection) -> list[dict]:
    m = suggest_models.c
    rows = conn.execute(sa.select(m.version, m.trained_at, m.trained_on, m.algorithm, m.metrics, m.thresholds,
                                  m.size_bytes, m.active).order_by(m.version.desc()))
    return [dict(r._mapping) | {"trained_at": as_utc(r.trained_at)} for r in rows]


def model_info(conn: Connection, version: int) -> dict | None:
    return next((m for m in models(conn) if m["version"] == version), None)


# -- settings per category --------------------------------------------------------------------------------
def settings(conn: Connection) -> dict[str, dict]:
    return {r.category: {"auto_dispatch": bool(r.auto_dispatch), "target_precision": float(r.target_precision),
                         "updated_by": r.updated_by, "updated_at": as_utc(r.updated_at)}
            for r in conn.execute(sa.select(suggest_settings))}


def put_setting(conn: Connection, category: str, auto_dispatch: bool, target_precision: float, by: str,
                at: datetime) -> None:
    conn.execute(suggest_settings.delete().where(suggest_settings.c.category == category))
    conn.execute(suggest_settings.insert().values(category=category, auto_dispatch=auto_dispatch,
                                                  target_precision=target_precision, updated_by=by, updated_at=at))


# -- departments renamed or merged ---------------------------------------------------------------------------
def department_map(conn: Connection) -> dict[str, str]:
    return {r.old_code: r.new_code for r in conn.execute(sa.select(suggest_department_map))}


def put_department_map(conn: Connection, mapping: dict[str, str], at: datetime) -> None:
    for old, new in mapping.items():
        conn.execute(suggest_department_map.delete().where(suggest_department_map.c.old_code == old))
        if old != new:
            conn.execute(suggest_department_map.insert().values(old_code=old, new_code=new, recorded_at=at))


# -- suggestions for incidents ----------------------------------------------------------------------------
def put_prediction(conn: Connection, incident_id: int, version: int, suggestion: dict, at: datetime,
                   auto_dispatched: bool = False) -> None:
    conn.execute(suggest_predictions.delete().where(suggest_predictions.c.incident_id == incident_id))
    conn.execute(suggest_predictions.insert().values(incident_id=incident_id, model_version=version,
                                                     computed_at=at, suggestion=suggestion,
                                                     auto_dispatched=auto_dispatched))


def prediction(conn: Connection, incident_id: int) -> dict | None:
    r = conn.execute(sa.select(suggest_predictions).where(suggest_predictions.c.incident_id == incident_id)).first()
    return dict(r._mapping) | {"computed_at": as_utc(r.computed_at)} if r else None


def unsuggested_reports(conn: Connection, since: datetime, limit: int = 200) -> list[dict]:
    """New reports (status reported) without a suggestion yet, oldest first."""
    i, p = t.incidents.c, suggest_predictions.c
    q = (sa.select(t.incidents).outerjoin(suggest_predictions, p.incident_id == i.id)
         .where(i.status == workflow.REPORTED, i.created_at >= since, p.incident_id.is_(None))
         .order_by(i.id).limit(limit))
    out = []
    for r in conn.execute(q):
        d = dict(r._mapping)
        for k in ("reported_at", "created_at", "updated_at", "deadline", "closed_at"):
            d[k] = as_utc(d.get(k))
        out.append(d)
    return out


def open_for_duplicates(conn: Connection, categories: list[str], lat: float, lon: float, dlat: float, dlon: float,
                        since: datetime, exclude_id: int | None = None, limit: int = 200) -> list[dict]:
    """Open incidents of some categories inside a box, reported since `since` (the prefilter)."""
    i = t.incidents.c
    q = (sa.select(i.id, i.code, i.category, i.title, i.description, i.lat, i.lon, i.reported_at, i.status)
         .where(i.category.in_(categories), i.status.in_(workflow.OPEN_STATUSES),
                i.lat.between(lat - dlat, lat + dlat), i.lon.between(lon - dlon, lon + dlon),
                i.reported_at >= since).limit(limit))
    if exclude_id is not None:
        q = q.where(i.id != exclude_id)
    return [dict(r._mapping) | {"reported_at": as_utc(r.reported_at)} for r in conn.execute(q)]
