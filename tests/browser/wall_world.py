"""What the wall's browser tests (and the wall benchmarks) do to the city through its core: a kiosk
link, incidents taken round the closed loop to closure, severe events injected through ingest."""
from __future__ import annotations

import socket
import threading
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from dashboard.domain.events import ALERT, CASE_REPORT, Event
from dashboard.domain.identity import Identity
from dashboard.services.auth import AuthService
from dashboard.services.incident_actions import perform
from dashboard.store import incidents as incident_store

ADMIN = Identity("wall-tests", "admin", via="cli")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_city(data_dir: str, **settings):
    """CityOps as `cityops run` starts it, except that each connector runs with a stop of its own
    (runtime.connector_stops[name].set() stops just that one)."""
    from connectors import build_connectors
    from dashboard.config import Settings
    from dashboard.runtime import Runtime
    settings = replace(Settings(), **({"data_dir": data_dir, "port": free_port(), "push_port": free_port(),
                                       "poll_seconds": 1.0, "seed": 7} | settings))
    runtime = Runtime(settings, web=True, push=True, connectors=False, demo=True).start()
    runtime.connector_stops = {}
    for connector in build_connectors(runtime.settings, runtime.endpoints):
        stop = runtime.connector_stops[connector.name] = threading.Event()
        threading.Thread(target=connector.run, args=(stop, runtime.ingest), daemon=True,
                         name=f"connector-{connector.name}").start()
    return runtime


def stop_city(runtime) -> None:
    for stop in runtime.connector_stops.values():
        stop.set()
    runtime.stop()


def kiosk_link(runtime, name: str = "hall", **query: str) -> tuple[str, str]:
    secret = AuthService(runtime.services).create_token(ADMIN, name, kind="kiosk")
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return f"{runtime.url}wall?kiosk={secret}{extra}", secret


def close_incidents(services, count: int, late: int = 0) -> int:
    """Take `count` reported incidents through verify → dispatch → accept → fixed → close; the
    first `late` get a deadline a second away, so they close late. Returns how many were closed."""
    with services.store.connect() as conn:
        rows = [r for r in incident_store.open_incidents(conn, limit=200) if r["status"] == "reported"][:count]
    closed = 0
    for n, row in enumerate(rows):
        try:
            inc = perform(services, ADMIN, row["id"], "verify", row["version"])
            params = {"department": services.city.departments[0].code}
            if n < late:
                params["deadline"] = (datetime.now(timezone.utc) + timedelta(seconds=1)).isoformat()
            inc = perform(services, ADMIN, inc["id"], "dispatch", inc["version"], params=params)
            operator = Identity("wall-op", "operator", department=inc["department"])
            inc = perform(services, operator, inc["id"], "accept", inc["version"])
            inc = perform(services, operator, inc["id"], "report_fixed", inc["version"], params={"note": "done"})
            if n < late:
                time.sleep(1.1)
            perform(services, ADMIN, inc["id"], "close", inc["version"])
            closed += 1
        except Exception:   # a colleague (the demo) moved it meanwhile: take the next one
            continue
    return closed


def severe_alert(runtime, headline: str, severity: str = "Extreme", minutes: int = 60) -> Event:
    """A CAP alert over the middle of the city, ingested as the CAP connector would."""
    city = runtime.services.city
    lon, lat = city.center
    ring = [[lon - 0.03, lat - 0.02], [lon + 0.03, lat - 0.02], [lon + 0.03, lat + 0.02], [lon - 0.03, lat + 0.02],
            [lon - 0.03, lat - 0.02]]
    now = datetime.now(timezone.utc)
    identifier = f"wall-test-{uuid.uuid4().hex[:10]}"
    event = Event(source="cap", kind=ALERT, source_id=identifier, observed_at=now, lat=lat, lon=lon, payload={
        "identifier": identifier, "sender": "wall-tests", "msg_type": "Alert", "status": "Actual", "event": "Test",
        "severity": severity, "urgency": "Immediate", "certainty": "Observed", "headline_zh": headline,
        "headline_en": headline, "area_desc": "中城区", "geometry": {"type": "Polygon", "coordinates": [ring]},
        "effective": now.isoformat(), "expires": (now + timedelta(minutes=minutes)).isoformat()})
    runtime.ingest.ingest("cap", [event])
    return event


def case_report(runtime, title: str, service_code: str = "0102", offset: float = 0.0) -> Event:
    """A citizen's report with `title` as its address, ingested as the Open311 connector would."""
    lon, lat = runtime.services.city.center
    now = datetime.now(timezone.utc)
    ref = f"wall-{uuid.uuid4().hex[:12]}"
    event = Event(source="open311", kind=CASE_REPORT, source_id=ref, observed_at=now, lat=lat + offset,
                  lon=lon + offset, payload={"service_code": service_code, "address": title, "description": title})
    runtime.ingest.ingest("open311", [event])
    return event
