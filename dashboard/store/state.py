"""Latest state per road segment, air station, vehicle and emergency alert."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import as_utc, schema as t
from .feeds import _insert


def _row(r) -> dict:
    return {k: (as_utc(v) if isinstance(v, datetime) else v) for k, v in r._mapping.items()}


def segment_states(conn: Connection, ids: list[str] | None = None) -> dict[str, dict]:
    q = sa.select(t.segment_state)
    if ids is not None:
        q = q.where(t.segment_state.c.segment_id.in_(ids))
    return {r.segment_id: _row(r) for r in conn.execute(q)}


def upsert_segment_states(conn: Connection, rows: list[dict]) -> None:
    if not rows:
        return
    stmt = _insert(conn, t.segment_state)
    ex = stmt.excluded
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["segment_id"],
        set_={c: getattr(ex, c) for c in ("speed_kmh", "flow_vph", "ci", "level", "observed_at", "slow_since")}),
        rows)


def station_states(conn: Connection, ids: list[str] | None = None) -> dict[str, dict]:
    q = sa.select(t.station_state)
    if ids is not None:
        q = q.where(t.station_state.c.station_id.in_(ids))
    return {r.station_id: _row(r) for r in conn.execute(q)}


def upsert_station_state(conn: Connection, row: dict) -> None:
    stmt = _insert(conn, t.station_state).values(**row)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["station_id"],
        set_={c: getattr(stmt.excluded, c) for c in ("readings", "aqi", "level", "primary_pollutants", "observed_at")}))


def upsert_vehicles(conn: Connection, rows: list[dict]) -> None:
    if not rows:
        return
    stmt = _insert(conn, t.vehicles)
    ex = stmt.excluded
    cols = ("route_id", "trip_id", "lat", "lon", "bearing", "speed_kmh", "observed_at")
    # Older positions never overwrite newer ones (out-of-order delivery).
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["vehicle_id"], set_={c: getattr(ex, c) for c in cols},
        where=t.vehicles.c.observed_at < ex.observed_at), rows)


def remove_vehicles(conn: Connection, gone: dict[str, object], trips_gone: dict[str, object] | None = None) -> list[str]:
    """Take vehicles off the live state: those in `gone` (vehicle id → when it left) and those
    serving a trip in `trips_gone` (trip id → when it left), unless a newer position came since.
    Returns the ids taken off."""
    v = t.vehicles
    ids: list[str] = []
    for vid, at in gone.items():
        ids += [r[0] for r in conn.execute(sa.select(v.c.vehicle_id).where(v.c.vehicle_id == vid, v.c.observed_at <= at))]
    for trip, at in (trips_gone or {}).items():
        ids += [r[0] for r in conn.execute(sa.select(v.c.vehicle_id).where(v.c.trip_id == trip, v.c.observed_at <= at))]
    ids = sorted(set(ids))
    if ids:
        conn.execute(sa.delete(v).where(v.c.vehicle_id.in_(ids)))
    return ids


def vehicles(conn: Connection) -> list[dict]:
    return [_row(r) for r in conn.execute(sa.select(t.vehicles).order_by(t.vehicles.c.vehicle_id))]


def get_alert(conn: Connection, identifier: str) -> dict | None:
    r = conn.execute(sa.select(t.alerts).where(t.alerts.c.identifier == identifier)).first()
    return _row(r) if r else None


def upsert_alert(conn: Connection, row: dict) -> None:
    stmt = _insert(conn, t.alerts).values(**row)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["identifier"],
        set_={c: getattr(stmt.excluded, c) for c in row if c != "identifier"}))


def set_alert_status(conn: Connection, identifier: str, status: str) -> bool:
    return conn.execute(t.alerts.update().where(t.alerts.c.identifier == identifier)
                        .values(status=status)).rowcount > 0


def active_alerts(conn: Connection, now: datetime) -> list[dict]:
    a = t.alerts.c
    q = (sa.select(t.alerts).where(a.status == "active")
         .where(sa.or_(a.expires.is_(None), a.expires > now)).order_by(a.sent.desc()))
    return [_row(r) for r in conn.execute(q)]
