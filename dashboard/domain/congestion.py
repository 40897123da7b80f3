"""Congestion: speed against free-flow speed.

The congestion index here is 0–10 (as in many Chinese cities' 交通拥堵指数), from the travel-time
ratio free_flow/speed: ratio 1 → 0 (free flow), ratio ≥ 3 → 10 (gridlock).
"""
from __future__ import annotations

LEVELS = ("free", "light", "moderate", "heavy", "severe")   # 畅通 基本畅通 轻度拥堵 中度拥堵 严重拥堵


def congestion_index(speed_kmh: float | None, free_flow_kmh: float) -> float | None:
    if speed_kmh is None or free_flow_kmh <= 0:
        return None
    if speed_kmh <= 0:
        return 10.0
    ratio = free_flow_kmh / speed_kmh
    return round(max(0.0, min(10.0, (ratio - 1.0) * 5.0)), 1)


def congestion_level(index: float | None) -> str | None:
    if index is None:
        return None
    if index < 2:
        return "free"
    if index < 4:
        return "light"
    if index < 6:
        return "moderate"
    if index < 8:
        return "heavy"
    return "severe"


def speed_ratio(speed_kmh: float | None, free_flow_kmh: float) -> float | None:
    if speed_kmh is None or free_flow_kmh <= 0:
        return None
    return speed_kmh / free_flow_kmh


def weighted_index(pairs: list[tuple[float | None, float]]) -> float | None:
    """District or city index: mean of segment indexes weighted by free-flow speed (a proxy for size)."""
    num = den = 0.0
    for index, weight in pairs:
        if index is not None:
            num += index * weight
            den += weight
    return round(num / den, 1) if den else None
