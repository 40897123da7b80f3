"""/metrics through the real Flask server: request latency by kind and route, what the store says
per connector, the bus; the push relay's own /metrics on its HTTP side."""
from __future__ import annotations

import time
import urllib.request
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from dashboard.bus import MemoryBus
from dashboard.push import PushRelay
from dashboard.store import feeds, utcnow
from tests.integration.test_api import api, call  # noqa: F401  (the fixture)


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_count_requests_feeds_and_the_bus(api, services):  # noqa: F811
    server, tokens, _ = api
    now = utcnow()
    with services.store.begin() as conn:
        feeds.record_health(conn, "open311", True, "ok", now - timedelta(seconds=3), events=7)
    assert call(server, tokens["wang"], "GET", "/api/v1/incidents").status_code == 200
    assert call(server, tokens["wang"], "GET", "/api/v1/incidents/999999").status_code == 404
    response = server.test_client().get("/metrics")          # public: counts only, like /healthz
    assert response.status_code == 200 and response.mimetype == "text/plain"
    got = samples(response.get_data(as_text=True))
    assert got[("cityops_request_seconds_count", (("kind", "api"), ("route", "/api/v1/incidents"),
                                                  ("status", "2xx")))] == 1
    assert got[("cityops_request_seconds_count", (("kind", "api"), ("route", "/api/v1/incidents/<int:incident_id>"),
                                                  ("status", "4xx")))] == 1
    assert got[("cityops_events_ingested_total", (("connector", "open311"),))] == 7
    assert got[("cityops_dead_letters_total", (("connector", "open311"),))] == 0
    assert got[("cityops_feed_state", (("connector", "open311"), ("state", "ok")))] == 1
    assert 2 <= got[("cityops_feed_lag_seconds", (("connector", "open311"),))] < 60
    assert got[("cityops_bus_up", ())] == 1


def test_the_relay_reports_its_clients():
    relay = PushRelay(MemoryBus()).start()
    try:
        from websockets.sync.client import connect
        with connect(relay.url, open_timeout=5):
            deadline = utcnow() + timedelta(seconds=5)
            while relay.client_count < 1 and utcnow() < deadline:
                time.sleep(0.02)
            text = urllib.request.urlopen(f"http://127.0.0.1:{relay.port}/metrics", timeout=5).read().decode()
        got = samples(text)
        assert got[("cityops_push_clients", ())] == 1 and got[("cityops_push_bus_up", ())] == 1
    finally:
        relay.stop()
