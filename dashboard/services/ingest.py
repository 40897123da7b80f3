"""Ingest: validate, dedupe, store, keep the latest state, apply the rules, publish.

IngestService is the sink every connector writes into (connectors.base.IngestSink). One batch is one
transaction; bus messages go out only after it commits.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

from dashboard.bus import BusUnavailable
from dashboard.domain import aqi, congestion, rules
from dashboard.domain.events import (AIR_READING, ALERT, CASE_REPORT, DEVICE_STATE, SEGMENT_SPEED, TRIP_UPDATE,
                                     VEHICLE_POSITION, Event, utc)
from dashboard.domain.geo import line_midpoint
from dashboard.domain.identity import SYSTEM_IDENTITY
from dashboard.domain.incidents import IncidentDraft
from dashboard.store import feeds, incidents as incident_store, state as state_store, utcnow

from . import device_rules, features, geography, intake
from .container import Services
from .health import feed_health_report
from .operations import key_figures

log = logging.getLogger(__name__)

Publications = list[tuple[str, dict[str, Any]]]


class IngestService:
    def __init__(self, services: Services, figures_every: float = 1.0) -> None:
        self.services = services
        self.figures_every = figures_every
        self._figures_lock = threading.Lock()
        self._figures_sent_at = 0.0
        self._health_lock = threading.Lock()
        self._health_sent: dict[str, str] = {}      # connector → state in the last "feeds.health" sent
        self._health_sent_at = 0.0

    # -- the sink interface -------------------------------------------------------------------
    def ingest(self, connector: str, events: list[Event]) -> list[Event]:
        """Store a batch; returns the events that were new."""
        now = utcnow()
        pubs: Publications = []
        with self.services.store.begin() as conn:
            new = feeds.insert_events(conn, events, now)
            by_kind: dict[str, list[Event]] = {}
            for e in sorted(new, key=lambda e: e.updated_at):
                by_kind.setdefault(e.kind, []).append(e)
            self._segments(conn, by_kind.get(SEGMENT_SPEED, []), pubs)
            self._stations(conn, by_kind.get(AIR_READING, []), pubs)
            self._vehicles(conn, by_kind.get(VEHICLE_POSITION, []), by_kind.get(TRIP_UPDATE, []), pubs)
            self._alerts(conn, by_kind.get(ALERT, []), now, pubs)
            self._cases(conn, by_kind.get(CASE_REPORT, []), now, pubs)
            device_rules.apply(self.services, conn, by_kind.get(DEVICE_STATE, []), self._district_at,
                               lambda c, draft, key: self._create_incident(c, draft, key, pubs), now)
            feeds.record_health(conn, connector, True, "", now, events=len(new))
        self._publish(pubs)
        if pubs:
            self.publish_figures()
        return new

    def dead_letter(self, connector: str, raw: str | bytes, reason: str) -> None:
        now = utcnow()
        with self.services.store.begin() as conn:
            feeds.add_dead_letter(conn, connector, raw, reason, now)
            feeds.bump_dead_letters(conn, connector, now)
        log.warning("dead letter from %s: %s", connector, reason)

    def load_checkpoint(self, connector: str) -> str | None:
        with self.services.store.connect() as conn:
            return feeds.load_checkpoint(conn, connector)

    def save_checkpoint(self, connector: str, value: str) -> None:
        with self.services.store.begin() as conn:
            feeds.save_checkpoint(conn, connector, value, utcnow())

    def report_health(self, connector: str, ok: bool, detail: str = "", events: int = 0) -> None:
        with self.services.store.begin() as conn:
            feeds.record_health(conn, connector, ok, detail, utcnow(), events=0)
        try:
            self.publish_health()
        except Exception:   # the report is stored; pages catch up from the next one or their snapshot
            log.exception("could not publish feed health")

    def publish_health(self) -> None:
        """"feeds.health" ({"items": the health report's connectors, "at"}) when any connector's
        state differs from the last one sent (checked at every report, so a connector that stopped
        reporting turns stale while the others report), and at least every quarter of the stale
        threshold (10 s at most), so that pages show last successes and lags that are seconds old,
        and a page that hears nothing for longer than the threshold knows it is stale."""
        every = min(10.0, self.services.settings.stale_after_seconds / 4)
        with self._health_lock:   # one at a time: an older report is never sent after a newer one
            report = feed_health_report(self.services)
            states = {c["connector"]: c["state"] for c in report["connectors"]}
            if states == self._health_sent and time.monotonic() - self._health_sent_at < every:
                return
            self._health_sent, self._health_sent_at = states, time.monotonic()
            self._publish([("feeds.health", {"items": report["connectors"], "at": report["at"]})])

    # -- publishing ---------------------------------------------------------------------------
    def _publish(self, pubs: Publications) -> None:
        try:
            for topic, data in pubs:
                self.services.bus.publish(topic, data)
        except BusUnavailable as exc:   # stored is stored; browsers catch up from the snapshot
            log.warning("bus unavailable, %d live updates not sent: %s", len(pubs), exc)

    def publish_figures(self, force: bool = False) -> None:
        """Key figures at most once per `figures_every` seconds (they are counts over the store)."""
        with self._figures_lock:
            if not force and time.monotonic() - self._figures_sent_at < self.figures_every:
                return
            self._figures_sent_at = time.monotonic()
        with self.services.store.connect() as conn:
            figures = key_figures(self.services, conn)
        self._publish([("figures", figures)])

    # -- per kind -----------------------------------------------------------------------------
    def _create_incident(self, conn, draft: IncidentDraft, dedupe_key: str | None, pubs: Publications) -> None:
        if dedupe_key and incident_store.open_by_dedupe_key(conn, dedupe_key):
            return
        if incident_store.find_by_source(conn, draft.source, draft.source_ref):
            return
        _, published = intake.create(self.services, conn, draft, SYSTEM_IDENTITY, utcnow(), dedupe_key)
        pubs.extend(published)

    def _segments(self, conn, events: list[Event], pubs: Publications) -> None:
        if not events:
            return
        city = self.services.city
        segs = city.segments_by_id
        for e in events:   # a source system's own segment ids → the city's (source_ids.csv)
            seg = city.segment_for(e.source, e.payload.get("segment_id"))
            if seg is not None and seg.id != e.payload.get("segment_id"):
                e.payload["segment_id"] = seg.id
        states = state_store.segment_states(conn, list({e.payload.get("segment_id") for e in events}))
        changed: dict[str, dict] = {}
        for e in events:
            seg = segs.get(e.payload.get("segment_id"))
            if seg is None:
                continue   # a segment the city does not know: the event is kept, there is no state to move
            prev = changed.get(seg.id) or states.get(seg.id)
            if prev and prev["observed_at"] >= e.observed_at:
                continue   # out of order: an older reading never overwrites a newer one
            speed = e.payload.get("speed_kmh")
            ci = congestion.congestion_index(speed, seg.free_flow_kmh)
            slow_since, long_enough = rules.track_slow(speed, seg.free_flow_kmh,
                                                       prev["slow_since"] if prev else None, e.observed_at)
            changed[seg.id] = {"segment_id": seg.id, "speed_kmh": speed, "flow_vph": e.payload.get("flow_vph"),
                               "ci": ci, "level": congestion.congestion_level(ci), "observed_at": e.observed_at,
                               "slow_since": slow_since}
            if long_enough:
                lon, lat = _midpoint(seg.geometry)
                draft = rules.congestion_draft(seg.id, seg.name_zh, speed, seg.free_flow_kmh, lon, lat,
                                               seg.district, slow_since, e.observed_at,
                                               category=city.rule_category("congestion"))
                self._create_incident(conn, draft, f"congestion:{seg.id}", pubs)
        state_store.upsert_segment_states(conn, list(changed.values()))
        if changed:
            pubs.append(("segments.update", {"items": [features.segment_item(k, v) for k, v in changed.items()]}))

    def _stations(self, conn, events: list[Event], pubs: Publications) -> None:
        if not events:
            return
        city = self.services.city
        stations = city.stations_by_id
        for e in events:   # a SensorThings Thing or an OpenAQ location → the city's station (source_ids.csv)
            st = city.station_for(e.source, e.payload.get("station_id"))
            if st is not None and st.id != e.payload.get("station_id"):
                e.payload["station_id"] = st.id
        states = state_store.station_states(conn, list({e.payload.get("station_id") for e in events}))
        touched: set[str] = set()
        for e in events:
            sid = e.payload.get("station_id")
            pollutant = e.payload.get("pollutant")
            if sid not in stations or pollutant not in aqi.POLLUTANTS:
                continue
            st = states.setdefault(sid, {"station_id": sid, "readings": {}, "observed_at": e.observed_at})
            readings = dict(st["readings"] or {})
            prev = readings.get(pollutant)
            if prev and prev["at"] >= e.observed_at.isoformat():
                continue
            readings[pollutant] = {"value": e.payload.get("value"), "at": e.observed_at.isoformat()}
            st["readings"] = readings
            st["observed_at"] = max(st["observed_at"], e.observed_at)
            touched.add(sid)
        for sid in sorted(touched):
            st = states[sid]
            result = aqi.compute({p: r["value"] for p, r in st["readings"].items() if r.get("value") is not None},
                                 self.services.settings.aqi_standard)
            row = {"station_id": sid, "readings": st["readings"], "aqi": result.aqi, "level": result.level,
                   "primary_pollutants": list(result.primary), "observed_at": st["observed_at"]}
            state_store.upsert_station_state(conn, row)
            pubs.append(("station.update", features.station_item(sid, row)))
            station = stations[sid]
            draft = rules.air_exceedance_draft(sid, station.name_zh, result, station.lon, station.lat,
                                               station.district, st["observed_at"],
                                               category=city.rule_category("air_exceedance"))
            if draft:
                self._create_incident(conn, draft, f"aqi:{sid}", pubs)

    def _vehicles(self, conn, events: list[Event], trip_events: list[Event] = (), pubs: Publications | None = None) -> None:
        """Latest position per vehicle; a vehicle that left its feed ({"gone": true}: deleted, or not
        in a full feed any more), or whose trip did, leaves the live state and the map."""
        gone = {e.payload.get("vehicle_id"): e.observed_at for e in events
                if e.payload.get("gone") and e.payload.get("vehicle_id")}
        trips_gone = {e.payload.get("trip_id"): e.observed_at for e in trip_events
                      if e.payload.get("gone") and e.payload.get("trip_id")}
        latest: dict[str, Event] = {}
        for e in events:
            if e.payload.get("gone"):
                continue
            vid = e.payload.get("vehicle_id")
            if vid and e.lat is not None and e.lon is not None:
                if vid not in latest or latest[vid].observed_at < e.observed_at:
                    latest[vid] = e
        state_store.upsert_vehicles(conn, [
            {"vehicle_id": vid, "route_id": e.payload.get("route_id"), "trip_id": e.payload.get("trip_id"),
             "lat": e.lat, "lon": e.lon, "bearing": e.payload.get("bearing"),
             "speed_kmh": e.payload.get("speed_kmh"), "observed_at": e.observed_at} for vid, e in latest.items()])
        removed = state_store.remove_vehicles(conn, gone, trips_gone) if gone or trips_gone else []
        if pubs is not None:
            moved = [features.vehicle_feature({"vehicle_id": vid, "route_id": e.payload.get("route_id"),
                                               "trip_id": e.payload.get("trip_id"), "lat": e.lat, "lon": e.lon,
                                               "bearing": e.payload.get("bearing"),
                                               "speed_kmh": e.payload.get("speed_kmh"), "observed_at": e.observed_at})
                     for vid, e in latest.items() if vid not in removed]
            if moved:
                pubs.append(("vehicles.update", {"items": moved}))
            if removed:
                pubs.append(("vehicles.remove", {"ids": removed}))

    def _alerts(self, conn, events: list[Event], now: datetime, pubs: Publications) -> None:
        for e in events:
            if e.payload.get("standard") != "gtfs-rt":   # areas by code → the city's districts (issue 15)
                e = geography.place_by_codes(self.services, e, conn) or e
            p = e.payload
            msg_type = p.get("msg_type") or "Alert"
            if p.get("standard") == "gtfs-rt" and not self._transit_alert_is_newer(conn, e, msg_type, pubs):
                continue
            referenced = [r.split(",")[1] if "," in r else r for r in (p.get("references") or [])]
            for ref in referenced:
                if state_store.set_alert_status(conn, ref, "cancelled" if msg_type == "Cancel" else "superseded"):
                    old = state_store.get_alert(conn, ref)
                    pubs.append(("alert.upsert", features.alert_feature(old)))
            if msg_type == "Cancel":
                status = "cancelled"
            elif p.get("status", "Actual") != "Actual":
                status = "exercise"   # Exercise/Test/System/Draft messages are kept but never shown as live
            else:
                status = "active"
            row = {
                "identifier": p.get("identifier") if p.get("standard") == "gtfs-rt" else e.source_id,   # shared table
                "sender": p.get("sender"), "sent": e.observed_at, "msg_type": msg_type,
                "status": status, "event": p.get("event"), "severity": p.get("severity"), "urgency": p.get("urgency"),
                "certainty": p.get("certainty"), "headline_zh": p.get("headline_zh") or p.get("headline"),
                "headline_en": p.get("headline_en") or p.get("headline"), "area_desc": p.get("area_desc"),
                "geometry": p.get("geometry"), "effective": _dt(p.get("effective")), "expires": _dt(p.get("expires")),
                "payload": p,
            }
            state_store.upsert_alert(conn, row)
            if status == "active":
                pubs.append(("alert.upsert", features.alert_feature(row)))
                pubs.append(("event.new", features.alert_event(row)))
                draft = rules.alert_draft(e, self._district_at(e.lon, e.lat),
                                          category=self.services.city.rule_category("severe_weather"))
                if draft and p.get("standard") != "gtfs-rt":   # a transit service alert is not a weather incident
                    self._create_incident(conn, draft, f"alert:{e.source_id}", pubs)

    def _transit_alert_is_newer(self, conn, e: Event, msg_type: str, pubs: Publications) -> bool:
        """GTFS-realtime alerts keep one row per entity, versioned by the feed's time: an older
        version never overwrites a newer one; an alert that left the feed (msg_type Cancel) ends
        its row and adds none. True when the version is to be stored as CAP alerts are."""
        identifier = e.payload.get("identifier") or e.source_id
        old = state_store.get_alert(conn, identifier)
        if old is not None and old.get("sent") is not None and utc(old["sent"]) > e.observed_at:
            return False
        if msg_type == "Cancel":
            if old is not None and state_store.set_alert_status(conn, identifier, "cancelled"):
                pubs.append(("alert.upsert", features.alert_feature({**old, "status": "cancelled"})))
            return False
        return True

    def _cases(self, conn, events: list[Event], now: datetime, pubs: Publications) -> None:
        for e in events:
            if incident_store.find_by_source(conn, e.source, e.source_id):
                continue   # a later version of a known report: the incident follows its own loop
            if e.lat is None and ((e.payload or {}).get("location_codes") or (e.payload or {}).get("geocodes")):
                e = geography.place_by_codes(self.services, e, conn) or e   # a location given as codes (issue 15)
            city = self.services.city
            draft = rules.case_report_draft(e, self._district_at(e.lon, e.lat),
                                            lambda code: city.find_category(code) if city.can_file(code) else None,
                                            city.rule_category("other"))
            self._create_incident(conn, draft, None, pubs)

    def _district_at(self, lon: float | None, lat: float | None) -> str | None:
        if lon is None or lat is None:
            return None
        return self.services.city.district_at(lon, lat)


def _midpoint(geometry: dict) -> tuple[float, float]:
    return line_midpoint(geometry["coordinates"])


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    return utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
