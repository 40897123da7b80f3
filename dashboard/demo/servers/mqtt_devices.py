"""The demo city's devices, published to an MQTT broker the way real devices publish: the underpass
water gauges as OGC SensorThings MQTT Observations (v1.1/Datastreams('ID')/Observations), the
lights, covers, bridge and tunnel monitors as their own JSON on plain topics. QoS 1.

Only when a broker is configured (the mqtt_url setting): the demo needs no server (the quickstart
runs with none), and CityOps does not carry a broker of its own — an embedded stand-in would not be
the protocol path real devices take. With a broker, the device connectors subscribe to exactly what
this publishes: `mapping_settings()` gives the settings they need."""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime
from typing import Callable

import paho.mqtt.client as mqtt

from connectors.mqtt import Broker
from connectors.mqtt_sta import topic_for

from ..simulation.devices import PERIOD_S, DeviceFleet

log = logging.getLogger("cityops.demo")


class DevicePublisher:
    def __init__(self, fleet: DeviceFleet, broker_url: str, clock: Callable[[], datetime], seed: int,
                 interval: float = PERIOD_S) -> None:
        self.fleet, self.broker, self.clock = fleet, Broker.from_url(broker_url), clock
        self.prefix = f"cityops-demo/{seed}"
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: mqtt.Client | None = None

    def mapping_settings(self) -> tuple[str, str]:
        """(mqtt_sensorthings_datastreams, mqtt_topics) for the connectors to read these devices."""
        gauges = [d for d in self.fleet.devices if d.kind == "underpass_water"]
        datastreams = ", ".join(f"'{d.device_id}'={d.kind}@{d.lat},{d.lon}:{d.name_zh}" for d in gauges)
        topics = json.dumps([{"topic": f"{self.prefix}/devices/{kind}/+", "kind": kind, "device": "{topic[4]}",
                              "state": "$.status", "value": "$.value", "time": "$.ts", "lat": "$.lat", "lon": "$.lon",
                              "name": "$.label"} for kind in ("street_light", "manhole_cover", "bridge", "tunnel")],
                            ensure_ascii=False)
        return datastreams, topics

    def topic(self, device) -> str:
        if device.kind == "underpass_water":
            return topic_for(device.device_id)
        return f"{self.prefix}/devices/{device.kind}/{device.device_id}"

    def start(self) -> None:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{self.prefix.replace('/', '-')}-publisher")
        if self.broker.username is not None:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            import ssl
            client.tls_set_context(ssl.create_default_context())
        client.reconnect_delay_set(1, 60)
        client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        client.loop_start()   # connects and reconnects in the background: a missing broker never stops the demo
        self._client = client
        self._thread = threading.Thread(target=self._run, name="demo-devices", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.publish_once()
            except Exception as exc:   # the broker away: the next round tries again
                log.warning("demo devices: could not publish: %s", exc)
            self._stop.wait(self.interval)

    def publish_once(self) -> int:
        client = self._client
        if client is None or not client.is_connected():
            return 0
        sent = 0
        for r in self.fleet.readings(self.clock()):
            d = r.device
            if d.kind == "underpass_water":
                doc = {"@iot.id": f"{d.device_id}-{int(r.at.timestamp())}", "phenomenonTime": r.at.isoformat(),
                       "result": r.value}
            else:
                doc = {"status": r.state, "value": r.value, "ts": r.at.isoformat(), "lat": d.lat, "lon": d.lon,
                       "label": d.name_zh}
            client.publish(self.topic(d), json.dumps(doc, ensure_ascii=False), qos=1)
            sent += 1
        return sent

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._client is not None:
            self._client.loop_stop()
            try:
                self._client.disconnect()
            except Exception:
                pass
        self._client = self._thread = None
