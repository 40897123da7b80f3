"""The demo city's devices that push (物联网): street-light controllers, manhole-cover tilt sensors,
water-level gauges at underpasses, a bridge and a tunnel monitor — each reading a pure function of
the clock and the seed. Now and then a device goes into a fault for a while (a light fails, a cover
tilts, water rises at an underpass — more so in the storm scenario) and comes back."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime

from dashboard.domain.city import City

PERIOD_S = 60.0            # a device reports once a (demo) minute
EPISODE_EVERY_S = 3 * 3600.0


@dataclass(frozen=True)
class DemoDevice:
    device_id: str
    kind: str            # dashboard.domain.devices.DEVICE_KINDS
    name_zh: str
    lat: float
    lon: float
    fault_start: float   # seconds into each cycle a fault episode begins …
    fault_len: float     # … and how long it lasts
    cycle: float


@dataclass(frozen=True)
class DeviceReading:
    device: DemoDevice
    at: datetime
    state: str | None
    value: float | None
    fault: bool


KINDS = (("street_light", "路灯", 6), ("manhole_cover", "井盖", 4), ("underpass_water", "下穿通道水位", 3),
         ("bridge", "桥梁监测", 1), ("tunnel", "隧道监测", 1))


class DeviceFleet:
    def __init__(self, city: City, seed: int, scenario: str = "", speed: float = 1.0):
        rng = random.Random(f"devices:{seed}")
        self.scenario, self.speed = scenario, max(float(speed), 0.01)
        self.devices: list[DemoDevice] = []
        districts = [d for d in city.districts if not d.retired] or list(city.districts)
        for kind, name, count in KINDS:
            for k in range(count):
                lon, lat = _inside(districts[(k + len(self.devices)) % len(districts)].geometry, rng)
                cycle = EPISODE_EVERY_S * rng.uniform(0.8, 1.6)
                if kind == "underpass_water" and scenario == "storm":
                    cycle /= 3   # the storm floods underpasses often
                self.devices.append(DemoDevice(
                    f"{kind[:2].upper()}-{seed}-{k + 1:03d}", kind, f"{name} {k + 1:03d}", round(lat, 5), round(lon, 5),
                    fault_start=rng.uniform(0.2, 0.7) * cycle, fault_len=rng.uniform(0.05, 0.15) * cycle, cycle=cycle))

    def readings(self, now: datetime) -> list[DeviceReading]:
        """Each device's reading at `now`, on the minute (so the same minute gives the same reading)."""
        seconds = now.timestamp() * self.speed
        stamp = math.floor(now.timestamp() / PERIOD_S) * PERIOD_S
        at = datetime.fromtimestamp(stamp, now.tzinfo)
        return [self._reading(d, seconds, at) for d in self.devices]

    def _reading(self, d: DemoDevice, seconds: float, at: datetime) -> DeviceReading:
        phase = seconds % d.cycle
        fault = d.fault_start <= phase < d.fault_start + d.fault_len
        if d.kind == "street_light":
            return DeviceReading(d, at, "fault" if fault else "on", None, fault)
        if d.kind == "manhole_cover":
            tilt = 9.0 + 3 * math.sin(phase) if fault else 0.4 + 0.3 * abs(math.sin(phase / 60))
            return DeviceReading(d, at, None, round(tilt, 1), fault)
        if d.kind == "underpass_water":
            depth = 0.25 + 0.1 * math.sin(phase / 300) if fault else 0.02 + 0.02 * abs(math.sin(phase / 900))
            return DeviceReading(d, at, None, round(depth, 3), fault)
        return DeviceReading(d, at, "alarm" if fault else "normal", None, fault)


def _inside(geometry: dict, rng: random.Random) -> tuple[float, float]:
    ring = geometry["coordinates"][0] if geometry["type"] == "Polygon" else geometry["coordinates"][0][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    cx, cy = sum(lons) / len(lons), sum(lats) / len(lats)
    return cx + rng.uniform(-0.25, 0.25) * (max(lons) - min(lons)), cy + rng.uniform(-0.25, 0.25) * (max(lats) - min(lats))
