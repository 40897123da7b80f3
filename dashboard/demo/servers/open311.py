"""Open311 GeoReport v2 over the demo's report stream: discovery, services, service definitions,
requests (filters start_date/end_date, updated_after/updated_before, status, service_code, and the
page/page_size and extensions extensions), one request; JSON and XML; errors as the spec's arrays."""
from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Callable

from dashboard.demo.taxonomy import DEMO_CATEGORIES

from ..simulation.clock import iso_local, parse_iso
from ..simulation.reports import ReportStream, ServiceRequest
from .http import Request, Response

MAX_PAGE_SIZE = 1000
# Citizens report city-management components and events, noise and water pollution.
REPORTABLE = tuple(c for c in DEMO_CATEGORIES if c.reportable)
_PATH = re.compile(r"^/(discovery|services|requests)(?:/([^/]+?))?\.(json|xml)$")


class BadRequest(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


def _xml(root_tag: str, item_tag: str, items: list[dict]) -> bytes:
    root = ET.Element(root_tag)
    for item in items:
        el = ET.SubElement(root, item_tag)
        _fill(el, item)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _fill(el: ET.Element, data: dict) -> None:
    for key, value in data.items():
        child = ET.SubElement(el, key)
        if isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, list):          # <endpoints><endpoint>…</endpoint></endpoints>
            for v in value:
                item = ET.SubElement(child, key[:-1] if key.endswith("s") else "item")
                if isinstance(v, dict):
                    _fill(item, v)
                else:
                    item.text = str(v)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def _error(code: int, description: str, fmt: str) -> Response:
    errors = [{"code": code, "description": description}]
    if fmt == "xml":
        return Response.xml(_xml("errors", "error", errors), code, "text/xml")
    return Response.json(errors, code)


def request_record(r: ServiceRequest, extensions: bool) -> dict:
    record = {
        "service_request_id": r.id,
        "status": r.status,
        "status_notes": r.status_notes or None,
        "service_name": r.service_name,
        "service_code": r.code,
        "description": r.description,
        "agency_responsible": r.agency or None,
        "service_notice": None,
        "requested_datetime": iso_local(r.requested_at),
        "updated_datetime": iso_local(r.updated_at),
        "expected_datetime": iso_local(r.expected_at),
        "address": r.address,
        "address_id": None,
        "zipcode": r.zipcode,
        "lat": r.lat,
        "long": r.lon,
        "media_url": None,
    }
    if extensions:
        record["extended_attributes"] = {"reporter_name": r.reporter_name, "reporter_phone": r.reporter_phone}
    return record


class Open311Service:
    def __init__(self, stream: ReportStream, clock: Callable[[], datetime]):
        self.stream = stream
        self.clock = clock
        self.lock = threading.Lock()

    def __call__(self, req: Request) -> Response:
        match = _PATH.match(req.path)
        fmt = "xml" if req.path.endswith(".xml") else "json"
        if req.method not in ("GET", "HEAD"):
            return _error(405, "this demo server only answers GET", fmt)
        if not match:
            return _error(404, f"no such resource: {req.prefix}{req.path}", fmt)
        what, key, fmt = match.groups()
        try:
            if what == "discovery" and key is None:
                return self._send(fmt, self.discovery(req), "discovery", None)
            if what == "services":
                if key is None:
                    return self._send(fmt, self.services(), "services", "service")
                return self._send(fmt, self.definition(key), "service_definition", None)
            if what == "requests":
                with self.lock:
                    self.stream.advance(self.clock())
                    extensions = (req.arg("extensions") or "").lower() == "true"
                    if key is None:
                        return self._send(fmt, self.requests(req, extensions), "service_requests", "request")
                    found = self.stream.requests.get(key)
                    if found is None:
                        raise BadRequest(404, f"no service request with id {key}")
                    return self._send(fmt, [request_record(found, extensions)], "service_requests", "request")
        except BadRequest as e:
            return _error(e.code, e.description, fmt)
        return _error(404, f"no such resource: {req.prefix}{req.path}", fmt)

    @staticmethod
    def _send(fmt: str, data, root: str, item: str | None) -> Response:
        if fmt == "json":
            return Response.json(data)
        if item is None:
            el = ET.Element(root)
            _fill(el, data)
            return Response.xml(ET.tostring(el, encoding="utf-8", xml_declaration=True), content_type="text/xml")
        return Response.xml(_xml(root, item, data), content_type="text/xml")

    def discovery(self, req: Request) -> dict:
        return {
            "changeset": iso_local(self.clock()),
            "contact": "澜海市数字城管监督指挥中心 12319 (demo)",
            "key_service": "no key needed in the demo",
            "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": req.base_url + req.prefix,
                           "changeset": "2025-01-01T00:00:00+08:00", "type": "production",
                           "formats": ["application/json", "text/xml"]}],
        }

    @staticmethod
    def services() -> list[dict]:
        return [{"service_code": c.code, "service_name": c.name_zh, "description": c.name_en, "metadata": False,
                 "type": "realtime", "keywords": f"{c.group_zh},{c.group_en}", "group": c.group_zh}
                for c in REPORTABLE]

    @staticmethod
    def definition(code: str) -> dict:
        if code not in {c.code for c in REPORTABLE}:
            raise BadRequest(404, f"no service with code {code}")
        return {"service_code": code, "attributes": []}

    def requests(self, req: Request, extensions: bool) -> list[dict]:
        start, end = _time(req, "start_date"), _time(req, "end_date")
        after, before = _time(req, "updated_after"), _time(req, "updated_before")
        statuses = _csv(req.arg("status"))
        codes = _csv(req.arg("service_code"))
        page, size = _int(req, "page", 1, 1, 10**9), _int(req, "page_size", MAX_PAGE_SIZE, 1, 10**9)
        size = min(size, MAX_PAGE_SIZE)
        chosen = [
            r for r in self.stream.requests.values()
            if (start is None or r.requested_at >= start) and (end is None or r.requested_at <= end)
            and (after is None or r.updated_at > after) and (before is None or r.updated_at < before)
            and (not statuses or r.status in statuses) and (not codes or r.code in codes)
        ]
        # oldest change first: a client paging through "updated after my checkpoint" sees a stable order
        chosen.sort(key=lambda r: (r.updated_at, r.id))
        return [request_record(r, extensions) for r in chosen[(page - 1) * size: page * size]]


def _csv(value: str | None) -> set[str]:
    return {v.strip() for v in value.split(",") if v.strip()} if value else set()


def _time(req: Request, name: str) -> datetime | None:
    value = req.arg(name)
    if not value:
        return None
    try:
        return parse_iso(value)
    except ValueError:
        raise BadRequest(400, f"{name} must be an ISO 8601 date-time, not {value!r}") from None


def _int(req: Request, name: str, default: int, lo: int, hi: int) -> int:
    value = req.arg(name)
    if value is None or value == "":
        return default
    try:
        n = int(value)
    except ValueError:
        raise BadRequest(400, f"{name} must be a whole number, not {value!r}") from None
    if not lo <= n <= hi:
        raise BadRequest(400, f"{name} must be at least {lo}")
    return n
