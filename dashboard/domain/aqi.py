"""Air quality index. HJ 633-2012 real-time (hourly) index; other standards plug in as tables.

Concentrations are µg/m³, CO in mg/m³.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

IAQI_STEPS = (0, 50, 100, 150, 200, 300, 400, 500)

# HJ 633-2012 Table 1, hourly breakpoints where the standard has them; PM uses the 24-hour rows
# (the real-time release applies them to the latest hourly concentrations).
HJ633_2012_HOURLY: dict[str, tuple[float, ...]] = {
    "so2": (0, 150, 500, 650, 800),
    "no2": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "co": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "pm25": (0, 35, 75, 115, 150, 250, 350, 500),
}

POLLUTANTS = ("pm25", "pm10", "o3", "no2", "so2", "co")
UNITS = {"co": "mg/m3"}
LEVELS = ("excellent", "good", "light", "moderate", "heavy", "severe")   # 优 良 轻度 中度 重度 严重


@dataclass(frozen=True)
class AqiResult:
    aqi: int | None
    sub_indexes: dict[str, int]
    primary: tuple[str, ...]
    level: str | None


def iaqi(pollutant: str, concentration: float, table: dict[str, tuple[float, ...]] = HJ633_2012_HOURLY) -> int | None:
    bps = table.get(pollutant)
    if bps is None or concentration is None or concentration < 0 or math.isnan(concentration):
        return None
    if concentration >= bps[-1]:
        return IAQI_STEPS[len(bps) - 1] if len(bps) < len(IAQI_STEPS) else 500
    for i in range(1, len(bps)):
        if concentration <= bps[i]:
            lo_c, hi_c = bps[i - 1], bps[i]
            lo_i, hi_i = IAQI_STEPS[i - 1], IAQI_STEPS[i]
            return math.ceil((hi_i - lo_i) / (hi_c - lo_c) * (concentration - lo_c) + lo_i)
    return 500


def level(aqi: int | None) -> str | None:
    if aqi is None:
        return None
    for upper, name in ((50, "excellent"), (100, "good"), (150, "light"), (200, "moderate"), (300, "heavy")):
        if aqi <= upper:
            return name
    return "severe"


def compute(concentrations: dict[str, float]) -> AqiResult:
    subs = {p: v for p, c in concentrations.items() if (v := iaqi(p, c)) is not None}
    if not subs:
        return AqiResult(None, {}, (), None)
    aqi = max(subs.values())
    primary = tuple(sorted(p for p, v in subs.items() if v == aqi)) if aqi > 50 else ()
    return AqiResult(aqi, subs, primary, level(aqi))
