"""What one DATEX II measurement site says (siteMeasurements → a segment_speed event): the one-pass
reading the streaming reader does as elements end (_basic_value, _site_from), and the careful pass
that decides every unusual site and says where anything is wrong (_careful_site_event). See
connectors.datex2 for the rules (flows add up, speeds flow-weighted, -1 and dataError are missing)."""
from __future__ import annotations

import functools
import math
import xml.etree.ElementTree as ET
from typing import Any

from dashboard.domain.events import SEGMENT_SPEED, Event

from . import parsing as p
from .errors import ParseError
from .xml_safe import local

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
MISSING = -1.0                      # the suppliers' "no value" marker
VALUE_WRAPPERS = ("measuredValue", "physicalQuantity")   # 2.x, 3
SITE, PUBLICATION = 10, 11


def xsi_type(elem: ET.Element) -> str | None:
    """The local part of an xsi:type ("roa:TrafficSpeed" → "TrafficSpeed")."""
    value = elem.get(XSI_TYPE)
    return value.rsplit(":", 1)[-1].strip() if value else None


_ROLES = {"basicData": 1, "vehicleFlow": 2, "vehicleFlowRate": 3, "averageVehicleSpeed": 4, "speed": 5,
          "dataError": 9, "measurementSiteReference": 6, "measurementTimeDefault": 7,
          "siteMeasurements": SITE, "payloadPublication": PUBLICATION, "payload": PUBLICATION}

def _site_event(site: ET.Element, where: str, source: str) -> Event:
    """A site element's event (the careful pass): what a caller holding one site uses."""
    return _careful_site_event(site, where, source)


def _site_from(site: ET.Element, where: str, source: str, ref: ET.Element | None, time_elem: ET.Element | None,
               flows: list[int], speeds: list[tuple[float, int | None]]) -> Event:
    """The event of a plain site read in one pass; anything unusual goes the careful way."""
    site_id = ref.get("id") if ref is not None else None
    text = time_elem.text if time_elem is not None and len(time_elem) == 0 else None
    if not site_id or site_id != site_id.strip() or not text or not text.strip():
        return _careful_site_event(site, where, source)
    try:
        at, at_text = _time_and_text(text.strip())
    except ParseError:
        return _careful_site_event(site, where, source)
    payload = {"segment_id": site_id, "speed_kmh": _mean_speed(speeds), "flow_vph": sum(flows) if flows else None}
    return Event(source, SEGMENT_SPEED, f"{site_id}@{at_text}", at, payload)


@functools.lru_cache(maxsize=256)
def _time_and_text(text: str):
    """Most sites of a publication share their time: parsed once."""
    at = p.timestamp(text, "")
    return at, p.iso_z(at)


def _basic_value(basic: ET.Element, container: ET.Element | None, container_role: int,
                 leaf: ET.Element | None, wants: dict[str, int]) -> tuple[int, Any] | None:
    """(1, flow) or (2, speed) — the value None when missing or marked in error — or (0, None) for
    another kind of value; None when the careful pass must decide (no type, an odd shape, a bad number)."""
    raw_type = basic.get(XSI_TYPE)
    want = wants.get(raw_type)   # "TrafficFlow" / "roa:TrafficFlow" → 2 (vehicleFlow), speeds → 4
    if want is None:
        if raw_type is None:
            return None
        kind = raw_type.rsplit(":", 1)[-1].strip()
        want = wants[raw_type] = 2 if kind == "TrafficFlow" else 4 if kind == "TrafficSpeed" else 0
    if not want:
        return (0, None)
    if container is None:
        return (1 if want == 2 else 2, None)            # no such value in this basicData
    if container_role != want or leaf is None or container.find(leaf.tag) is not leaf:
        return None
    if (container.get("dataError") or "").lower() in ("true", "1"):
        return (1 if want == 2 else 2, None)
    raw = leaf.text
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value) or raw != raw.strip():
        return None
    if want == 2:
        if value == MISSING:
            return (1, None)
        return None if value < 0 else (1, int(round(value)))
    if value == MISSING or container.get("numberOfInputValuesUsed", "").strip() == "0":
        return (2, None)
    return None if value < 0 else (2, value)


def _careful_site_event(site: ET.Element, where: str, source: str) -> Event:
    """One pass over the site's children, then each value wrapper's basicData in document order;
    any problem is a ParseError saying where."""
    ref = time_elem = None
    wrappers: list[ET.Element] = []
    for child in site:
        name = local(child.tag)
        if name in VALUE_WRAPPERS:
            wrappers.append(child)
        elif name == "measurementSiteReference":
            ref = child if ref is None else ref
        elif name == "measurementTimeDefault":
            time_elem = child if time_elem is None else time_elem
    if ref is None:
        raise ParseError("missing", f"{where}.measurementSiteReference")
    site_id = p.text(ref.get("id"), f"{where}.measurementSiteReference@id", required=True)
    at = _timestamp(_time_text(time_elem), f"{where}.measurementTimeDefault")
    flows: list[int] = []
    speeds: list[tuple[float, int | None]] = []   # (speed, the flow given just before it)
    pending_flow: int | None = None
    for j, wrapper in enumerate(wrappers):
        for basic in wrapper.iter():
            if local(basic.tag) != "basicData":
                continue
            kind = xsi_type(basic) or _guess_kind(basic)
            if kind == "TrafficFlow":
                flow = _flow(basic, _Where(where, wrapper, j))
                pending_flow = flow
                if flow is not None:
                    flows.append(flow)
            elif kind == "TrafficSpeed":
                speed = _speed(basic, _Where(where, wrapper, j))
                if speed is not None:
                    speeds.append((speed, pending_flow))
                pending_flow = None
    payload = {"segment_id": site_id, "speed_kmh": _mean_speed(speeds),
               "flow_vph": sum(flows) if flows else None}
    return Event(source, SEGMENT_SPEED, f"{site_id}@{p.iso_z(at)}", at, payload)


class _Where:
    """Where a value is, e.g. siteMeasurements[3].measuredValue[2] — only spelled out for a message."""
    __slots__ = ("site", "wrapper", "j")

    def __init__(self, site: str, wrapper: ET.Element, j: int) -> None:
        self.site, self.wrapper, self.j = site, wrapper, j

    def __add__(self, rest: str) -> str:
        return f"{self.site}.{local(self.wrapper.tag)}[{self.wrapper.get('index') or self.j + 1}]{rest}"


@functools.lru_cache(maxsize=256)
def _timestamp_cached(text: str):
    return p.timestamp(text, "")


def _timestamp(text: str | None, where: str):
    """Most sites of a publication share their time: parsed once (errors still say where)."""
    if not isinstance(text, str):
        return p.timestamp(text, where)
    try:
        return _timestamp_cached(text)
    except ParseError:
        return p.timestamp(text, where)


def _time_text(elem: ET.Element | None) -> str | None:
    """2.x gives the time as the element's text; 3 may nest it (measurementTimeDefault/timeValue)."""
    if elem is None:
        return None
    for e in elem.iter():
        if e.text and e.text.strip():
            return e.text.strip()
    return None


def _guess_kind(basic: ET.Element) -> str | None:
    names = {local(e.tag) for e in basic.iter()}
    if "averageVehicleSpeed" in names:
        return "TrafficSpeed"
    if "vehicleFlowRate" in names:
        return "TrafficFlow"
    return None


def _marked_in_error(value: ET.Element) -> bool:
    flag = value.get("dataError")
    if flag is None:
        flag = next(((c.text or "").strip() for c in value if local(c.tag) == "dataError"), None)
    return (flag or "").lower() in ("true", "1")


def _leaf(basic: ET.Element, container: str, leaf: str) -> tuple[ET.Element, str | None] | None:
    """(the value element, its text) — None when this basicData does not carry such a value."""
    for value in basic.iter():
        if local(value.tag) == container:
            for e in value.iter():
                if local(e.tag) == leaf:
                    return value, (e.text or "").strip()
            return value, None
    return None


def _number(raw: str | None, where: _Where, what: str) -> float:
    try:
        value = float(raw)   # the common case, fast; anything odd goes the strict way for its message
        if math.isfinite(value) and raw == raw.strip():
            return value
    except (TypeError, ValueError):
        pass
    return p.number(raw, where + what)


def _speed(basic: ET.Element, where: _Where) -> float | None:
    found = _leaf(basic, "averageVehicleSpeed", "speed")
    if found is None or _marked_in_error(found[0]):
        return None
    value, raw = found
    speed = _number(raw, where, ".averageVehicleSpeed.speed")
    if speed == MISSING or value.get("numberOfInputValuesUsed", "").strip() == "0":
        return None
    if speed < 0:
        raise ParseError(f"negative speed {speed}", where + ".averageVehicleSpeed.speed")
    return speed


def _flow(basic: ET.Element, where: _Where) -> int | None:
    found = _leaf(basic, "vehicleFlow", "vehicleFlowRate")
    if found is None or _marked_in_error(found[0]):
        return None
    flow = _number(found[1], where, ".vehicleFlow.vehicleFlowRate")
    if flow == MISSING:
        return None
    if flow < 0:
        raise ParseError(f"negative flow {flow}", where + ".vehicleFlow.vehicleFlowRate")
    return int(round(flow))   # the schema says whole vehicles per hour; some suppliers send 360.0


def _mean_speed(speeds: list[tuple[float, int | None]]) -> float | None:
    if not speeds:
        return None
    weights = [w for _, w in speeds]
    if all(w is not None for w in weights) and sum(weights) > 0:
        return round(sum(s * w for s, w in speeds) / sum(weights), 1)
    return round(sum(s for s, _ in speeds) / len(speeds), 1)
