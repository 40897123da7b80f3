"""Segment speeds: a time-of-day pattern (rush hours 7–9 and 17–19 in the city's local time), a few
chronic bottlenecks, smooth noise, and the scenarios. A pure function of the clock."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime

from dashboard.domain.city import City

from ..geometry import frac_hash
from .clock import clip01, local_hour

RUSH_HOUR = 8.0       # the hour the rush-hour scenario pretends it is
STORM_FACTOR = 0.8


@dataclass(frozen=True)
class _Profile:
    free_flow: float
    lanes: int
    sensitivity: float     # how much the rush slows this segment
    bottleneck: bool
    phase1: float
    phase2: float


def rush(hour: float) -> float:
    """1 in the heart of the morning and evening rush, 0 outside it."""
    morning = clip01((hour - 6.6) / 0.8) * clip01((9.4 - hour) / 0.8)
    evening = clip01((hour - 16.6) / 0.8) * clip01((19.4 - hour) / 0.8)
    return max(morning, evening)


def daytime(hour: float) -> float:
    return clip01((hour - 6.0) / 2.0) * clip01((22.0 - hour) / 2.0)


class SpeedModel:
    def __init__(self, city: City, seed: int, scenario: str = ""):
        rng = random.Random(f"traffic:{seed}")
        self.scenario = scenario
        self.ids = [s.id for s in city.segments]
        self.profiles = [
            _Profile(
                free_flow=s.free_flow_kmh,
                lanes=4 if s.free_flow_kmh >= 70 else 3 if s.free_flow_kmh >= 55 else 2,
                sensitivity=rng.uniform(0.25, 0.5),
                bottleneck=rng.random() < 0.06,
                phase1=rng.uniform(0, 2 * math.pi),
                phase2=rng.uniform(0, 2 * math.pi),
            )
            for s in city.segments
        ]

    def factor(self, index: int, hour: float, t: float) -> float:
        """Speed as a fraction of free flow."""
        p = self.profiles[index]
        r, day = rush(hour), daytime(hour)
        f = 1.0 - 0.12 * day - p.sensitivity * r
        if p.bottleneck:
            f = f * 0.75 - 0.25 * r
        f += 0.05 * math.sin(2 * math.pi * t / 600 + p.phase1) + 0.03 * math.sin(2 * math.pi * t / 170 + p.phase2)
        f += 0.04 * (frac_hash(index, t // 5) - 0.5)
        if self.scenario == "storm":
            f *= STORM_FACTOR
        return max(0.06, min(1.1, f))

    def snapshot(self, now: datetime) -> list[dict]:
        """[{"id", "speed_kmh", "flow_vph"}] for every segment; now and then a detector drops out (None)."""
        hour = RUSH_HOUR if self.scenario == "rush-hour" else local_hour(now)
        t = now.timestamp()
        demand = 0.15 + 0.55 * daytime(hour) + 0.3 * rush(hour)
        out = []
        for i, (sid, p) in enumerate(zip(self.ids, self.profiles)):
            f = self.factor(i, hour, t)
            speed = round(p.free_flow * f, 1) if frac_hash(i, t // 5, 7) >= 0.003 else None
            # stop-and-go traffic carries fewer vehicles than a busy but moving road
            flow = p.lanes * 1800 * demand * min(1.0, 0.35 + f) * (0.9 + 0.2 * frac_hash(i, t // 5, 3))
            out.append({"id": sid, "speed_kmh": speed,
                        "flow_vph": int(round(flow, -1)) if frac_hash(i, t // 5, 11) >= 0.005 else None})
        return out
