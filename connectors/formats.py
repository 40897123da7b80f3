"""Every payload format CityOps reads, by name, as one pure function bytes → Parsed: what
`cityops parse --format FORMAT FILE` uses, and what a test or a file-drop integration can use.

Each takes a whole payload as a connector would receive it. Two need more than one response of
their source, so they take a self-contained shape:
- sensorthings: an Observations page with its Datastreams expanded inline,
  `Observations?$expand=Datastream($expand=Thing,ObservedProperty)`;
- openaq: {"location": <GET /v3/locations/{id}>, "latest": <GET /v3/locations/{id}/latest>}.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from . import cap, datex2, eido, gtfs_rt, open311, openaq, sensorthings, traffic
from . import parsing as p
from .errors import ParseError
from .parsing import Parsed, Reject


@dataclass(frozen=True)
class Format:
    name: str
    describes: str
    parse: Callable[[bytes], Parsed]


def _open311(expect_xml: bool) -> Callable[[bytes], Parsed]:
    def parse(data: bytes) -> Parsed:
        head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if (head == b"<") != expect_xml:
            wanted = "XML (<service_requests>)" if expect_xml else "JSON (an array of service requests)"
            raise ParseError(f"expected {wanted}; is the format right?", "requests")
        return open311.parse(data)
    return parse


def sensorthings_inline(data: bytes | str) -> Parsed:
    """An Observations page whose Datastreams come expanded with their Thing and ObservedProperty."""
    doc = p.load_json(data, "Observations")
    items = doc.get("value") if isinstance(doc, dict) else None
    datastreams: dict[str, sensorthings.Datastream] = {}
    unusable: dict[int, str] = {}   # item index → why its Datastream cannot be used
    for i, item in enumerate(items if isinstance(items, list) else []):
        inline = item.get("Datastream") if isinstance(item, dict) else None
        if not isinstance(inline, dict):
            continue
        page = sensorthings.parse_datastreams(json.dumps({"value": [inline]}, default=str))
        datastreams.update((ds.id, ds) for ds in page.datastreams)
        for reject in page.rejects:
            unusable[i] = reject.reason.replace("value[0]", f"value[{i}].Datastream", 1)
    parsed = sensorthings.parse(data, datastreams)
    # "not among the server's Datastreams" would mislead here: say what the inline Datastream lacks
    parsed.rejects = [_explained(r, unusable) for r in parsed.rejects]
    return parsed


def _explained(reject: Reject, unusable: dict[int, str]) -> Reject:
    for i, reason in unusable.items():
        if reject.reason.startswith(f"value[{i}].Datastream: Datastream "):
            return Reject(reject.raw, f"{reason} ($expand=Datastream($expand=Thing,ObservedProperty) is needed)")
    return reject


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("open311-json", "Open311 GeoReport v2 requests.json", _open311(expect_xml=False)),
    Format("open311-xml", "Open311 GeoReport v2 requests.xml", _open311(expect_xml=True)),
    Format("gtfs-rt", "GTFS-realtime FeedMessage (protobuf): VehiclePositions, TripUpdates, Alerts",
           lambda d: gtfs_rt.parse(d)),
    Format("datex2", "DATEX II 2.x/3 MeasuredDataPublication (XML, or gzip .xml.gz)", lambda d: datex2.parse(d)),
    Format("traffic-json", "the segment-speed WebSocket message (JSON)", lambda d: traffic.parse(d)),
    Format("sensorthings", "SensorThings Observations page, Datastream($expand=Thing,ObservedProperty) inline",
           sensorthings_inline),
    Format("openaq", 'OpenAQ v3 {"location": …, "latest": …}', lambda d: openaq.parse_joined(d)),
    Format("cap", "OASIS CAP 1.0/1.1/1.2 alert (XML)", lambda d: cap.parse(d)),
    Format("eido", "NENA EIDO JSON incident(s)", lambda d: eido.parse(d)),
)}


def parse_as(name: str, data: bytes) -> Parsed:
    """Parse `data` as the named format. KeyError for an unknown name; ParseError (or the format's
    own ConnectorError, e.g. an Open311 error array) for a payload that is unusable as a whole."""
    return FORMATS[name].parse(data)
