"""Device states (device_state events, from the MQTT connectors) → 部件 incidents, one per fault
episode: the first fault reading of a device opens an episode and an incident; further fault
readings while it lasts add nothing (also after its incident was closed); the first normal reading
ends it, and a later fault opens the next. Readings older than what is known of a device change
nothing (out-of-order delivery, a redelivered QoS 1 message). The incident then follows the closed
loop like any other. Called by the ingest service inside its transaction."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from dashboard.domain import devices
from dashboard.domain.events import Event
from dashboard.store import device_episodes

KEEP_ENDED = timedelta(days=1)


def apply(services, conn, events: list[Event], district_at: Callable, create_incident: Callable,
          now: datetime) -> int:
    """Returns how many incidents were asked for (create_incident still dedupes)."""
    if not events:
        return 0
    settings = services.settings
    thresholds = {name: float(getattr(settings, name)) for name in ("device_water_alarm_m", "device_tilt_alarm_deg")
                  if getattr(settings, name, None) is not None}
    created = 0
    by_source: dict[str, list[Event]] = {}
    for e in events:
        by_source.setdefault(e.source, []).append(e)
    for source, items in by_source.items():
        episodes = device_episodes.load(conn, source)
        changed = False
        for e in sorted(items, key=lambda e: e.observed_at):
            p = e.payload
            device_id, kind = p.get("device_id"), p.get("device_kind")
            verdict = devices.classify(kind, p.get("state"), p.get("value"), thresholds)
            if not device_id or verdict is None:
                continue
            known = episodes.get(device_id)
            at = e.observed_at.isoformat()
            if known and known.get("at") and known["at"] >= at:
                continue   # older than what is known of the device
            if verdict == devices.FAULT:
                if known and known.get("fault"):
                    known["at"] = at                      # the same episode goes on
                    changed = True
                    continue
                episodes[device_id] = {"fault": devices.DEVICE_KINDS[kind].fault, "since": at, "at": at}
                changed = True
                draft = devices.fault_draft(kind, device_id, p.get("name"), p.get("state"), p.get("value"),
                                            e.observed_at, e.lat, e.lon, district_at(e.lon, e.lat), source,
                                            _category(services.city, kind))
                create_incident(conn, draft, devices.dedupe_key(source, device_id, draft.details["fault"]))
                created += 1
            elif known:
                episodes[device_id] = {"fault": None, "since": None, "at": at}   # ended; kept a day
                changed = True
        cut = (now - KEEP_ENDED).isoformat()
        for device_id in [d for d, ep in episodes.items() if not ep.get("fault") and (ep.get("at") or "") < cut]:
            del episodes[device_id]
            changed = True
        if changed:
            device_episodes.save(conn, source, episodes, now)
    return created


def _category(city, kind: str) -> str:
    """The city's category for the device rule (a package may name its own), if the city has it."""
    spec = devices.DEVICE_KINDS[kind]
    try:
        code = city.rule_category(spec.rule)
    except KeyError:
        code = spec.category
    if city.find_category(code) is None:
        try:
            return city.rule_category("other")
        except KeyError:
            return code
    return code
