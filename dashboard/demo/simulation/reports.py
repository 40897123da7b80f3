"""City-management reports (Open311 service requests) arriving at a realistic pace, some of them
acknowledged and closed later. Deterministic for a seed and a start time."""
from __future__ import annotations

import heapq
import itertools
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.demo.taxonomy import BY_CODE
from dashboard.domain.city import City
from dashboard.services.deadline_rules import deadline_for

from .. import names
from ..ownership import owner
from ..geometry import Projection, cumulative, point_along
from . import citizen_texts as citizen, report_texts as texts
from .clock import CITY_TZ, ceil_second, local

MEAN_GAP_S = 15.0                 # about one report every 10–20 s at speed 1
MAX_CATCH_UP = timedelta(hours=1)     # after a long pause, skip rather than flood
RETENTION = timedelta(days=7)
MAX_KEPT = 20_000


@dataclass
class ServiceRequest:
    id: str
    code: str
    description: str
    address: str
    zipcode: str
    lat: float
    lon: float
    district: str | None
    agency: str
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime
    reporter_name: str | None
    reporter_phone: str | None
    status: str = "open"
    status_notes: str = ""

    @property
    def service_name(self) -> str:
        return BY_CODE[self.code].name_zh


class ReportStream:
    def __init__(self, city: City, seed: int, start: datetime, speed: float = 1.0, scenario: str = "",
                 backlog: int = 40, backlog_hours: float = 8.0):
        self.city = city
        self.speed = max(speed, 0.01)
        self.scenario = scenario
        self._rng = random.Random(f"open311:{seed}:{scenario}")
        # updates draw from their own generator: then how often the clock is read does not matter
        self._notes_rng = random.Random(f"open311-notes:{seed}:{scenario}")
        self._proj = Projection(*city.center)
        self._lines = []
        for seg in city.segments:
            pts = [self._proj.xy(*c) for c in seg.geometry["coordinates"]]
            self._lines.append((pts, cumulative(pts)))
        self._cum_lengths = list(itertools.accumulate(cum[-1] for _, cum in self._lines))
        self._district_names = {d.code: (d.name_zh, k) for k, d in enumerate(city.districts)}
        self._prefix = local(start).strftime("%Y%m%d%H%M%S")
        self._seq = 0
        self._pending: list[tuple[datetime, int, str, str]] = []   # (when, order, request id, action)
        weights = texts.STORM_WEIGHTS if scenario == "storm" else texts.ORDINARY_WEIGHTS
        weights = {code: w for code, w in weights.items() if code in BY_CODE}     # the taxonomy has the say
        self._codes, self._weights = list(weights), list(weights.values())
        self.requests: dict[str, ServiceRequest] = {}
        past = sorted(ceil_second(start - timedelta(hours=self._rng.uniform(0, backlog_hours)))
                      for _ in range(backlog))
        for at in past:
            self._create(at)
        self._next_exact = start + self._gap()     # arrivals are stamped at the next whole second
        self.advance(start)

    def _gap(self) -> timedelta:
        mean = MEAN_GAP_S / self.speed / (3.0 if self.scenario == "storm" else 1.0)
        return timedelta(seconds=self._rng.expovariate(1.0 / mean))

    def advance(self, now: datetime) -> None:
        if now - self._next_exact > MAX_CATCH_UP / self.speed:
            self._next_exact = now - MAX_CATCH_UP / self.speed
        while ceil_second(self._next_exact) <= now:
            self._create(ceil_second(self._next_exact))
            self._next_exact += self._gap()
        while self._pending and self._pending[0][0] <= now:
            when, _, rid, action = heapq.heappop(self._pending)
            self._update(rid, action, when)
        self._trim(now)

    def _place(self) -> tuple[float, float, str | None, str]:
        """A point a few dozen metres off a road, inside the city, with the road's name. Roads are
        picked by length, so reports spread along the streets rather than bunch at junctions."""
        rng = self._rng
        for _ in range(20):
            k = rng.choices(range(len(self._lines)), cum_weights=self._cum_lengths)[0]
            seg, pts, cum = self.city.segments[k], *self._lines[k]
            (x, y), i = point_along(pts, cum, rng.uniform(0, cum[-1]))
            (ax, ay), (bx, by) = pts[i], pts[i + 1]
            length = max(1e-9, math.hypot(bx - ax, by - ay))
            off = rng.uniform(0.015, 0.06) * rng.choice((-1, 1))
            lon, lat = self._proj.lonlat((x - (by - ay) / length * off, y + (bx - ax) / length * off))
            district = self.city.district_at(lon, lat)
            if district:
                return lon, lat, district, seg.name_zh.split("（")[0]
        lon, lat = seg.geometry["coordinates"][0]
        return lon, lat, seg.district, seg.name_zh.split("（")[0]

    def _create(self, at: datetime) -> None:
        rng = self._rng
        self._seq += 1
        code = rng.choices(self._codes, self._weights)[0]
        lon, lat, district, road = self._place()
        district_zh, index = self._district_names.get(district, ("", 0))
        place = f"{district_zh}{road}{rng.randint(1, 399)}号附近"
        filed = citizen.filed_category(rng, code, set(self._codes))    # what the citizen picked
        description = citizen.describe(rng, code, place, road)
        dept = owner(self.city.departments, code, district, road, description)
        anonymous = rng.random() < 0.3
        surname = rng.choice(names.SURNAMES)
        req = ServiceRequest(
            id=f"{self._prefix}-{self._seq:05d}",
            code=filed,
            description=description,
            address=place,
            zipcode=f"2100{index + 1:02d}",
            lat=lat, lon=lon, district=district,
            agency=dept.name_zh if dept else "",
            requested_at=at, updated_at=at,
            expected_at=deadline_for(self.city, code, BY_CODE[code].default_priority, at, CITY_TZ).at,
            reporter_name=None if anonymous else surname + rng.choice(("先生", "女士")),
            reporter_phone=None if anonymous else f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
        )
        self.requests[req.id] = req
        # about half are acknowledged, and most of those closed, while the demo runs
        scale = 60.0 / self.speed
        if rng.random() < 0.7:
            ack = ceil_second(at + timedelta(seconds=rng.uniform(2, 10) * scale))
            heapq.heappush(self._pending, (ack, self._seq * 2, req.id, "ack"))
            if rng.random() < 0.75:
                done = ceil_second(ack + timedelta(seconds=rng.uniform(5, 40) * scale))
                heapq.heappush(self._pending, (done, self._seq * 2 + 1, req.id, "close"))

    def _update(self, rid: str, action: str, when: datetime) -> None:
        req = self.requests.get(rid)
        if req is None:
            return
        notes = texts.PROGRESS_NOTES if action == "ack" else texts.CLOSING_NOTES
        req.status_notes = self._notes_rng.choice(notes).format(agency=req.agency or "相关部门")
        req.updated_at = when
        if action == "close":
            req.status = "closed"

    def _trim(self, now: datetime) -> None:
        while self.requests:
            oldest = next(iter(self.requests.values()))
            if len(self.requests) > MAX_KEPT or oldest.updated_at < now - RETENTION:
                del self.requests[oldest.id]
            else:
                break
