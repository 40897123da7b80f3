"""OGC SensorThings API v1.1 (read-only) over the demo's air stations: Things with Locations,
Datastreams with ObservedProperty, Sensor and unitOfMeasurement, and Observations; paths such as
Things(1)/Datastreams, query options per sta_query, and @iot.nextLink paging (default $top 100)."""
from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import parse_qsl, quote, urlencode

from dashboard.domain.city import City

from ..simulation.air import POLLUTANTS, ObservationLog
from ..simulation.clock import iso_utc
from .http import Request, Response
from .sta_query import Comparison, Options, QueryError, parse_options

DEFAULT_TOP, MAX_TOP = 100, 1000
OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
EEA_CODES = {"pm25": 6001, "pm10": 5, "o3": 7, "no2": 8, "so2": 1, "co": 10}
SETS = ("Things", "Locations", "Datastreams", "Sensors", "ObservedProperties", "Observations")
NAV: dict[str, dict[str, tuple[str, bool]]] = {      # entity set → navigation → (target set, to many)
    "Things": {"Locations": ("Locations", True), "Datastreams": ("Datastreams", True)},
    "Locations": {"Things": ("Things", True)},
    "Datastreams": {"Thing": ("Things", False), "ObservedProperty": ("ObservedProperties", False),
                    "Sensor": ("Sensors", False), "Observations": ("Observations", True)},
    "Sensors": {"Datastreams": ("Datastreams", True)},
    "ObservedProperties": {"Datastreams": ("Datastreams", True)},
    "Observations": {"Datastream": ("Datastreams", False)},
}
_SEGMENT = re.compile(r"^(\w+)(?:\((?:'([^']*)'|(-?\d+))\))?$")
P = len(POLLUTANTS)


class NotFound(Exception):
    pass


def _error(status: int, message: str) -> Response:
    return Response.json({"code": status, "type": "error", "message": message}, status)


class SensorThingsService:
    def __init__(self, city: City, log: ObservationLog, clock: Callable[[], datetime]):
        self.stations = city.stations
        self.log = log
        self.clock = clock
        self.lock = threading.Lock()

    # --- request handling ----------------------------------------------------------------------
    def __call__(self, req: Request) -> Response:
        root = req.base_url + req.prefix
        if req.path in ("", "/"):
            return Response.json({"value": [{"name": s, "url": f"{root}/{s}"} for s in SETS],
                                  "serverSettings": {"conformance": [
                                      "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
                                      "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path",
                                      "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data"]}})
        try:
            opts = parse_options(req.arg)
            with self.lock:
                self.log.advance(self.clock())
                kind, keys, single = self._resolve(req.path)
                if single:
                    if not keys:
                        raise NotFound()
                    return Response.json(self._entity(kind, keys[0], root, opts))
                return Response.json(self._collection(kind, keys, root, opts, req))
        except QueryError as e:
            return _error(400, str(e))
        except NotFound:
            return _error(404, "Nothing found.")

    def _resolve(self, path: str) -> tuple[str, list, bool]:
        kind, keys, single = "", [], False
        for n, segment in enumerate(p for p in path.split("/") if p):
            m = _SEGMENT.match(segment)
            if not m:
                raise NotFound()
            name, quoted, number = m.groups()
            if n == 0:
                if name not in SETS:
                    raise NotFound()
                kind, keys, single = name, self._all(name), False
            else:
                if not single or name not in NAV[kind]:
                    raise NotFound()
                target, many = NAV[kind][name]
                keys, kind, single = self._related(kind, keys[0], name), target, not many
            raw = quoted if quoted is not None else number
            if raw is not None:
                if single:
                    raise NotFound()
                key = self._key(kind, raw)
                if key is None or key not in keys:
                    raise NotFound()
                keys, single = [key], True
        return kind, keys, single

    def _key(self, kind: str, raw: str):
        try:
            ident = int(raw)
        except ValueError:
            return None
        if kind == "Observations":
            row = bisect_left(self.log.ids, ident)
            return row if row < len(self.log.ids) and self.log.ids[row] == ident else None
        return ident if 1 <= ident <= self._size(kind) else None

    def _size(self, kind: str) -> int:
        return {"Things": len(self.stations), "Locations": len(self.stations), "Datastreams": len(self.stations) * P,
                "Sensors": P, "ObservedProperties": P, "Observations": len(self.log.ids)}[kind]

    def _all(self, kind: str):
        return range(self._size(kind)) if kind == "Observations" else range(1, self._size(kind) + 1)

    def _related(self, kind: str, key: int, nav: str):
        if kind == "Things":
            return [key] if nav == "Locations" else [(key - 1) * P + p + 1 for p in range(P)]
        if kind == "Locations":
            return [key]
        if kind == "Datastreams":
            if nav == "Thing":
                return [(key - 1) // P + 1]
            if nav in ("ObservedProperty", "Sensor"):
                return [(key - 1) % P + 1]
            return [row for row, s in enumerate(self.log.streams) if s == key]
        if kind in ("Sensors", "ObservedProperties"):
            return [s * P + key for s in range(len(self.stations))]
        return [self.log.streams[key]]     # an Observation's Datastream

    # --- collections ---------------------------------------------------------------------------
    def _collection(self, kind: str, keys, root: str, opts: Options, req: Request | None) -> dict:
        keys = self._filter(kind, keys, opts.filter)
        keys = self._order(kind, keys, opts.orderby)
        total = len(keys)
        top = min(MAX_TOP, DEFAULT_TOP if opts.top is None else opts.top)
        page = keys[opts.skip: opts.skip + top]
        out: dict[str, Any] = {}
        if opts.count:
            out["@iot.count"] = total
        out["value"] = [self._entity(kind, k, root, opts) for k in page]
        if req is not None and opts.skip + top < total:
            params = [(k, v) for k, v in parse_qsl(req.raw_query, keep_blank_values=True) if k != "$skip"]
            params.append(("$skip", str(opts.skip + top)))
            if opts.top is None:
                params.append(("$top", str(top)))
            out["@iot.nextLink"] = f"{req.url}?{urlencode(params, quote_via=quote, safe='$/(),:')}"
        return out

    def _filter(self, kind: str, keys, comparisons: list[Comparison]):
        if kind == "Observations" and isinstance(keys, range):
            # narrow by time with a binary search: the log is in phenomenonTime order
            lo, hi = keys.start, keys.stop
            for c in comparisons:
                if c.path in ("phenomenonTime", "resultTime") and isinstance(c.value, datetime):
                    t = c.value.timestamp()
                    if c.op in ("gt", "ge"):
                        lo = max(lo, (bisect_right if c.op == "gt" else bisect_left)(self.log.times, t))
                    elif c.op in ("lt", "le"):
                        hi = min(hi, (bisect_left if c.op == "lt" else bisect_right)(self.log.times, t))
            keys = range(lo, max(lo, hi))
        if not comparisons:
            return keys
        return [k for k in keys if all(c.test(self._value(kind, k, c.path)) for c in comparisons)]

    def _order(self, kind: str, keys, orderby: list[tuple[str, bool]]):
        if not orderby:
            return keys
        in_log_order = ("phenomenonTime", "resultTime", "id", "@iot.id")
        if kind == "Observations" and len(orderby) == 1 and orderby[0][0] in in_log_order:
            return keys[::-1] if orderby[0][1] else keys          # the log is already in that order
        keys = list(keys)
        for path, desc in reversed(orderby):       # stable sorts, last key first
            keys.sort(key=lambda k: _sortable(self._value(kind, k, path)), reverse=desc)
        return keys

    def _value(self, kind: str, key, path: str) -> Any:
        if kind == "Observations":
            log = self.log
            if path in ("phenomenonTime", "resultTime"):
                return datetime.fromtimestamp(log.times[key], timezone.utc)
            if path == "result":
                return log.values[key]
            if path in ("@iot.id", "id"):
                return log.ids[key]
            if path in ("Datastream/@iot.id", "Datastream/id"):
                return log.streams[key]
        head, _, rest = path.partition("/")
        if head in NAV[kind] and not NAV[kind][head][1] and rest:
            target = NAV[kind][head][0]
            return self._value(target, self._related(kind, key, head)[0], rest)
        if path in ("id", "@iot.id"):
            return key
        value: Any = self._props(kind, key, "")
        for part in path.split("/"):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    # --- entities ------------------------------------------------------------------------------
    def _entity(self, kind: str, key, root: str, opts: Options) -> dict:
        data = self._props(kind, key, root)
        if opts.select:
            wanted = {"@iot.id" if s == "id" else s for s in opts.select}
            data = {k: v for k, v in data.items() if k in wanted}
        for exp in opts.expand:
            if exp.nav not in NAV[kind]:
                raise QueryError(f"{kind} has no navigation property {exp.nav}")
            target, many = NAV[kind][exp.nav]
            related = self._related(kind, key, exp.nav)
            if many:
                data[exp.nav] = self._collection(target, related, root, exp.options, None)["value"]
            else:
                data[exp.nav] = self._entity(target, related[0], root, exp.options)
        return data

    def _props(self, kind: str, key, root: str) -> dict:
        if kind == "Observations":
            ident = self.log.ids[key]
            when = iso_utc(datetime.fromtimestamp(self.log.times[key], timezone.utc))
            data = {"@iot.id": ident, "@iot.selfLink": f"{root}/Observations({ident})", "phenomenonTime": when,
                    "resultTime": when, "result": self.log.values[key]}
        else:
            data = {"@iot.id": key, "@iot.selfLink": f"{root}/{kind}({key})", **self._describe(kind, key)}
        for nav in NAV[kind]:
            data[f"{nav}@iot.navigationLink"] = f"{data['@iot.selfLink']}/{nav}"
        return data

    def _describe(self, kind: str, key: int) -> dict:
        if kind in ("Things", "Locations"):
            st = self.stations[key - 1]
            if kind == "Things":
                return {"name": st.name_zh, "description": f"{st.name_en} air quality monitoring station",
                        "properties": {"station_id": st.id, "name_en": st.name_en, "district": st.district}}
            return {"name": st.name_zh, "description": f"{st.name_en} station site",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [st.lon, st.lat]}}
        if kind in ("Sensors", "ObservedProperties"):
            pkey, name, *_ = POLLUTANTS[key - 1]
            if kind == "Sensors":
                return {"name": f"{name} analyser", "description": f"Automatic {name} monitor",
                        "encodingType": "text/html", "metadata": "https://www.mee.gov.cn/"}
            return {"name": name, "description": f"Hourly mean concentration of {name}",
                    "definition": f"http://dd.eionet.europa.eu/vocabulary/aq/pollutant/{EEA_CODES[pkey]}"}
        st = self.stations[(key - 1) // P]
        pkey, name, unit, symbol, _ = POLLUTANTS[(key - 1) % P]
        return {"name": f"{st.name_zh} {name}", "description": f"{name} at {st.name_en}",
                "observationType": OM_MEASUREMENT,
                "unitOfMeasurement": {"name": unit, "symbol": symbol,
                                      "definition": "http://unitsofmeasure.org/ucum.html"},
                "properties": {"station_id": st.id, "pollutant": pkey}}


def _sortable(value: Any) -> tuple:
    return (value is None, value if value is not None else 0)
