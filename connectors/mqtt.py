"""Devices that push (物联网): the shared MQTT shell of the mqtt_sta and mqtt_devices connectors.

- QoS 1 subscriptions on a persistent session (MQTT 3.1.1, clean session off, a fixed client id):
  while CityOps is away the broker keeps the messages for it.
- A message is acknowledged (PUBACK) only after it was ingested or dead-lettered: a connection
  that drops in the middle of a burst loses nothing (the broker sends the unacknowledged ones
  again) and doubles nothing (each event's source_id comes from the message, and ingest stores a
  record once).
- Reconnects with backoff and jitter (RetryPolicy); never dies; `stop` ends it within a second.
- The same dead letters, checkpoints and health as the polling connectors: a message that is not
  usable is a dead letter with its reason; the checkpoint is the newest reading time delivered
  (never moves back); health is reported on connect, on failures, and every `report_every` seconds
  while messages come.
"""
from __future__ import annotations

import logging
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt

from .base import Connector, IngestSink, ParseError, RetryPolicy, SourceUnavailable, describe, save_newer_time
from .parsing import Parsed

log = logging.getLogger("connectors")


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> "Broker":
        """mqtt://[user:password@]host[:1883] or mqtts://…[:8883]; tcp:// and ssl:// as well."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not parts.hostname:
            raise ValueError(f"not an MQTT broker URL: {url!r} (mqtt://host:1883 or mqtts://host:8883)")
        tls = parts.scheme in ("mqtts", "ssl")
        return cls(parts.hostname, parts.port or (8883 if tls else 1883), tls,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)

    def __str__(self) -> str:   # never the password
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


class MqttConnector(Connector):
    """Subclasses give `topics` (filters subscribed at QoS 1) and parse_message(topic, payload) → Parsed."""

    topics: tuple[str, ...] = ()

    def __init__(self, name: str, broker_url: str, *, client_id: str, keepalive: int = 30,
                 reconnect: RetryPolicy | None = None, report_every: float = 30.0, **kw: Any) -> None:
        super().__init__(name, **kw)
        self.broker = Broker.from_url(broker_url)
        self.client_id = client_id
        self.keepalive = keepalive
        self.reconnect = reconnect or RetryPolicy(base_delay=1.0, max_delay=60.0)
        self.report_every = report_every
        self.client: mqtt.Client | None = None   # the current connection (tests reach it to cut it)
        self.connected = threading.Event()         # set while subscribed (SUBACK received)
        self.connections = 0                       # how many times it connected
        self._count = 0
        self._last_report = 0.0
        self._pending_report: str | None = None

    # -- what a subclass gives ---------------------------------------------------------------------
    def parse_message(self, topic: str, payload: bytes) -> Parsed:
        raise NotImplementedError

    # -- the run loop --------------------------------------------------------------------------------
    def run(self, stop: threading.Event, sink: IngestSink) -> None:
        self.stop_event = stop
        failures = 0
        while not stop.is_set():
            before = self._count
            try:
                self._session(stop, sink)
            except Exception as exc:   # never die: report, back off, reconnect
                if stop.is_set():
                    break
                # a connection that delivered messages before it dropped starts the count afresh
                failures = 1 if self._count > before else failures + 1
                log.warning("connector %s: MQTT connection failed (%d in a row): %s", self.name, failures,
                            describe(exc))
                self.report(sink, False, describe(exc))
            stop.wait(self.reconnect.delay(failures))
        log.info("connector %s stopped", self.name)

    def _new_client(self, sink: IngestSink) -> mqtt.Client:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, clean_session=False,
                             protocol=mqtt.MQTTv311, manual_ack=True)
        client.enable_logger(logging.getLogger("connectors.mqtt"))
        if self.broker.username is not None:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set_context(ssl.create_default_context())
        client.connect_timeout = self.timeout
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = lambda c, userdata, msg: self._on_message(c, sink, msg)
        return client

    def _session(self, stop: threading.Event, sink: IngestSink) -> None:
        """One connection, until it fails (raises) or stop is set (returns)."""
        client = self._new_client(sink)
        self.client = client
        try:
            client.connect(self.broker.host, self.broker.port, keepalive=self.keepalive)
        except (OSError, ValueError) as exc:
            raise SourceUnavailable(f"{self.broker}: cannot connect ({exc})") from None
        deadline = time.monotonic() + self.timeout + 2.0
        try:
            while not stop.is_set():
                rc = client.loop(timeout=0.5)
                if rc != mqtt.MQTT_ERR_SUCCESS:
                    raise SourceUnavailable(f"{self.broker}: {mqtt.error_string(rc)}")
                if not self.connected.is_set() and time.monotonic() > deadline:
                    raise SourceUnavailable(f"{self.broker}: no CONNACK / SUBACK within {self.timeout + 2.0:g} s")
                if self._pending_report or (self.connected.is_set()
                                            and time.monotonic() - self._last_report > self.report_every):
                    self._report_progress(sink)
        finally:
            self.connected.clear()
            try:
                if client.is_connected():
                    client.disconnect()
                    client.loop(timeout=0.1)
            except Exception:
                pass
            try:
                sock = client.socket()
                if sock is not None:
                    sock.close()
            except Exception:
                pass

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        if getattr(reason_code, "is_failure", False):
            log.warning("connector %s: the broker refused the connection: %s", self.name, reason_code)
            client.disconnect()
            return
        result, self._subscribe_mid = client.subscribe([(topic, 1) for topic in self.topics])
        if result != mqtt.MQTT_ERR_SUCCESS:
            client.disconnect()
            return
        self._session_kind = "resumed" if getattr(flags, "session_present", False) else "new"

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reason_codes: Any, properties: Any) -> None:
        """Subscribed (SUBACK): from here on nothing published to the topics is missed."""
        if mid != getattr(self, "_subscribe_mid", None):
            return
        refused = [str(rc) for rc in reason_codes if getattr(rc, "is_failure", False)]
        if refused:
            self._pending_report = None
            log.warning("connector %s: the broker refused a subscription: %s", self.name, ", ".join(refused))
            client.disconnect()
            return
        self.connections += 1
        self.connected.set()
        self._last_report = time.monotonic()
        self._pending_report = (f"connected to {self.broker} ({self._session_kind} session), "
                                f"{len(self.topics)} topics")

    def _on_message(self, client: mqtt.Client, sink: IngestSink, msg: Any) -> None:
        """Ingest (or dead-letter) the message, then acknowledge it; if the sink fails, no PUBACK goes
        out: the connection is dropped and the broker sends the message again."""
        try:
            try:
                parsed = self.parse_message(msg.topic, bytes(msg.payload))
            except ParseError as exc:
                self.dead_letter(sink, _raw(msg), f"{msg.topic}: {exc}")
                parsed = None
            if parsed is not None:
                self.deliver(sink, parsed)
                save_newer_time(sink, self.name, max((e.observed_at for e in parsed), default=None))
                self._count += len(parsed)
        except Exception as exc:
            log.warning("connector %s: could not take a message (%s); it will come again", self.name, describe(exc))
            self.report(sink, False, f"could not take a message: {describe(exc)}")
            client.disconnect()   # unacknowledged: redelivered on the next connection
            return
        if msg.qos > 0:
            client.ack(msg.mid, msg.qos)

    def _report_progress(self, sink: IngestSink) -> None:
        detail = self._pending_report or f"{self._count} readings in all"
        self._pending_report = None
        self._last_report = time.monotonic()
        self.report(sink, True, detail, self._count)


def _raw(msg: Any) -> str:
    try:
        text = bytes(msg.payload).decode("utf-8")
    except UnicodeDecodeError:
        text = bytes(msg.payload).hex()
    return f"{msg.topic}\n{text[:20000]}"
