"""OGC SensorThings API v1.1: air-quality Observations → air_reading events.

The Datastreams (with Thing and ObservedProperty expanded) tell which station, pollutant and unit
an Observation belongs to; the connector fetches them once, caches them, and fetches them again
only when an Observation names a Datastream it does not know. Observations are read in
phenomenonTime order from the checkpoint on, following @iot.nextLink to the end.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping
from urllib.parse import urljoin

from dashboard.domain.events import AIR_READING, Event

from . import parsing as p
from .air_units import conversion_factor, pollutant_key, target_unit, unit_kind
from .base import IngestSink, ParseError, PollingConnector
from .parsing import Parsed, Reject

NAME = "sensorthings"


@dataclass(frozen=True)
class Datastream:
    id: str
    thing_id: str
    station_id: str
    pollutant: str | None          # None: not an AQI pollutant (temperature …); its readings are passed over
    unit: str                      # as the server spells it
    factor: float | None           # to µg/m³ (mg/m³ for CO); None: the unit is not understood
    lat: float | None = None
    lon: float | None = None


class Page(Parsed):
    """One page of a SensorThings collection: parsed items, rejects, and the next page's link."""

    next_link: str | None = None


class ObservationPage(Page):
    unknown_datastreams: set[str]
    latest: datetime | None        # newest phenomenonTime on the page, readings passed over included
    # newest phenomenonTime whose observations are all on this page or before it: when a next page
    # follows, the page's newest time may go on there (a time slot of many stations split by $top)
    complete_through: datetime | None


class DatastreamPage(Page):
    datastreams: list[Datastream]


class ThingPage(Page):
    places: dict[str, tuple[float, float]]


def _collection(data: bytes | str, what: str) -> tuple[list, str | None]:
    doc = p.load_json(data, what)
    if not isinstance(doc, dict):
        raise ParseError(f"expected an object with a value array, got {type(doc).__name__}", what)
    items = doc.get("value")
    if not isinstance(items, list):
        raise ParseError("missing" if items is None else "expected an array", "value")
    link = doc.get("@iot.nextLink")
    if link is not None and (not isinstance(link, str) or not link.strip()):
        raise ParseError("not a link", "@iot.nextLink")
    return items, link.strip() if link else None


def _iot_id(obj: Any, where: str) -> str:
    if not isinstance(obj, dict):
        raise ParseError("missing" if obj is None else f"expected an object, got {type(obj).__name__}", where)
    return p.text(obj.get("@iot.id"), f"{where}.@iot.id", required=True)


def _point(location: Any, where: str) -> tuple[float | None, float | None]:
    """lat, lon of a GeoJSON Point (or a Feature holding one)."""
    if isinstance(location, dict) and location.get("type") == "Feature":
        location = location.get("geometry")
    if not isinstance(location, dict) or location.get("type") != "Point":
        return None, None
    coords = location.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        raise ParseError("a Point needs [lon, lat]", f"{where}.coordinates")
    return p.latitude(coords[1], f"{where}.coordinates[1]"), p.longitude(coords[0], f"{where}.coordinates[0]")


def thing_location(thing: dict, where: str) -> tuple[float | None, float | None]:
    for j, loc in enumerate(thing.get("Locations") or []):
        if isinstance(loc, dict):
            lat, lon = _point(loc.get("location"), f"{where}.Locations[{j}].location")
            if lat is not None:
                return lat, lon
    return None, None


def station_of(thing: dict, where: str) -> str:
    props = thing.get("properties") if isinstance(thing.get("properties"), dict) else {}
    return (p.text(props.get("station_id"), f"{where}.properties.station_id")
            or p.text(thing.get("name"), f"{where}.name") or _iot_id(thing, where))


def parse_datastreams(data: bytes | str) -> DatastreamPage:
    """A Datastreams page ($expand=Thing,ObservedProperty; Thing/Locations if the server can)."""
    items, link = _collection(data, "Datastreams")
    out = DatastreamPage()
    out.next_link, out.datastreams = link, []
    for i, item in enumerate(items):
        where = f"value[{i}]"
        try:
            ds_id = _iot_id(item, where)
            thing, prop = item.get("Thing"), item.get("ObservedProperty")
            if not isinstance(thing, dict):
                raise ParseError("not expanded", f"{where}.Thing")
            if not isinstance(prop, dict):
                raise ParseError("not expanded", f"{where}.ObservedProperty")
            pollutant = pollutant_key(prop.get("name"))
            uom = item.get("unitOfMeasurement") if isinstance(item.get("unitOfMeasurement"), dict) else {}
            symbol, name = uom.get("symbol"), uom.get("name")
            kind = unit_kind(symbol, name)
            factor = conversion_factor(pollutant, kind) if pollutant and kind else None
            lat, lon = thing_location(thing, f"{where}.Thing")
            out.datastreams.append(Datastream(
                ds_id, _iot_id(thing, f"{where}.Thing"), station_of(thing, f"{where}.Thing"), pollutant,
                str(symbol or name or ""), factor, lat, lon))
        except (ParseError, ValueError, TypeError) as exc:
            out.rejects.append(Reject(p.dump_raw(item), p.item_failure(exc, where)))
    return out


def parse_things(data: bytes | str) -> ThingPage:
    """A Things page ($expand=Locations) → Thing id → (lat, lon) in `places`. A Thing without a
    usable location only lacks a map position; it is left out, not rejected."""
    items, link = _collection(data, "Things")
    out = ThingPage()
    out.next_link, out.places = link, {}
    for i, item in enumerate(items):
        try:
            lat, lon = thing_location(item, f"value[{i}]")
            if lat is not None:
                out.places[_iot_id(item, f"value[{i}]")] = (lat, lon)
        except (ParseError, AttributeError, TypeError):
            continue
    return out


def parse(data: bytes | str, datastreams: Mapping[str, Datastream], *, source: str = NAME) -> ObservationPage:
    """An Observations page ($expand=Datastream) → air_reading events. Readings of Datastreams that
    are not AQI pollutants are passed over; those of unknown Datastreams are rejected and listed in
    `unknown_datastreams` (the connector then refreshes its Datastreams and parses again)."""
    items, link = _collection(data, "Observations")
    out = ObservationPage()
    out.next_link, out.unknown_datastreams, out.latest = link, set(), None
    times: list[datetime] = []
    for i, item in enumerate(items):
        where = f"value[{i}]"
        try:
            event = _observation(item, where, datastreams, source, out.unknown_datastreams)
            if event is not None:
                out.append(event)
        except (ParseError, ValueError, TypeError, OverflowError) as exc:
            out.rejects.append(Reject(p.dump_raw(item), p.item_failure(exc, where)))
        try:
            at = phenomenon_end(item.get("phenomenonTime"), where) if isinstance(item, dict) else None
        except ParseError:
            at = None
        if at is not None:
            times.append(at)
    out.latest = max(times, default=None)
    out.complete_through = (max((t for t in times if t < out.latest), default=None) if link and out.latest
                            else out.latest)
    return out


def _observation(item: Any, where: str, datastreams: Mapping[str, Datastream], source: str,
                 unknown: set[str]) -> Event | None:
    obs_id = _iot_id(item, where)
    if not isinstance(item.get("Datastream"), dict):
        raise ParseError("not expanded ($expand=Datastream is needed)", f"{where}.Datastream")
    ds_id = _iot_id(item["Datastream"], f"{where}.Datastream")
    ds = datastreams.get(ds_id)
    if ds is None:
        unknown.add(ds_id)
        raise ParseError(f"Datastream {ds_id} is not among the server's Datastreams", f"{where}.Datastream")
    if ds.pollutant is None:
        return None
    if ds.factor is None:
        raise ParseError(f"unit {ds.unit!r} of Datastream {ds_id} ({ds.pollutant}) cannot be converted "
                         f"to {target_unit(ds.pollutant)}", f"{where}.result")
    value = p.number(item.get("result"), f"{where}.result")
    if value < 0:
        raise ParseError(f"negative concentration {value}", f"{where}.result")
    observed = phenomenon_end(item.get("phenomenonTime"), f"{where}.phenomenonTime")
    result_time = p.timestamp(item.get("resultTime"), f"{where}.resultTime", required=False)
    converted = value * ds.factor
    payload = {"station_id": ds.station_id, "pollutant": ds.pollutant,
               "value": round(converted, 3 if ds.pollutant == "co" else 2),
               "unit": target_unit(ds.pollutant), "datastream_id": ds.id}
    return Event(source, AIR_READING, obs_id, observed, payload, ds.lat, ds.lon, result_time or observed)


def phenomenon_end(value: Any, where: str) -> datetime:
    """An instant, or the end of an interval "start/end"."""
    if isinstance(value, str) and "/" in value:
        value = value.rsplit("/", 1)[1]
    return p.timestamp(value, where)


class SensorThingsConnector(PollingConnector):
    def __init__(self, base_url: str, *, name: str = NAME, page_size: int = 1000, max_pages: int = 100,
                 lookback: timedelta = timedelta(hours=1), **kw: Any) -> None:
        super().__init__(name, **kw)
        self.base_url = base_url.rstrip("/")
        self.page_size, self.max_pages, self.lookback = page_size, max_pages, lookback
        self.datastreams: dict[str, Datastream] | None = None

    def poll(self, sink: IngestSink) -> tuple[int, str]:
        if self.datastreams is None:
            self.refresh_datastreams(sink)
        saved = sink.load_checkpoint(self.name)
        since = _time_or_none(saved) or datetime.now(timezone.utc) - self.lookback
        url: str | None = f"{self.base_url}/Observations"
        params: dict[str, Any] | None = {
            "$filter": f"phenomenonTime gt {p.iso_z(since)}", "$orderby": "phenomenonTime asc",
            "$expand": "Datastream", "$top": self.page_size}
        refreshed, seen_links = False, set()
        total = rejected = 0
        for _ in range(self.max_pages):
            body = self.get(url, params).body
            page = self.parse_payload(sink, body, parse, self.datastreams, source=self.name)
            if page.unknown_datastreams and not refreshed:   # new Datastreams on the server
                self.refresh_datastreams(sink)
                refreshed = True
                page = parse(body, self.datastreams, source=self.name)
            total += self.deliver(sink, page)
            rejected += len(page.rejects)
            done = page.complete_through   # pages come in phenomenonTime order
            if done is not None and done > since:
                since = done
                sink.save_checkpoint(self.name, p.iso_z(since))
            if not page.next_link or page.next_link in seen_links:
                break
            seen_links.add(page.next_link)
            url, params = urljoin(url, page.next_link), None
        return total, f"{total} readings" + (f", {rejected} rejected" if rejected else "")

    def refresh_datastreams(self, sink: IngestSink) -> None:
        """Fetch all Datastreams (and, if their Things came without Locations, the Things' Locations)."""
        found: dict[str, Datastream] = {}
        for page in self._pages(sink, f"{self.base_url}/Datastreams",
                                {"$expand": "Thing,ObservedProperty", "$top": self.page_size}, parse_datastreams):
            for reject in page.rejects:
                self.dead_letter(sink, reject.raw, f"Datastream: {reject.reason}")
            found.update((ds.id, ds) for ds in page.datastreams)
        if any(ds.lat is None for ds in found.values()):
            places: dict[str, tuple[float | None, float | None]] = {}
            for things in self._pages(sink, f"{self.base_url}/Things",
                                      {"$expand": "Locations", "$top": self.page_size}, parse_things):
                places.update(things.places)
            found = {k: ds if ds.lat is not None or ds.thing_id not in places else
                     _with_place(ds, *places[ds.thing_id]) for k, ds in found.items()}
        self.datastreams = found

    def _pages(self, sink: IngestSink, url: str, params: dict[str, Any] | None, parser):
        seen: set[str] = set()
        for _ in range(self.max_pages):
            body = self.get(url, params).body
            page = self.parse_payload(sink, body, parser)
            yield page
            link = page.next_link
            if not link or link in seen:
                return
            seen.add(link)
            url, params = urljoin(url, link), None


def _with_place(ds: Datastream, lat: float | None, lon: float | None) -> Datastream:
    return Datastream(ds.id, ds.thing_id, ds.station_id, ds.pollutant, ds.unit, ds.factor, lat, lon)


def _time_or_none(value: str | None) -> datetime | None:
    try:
        return p.timestamp(value, "checkpoint") if value else None
    except ParseError:
        return None
