"""The shared base of all connectors: errors, the sink they write into, and the run loops.

A connector is a pure `parse` (in its own module) plus a thin IO shell built on these classes:
`PollingConnector` asks its source every `poll_seconds`; `StreamConnector` keeps a connection
open and reconnects with backoff. Neither run loop ever raises: failures go to the sink as
health reports, bad records to the dead-letter table, and `stop` ends the loop within a second.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from datetime import datetime
from typing import Any, Callable, Mapping, Protocol

import requests

from dashboard.domain.events import Event

from .errors import ConnectorError, ParseError, SourceUnavailable
from .http import HttpClient, HttpError, HttpResponse, RetryPolicy, Stopped, call_interruptibly
from .parsing import Parsed, Reject

__all__ = ["ConnectorError", "ParseError", "SourceUnavailable", "HttpError", "Stopped", "RetryPolicy",
           "IngestSink", "Parsed", "Reject", "Connector", "PollingConnector", "StreamConnector", "describe",
           "save_newer_time"]

log = logging.getLogger("connectors")


class IngestSink(Protocol):
    def ingest(self, connector: str, events: list[Event]) -> Any: ...
    def dead_letter(self, connector: str, raw: str | bytes, reason: str) -> None: ...
    def load_checkpoint(self, connector: str) -> str | None: ...
    def save_checkpoint(self, connector: str, value: str) -> None: ...
    def report_health(self, connector: str, ok: bool, detail: str = "", events: int = 0) -> None: ...


def describe(exc: BaseException) -> str:
    """A one-line reason for a health report."""
    if isinstance(exc, ConnectorError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"[:500]


class Connector:
    """Name, HTTP with timeout and retry, and the sink helpers both run loops use."""

    def __init__(self, name: str, *, timeout: float = 10.0, retry: RetryPolicy | None = None,
                 session: requests.Session | None = None) -> None:
        self.name = name
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.http = HttpClient(timeout, self.retry, session)
        self.stop_event = threading.Event()   # replaced by the one given to run()
        self._dead_seen: OrderedDict[str, None] = OrderedDict()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    def run(self, stop: threading.Event, sink: IngestSink) -> None:
        raise NotImplementedError

    # -- IO ------------------------------------------------------------------------------------
    def get(self, url: str, params: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None) -> HttpResponse:
        return self.http.get(url, params=params, headers=headers, stop=self.stop_event)

    # -- sink helpers ----------------------------------------------------------------------------
    def parse_payload(self, sink: IngestSink, raw: str | bytes, parse: Callable[..., Parsed],
                      *args: Any, **kwargs: Any) -> Parsed:
        """parse(raw, …); a payload that does not parse at all is dead-lettered, then re-raised."""
        try:
            return parse(raw, *args, **kwargs)
        except ParseError as exc:
            self.dead_letter(sink, raw, str(exc))
            raise

    def deliver(self, sink: IngestSink, parsed: Parsed) -> int:
        """Dead-letter the rejected items, ingest the events; returns how many events went in."""
        for reject in parsed.rejects:
            self.dead_letter(sink, reject.raw, reject.reason)
        if len(parsed):
            sink.ingest(self.name, list(parsed))
        return len(parsed)

    def dead_letter(self, sink: IngestSink, raw: str | bytes, reason: str) -> None:
        """Once per distinct (raw, reason): a poll that sees the same bad record again adds nothing."""
        digest = hashlib.sha256((raw if isinstance(raw, bytes) else raw.encode("utf-8", "replace"))
                                + b"\0" + reason.encode("utf-8", "replace")).hexdigest()
        if digest in self._dead_seen:
            self._dead_seen.move_to_end(digest)
            return
        sink.dead_letter(self.name, raw, reason)
        self._dead_seen[digest] = None
        if len(self._dead_seen) > 4096:
            self._dead_seen.popitem(last=False)

    def report(self, sink: IngestSink, ok: bool, detail: str = "", events: int = 0) -> None:
        """Report health; a sink that cannot take the report is logged, never raised."""
        try:
            sink.report_health(self.name, ok, detail, events)
        except Exception:
            log.exception("connector %s: could not report health", self.name)


class PollingConnector(Connector):
    """Subclasses implement poll(sink) -> (events ingested, detail); run() repeats it."""

    def __init__(self, name: str, *, poll_seconds: float = 10.0, max_backoff: float = 300.0, **kw: Any) -> None:
        super().__init__(name, **kw)
        self.poll_seconds = poll_seconds
        # after failures the next poll waits poll_seconds plus a growing, jittered extra
        self.backoff = RetryPolicy(base_delay=max(poll_seconds, 0.1), max_delay=max_backoff)

    def poll(self, sink: IngestSink) -> tuple[int, str]:
        raise NotImplementedError

    def run(self, stop: threading.Event, sink: IngestSink) -> None:
        self.stop_event = stop
        failures = 0
        while not stop.is_set():
            try:
                count, detail = self.poll(sink)
            except Stopped:
                break
            except Exception as exc:   # never die: report, back off, try again
                if stop.is_set():
                    break
                failures += 1
                log.warning("connector %s: poll failed (%d in a row): %s", self.name, failures, describe(exc))
                self.report(sink, False, describe(exc))
                wait = self.poll_seconds + self.backoff.delay(failures)
            else:
                failures = 0
                self.report(sink, True, detail, count)
                wait = self.poll_seconds
            stop.wait(wait)
        log.info("connector %s stopped", self.name)


class StreamConnector(Connector):
    """Subclasses implement open() -> a connection with recv(timeout) (raising TimeoutError when
    nothing came) and close(), usable as a context manager that closes it; and
    handle(sink, message) -> events ingested."""

    def __init__(self, name: str, *, idle_seconds: float = 60.0, reconnect: RetryPolicy | None = None,
                 **kw: Any) -> None:
        super().__init__(name, **kw)
        self.idle_seconds = idle_seconds
        self.reconnect = reconnect or RetryPolicy(base_delay=1.0, max_delay=60.0)
        self.recv_slice = 0.5   # how long one recv waits, so that stop is seen quickly
        self._got_message = False

    def open(self) -> Any:
        raise NotImplementedError

    def handle(self, sink: IngestSink, message: str | bytes) -> int:
        raise NotImplementedError

    def run(self, stop: threading.Event, sink: IngestSink) -> None:
        self.stop_event = stop
        failures = 0
        while not stop.is_set():
            self._got_message = False
            try:
                conn = call_interruptibly(self.open, stop, self.timeout + 2.0, on_abandon=_close)
                self._read(conn, stop, sink)
            except Stopped:
                break
            except Exception as exc:   # never die: report, back off, reconnect
                if stop.is_set():
                    break
                # a connection that delivered messages before it dropped starts the count afresh
                failures = 1 if self._got_message else failures + 1
                log.warning("connector %s: stream failed (%d in a row): %s", self.name, failures, describe(exc))
                self.report(sink, False, describe(exc))
            stop.wait(self.reconnect.delay(failures))
        log.info("connector %s stopped", self.name)

    def _read(self, conn: Any, stop: threading.Event, sink: IngestSink) -> None:
        """Read until the connection fails (raises) or stop is set (returns)."""
        with conn:   # closes the connection however this ends
            last = time.monotonic()
            while not stop.is_set():
                try:
                    message = conn.recv(self.recv_slice)
                except TimeoutError:
                    if time.monotonic() - last > self.idle_seconds:
                        raise SourceUnavailable(f"no message for {self.idle_seconds:g} s") from None
                    continue
                last = time.monotonic()
                self._got_message = True
                try:
                    count = self.handle(sink, message)
                except ParseError as exc:   # already dead-lettered; the stream goes on
                    self.report(sink, False, f"bad message: {exc}")
                else:
                    self.report(sink, True, f"{count} events", count)


def save_newer_time(sink: IngestSink, connector: str, newest: Any) -> bool:
    """Save `newest` (an aware datetime) as the connector's checkpoint only when it is newer than
    the stored one: a checkpoint never moves back (an old answer replayed, a lagging cache)."""
    if newest is None:
        return False
    saved = sink.load_checkpoint(connector)
    try:
        before = datetime.fromisoformat(saved.replace("Z", "+00:00")) if saved else None
    except ValueError:
        before = None   # unreadable: the new one replaces it
    if before is not None and before.tzinfo is not None and before >= newest:
        return False
    sink.save_checkpoint(connector, newest.isoformat().replace("+00:00", "Z"))
    return True


def _close(conn: Any) -> None:
    try:
        conn.close()
    except Exception:
        pass
