"""City devices that push their state (物联网): street-light controllers, manhole-cover tilt sensors,
water-level gauges at underpasses, bridge and tunnel sensors. Pure rules: which reading is a fault,
and the 部件 incident a fault episode becomes.

A device_state event's payload: device_id, device_kind (DEVICE_KINDS), name, state (the device's own
word, e.g. "fault", "tilted", "ok"), value (a number: tilt in degrees, water depth in metres …).
A fault episode runs from the first fault reading to the first normal one: it makes one incident,
however many fault readings come while it lasts (services.device_rules keeps the episodes).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .incidents import IncidentDraft

FAULT, NORMAL = "fault", "normal"


@dataclass(frozen=True)
class DeviceKind:
    name: str
    rule: str                 # the rule name a city package may map to its own category
    category: str             # the category by default (the demo city's codes)
    fault: str                # the fault code of an episode
    title_zh: str
    title_en: str
    value_unit: str | None = None          # what `value` measures
    threshold_setting: str | None = None   # the setting whose value, reached, is a fault
    priority: int = 2


DEVICE_KINDS: dict[str, DeviceKind] = {k.name: k for k in (
    DeviceKind("street_light", "device_street_light", "0102", "lamp_fault", "路灯故障", "Street light fault", priority=3),
    DeviceKind("manhole_cover", "device_manhole_cover", "0101", "cover_tilted", "井盖倾斜/打开", "Manhole cover tilted",
               "deg", "device_tilt_alarm_deg", 2),
    DeviceKind("underpass_water", "device_underpass_water", "0503", "water_over_threshold", "下穿通道积水超限",
               "Water over the threshold at an underpass", "m", "device_water_alarm_m", 1),
    DeviceKind("bridge", "device_bridge", "0999", "structure_alarm", "桥梁监测报警", "Bridge sensor alarm", priority=1),
    DeviceKind("tunnel", "device_tunnel", "0999", "structure_alarm", "隧道监测报警", "Tunnel sensor alarm", priority=1),
)}

# the devices' own words, as controllers and gateways send them (lower case; Chinese as well)
FAULT_WORDS = frozenset({
    "fault", "faulty", "failure", "failed", "error", "err", "alarm", "alarming", "broken", "lamp_failure",
    "lamp_fault", "offline_fault", "tilted", "tilt", "open", "opened", "displaced", "missing", "lifted",
    "flooded", "overflow", "critical", "warning", "abnormal", "故障", "报警", "告警", "倾斜", "打开", "缺失", "异常", "积水",
})
NORMAL_WORDS = frozenset({
    "ok", "normal", "on", "off", "dimmed", "closed", "clear", "cleared", "dry", "fine", "healthy", "restored",
    "正常", "恢复", "关闭", "开灯", "关灯",
})


def classify(kind: str, state: Any, value: float | None, thresholds: dict[str, float]) -> str | None:
    """FAULT, NORMAL, or None when the reading says neither (an unknown word and no value)."""
    spec = DEVICE_KINDS.get(kind)
    if spec is None:
        return None
    if isinstance(state, bool):   # {"fault": true} style
        return FAULT if state else NORMAL
    word = str(state).strip().lower() if state is not None else ""
    if word in FAULT_WORDS:
        return FAULT
    if spec.threshold_setting and value is not None:
        limit = thresholds.get(spec.threshold_setting)
        if limit is not None:
            return FAULT if value >= limit else NORMAL
    if word in NORMAL_WORDS:
        return NORMAL
    return None


def fault_draft(kind: str, device_id: str, name: str | None, state: Any, value: float | None, since: datetime,
                lat: float | None, lon: float | None, district: str | None, source: str,
                category: str | None = None) -> IncidentDraft:
    """The 部件 incident of a fault episode that began at `since`. Its source_ref names the episode,
    so the same episode never makes a second incident (also after the first is closed)."""
    spec = DEVICE_KINDS[kind]
    label = name or device_id
    reading = f"{state}" if state is not None else ""
    if value is not None:
        reading += f"{' ' if reading else ''}{value:g}{spec.value_unit or ''}"
    return IncidentDraft(
        category=category or spec.category, priority=spec.priority, source="rules",
        source_ref=episode_ref(source, device_id, spec.fault, since),
        title=f"{spec.title_zh} · {label}",
        description=f"{spec.title_en}: device {device_id} reports {reading or 'a fault'} since {since.isoformat()}",
        lat=lat, lon=lon, district=district, reported_at=since,
        details={"device_id": device_id, "device_kind": kind, "fault": spec.fault, "state": state,
                 "value": value, "since": since.isoformat(), "source": source},
    )


def episode_ref(source: str, device_id: str, fault: str, since: datetime) -> str:
    return f"device:{source}:{device_id}:{fault}:{since.isoformat()}"


def dedupe_key(source: str, device_id: str, fault: str) -> str:
    return f"device:{source}:{device_id}:{fault}"[:200]
