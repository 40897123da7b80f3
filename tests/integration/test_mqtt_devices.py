"""Devices that push, against the real Mosquitto broker on 127.0.0.1:1883 (.ci/run starts it): a
device fault becomes exactly one incident (one per fault episode), and a reconnect in the middle of
a burst loses and doubles nothing. Every test uses its own topics and client ids; the persistent
sessions it made are cleaned away at the end."""
from __future__ import annotations

import json
import socket
import uuid
from datetime import datetime, timedelta, timezone

import paho.mqtt.client as mqtt
import pytest
import sqlalchemy as sa

from connectors.base import RetryPolicy
from connectors.mqtt_devices import MqttDevicesConnector, parse_mappings
from connectors.mqtt_sta import SensorThingsMqttConnector, parse_devices_setting, topic_for
from dashboard.store import schema as t
from tests.conftest import need_server

from feed_checks import dead_letters, wait_until   # tests/integration is on sys.path

HOST, PORT = "127.0.0.1", 1883
BROKER = f"mqtt://{HOST}:{PORT}"
T0 = datetime(2025, 6, 11, 20, 0, tzinfo=timezone.utc)
FAST = {"timeout": 3.0, "reconnect": RetryPolicy(base_delay=0.05, max_delay=0.2), "report_every": 0.5}


@pytest.fixture
def broker():
    need_server("Mosquitto (MQTT)", HOST, PORT)
    made: list[str] = []
    yield made
    for client_id in made:   # drop the persistent sessions the test made
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        try:
            c.connect(HOST, PORT)
            c.loop(0.2)
            c.disconnect()
        except OSError:
            pass


class Publisher:
    def __init__(self) -> None:
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"cityops-test-pub-{uuid.uuid4().hex[:10]}")
        self.client.connect(HOST, PORT)
        self.client.loop_start()

    def send(self, topic: str, doc) -> None:
        info = self.client.publish(topic, doc if isinstance(doc, bytes) else json.dumps(doc), qos=1)
        info.wait_for_publish(5)
        assert info.is_published()

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def incidents_for(services, dedupe_prefix: str) -> list[dict]:
    with services.store.connect() as conn:
        rows = conn.execute(sa.select(t.incidents).where(t.incidents.c.dedupe_key.like(dedupe_prefix + "%")))
        return [dict(r._mapping) for r in rows]


def events_of(services, source: str) -> list[str]:
    with services.store.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(t.events.c.source_id).where(t.events.c.source == source))]


def test_a_street_light_fault_becomes_exactly_one_incident(services, run, broker):
    prefix = f"cityops-test/{uuid.uuid4().hex[:10]}"
    name = f"mqtt_devices_{uuid.uuid4().hex[:6]}"
    mappings = parse_mappings(json.dumps([{
        "topic": f"{prefix}/lights/+/state", "kind": "street_light", "device": "{topic[3]}",
        "state": "$.status", "time": "$.ts", "lat": "$.lat", "lon": "$.lon", "name": "$.label"}]))
    connector = MqttDevicesConnector(BROKER, mappings, name=name, client_id=f"cityops-test-{uuid.uuid4().hex[:8]}", **FAST)
    broker.append(connector.client_id)
    running = run(connector, services)
    wait_until(connector.connected.is_set, "connected and subscribed")
    pub = Publisher()
    try:
        topic = f"{prefix}/lights/L-0012/state"
        reading = lambda i, status: {"status": status, "ts": (T0 + timedelta(minutes=i)).isoformat(),  # noqa: E731
                                     "lat": 32.05, "lon": 118.75, "label": "路灯 0012"}
        pub.send(topic, reading(0, "on"))
        for i in range(1, 6):                       # the light reports its fault again and again
            pub.send(topic, reading(i, "fault"))
        pub.send(f"{prefix}/lights/L-0013/state", {"status": "?", "ts": T0.isoformat()})   # neither: nothing
        pub.send(topic, b"{not json")               # a dead letter, the stream goes on
        wait_until(lambda: len(events_of(services, name)) == 7, "every reading stored")
        found = incidents_for(services, f"device:{name}:L-0012:")
        assert len(found) == 1
        (incident,) = found
        assert incident["category"] == "0102" and incident["title"].startswith("路灯故障 · 路灯 0012")
        assert incident["district"] == "D1" and incident["source"] == "rules"
        wait_until(lambda: any("not JSON" in d["reason"] for d in dead_letters(services, name)), "the dead letter")

        pub.send(topic, reading(6, "on"))          # the episode ends …
        pub.send(topic, reading(7, "fault"))       # … and a new one begins while the first is still open
        wait_until(lambda: len(events_of(services, name)) == 9, "the later readings stored")
        assert len(incidents_for(services, f"device:{name}:L-0012:")) == 1   # one open incident per device fault
        running.stop()
        health = running.sink.reports
        assert health[0][0] is True and health[0][1].startswith(f"connected to {BROKER}")
    finally:
        pub.close()


def test_water_over_the_threshold_at_an_underpass_through_sensorthings_mqtt(services, run, broker):
    ds = f"test-{uuid.uuid4().hex[:10]}"
    name = f"mqtt_sta_{uuid.uuid4().hex[:6]}"
    devices = parse_devices_setting(f"{ds}=underpass_water@32.03,118.85:江宁路下穿通道")
    connector = SensorThingsMqttConnector(BROKER, devices, name=name, client_id=f"cityops-test-{uuid.uuid4().hex[:8]}",
                                          **FAST)
    broker.append(connector.client_id)
    run(connector, services)
    wait_until(connector.connected.is_set, "connected and subscribed")
    pub = Publisher()
    try:
        for i, depth in enumerate((0.02, 0.08, 0.21, 0.34, 0.40, 0.12)):   # the setting's threshold: 0.15 m
            pub.send(topic_for(ds), {"@iot.id": 1000 + i, "phenomenonTime": (T0 + timedelta(minutes=5 * i)).isoformat(),
                                     "result": depth})
        wait_until(lambda: len(events_of(services, name)) == 6, "every Observation stored")
        (incident,) = incidents_for(services, f"device:{name}:{ds}:")
        assert incident["category"] == "0503" and incident["priority"] == 1 and incident["district"] == "D2"
        assert "0.21m" in incident["description"]
    finally:
        pub.close()


def _cut(connector) -> None:
    """Drop the connector's TCP connection under it, as a network fault would."""
    sock = connector.client.socket()
    sock.shutdown(socket.SHUT_RDWR)


def test_a_reconnect_in_the_middle_of_a_burst_loses_and_doubles_nothing(services, run, broker):
    prefix = f"cityops-test/{uuid.uuid4().hex[:10]}"
    name = f"mqtt_devices_{uuid.uuid4().hex[:6]}"
    mappings = parse_mappings(json.dumps([{"topic": f"{prefix}/covers/+", "kind": "manhole_cover",
                                           "device": "{topic[3]}", "value": "$.tilt", "time": "$.t"}]))
    connector = MqttDevicesConnector(BROKER, mappings, name=name, client_id=f"cityops-test-{uuid.uuid4().hex[:8]}", **FAST)
    broker.append(connector.client_id)
    running = run(connector, services)
    wait_until(connector.connected.is_set, "connected and subscribed")
    pub = Publisher()
    delivered: list[str] = []
    original = running.sink.ingest
    running.sink.ingest = lambda c, events: (delivered.extend(e.source_id for e in events), original(c, events))[1]
    burst = 300
    try:
        for i in range(burst):
            if i == 100:   # a third of the way: wait until some are in, then cut the connection mid-stream
                wait_until(lambda: len(delivered) >= 40, "part of the burst delivered")
                _cut(connector)
            device = f"C-{i % 7}"
            tilt = 12.0 if (i % 7 == 3 and i > 150) else 1.0   # one cover tilts in the second half
            pub.send(f"{prefix}/covers/{device}", {"tilt": tilt, "t": int((T0 + timedelta(seconds=i)).timestamp())})
        wait_until(lambda: len(events_of(services, name)) >= burst, "the whole burst stored", timeout=30)
        stored = events_of(services, name)
        assert len(stored) == burst and len(set(stored)) == burst          # nothing lost, nothing doubled
        assert set(delivered) == set(stored)                                # whatever came twice was stored once
        assert connector.connections >= 2                                   # it did reconnect
        assert len(incidents_for(services, f"device:{name}:C-3:")) == 1      # and the tilted cover: one incident
        assert any(not ok for ok, _ in running.sink.reports)                # the drop was reported …
        wait_until(lambda: running.sink.reports[-1][0] is True, "… and healthy again")
    finally:
        pub.close()


def test_a_message_the_store_could_not_take_comes_again(services, run, broker):
    prefix = f"cityops-test/{uuid.uuid4().hex[:10]}"
    name = f"mqtt_devices_{uuid.uuid4().hex[:6]}"
    mappings = parse_mappings(json.dumps([{"topic": f"{prefix}/tunnels/+", "kind": "tunnel", "device": "{topic[3]}",
                                           "state": "$.s", "time": "$.t"}]))
    connector = MqttDevicesConnector(BROKER, mappings, name=name, client_id=f"cityops-test-{uuid.uuid4().hex[:8]}", **FAST)
    broker.append(connector.client_id)
    running = run(connector, services)
    wait_until(connector.connected.is_set, "connected and subscribed")
    original, failed = running.sink.ingest, []

    def flaky(c, events):   # the store is away for the first message
        if not failed:
            failed.append(events)
            raise OSError("the store is away")
        return original(c, events)
    running.sink.ingest = flaky
    pub = Publisher()
    try:
        pub.send(f"{prefix}/tunnels/T1", {"s": "alarm", "t": T0.isoformat()})
        wait_until(lambda: events_of(services, name) == [f"T1@{T0.isoformat().replace('+00:00', 'Z')}"],
                   "the message, not acknowledged the first time, stored when it came again")
        wait_until(lambda: connector.connections >= 2, "subscribed again on the new connection")
        assert failed
        assert len(incidents_for(services, f"device:{name}:T1:")) == 1
    finally:
        pub.close()
