"""The demo city's devices over MQTT: with a broker configured they publish, and the device
connectors (set up from what the demo says it publishes) read them into the store; without one the
demo runs as before, no broker needed."""
from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import datetime, timezone

import sqlalchemy as sa

from connectors import build_connectors
from dashboard.demo.city import build_city
from dashboard.demo.feeds import DemoFeeds
from dashboard.demo.simulation.devices import DeviceFleet
from dashboard.runtime import _point_at
from dashboard.store import schema as t
from tests.conftest import need_server

from feed_checks import wait_until   # tests/integration is on sys.path

BROKER = "mqtt://127.0.0.1:1883"


def test_without_a_broker_the_demo_publishes_no_devices_and_starts_no_device_connector(services):
    with DemoFeeds(build_city(7), 7) as endpoints:
        assert endpoints.mqtt_topics == "" and endpoints.mqtt_sensorthings_datastreams == ""
        settings = _point_at(services.settings, endpoints)
        assert not [c for c in build_connectors(settings, endpoints) if c.name.startswith("mqtt")]


def test_with_a_broker_the_demo_devices_reach_the_store(services, run):
    need_server("Mosquitto (MQTT)", "127.0.0.1", 1883)
    seed = random.randint(10_000, 99_999)
    feeds = DemoFeeds(build_city(7), seed, mqtt_url=BROKER)
    endpoints = feeds.start()
    settings = services.settings
    try:
        settings = _point_at(replace(services.settings, mqtt_url=BROKER,
                                     mqtt_client_id=f"cityops-test-{uuid.uuid4().hex[:8]}"), endpoints)
        connectors = [c for c in build_connectors(settings, endpoints) if c.name.startswith("mqtt")]
        assert sorted(c.name for c in connectors) == ["mqtt_devices", "mqtt_sta"]
        for c in connectors:
            run(c, services)
        wait_until(lambda: all(c.connected.is_set() for c in connectors), "both subscribed")
        wait_until(lambda: feeds._devices._client.is_connected(), "the demo publisher connected")
        assert feeds._devices.publish_once() == len(feeds._devices.fleet.devices)

        def kinds():
            with services.store.connect() as conn:
                rows = conn.execute(sa.select(t.events.c.payload).where(t.events.c.kind == "device_state"))
                return {r.payload["device_kind"] for r in rows if r.payload["device_id"].endswith(tuple(
                    d.device_id for d in feeds._devices.fleet.devices))}
        wait_until(lambda: kinds() == {"street_light", "manhole_cover", "underpass_water", "bridge", "tunnel"},
                   "a reading of every kind of device stored")
    finally:
        feeds.stop()
        for client_id in [f"{settings.mqtt_client_id}-mqtt_sta", f"{settings.mqtt_client_id}-mqtt_devices"]:
            _forget_session(client_id)


def _forget_session(client_id: str) -> None:
    import paho.mqtt.client as mqtt
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    try:
        c.connect("127.0.0.1", 1883)
        c.loop(0.2)
        c.disconnect()
    except OSError:
        pass


def test_the_fleet_has_fault_episodes_that_end():
    fleet = DeviceFleet(build_city(7), 7)
    light = next(d for d in fleet.devices if d.kind == "street_light")
    base = 1_749_600_000
    states = [fleet._reading(light, s, datetime.fromtimestamp(base, timezone.utc)).fault
              for s in range(0, int(light.cycle), 60)]
    assert any(states) and not all(states)
    assert sum(1 for a, b in zip(states, states[1:]) if b and not a) == 1   # one episode a cycle
