"""The push relay: bus messages to browsers over WebSocket, within a second of being published.

A browser connects to ws://host:port/?after=<bus id> (the id its snapshot was taken at, or the last
batch it applied) and receives text JSON batches, at most one every `interval` seconds:

    {"after": "<id the batch continues from>", "last_id": "<id>", "messages": [{"id", "topic", "data"}, ...]}

`after` lets the page check that nothing was skipped. When the page cannot be caught up (its
position was trimmed from the bus, is ahead of the bus, or it fell too far behind) it gets
{"reset": true} and the connection closes: the page reloads its snapshot and reconnects.

One reader follows the bus for all clients (fan-out); a client that connects with an older `after`
is caught up by its own reads first. Each client's queue is bounded. Everything runs on one
asyncio loop in one thread; `stop()` ends it within about two seconds.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request

from dashboard.bus import Bus, BusMessage, BusUnavailable

from . import positions

log = logging.getLogger(__name__)

RESET = json.dumps({"reset": True})
# authorize(request) → False (refuse), True (everything) or a filter(topic, data) -> bool.
Authorize = Callable[[Request], "bool | Callable[[str, dict[str, Any]], bool]"]


class _Client:
    """One connected browser: what waits to be sent to it, bounded."""

    def __init__(self, limit: int, allow: Callable[[str, dict], bool] | None) -> None:
        self.pending: deque[BusMessage] = deque()
        self.limit = limit
        self.allow = allow
        self.overflow = False
        self.paused = False             # the bus went away: the client is told to come back later
        self.revoked = False            # its session or kiosk link ended: the socket is closed
        self.request: Request | None = None
        self.wake = asyncio.Event()

    def offer(self, messages: list[BusMessage]) -> None:
        if self.overflow:
            return
        if len(self.pending) + len(messages) > self.limit:
            self.overflow = True        # a slow client gets a reset, not an ever-growing queue
            self.pending.clear()
        else:
            self.pending.extend(messages)
        self.wake.set()

    def take(self) -> list[BusMessage]:
        items = list(self.pending)
        self.pending.clear()
        return items

    def visible(self, messages: list[BusMessage]) -> list[BusMessage]:
        return messages if self.allow is None else [m for m in messages if self.allow(m.topic, m.data)]


class _RelayFigures:
    def __init__(self, relay: "PushRelay") -> None:
        self.relay = relay

    def collect(self):
        yield GaugeMetricFamily("cityops_push_clients", "Browsers connected to the push relay",
                                value=self.relay.client_count)
        yield GaugeMetricFamily("cityops_push_bus_up", "1 when the relay reads the bus",
                                value=0 if self.relay.bus_down else 1)
        yield CounterMetricFamily("cityops_push_resets", "Resets sent (a browser reloads its snapshot)",
                                  value=self.relay.resets_sent)


class PushRelay:
    def __init__(self, bus: Bus, host: str = "127.0.0.1", port: int = 0, *, interval: float = 0.2,
                 max_pending: int = 2000, read_timeout: float = 0.25, authorize: Authorize | None = None,
                 recheck_seconds: float = 5.0, metrics_allowed: Callable[[str | None, str | None], bool] | None = None
                 ) -> None:
        self._bus = bus
        self.host = host
        self._requested_port = port
        self.interval = interval
        self.max_pending = max_pending
        self.read_timeout = read_timeout
        self._authorize = authorize
        self.recheck_seconds = recheck_seconds   # every open socket's credentials are asked again this often
        self.revoked_closed = 0
        self._metrics_allowed = metrics_allowed   # (peer address, Authorization header) → may read /metrics
        self._clients: set[_Client] = set()
        self._position: str = positions.START     # where the shared reader is
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._executor: ThreadPoolExecutor | None = None
        self.resets_sent = 0
        self.bus_down = False           # while True, browsers are turned away (1013) and show "paused"

    # -- life cycle (called from other threads) ---------------------------------------------------
    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the push relay is not started")
        return self._port

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def start(self) -> "PushRelay":
        if self._thread is not None:
            raise RuntimeError("the push relay is already started")
        self._ready.clear()
        self._error = None
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="push-bus")
        self._thread = threading.Thread(target=self._run, name="push-relay", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the push relay did not start within 10 s")
        if self._error is not None:
            self._thread.join(2)
            self._thread = None
            raise RuntimeError(f"the push relay could not listen on {self.host}:{self._requested_port}: "
                               f"{self._error}") from self._error
        log.info("push relay listening on %s", self.url)
        return self

    def stop(self, timeout: float = 2.0) -> None:
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            with suppress(RuntimeError):      # the loop may have just ended on its own
                loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout)
        if thread.is_alive():
            log.warning("push relay did not stop within %.1f s", timeout)
        self._thread = None

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:   # reported to start(), or logged if it dies later
            self._error = exc
            if self._ready.is_set():
                log.exception("push relay stopped with an error")
        finally:
            self._ready.set()
            if self._executor is not None:
                self._executor.shutdown(wait=True)   # at most one bus read (read_timeout) in flight

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        async with serve(self._serve_client, self.host, self._requested_port, process_request=self._http,
                         ping_interval=20, ping_timeout=20, close_timeout=1, max_size=4096) as server:
            self._port = server.sockets[0].getsockname()[1]
            reader = asyncio.create_task(self._read_bus())
            checker = asyncio.create_task(self._recheck())
            self._ready.set()
            await self._stopping.wait()
            for task in (reader, checker):
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            server.close()          # going away (1001) to every client; handlers end

    # -- the shared reader ---------------------------------------------------------------------
    async def _call(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._executor, functools.partial(fn, *args))

    async def _read_bus(self) -> None:
        cursor = await self._bus_call(self._bus.last_id) or positions.START
        self._position = cursor
        while True:
            messages = await self._bus_call(self._bus.read, cursor, 500, self.read_timeout)
            if not messages:
                continue
            if not positions.is_next(cursor, messages[0].id):
                log.warning("push relay fell behind the bus (%s → %s): resetting clients", cursor, messages[0].id)
                for client in list(self._clients):
                    client.overflow = True
                    client.wake.set()
            cursor = self._position = messages[-1].id
            for client in list(self._clients):
                client.offer(messages)

    async def _bus_call(self, fn, *args):
        """A bus call that waits out an unavailable bus instead of failing (the reader must not die).
        Meanwhile connected browsers are sent away with 1013 (try again later): they say live updates
        are paused and reconnect with backoff; back, they catch up or reload their snapshot."""
        while True:
            try:
                result = await self._call(fn, *args)
                if self.bus_down:
                    log.warning("push relay: the bus is back")
                    self.bus_down = False
                return result
            except BusUnavailable as exc:
                if not self.bus_down:
                    log.warning("push relay: bus unavailable (%s); pausing clients until it is back", exc)
                    self.bus_down = True
                    self._pause_clients()
            except Exception:
                log.exception("push relay: bus read failed; retrying")
            await asyncio.sleep(1.0)

    async def _recheck(self) -> None:
        """Credentials are not only for the handshake: every heartbeat each open socket is asked again,
        and one whose kiosk link was revoked, whose session ended or whose user was disabled is closed."""
        if self._authorize is None:
            return
        while True:
            await asyncio.sleep(self.recheck_seconds)
            for client in list(self._clients):
                if client.request is None or client.revoked:
                    continue
                try:
                    allow = await self._call(self._authorize, client.request)
                except Exception:
                    log.exception("push relay: re-checking a client failed; closing it")
                    allow = False
                if not allow:
                    client.revoked = True
                    client.wake.set()
                elif callable(allow):
                    client.allow = allow

    def _pause_clients(self) -> None:
        for client in list(self._clients):
            client.paused = True
            client.wake.set()

    # -- one client ----------------------------------------------------------------------------
    def _http(self, connection: ServerConnection, request: Request):
        path = urlsplit(request.path).path
        if path == "/healthz":
            return connection.respond(200, json.dumps({"clients": len(self._clients), "position": self._position,
                                                       "bus_up": not self.bus_down}))
        if path == "/metrics":
            peer = (connection.remote_address or ("",))[0]
            if self._metrics_allowed is not None and not self._metrics_allowed(peer, request.headers.get("Authorization")):
                return connection.respond(404, "not found\n")
            response = connection.respond(200, self.metrics_text().decode())
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = CONTENT_TYPE_LATEST
            return response
        return None

    def metrics_text(self) -> bytes:
        """The relay's own figures in the Prometheus text format (`cityops push` has no web app)."""
        registry = CollectorRegistry()
        registry.register(_RelayFigures(self))
        return generate_latest(registry)

    async def _serve_client(self, ws: ServerConnection) -> None:
        allow: Any = True
        if self._authorize is not None:
            try:
                allow = self._authorize(ws.request)
            except Exception:
                log.exception("push relay: authorize failed")
                allow = False
            if not allow:
                await ws.close(1008, "not allowed")
                return
        if self.bus_down:
            await ws.close(1013, "bus unavailable")
            return
        client = _Client(self.max_pending, allow if callable(allow) else None)
        client.request = ws.request
        requested = (parse_qs(urlsplit(ws.request.path).query).get("after") or [""])[0].strip()
        self._clients.add(client)        # before catching up: nothing published meanwhile is missed
        try:
            if requested:
                reported = await self._catch_up(ws, client, requested)
                if reported is None:
                    self.resets_sent += 1
                    await ws.send(RESET)
                    return
            else:
                reported = self._position
            pump = asyncio.create_task(self._pump(ws, client, reported))
            closed = asyncio.create_task(ws.wait_closed())
            done, _ = await asyncio.wait({pump, closed}, return_when=asyncio.FIRST_COMPLETED)
            for task in (pump, closed):
                task.cancel()
            if pump in done and not pump.cancelled() and pump.exception() is not None:
                if not isinstance(pump.exception(), ConnectionClosed):
                    log.error("push relay: client pump failed", exc_info=pump.exception())
        except ConnectionClosed:
            pass
        finally:
            self._clients.discard(client)

    async def _catch_up(self, ws: ServerConnection, client: _Client, requested: str) -> str | None:
        """Send what came after `requested` as one batch; the position reached, or None for a reset."""
        if not positions.valid(requested):
            return None
        oldest, last = await self._call(self._bus.oldest_id), await self._call(self._bus.last_id)
        if last is None:   # an empty bus: only "from the start" makes sense, anything else is from another life
            return requested if positions.key(requested) == positions.key(positions.START) else None
        if positions.after(requested, last) or positions.missed_trimmed(requested, oldest):
            return None
        consumed, backlog = requested, []
        while True:
            messages = await self._call(self._bus.read, consumed, 500, 0.0)
            if not messages:
                break
            if consumed == requested and not positions.is_next(consumed, messages[0].id):
                return None     # trimmed between the check and the read
            backlog.extend(client.visible(messages))
            consumed = messages[-1].id
            if len(backlog) > self.max_pending:
                return None     # so far behind that reloading the snapshot is cheaper
        if backlog or consumed != requested:
            await ws.send(self._encode(requested, consumed, backlog))
        return consumed

    async def _pump(self, ws: ServerConnection, client: _Client, reported: str) -> None:
        consumed = reported
        last_send = time.monotonic()
        while True:
            await client.wake.wait()
            wait = last_send + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)     # gather what arrives meanwhile into one batch
            client.wake.clear()
            if client.revoked:
                self.revoked_closed += 1
                await ws.close(1008, "not allowed")
                return
            if client.paused:
                await ws.close(1013, "bus unavailable")
                return
            if client.overflow:
                self.resets_sent += 1
                await ws.send(RESET)
                await ws.close(1000, "reset")
                return
            fresh = [m for m in client.take() if positions.after(m.id, consumed)]
            if not fresh:
                continue
            consumed = fresh[-1].id
            visible = client.visible(fresh)
            if not visible:
                continue
            await ws.send(self._encode(reported, consumed, visible))
            reported = consumed
            last_send = time.monotonic()

    @staticmethod
    def _encode(after: str, last_id: str, messages: list[BusMessage]) -> str:
        return json.dumps({"after": after, "last_id": last_id,
                           "messages": [{"id": m.id, "topic": m.topic, "data": m.data} for m in messages]},
                          ensure_ascii=False, default=str, separators=(",", ":"))
