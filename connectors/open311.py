"""Open311 GeoReport v2: service requests (city-management cases) → case_report events.

parse() reads a `requests.json` or `requests.xml` body (the format is recognised from the body).
An error body ([{"code":403,"description":"…"}] or <errors>) raises Open311Error. The connector
pages through date windows from the checkpoint (the newest updated_datetime seen) up to now.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from dashboard.domain.events import CASE_REPORT, Event

from . import parsing as p
from .base import ConnectorError, HttpError, IngestSink, ParseError, PollingConnector
from .parsing import Parsed, Reject
from .xml_safe import child_text, local, parse_xml, to_text

NAME = "open311"
ERROR_MEANINGS = {400: "bad request", 401: "not authorised", 403: "bad API key", 404: "not found"}
# Open311 has "open" and "closed"; servers extend it. Anything not known to be finished is open.
CLOSED_STATUSES = {"closed", "resolved", "completed", "complete", "done", "fixed", "archived",
                   "cancelled", "canceled", "duplicate", "rejected"}
TEXT_FIELDS = ("service_name", "description", "status_notes", "address", "media_url", "agency_responsible")


class Open311Error(ConnectorError):
    """The server answered with Open311 errors."""

    def __init__(self, code: int | None, description: str) -> None:
        meaning = ERROR_MEANINGS.get(code or 0, "error")
        super().__init__(f"Open311 {meaning} ({code}): {description}" if code else f"Open311 error: {description}")
        self.code = code
        self.description = description


def parse(data: bytes | str, *, source: str = NAME) -> Parsed:
    """requests.json / requests.xml → case_report events; bad items become rejects."""
    if _looks_like_xml(data):
        return _parse_xml(data, source)
    return _parse_json(data, source)


def _looks_like_xml(data: Any) -> bool:
    if isinstance(data, str):
        return data.lstrip("\ufeff \t\r\n").startswith("<")
    if isinstance(data, (bytes, bytearray)):
        head = bytes(data[:64]).lstrip(b"\xef\xbb\xbf \t\r\n")
        return head.startswith((b"<", b"\xff\xfe<", b"\xfe\xff\x00<"))
    return False


def status_of(raw: str) -> str:
    return "closed" if raw.strip().lower().replace(" ", "_") in CLOSED_STATUSES else "open"


def _parse_json(data: bytes | str, source: str) -> Parsed:
    doc = p.load_json(data)
    if isinstance(doc, dict):   # some servers wrap the array
        for key in ("service_requests", "requests", "errors"):
            if isinstance(doc.get(key), list):
                doc = doc[key]
                break
        else:
            raise ParseError("expected an array of service requests, got an object", "requests")
    if not isinstance(doc, list):
        raise ParseError(f"expected an array of service requests, got {type(doc).__name__}", "requests")
    if doc and all(isinstance(i, dict) and "code" in i and "service_request_id" not in i for i in doc):
        raise _error_from(doc[0].get("code"), doc[0].get("description"))
    out = Parsed()
    for i, item in enumerate(doc):
        where = f"requests[{i}]"
        try:
            if not isinstance(item, dict):
                raise ParseError(f"expected an object, got {type(item).__name__}", where)
            out.append(_event(item, where, source))
        except (ParseError, ValueError, TypeError, OverflowError) as exc:
            out.rejects.append(Reject(p.dump_raw(item), p.item_failure(exc, where)))
    return out


def _parse_xml(data: bytes | str, source: str) -> Parsed:
    root = parse_xml(data, "requests")
    if local(root.tag) == "errors":
        first = next((e for e in root if local(e.tag) == "error"), None)
        if first is None:
            raise Open311Error(None, "the server sent an empty <errors> list")
        raise _error_from(child_text(first, "code"), child_text(first, "description"))
    if local(root.tag) != "service_requests":
        raise ParseError(f"expected <service_requests>, got <{local(root.tag)}>", "requests")
    out = Parsed()
    for i, elem in enumerate(e for e in root if local(e.tag) == "request"):
        where = f"requests[{i}]"
        item: dict[str, Any] = {}
        for child in elem:
            name = local(child.tag)
            if name == "extended_attributes":
                item[name] = {local(c.tag): (c.text or "").strip() for c in child}
            else:
                item[name] = (child.text or "").strip()
        try:
            out.append(_event(item, where, source))
        except (ParseError, ValueError, TypeError, OverflowError) as exc:
            out.rejects.append(Reject(to_text(elem), p.item_failure(exc, where)))
    return out


def _error_from(code: Any, description: Any) -> Open311Error:
    try:
        number = int(str(code).strip())
    except (TypeError, ValueError):
        number = None
    return Open311Error(number, str(description or "no description").strip()[:500])


def _event(item: dict[str, Any], where: str, source: str) -> Event:
    request_id = p.text(item.get("service_request_id"), f"{where}.service_request_id", required=True)
    status = p.text(item.get("status"), f"{where}.status", required=True)
    code = p.text(item.get("service_code"), f"{where}.service_code", required=True)
    requested = p.timestamp(item.get("requested_datetime"), f"{where}.requested_datetime")
    updated = p.timestamp(item.get("updated_datetime"), f"{where}.updated_datetime", required=False)
    lat = p.latitude(item.get("lat"), f"{where}.lat", required=False)
    lon = p.longitude(item.get("long"), f"{where}.long", required=False)
    if (lat is None) != (lon is None):
        raise ParseError("lat and long must come together", f"{where}.{'long' if lon is None else 'lat'}")
    ext = item.get("extended_attributes")
    if ext is None:
        ext = {}
    elif not isinstance(ext, dict):
        raise ParseError(f"expected an object, got {type(ext).__name__}", f"{where}.extended_attributes")
    payload: dict[str, Any] = {"service_code": code, "status": status_of(status)}
    for name in TEXT_FIELDS:
        payload[name] = p.text(item.get(name), f"{where}.{name}")
    for name in ("reporter_name", "reporter_phone"):
        payload[name] = p.text(ext.get(name), f"{where}.extended_attributes.{name}")
    return Event(source, CASE_REPORT, request_id, requested, payload, lat, lon, updated or requested)


class Open311Connector(PollingConnector):
    """Polls `{base_url}/requests.{fmt}` window by window.

    window_field "updated" asks with updated_after/updated_before (a common extension, which the demo
    city and e.g. Chicago serve; it also brings back later updates of old requests); "requested"
    uses the spec's start_date/end_date on requested_datetime.
    """

    def __init__(self, base_url: str, *, api_key: str = "", name: str = NAME, fmt: str = "json",
                 window_field: str = "updated", page_size: int = 500, max_pages: int = 100,
                 window: timedelta = timedelta(days=1), lookback: timedelta = timedelta(days=1),
                 settle: timedelta = timedelta(minutes=10), **kw: Any) -> None:
        super().__init__(name, **kw)
        if fmt not in ("json", "xml"):
            raise ValueError(f"Open311 format must be json or xml, not {fmt!r}")
        if window_field not in ("updated", "requested"):
            raise ValueError(f"window_field must be updated or requested, not {window_field!r}")
        self.url = f"{base_url.rstrip('/')}/requests.{fmt}"
        self.api_key = api_key
        self.window_field = window_field
        self.page_size, self.max_pages = page_size, max_pages
        self.window, self.lookback, self.settle = window, lookback, settle

    def poll(self, sink: IngestSink) -> tuple[int, str]:
        now = datetime.now(timezone.utc)
        saved = _checkpoint_time(sink.load_checkpoint(self.name))
        start = saved or now - self.lookback
        total = rejected = 0
        while True:
            end = min(start + self.window, now)
            last_window = end >= now
            newest, count, bad, complete = self._window(sink, start, None if last_window else end)
            total, rejected = total + count, rejected + bad
            # a finished window far enough in the past is done with; otherwise keep the newest seen
            mark = end if (complete and end <= now - self.settle) else newest
            if mark and (saved is None or mark > saved):
                sink.save_checkpoint(self.name, p.iso_z(mark))
                saved = mark
            if last_window:
                break
            start = end
        return total, f"{total} requests" + (f", {rejected} rejected" if rejected else "")

    def _window(self, sink: IngestSink, start: datetime, end: datetime | None):
        after, before = ("updated_after", "updated_before") if self.window_field == "updated" \
            else ("start_date", "end_date")
        params: dict[str, Any] = {after: start.isoformat(timespec="seconds"), "extensions": "true",
                                  "page_size": self.page_size}
        if end is not None:
            params[before] = end.isoformat(timespec="seconds")
        if self.api_key:
            params["api_key"] = self.api_key
        newest: datetime | None = None
        count = bad = 0
        previous_ids: list[str] | None = None
        for page in range(1, self.max_pages + 1):
            body = self._get({**params, "page": page})
            parsed = self.parse_payload(sink, body, parse, source=self.name)
            ids = [e.source_id for e in parsed]
            if ids and ids == previous_ids:   # the server ignores `page`: this is all there is
                return newest, count, bad, True
            parsed.rejects = [Reject(r.raw, f"page {page}: {r.reason}") for r in parsed.rejects]
            count += self.deliver(sink, parsed)
            bad += len(parsed.rejects)
            for e in parsed:
                newest = e.updated_at if newest is None or e.updated_at > newest else newest
            if len(parsed) + len(parsed.rejects) < self.page_size:
                return newest, count, bad, True
            previous_ids = ids
        return newest, count, bad, False

    def _get(self, params: dict[str, Any]) -> bytes:
        try:
            return self.get(self.url, params).body
        except HttpError as exc:   # Open311 explains 4xx in an error array; say what it said
            try:
                parse(exc.body)
            except Open311Error as described:
                raise described from None
            except ConnectorError:
                pass
            raise


def _checkpoint_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return p.timestamp(value, "checkpoint")
    except ParseError:
        return None   # unreadable checkpoint: start from the lookback
