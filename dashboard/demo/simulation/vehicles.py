"""Buses moving along the routes: a pure function of the clock. Each bus runs back and forth along
its route (round and round on a ring route) at a gently varying speed."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime

from dashboard.domain.city import City

from ..geometry import Projection, bearing_deg, cumulative, point_along


@dataclass(frozen=True)
class VehicleState:
    vehicle_id: str
    label: str
    route_id: str
    trip_id: str
    direction_id: int
    lon: float
    lat: float
    bearing: float
    speed_ms: float
    timestamp: int


@dataclass(frozen=True)
class _Bus:
    vehicle_id: str
    label: str
    route_id: str
    route: int
    offset_m: float
    speed_ms: float
    wobble_m: float
    period_s: float
    phase: float


class BusFleet:
    def __init__(self, city: City, seed: int):
        rng = random.Random(f"buses:{seed}")
        self._proj = Projection(*city.center)
        self._routes = []
        self.buses: list[_Bus] = []
        for r_idx, route in enumerate(city.routes):
            pts = [self._proj.xy(*c) for c in route.geometry["coordinates"]]
            cum = [s * 1000 for s in cumulative(pts)]
            closed = pts[0] == pts[-1]
            self._routes.append((pts, cum, [c / 1000 for c in cum], closed))
            count = max(3, round(cum[-1] / 4000))
            for k in range(count):
                speed = rng.uniform(5.0, 7.0)              # 18–25 km/h on average
                period = rng.uniform(120, 300)
                self.buses.append(_Bus(
                    vehicle_id=f"{route.id}-{k + 1:02d}", label=f"{route.short_name} {k + 1:02d}",
                    route_id=route.id, route=r_idx,
                    offset_m=cum[-1] * (2 if not closed else 1) * k / count + rng.uniform(0, 300),
                    speed_ms=speed, wobble_m=0.6 * speed * period / (2 * math.pi),
                    period_s=period, phase=rng.uniform(0, 2 * math.pi)))

    def positions(self, now: datetime) -> list[VehicleState]:
        t = now.timestamp()
        out = []
        for bus in self.buses:
            pts, cum, km, closed = self._routes[bus.route]
            length = cum[-1]
            w = 2 * math.pi / bus.period_s
            s = bus.offset_m + bus.speed_ms * t + bus.wobble_m * math.sin(w * t + bus.phase)
            speed = bus.speed_ms + bus.wobble_m * w * math.cos(w * t + bus.phase)
            trip = int(s // length)
            q = s % (length if closed else 2 * length)
            forward = closed or q <= length
            along = q if forward else 2 * length - q
            p, i = point_along(pts, km, along / 1000)
            a, b = (pts[i], pts[i + 1]) if forward else (pts[i + 1], pts[i])
            lon, lat = self._proj.lonlat(p)
            out.append(VehicleState(
                vehicle_id=bus.vehicle_id, label=bus.label, route_id=bus.route_id,
                trip_id=f"{bus.vehicle_id}-{trip}", direction_id=0 if forward else 1,
                lon=lon, lat=lat, bearing=round(bearing_deg(a, b), 1), speed_ms=round(max(0.0, speed), 2),
                timestamp=int(t)))
        return out
