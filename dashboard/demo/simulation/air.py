"""Air quality: hourly-average-like concentrations per station and pollutant with a daily pattern,
and the log of SensorThings observations that the demo serves. Deterministic for a seed."""
from __future__ import annotations

import math
import random
from array import array
from bisect import bisect_right
from datetime import datetime, timedelta, timezone

from dashboard.domain.city import City

from .clock import bump, clip01, local_hour

# (key, STA name, unit name, symbol, typical concentration); CO in mg/m³, the rest in µg/m³
POLLUTANTS = (
    ("pm25", "PM2.5", "microgram per cubic metre", "µg/m³", 35.0),
    ("pm10", "PM10", "microgram per cubic metre", "µg/m³", 62.0),
    ("o3", "O3", "microgram per cubic metre", "µg/m³", 75.0),
    ("no2", "NO2", "microgram per cubic metre", "µg/m³", 32.0),
    ("so2", "SO2", "microgram per cubic metre", "µg/m³", 8.0),
    ("co", "CO", "milligram per cubic metre", "mg/m³", 0.7),
)
KEYS = tuple(p[0] for p in POLLUTANTS)
POLLUTION_RAMP_S = 600.0     # at speed 1 the pollution episode builds up over ten minutes


def _daily(key: str, h: float) -> float:
    if key in ("pm25", "pm10"):
        return 1.0 + 0.2 * bump(h, 8, 2) + 0.25 * bump(h, 21, 3) - 0.2 * bump(h, 15, 3)
    if key == "o3":
        return 0.45 + 1.1 * bump(h, 15, 3)
    if key in ("no2", "co"):
        return 0.8 + 0.45 * (bump(h, 8, 1.5) + bump(h, 18.5, 2))
    return 1.0 + 0.1 * math.sin(2 * math.pi * h / 24)


class AirModel:
    def __init__(self, city: City, seed: int, scenario: str = "", start: datetime | None = None,
                 speed: float = 1.0):
        rng = random.Random(f"air:{seed}")
        self.scenario = scenario
        self.start = start or datetime.now(timezone.utc)
        self.speed = max(speed, 0.01)
        self.stations = [s.id for s in city.stations]
        self._level = [rng.uniform(0.75, 1.3) for _ in city.stations]
        self._traffic = [rng.uniform(0.8, 1.4) for _ in city.stations]
        self._phases = [(rng.uniform(0, 6.3), rng.uniform(0, 6.3)) for _ in city.stations]
        # the pollution episode hits two neighbouring districts hardest, plus a couple of other stations
        hot = {city.districts[k].code for k in rng.sample((0, 1, 3, 4), 1)} if city.districts else set()
        hot |= {city.districts[k + 1].code for k in range(len(city.districts) - 1)
                if city.districts[k].code in hot}
        self.hotspots = {i for i, s in enumerate(city.stations) if s.district in hot}
        self.hotspots |= set(rng.sample(range(len(city.stations)), min(2, len(city.stations))))
        self._targets = [rng.uniform(150, 210) for _ in city.stations]

    def value(self, station: int, key: str, at: datetime) -> float:
        base = dict((p[0], p[4]) for p in POLLUTANTS)[key]
        h, t = local_hour(at), at.timestamp()
        p1, p2 = self._phases[station]
        noise = 1 + 0.12 * math.sin(2 * math.pi * t / 6100 + p1) + 0.08 * math.sin(2 * math.pi * t / 22000 + p2)
        v = base * _daily(key, h) * noise * (self._traffic[station] if key in ("no2", "co") else self._level[station])
        if self.scenario == "pollution" and key in ("pm25", "pm10"):
            ramp = clip01((at - self.start).total_seconds() * self.speed / POLLUTION_RAMP_S)
            if station in self.hotspots:
                target = self._targets[station] * (1.6 if key == "pm10" else 1.0) * noise
                v += ramp * max(0.0, target - v)
            else:
                v *= 1 + 0.6 * ramp
        return round(max(0.0, v), 2 if key == "co" else 1)


class ObservationLog:
    """Observations of every datastream: hourly ones for the past day, then one every
    `interval` seconds. Datastream ids: station index × 6 + pollutant index + 1."""

    def __init__(self, model: AirModel, start: datetime, speed: float = 1.0, history_hours: int = 24,
                 retention: timedelta = timedelta(hours=26), max_rows: int = 150_000):
        self.model = model
        self.interval = float(max(5, round(60.0 / max(speed, 0.01))))
        self.retention = retention
        self.max_rows = max_rows
        self.times = array("d")     # phenomenonTime, epoch seconds, ascending
        self.ids = array("q")
        self.streams = array("i")
        self.values = array("d")
        self._next_id = int(start.timestamp()) * 1_000_000 + 1     # ids stay unique across restarts
        hour = start.replace(minute=0, second=0, microsecond=0)
        for k in range(history_hours, -1, -1):
            self._add_slot(hour - timedelta(hours=k))
        self._last = hour.timestamp()
        self.advance(start)

    @property
    def datastream_count(self) -> int:
        return len(self.model.stations) * len(KEYS)

    def _add_slot(self, at: datetime) -> None:
        t = at.timestamp()
        for s in range(len(self.model.stations)):
            for p, key in enumerate(KEYS):
                self.times.append(t)
                self.ids.append(self._next_id)
                self.streams.append(s * len(KEYS) + p + 1)
                self.values.append(self.model.value(s, key, at))
                self._next_id += 1

    def advance(self, now: datetime) -> None:
        t_now = now.timestamp()
        slot = math.floor(self._last / self.interval) * self.interval + self.interval
        slot = max(slot, math.floor((t_now - self.retention.total_seconds()) / self.interval) * self.interval)
        while slot <= t_now:
            self._add_slot(datetime.fromtimestamp(slot, timezone.utc))
            self._last = slot
            slot += self.interval
        self._trim(t_now)

    def _trim(self, t_now: float) -> None:
        cut = bisect_right(self.times, t_now - self.retention.total_seconds())
        cut = max(cut, len(self.times) - self.max_rows)
        if cut > len(self.times) // 10 or len(self.times) > self.max_rows * 1.1:
            for arr in (self.times, self.ids, self.streams, self.values):
                del arr[:cut]

    def after(self, t: float | None) -> int:
        """Index of the first observation with phenomenonTime > t."""
        return 0 if t is None else bisect_right(self.times, t)
