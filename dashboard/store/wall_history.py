"""The last two hours of the city's congestion and air, minute by minute, from the stored readings: what the
wall's short trends start from when it loads (a rebooted wall PC draws its two hours at once)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as t


def _minute(conn: Connection, column):
    if conn.dialect.name == "sqlite":
        return sa.cast(sa.func.strftime("%s", column), sa.Integer) / 60
    return sa.cast(sa.func.floor(sa.func.extract("epoch", column) / 60), sa.BigInteger)


def speed_ratio_by_minute(conn: Connection, since: datetime, until: datetime) -> list[tuple[int, float]]:
    """[(minute since the epoch, mean speed ÷ free-flow speed over the readings of that minute)]."""
    e, s = t.events.c, t.road_segments.c
    minute = _minute(conn, e.observed_at).label("m")
    speed = e.payload["speed_kmh"].as_float()
    q = (sa.select(minute, sa.func.avg(speed / s.free_flow_kmh))
         .select_from(t.events.join(t.road_segments, s.id == e.payload["segment_id"].as_string()))
         .where(e.kind == "segment_speed", e.observed_at >= since, e.observed_at < until, speed.is_not(None),
                s.free_flow_kmh > 0)
         .group_by(minute).order_by(minute))
    return [(int(m), float(r)) for m, r in conn.execute(q) if r is not None]


def air_by_minute(conn: Connection, since: datetime, until: datetime) -> dict[int, dict[str, float]]:
    """{minute since the epoch: {pollutant: mean concentration over the stations' readings of that minute}}."""
    e = t.events.c
    minute = _minute(conn, e.observed_at).label("m")
    pollutant = e.payload["pollutant"].as_string()
    value = e.payload["value"].as_float()
    q = (sa.select(minute, pollutant, sa.func.avg(value))
         .where(e.kind == "air_reading", e.observed_at >= since, e.observed_at < until, value.is_not(None))
         .group_by(minute, pollutant))
    out: dict[int, dict[str, float]] = {}
    for m, p, v in conn.execute(q):
        if p and v is not None:
            out.setdefault(int(m), {})[str(p)] = float(v)
    return out
