"""DATEX II measured data (MeasuredDataPublication, 2.x and 3) → segment_speed events.

DATEX II 2.x wraps the publication as d2LogicalModel/payloadPublication; 3 as
messageContainer/payload (or a bare payload), its elements spread over several namespaces
(roadTrafficData, common …). Elements are matched by local name, the publication's type by its
xsi:type, so both versions read the same.

One event per measurement site (siteMeasurements): segment_id is its measurementSiteReference id,
observed at its measurementTimeDefault. A site reports one value per lane or vehicle class, each
under its own index (measuredValue in 2.x, physicalQuantity in 3):
- flows (TrafficFlow vehicleFlow/vehicleFlowRate, vehicles per hour) add up;
- speeds (TrafficSpeed averageVehicleSpeed/speed, km/h) are averaged, weighted by the flow given
  just before each of them (the usual flow-then-speed pairs per lane), or plainly if any lacks one.
A speed of -1, or one computed from numberOfInputValuesUsed="0" (no vehicle passed), is missing:
None, never -1. A flow of -1 is missing too, and so is any value marked dataError.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from dashboard.domain.events import SEGMENT_SPEED, Event

from . import parsing as p
from .base import HttpError, IngestSink, PollingConnector, save_newer_time
from .errors import ParseError
from .http import credential_headers, explain_refusal
from .parsing import Parsed, Reject
from .xml_safe import children, local, namespace, parse_xml, to_text

NAME = "datex2"
DATEX_NS = "http://datex2.eu/schema/"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
MEASURED = "MeasuredDataPublication"
MISSING = -1.0                      # the suppliers' "no value" marker
VALUE_WRAPPERS = ("measuredValue", "physicalQuantity")   # 2.x, 3


def parse(data: bytes | str, *, source: str = NAME) -> Parsed:
    """A DATEX II document → one event per siteMeasurements; bad sites become rejects."""
    root = parse_xml(data, "d2LogicalModel")
    out = Parsed()
    i = 0
    for publication in _measured_publications(root):
        for site in children(publication, "siteMeasurements"):
            where = f"siteMeasurements[{i}]"
            i += 1
            try:
                out.append(_site_event(site, where, source))
            except (ParseError, ValueError, OverflowError) as exc:
                out.rejects.append(Reject(to_text(site), p.item_failure(exc, where)))
    return out


def xsi_type(elem: ET.Element) -> str | None:
    """The local part of an xsi:type ("roa:TrafficSpeed" → "TrafficSpeed")."""
    value = elem.get(XSI_TYPE)
    return value.rsplit(":", 1)[-1].strip() if value else None


def _measured_publications(root: ET.Element) -> list[ET.Element]:
    if local(root.tag) == "Envelope":   # some servers answer inside a SOAP envelope
        body = next((c for c in root if local(c.tag) == "Body"), None)
        root = next(iter(body), None) if body is not None else None
        if root is None:
            raise ParseError("a SOAP envelope without a DATEX II document in its Body", "Envelope")
    if not namespace(root.tag).startswith(DATEX_NS):
        raise ParseError(f"namespace {namespace(root.tag) or '(none)'!r} of <{local(root.tag)}> is not "
                         f"DATEX II ({DATEX_NS}…)", local(root.tag))
    if local(root.tag) in ("payloadPublication", "payload"):
        candidates = [root]
    else:
        candidates = [c for c in root if local(c.tag) in ("payloadPublication", "payload")]
    if not candidates:
        raise ParseError("no payloadPublication (DATEX II 2) or payload (DATEX II 3) in it", local(root.tag))
    measured = [c for c in candidates if xsi_type(c) == MEASURED
                or (xsi_type(c) is None and children(c, "siteMeasurements"))]
    if not measured:
        kinds = ", ".join(sorted({xsi_type(c) or "untyped" for c in candidates}))
        raise ParseError(f"expected a {MEASURED}, got {kinds}", local(candidates[0].tag))
    return measured


def _site_event(site: ET.Element, where: str, source: str) -> Event:
    ref = _first(site, "measurementSiteReference")
    if ref is None:
        raise ParseError("missing", f"{where}.measurementSiteReference")
    site_id = p.text(ref.get("id"), f"{where}.measurementSiteReference@id", required=True)
    at = p.timestamp(_time_text(_first(site, "measurementTimeDefault")), f"{where}.measurementTimeDefault")
    flows: list[int] = []
    speeds: list[tuple[float, int | None]] = []   # (speed, the flow given just before it)
    pending_flow: int | None = None
    for j, wrapper in enumerate(c for c in site if local(c.tag) in VALUE_WRAPPERS):
        here = f"{where}.{local(wrapper.tag)}[{wrapper.get('index') or j + 1}]"
        for basic in (e for e in wrapper.iter() if local(e.tag) == "basicData"):
            kind = xsi_type(basic) or _guess_kind(basic)
            if kind == "TrafficFlow":
                flow = _flow(basic, here)
                pending_flow = flow
                if flow is not None:
                    flows.append(flow)
            elif kind == "TrafficSpeed":
                speed = _speed(basic, here)
                if speed is not None:
                    speeds.append((speed, pending_flow))
                pending_flow = None
    payload = {"segment_id": site_id, "speed_kmh": _mean_speed(speeds),
               "flow_vph": sum(flows) if flows else None}
    return Event(source, SEGMENT_SPEED, f"{site_id}@{p.iso_z(at)}", at, payload)


def _first(elem: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in elem if local(c.tag) == name), None)


def _time_text(elem: ET.Element | None) -> str | None:
    """2.x gives the time as the element's text; 3 may nest it (measurementTimeDefault/timeValue)."""
    if elem is None:
        return None
    for e in elem.iter():
        if (e.text or "").strip():
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
    value = next((e for e in basic.iter() if local(e.tag) == container), None)
    if value is None:
        return None
    text = next(((e.text or "").strip() for e in value.iter() if local(e.tag) == leaf), None)
    return value, text


def _speed(basic: ET.Element, where: str) -> float | None:
    found = _leaf(basic, "averageVehicleSpeed", "speed")
    if found is None or _marked_in_error(found[0]):
        return None
    value, raw = found
    speed = p.number(raw, f"{where}.averageVehicleSpeed.speed")
    if speed == MISSING or value.get("numberOfInputValuesUsed", "").strip() == "0":
        return None
    if speed < 0:
        raise ParseError(f"negative speed {speed}", f"{where}.averageVehicleSpeed.speed")
    return speed


def _flow(basic: ET.Element, where: str) -> int | None:
    found = _leaf(basic, "vehicleFlow", "vehicleFlowRate")
    if found is None or _marked_in_error(found[0]):
        return None
    flow = p.number(found[1], f"{where}.vehicleFlow.vehicleFlowRate")
    if flow == MISSING:
        return None
    if flow < 0:
        raise ParseError(f"negative flow {flow}", f"{where}.vehicleFlow.vehicleFlowRate")
    return int(round(flow))   # the schema says whole vehicles per hour; some suppliers send 360.0


def _mean_speed(speeds: list[tuple[float, int | None]]) -> float | None:
    if not speeds:
        return None
    weights = [w for _, w in speeds]
    if all(w is not None for w in weights) and sum(weights) > 0:
        return round(sum(s * w for s, w in speeds) / sum(weights), 1)
    return round(sum(s for s, _ in speeds) / len(speeds), 1)


class Datex2Connector(PollingConnector):
    """Polls a DATEX II pull service (a MeasuredDataPublication snapshot, 2.x or 3) every
    poll_seconds. Credentials: HTTP Basic (username/password), as national access points use.

    It asks with If-Modified-Since (the Last-Modified of the previous answer): a 304 is "nothing
    new". The checkpoint is the newest measurement time delivered; it never moves back, and an
    older snapshot (a lagging cache) is still delivered, for ingest stores each version once and
    never lets an older reading overwrite a newer one."""

    def __init__(self, url: str, *, name: str = NAME, username: str = "", password: str = "", **kw: Any) -> None:
        super().__init__(name, **kw)
        self.url = url
        self.headers = {"Accept": "application/xml", **credential_headers(username=username, password=password)}
        self.last_modified: str | None = None

    def poll(self, sink: IngestSink) -> tuple[int, str]:
        headers = dict(self.headers)
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        try:
            response = self.get(self.url, headers=headers)
        except HttpError as exc:
            raise explain_refusal(exc, "CITYOPS_DATEX2_USERNAME and CITYOPS_DATEX2_PASSWORD") from None
        if response.status == 304:
            return 0, "not modified since the last poll"
        parsed = self.parse_payload(sink, response.body, parse, source=self.name)
        count = self.deliver(sink, parsed)
        self.last_modified = response.headers.get("Last-Modified") or None
        save_newer_time(sink, self.name, max((e.observed_at for e in parsed), default=None))
        return count, f"{count} site readings" + (f", {len(parsed.rejects)} rejected" if parsed.rejects else "")
