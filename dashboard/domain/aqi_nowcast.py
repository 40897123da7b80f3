"""The US EPA NowCast for PM2.5 and PM10: the concentration AirNow reports each hour in place of
the 24-hour average, from the last 12 hourly averages (EPA's PM NowCast method, as AirNow and the
AQI Technical Assistance Document EPA-454/B-24-002 use it). Pure, exact (fractions).

1. Of the last 12 hourly values (c1 the most recent), take the minimum and the maximum.
2.–4. The weight factor is 1 − (max − min)/max, i.e. min/max …
5. … but never below 0.5 (the floor approximates a 3-hour average).
6.–7. NowCast = Σ w^(i−1)·c_i / Σ w^(i−1) over the hours that have a value.
Completeness: at least 2 of the 3 most recent hours must have a value, else there is no NowCast.
The hourly values are used as they are (not truncated); the NowCast is then truncated, PM2.5 to
0.1 µg/m³ and PM10 to 1 µg/m³, and indexed on the 24-hour breakpoints (step 8).
A missing hour is None (or NaN); a negative value is not a concentration and counts as missing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

from . import air_units

HOURS = 12
MIN_WEIGHT = Fraction(1, 2)
DECIMALS = {"pm25": 1, "pm10": 0}   # truncation of the NowCast, as the AQI's own for the 24-hour average


class NowCastError(ValueError):
    """No NowCast can be given: an unknown pollutant, too few recent hours, or a value that is not a number."""


@dataclass(frozen=True)
class NowCast:
    pollutant: str
    concentration: Fraction      # truncated, µg/m³: what the AQI is computed from
    exact: Fraction              # before truncation
    weight_factor: Fraction
    hours_used: int              # hours of the 12 that had a value


def nowcast(pollutant: str, hourly: Sequence[Any]) -> NowCast:
    """The NowCast of `hourly` µg/m³ values, the most recent first (at most 12 are used: the most
    recent 12; fewer than 12 leave the older hours missing)."""
    key = str(pollutant).strip().lower().replace("pm2.5", "pm25").replace("pm2_5", "pm25")
    if key not in DECIMALS:
        raise NowCastError(f"the NowCast is EPA's method for pm25 and pm10, not {pollutant!r}")
    values = [_value(v, i) for i, v in enumerate(list(hourly)[:HOURS])]
    recent = sum(1 for v in values[:3] if v is not None)
    if recent < 2:
        raise NowCastError(f"{key}: {recent} of the 3 most recent hours have a value; the NowCast needs 2")
    valid = [(i, c) for i, c in enumerate(values) if c is not None]
    low, high = min(c for _, c in valid), max(c for _, c in valid)
    weight = Fraction(1) if high == 0 else max(low / high, MIN_WEIGHT)   # 1 − (max − min)/max = min/max
    exact = sum(weight ** i * c for i, c in valid) / sum(weight ** i for i, _ in valid)
    scale = Fraction(10) ** DECIMALS[key]
    return NowCast(key, Fraction(math.floor(exact * scale)) / scale, exact, weight, len(valid))


def _value(raw: Any, i: int) -> Fraction | None:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    try:
        c = air_units.exact(raw)
    except (TypeError, ValueError):
        raise NowCastError(f"hour {i + 1}: {raw!r} is not a concentration") from None
    return c if c >= 0 else None
