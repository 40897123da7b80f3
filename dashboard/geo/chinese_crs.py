"""GCJ-02 (the obfuscated datum of web maps in China) and BD-09 (Baidu's, on top of GCJ-02), to and
from WGS-84 (pure; vectorised over numpy arrays).

GCJ-02 is not a coordinate reference system PROJ knows: it is WGS-84 plus a smooth, published
offset (a few hundred metres) applied inside China only. The forward offset is exact; the inverse
is computed by fixed-point iteration (w ← w − (gcj(w) − g)), which converges to well under a
millimetre in a few steps, because the offset changes by less than 1e-4 per degree.
"""
from __future__ import annotations

import numpy as np

A = 6378245.0                    # Krasovsky 1940 semi-major axis, as the offset formula uses it
EE = 0.00669342162296594323      # its first eccentricity squared
X_PI = np.pi * 3000.0 / 180.0

# Where the offset applies (the formula's own rough box of China; outside, GCJ-02 equals WGS-84).
CHINA = (72.004, 0.8293, 137.8347, 55.8271)


def in_china(lon, lat):
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon >= CHINA[0]) & (lon <= CHINA[2]) & (lat >= CHINA[1]) & (lat <= CHINA[3])


def _offset(lon, lat):
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (A / sqrt_magic * np.cos(rad) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat):
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon, lat)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84(lon, lat, tolerance_deg: float = 1e-10, max_steps: int = 30):
    """The accurate inverse: iterate until the forward transform gives back the input."""
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return _invert(wgs84_to_gcj02, glon, glat, glon.copy(), glat.copy(), tolerance_deg, max_steps)


def _invert(forward, tx, ty, x, y, tolerance_deg: float, max_steps: int):
    """Fixed-point inverse of a small offset: step by the forward transform's error until it vanishes."""
    for _ in range(max_steps):
        fx, fy = forward(x, y)
        ex, ey = fx - tx, fy - ty
        x, y = x - ex, y - ey
        if np.all(np.abs(ex) < tolerance_deg) and np.all(np.abs(ey) < tolerance_deg):
            break
    return x, y


def gcj02_to_bd09(lon, lat):
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat, tolerance_deg: float = 1e-10, max_steps: int = 30):
    """Inverse of gcj02_to_bd09 by the same iteration (the usual closed form is off by up to ~1 m)."""
    blon, blat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return _invert(gcj02_to_bd09, blon, blat, blon - 0.0065, blat - 0.006, tolerance_deg, max_steps)


def wgs84_to_bd09(lon, lat):
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


TO_WGS84 = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
FROM_WGS84 = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}
