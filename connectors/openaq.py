"""OpenAQ API v3: the latest readings of a location → air_reading events.

`GET /v3/locations/{id}` describes a location and its sensors (id, parameter {name, units});
`GET /v3/locations/{id}/latest` gives the newest value of each sensor (sensorsId, datetime, value)
and says nothing of what was measured. parse_location() reads the first, parse() the second
joined with it; parse_joined() reads both from one object {"location": …, "latest": …}.

Readings of parameters that are not AQI pollutants (temperature, pm1, um003 …) are passed over;
ppm and ppb become µg/m³ (mg/m³ for CO) as connectors.air_units converts them. station_id is the
location id as text, unless `station_ids` maps it to the city's own station id.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from dashboard.domain.events import AIR_READING, Event

from . import parsing as p
from .air_units import conversion_factor, pollutant_key, target_unit, unit_kind
from .base import HttpError, IngestSink, PollingConnector
from .errors import ConnectorError, ParseError
from .http import credential_headers, explain_refusal
from .parsing import Parsed, Reject

NAME = "openaq"


@dataclass(frozen=True)
class Sensor:
    id: str
    parameter: str                 # as OpenAQ names it: pm25, o3, temperature …
    pollutant: str | None          # None: not an AQI pollutant; its readings are passed over
    unit: str                      # as OpenAQ spells it
    factor: float | None           # to µg/m³ (mg/m³ for CO); None: the unit is not understood


@dataclass(frozen=True)
class Location:
    id: str
    name: str | None
    lat: float | None
    lon: float | None
    sensors: dict[str, Sensor]
    rejects: list[Reject] = field(default_factory=list)   # sensors that could not be read


def parse_location(data: bytes | str) -> Location:
    """The body of /v3/locations/{id} (or the bare location object) → Location."""
    return location_of(p.load_json(data, "location"), "")


def parse(data: bytes | str, location: Location, *, source: str = NAME,
          station_ids: Mapping[str, str] | None = None) -> Parsed:
    """The body of /v3/locations/{id}/latest → air_reading events; bad readings become rejects."""
    return latest_of(p.load_json(data, "latest"), location, "", source, station_ids)


def parse_joined(data: bytes | str, *, source: str = NAME, station_ids: Mapping[str, str] | None = None) -> Parsed:
    """{"location": <v3 location>, "latest": <v3 latest>} → events; the location's unreadable
    sensors are among the rejects."""
    doc = p.load_json(data, "payload")
    if not isinstance(doc, dict):
        raise ParseError(f'expected an object {{"location": …, "latest": …}}, got {type(doc).__name__}', "payload")
    for key in ("location", "latest"):
        if key not in doc:
            raise ParseError("missing", key)
    location = location_of(doc["location"], "location.")
    out = latest_of(doc["latest"], location, "latest.", source, station_ids)
    out.rejects[:0] = location.rejects
    return out


def _results(doc: Any, prefix: str) -> list:
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise ParseError("expected an object with a results array" if not isinstance(doc, dict) or
                         "results" not in doc else "expected an array", f"{prefix}results")
    return doc["results"]


def location_of(doc: Any, prefix: str) -> Location:
    """A v3 locations response {"meta", "results": [location]} or a bare location object."""
    if isinstance(doc, dict) and "sensors" in doc and "results" not in doc:
        item, where = doc, prefix.rstrip(".") or "location"
    else:
        results = _results(doc, prefix)
        if not results:
            raise ParseError("empty: no such location", f"{prefix}results")
        item, where = results[0], f"{prefix}results[0]"
    if not isinstance(item, dict):
        raise ParseError(f"expected an object, got {type(item).__name__}", where)
    location_id = p.text(item.get("id"), f"{where}.id", required=True)
    lat, lon = _coordinates(item.get("coordinates"), f"{where}.coordinates")
    sensors_raw = item.get("sensors")
    if not isinstance(sensors_raw, list):
        raise ParseError("missing" if sensors_raw is None else "expected an array", f"{where}.sensors")
    sensors: dict[str, Sensor] = {}
    rejects: list[Reject] = []
    for j, raw in enumerate(sensors_raw):
        here = f"{where}.sensors[{j}]"
        try:
            sensor = _sensor(raw, here)
            sensors[sensor.id] = sensor
        except (ParseError, ValueError, TypeError) as exc:
            rejects.append(Reject(p.dump_raw(raw), p.item_failure(exc, here)))
    name = item.get("name") if isinstance(item.get("name"), str) else None
    return Location(location_id, name, lat, lon, sensors, rejects)


def _sensor(raw: Any, where: str) -> Sensor:
    if not isinstance(raw, dict):
        raise ParseError(f"expected an object, got {type(raw).__name__}", where)
    sensor_id = p.text(raw.get("id"), f"{where}.id", required=True)
    parameter = raw.get("parameter")
    if not isinstance(parameter, dict):
        raise ParseError("missing" if parameter is None else "expected an object", f"{where}.parameter")
    name = p.text(parameter.get("name"), f"{where}.parameter.name", required=True)
    units = p.text(parameter.get("units"), f"{where}.parameter.units", required=True)
    pollutant = pollutant_key(name)
    kind = unit_kind(units)
    factor = conversion_factor(pollutant, kind) if pollutant and kind else None
    return Sensor(sensor_id, name, pollutant, units, factor)


def _coordinates(value: Any, where: str) -> tuple[float | None, float | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise ParseError(f"expected an object, got {type(value).__name__}", where)
    lat = p.latitude(value.get("latitude"), f"{where}.latitude", required=False)
    lon = p.longitude(value.get("longitude"), f"{where}.longitude", required=False)
    return (lat, lon) if lat is not None and lon is not None else (None, None)


def latest_of(doc: Any, location: Location, prefix: str, source: str = NAME,
              station_ids: Mapping[str, str] | None = None) -> Parsed:
    station_id = (station_ids or {}).get(location.id, location.id)
    out = Parsed()
    for i, item in enumerate(_results(doc, prefix)):
        where = f"{prefix}results[{i}]"
        try:
            event = _reading(item, where, location, station_id, source)
            if event is not None:
                out.append(event)
        except (ParseError, ValueError, TypeError, OverflowError) as exc:
            out.rejects.append(Reject(p.dump_raw(item), p.item_failure(exc, where)))
    return out


def _reading(item: Any, where: str, location: Location, station_id: str, source: str) -> Event | None:
    if not isinstance(item, dict):
        raise ParseError(f"expected an object, got {type(item).__name__}", where)
    located = p.text(item.get("locationsId"), f"{where}.locationsId")
    if located is not None and located != location.id:
        raise ParseError(f"a reading of location {located}, not of location {location.id}", f"{where}.locationsId")
    sensor_id = p.text(item.get("sensorsId"), f"{where}.sensorsId", required=True)
    sensor = location.sensors.get(sensor_id)
    if sensor is None:
        raise ParseError(f"sensor {sensor_id} is not among the sensors of location {location.id}",
                         f"{where}.sensorsId")
    if sensor.pollutant is None:
        return None
    if sensor.factor is None:
        raise ParseError(f"unit {sensor.unit!r} of sensor {sensor_id} ({sensor.parameter}) cannot be converted "
                         f"to {target_unit(sensor.pollutant)}", f"{where}.value")
    value = p.number(item.get("value"), f"{where}.value")
    if value < 0:
        raise ParseError(f"negative concentration {value}", f"{where}.value")
    observed = _datetime(item.get("datetime"), f"{where}.datetime")
    lat, lon = _coordinates(item.get("coordinates"), f"{where}.coordinates")
    if lat is None:
        lat, lon = location.lat, location.lon
    payload = {"station_id": station_id, "pollutant": sensor.pollutant,
               "value": round(value * sensor.factor, 3 if sensor.pollutant == "co" else 2),
               "unit": target_unit(sensor.pollutant), "sensor_id": sensor_id, "location_id": location.id}
    return Event(source, AIR_READING, f"{sensor_id}@{p.iso_z(observed)}", observed, payload, lat, lon)


def _datetime(value: Any, where: str):
    """OpenAQ's {"utc": …, "local": …}; the UTC one if given."""
    if isinstance(value, dict):
        if value.get("utc") is not None:
            return p.timestamp(value.get("utc"), f"{where}.utc")
        return p.timestamp(value.get("local"), f"{where}.local")
    return p.timestamp(value, where)


def parse_locations_setting(text: str) -> dict[str, str]:
    """"2178,8118" or "2178=A01,8118=A02" → OpenAQ location id → the city's station id (the
    location id itself when none is given). ValueError for an empty or repeated id."""
    out: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        location, _, station = item.partition("=")
        location, station = location.strip(), station.strip() or location.strip()
        if not location or location in out:
            raise ValueError(f"openaq_locations: {item.strip()!r} is empty or repeated")
        out[location] = station
    return out


class OpenAQConnector(PollingConnector):
    """Polls OpenAQ API v3 for the latest readings of the configured locations.

    For each location it reads /v3/locations/{id} once (its sensors say which pollutant and unit
    a sensorsId means) and /v3/locations/{id}/latest every poll; a reading of a sensor it does not
    know makes it read the location again. The API key goes in the X-API-Key header. The
    checkpoint holds the newest reading time per location ({"2178": "2025-…Z"}); it never moves
    back. Readings already stored are not stored again (source id: sensor@time)."""

    def __init__(self, base_url: str, locations: Mapping[str, str], *, name: str = NAME, api_key: str = "",
                 **kw: Any) -> None:
        super().__init__(name, **kw)
        if not locations:
            raise ValueError("the OpenAQ connector needs at least one location id (CITYOPS_OPENAQ_LOCATIONS)")
        self.base_url = base_url.rstrip("/")
        self.station_ids = dict(locations)
        self.headers = {"Accept": "application/json", **credential_headers(api_key=api_key)}
        self.locations: dict[str, Location] = {}

    def poll(self, sink: IngestSink) -> tuple[int, str]:
        saved = _checkpoint(sink.load_checkpoint(self.name))
        total = rejected = 0
        failed: list[str] = []
        for location_id in self.station_ids:
            try:
                parsed = self._latest(sink, location_id)
            except ConnectorError as exc:   # one location failing does not hold up the others …
                failed.append(f"location {location_id}: {exc}")
                continue
            total += self.deliver(sink, parsed)
            rejected += len(parsed.rejects)
            newest = max((p.iso_z(e.observed_at) for e in parsed), default=None)
            if newest and (location_id not in saved or p.timestamp(newest, "t") > p.timestamp(saved[location_id], "t")):
                saved[location_id] = newest
                sink.save_checkpoint(self.name, json.dumps(saved, sort_keys=True))
        if failed:   # … but the poll is not a success
            raise ConnectorError("; ".join(failed) + (f" ({total} readings of the others stored)" if total else ""))
        return total, f"{total} readings of {len(self.station_ids)} locations" + \
            (f", {rejected} rejected" if rejected else "")

    def _latest(self, sink: IngestSink, location_id: str) -> Parsed:
        cached = self.locations.get(location_id)
        location = cached or self._location(sink, location_id)
        body = self._get(f"{self.base_url}/locations/{location_id}/latest")
        parsed = self.parse_payload(sink, body, parse, location, source=self.name, station_ids=self.station_ids)
        if cached and any("is not among the sensors" in r.reason for r in parsed.rejects):
            location = self._location(sink, location_id)   # a sensor added since: read the location again
            parsed = parse(body, location, source=self.name, station_ids=self.station_ids)
        return parsed

    def _location(self, sink: IngestSink, location_id: str) -> Location:
        location = self.parse_payload(sink, self._get(f"{self.base_url}/locations/{location_id}"), parse_location)
        for reject in location.rejects:
            self.dead_letter(sink, reject.raw, f"location {location_id}: {reject.reason}")
        self.locations[location_id] = location
        return location

    def _get(self, url: str) -> bytes:
        try:
            return self.get(url, headers=self.headers).body
        except HttpError as exc:
            raise explain_refusal(exc, "CITYOPS_OPENAQ_API_KEY") from None


def _checkpoint(value: str | None) -> dict[str, str]:
    try:
        doc = json.loads(value) if value else {}
    except ValueError:
        return {}
    if not isinstance(doc, dict):
        return {}
    out = {}
    for k, v in doc.items():
        try:
            p.timestamp(v, "checkpoint")
            out[str(k)] = v
        except ParseError:
            continue
    return out
