"""Fault-injecting loopback proxies in front of the demo city's feed servers, for fault tests.

FaultProxy is a real HTTP server on 127.0.0.1:0 that forwards each GET to the upstream server
(rewriting the upstream's address in bodies to its own, as a reverse proxy does: SensorThings
nextLinks and Atom entry links name their server) and misbehaves as told by set(mode):

    pass     forward as is
    error    answer HTTP 500
    hang     answer nothing for `hang_seconds` (longer than the connector's timeout), then close
    cut      send the headers and half the body, then close the socket
    garbage  answer 200 with `garbage` as the body
    replay   answer with the first response it served for the same path (query ignored): duplicates
    rewrite  forward with the body passed through `rewrite(path, body)`, e.g. to put an older
             version of a record back into the answer

set(mode, after=n, under=prefix) lets n more requests under `prefix` pass before the fault starts,
and confines it to paths under `prefix`. Every exchange is recorded in `exchanges`.

WsFaultProxy relays a WebSocket stream message by message. drop() breaks every open connection in
the middle of a message (half a frame, then the TCP connection closes); while `refusing` is set,
new connections are turned away with HTTP 503.
"""
from __future__ import annotations

import http.client
import socket
import struct
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from tests.support.http_server import serve_get

MODES = ("pass", "error", "hang", "cut", "garbage", "replay", "rewrite")


@dataclass
class Exchange:
    path: str
    query: dict[str, str]
    mode: str                  # what the proxy did
    status: int | None         # None: nothing was answered
    body: bytes


class FaultProxy:
    def __init__(self, upstream: str, hang_seconds: float = 3.0) -> None:
        parts = urlsplit(upstream)
        self.upstream_host, self.upstream_port = parts.hostname, parts.port
        self.upstream_base = f"{parts.scheme}://{parts.netloc}".encode()
        self.hang_seconds = hang_seconds
        self.garbage = b"<html><body>502 Bad Gateway</body></html>"
        self.rewrite: Callable[[str, bytes], bytes] = lambda path, body: body
        self.exchanges: list[Exchange] = []
        self.hanging = 0                           # requests being held right now
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._mode, self._after, self._under = "pass", 0, "/"
        self._first: dict[str, tuple[int, str, bytes]] = {}
        self._server = serve_get(self._handle, name="fault-proxy")
        self.url = self._server.url

    # -- control ---------------------------------------------------------------------------------
    def set(self, mode: str, *, after: int = 0, under: str = "/") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
        with self._lock:
            self._mode, self._after, self._under = mode, after, under
        if mode == "pass":
            self._release.set()        # let held requests go (they then close without an answer)
            self._release = threading.Event()

    def served(self, path_prefix: str = "/", mode: str | None = None) -> list[Exchange]:
        with self._lock:
            return [x for x in self.exchanges if x.path.startswith(path_prefix) and (mode is None or x.mode == mode)]

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()          # returns once serve_forever has ended
        self._server.server_close()

    # -- serving ---------------------------------------------------------------------------------
    def _mode_for(self, path: str) -> str:
        with self._lock:
            if not path.startswith(self._under):
                return "pass"
            if self._after > 0:
                self._after -= 1
                return "pass"
            return self._mode

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        mode = self._mode_for(parts.path)
        if mode == "hang":
            self._record(parts.path, query, mode, None, b"")
            with self._lock:
                self.hanging += 1
            release = self._release
            try:
                release.wait(self.hang_seconds)
            finally:
                with self._lock:
                    self.hanging -= 1
            handler.close_connection = True
            return
        if mode == "error":
            return self._answer(handler, parts.path, query, mode, 500, "text/plain", b"injected failure")
        if mode == "garbage":
            return self._answer(handler, parts.path, query, mode, 200, "application/octet-stream", self.garbage)
        status, ctype, body = self._forward(handler.path)
        if mode == "replay":
            status, ctype, body = self._first.get(parts.path, (status, ctype, body))
        elif mode == "rewrite":
            body = self.rewrite(parts.path, body)
        else:
            self._first.setdefault(parts.path, (status, ctype, body))
        if mode == "cut":
            return self._cut(handler, parts.path, query, status, ctype, body)
        self._answer(handler, parts.path, query, mode, status, ctype, body)

    def _forward(self, path_and_query: str) -> tuple[int, str, bytes]:
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=10)
        try:
            conn.request("GET", path_and_query)
            response = conn.getresponse()
            body = response.read().replace(self.upstream_base, self.url.encode())
            return response.status, response.getheader("Content-Type", "application/octet-stream"), body
        finally:
            conn.close()

    def _record(self, path: str, query: dict, mode: str, status: int | None, body: bytes) -> None:
        with self._lock:
            self.exchanges.append(Exchange(path, query, mode, status, body))

    def _answer(self, handler, path, query, mode, status, ctype, body) -> None:
        self._record(path, query, mode, status, body)
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", ctype)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:
            pass

    def _cut(self, handler, path, query, status, ctype, body) -> None:
        """Promise the whole body, send half of it, and close."""
        self._record(path, query, "cut", status, body[: len(body) // 2])
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", ctype)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        handler.close_connection = True


class WsFaultProxy:
    """A WebSocket relay on 127.0.0.1:0 in front of `upstream` (ws://…), path kept."""

    def __init__(self, upstream: str) -> None:
        from websockets.sync.server import serve
        self.upstream = upstream
        self.refusing = threading.Event()
        self.connections = 0            # accepted and relayed
        self.relayed = 0                # messages passed on whole
        self.dropped = 0                # connections broken mid-message
        self._generation = 0            # drop() moves it on; relays of an older one break
        self._stopping = threading.Event()
        self._server = serve(self._relay, "127.0.0.1", 0, process_request=self._admit,
                             ping_interval=None, compression=None, max_size=None)
        port = self._server.socket.getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}{urlsplit(upstream).path}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="ws-fault-proxy", daemon=True)
        self._thread.start()

    def drop(self) -> None:
        self._generation += 1

    def close(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._thread.join(2)

    def _admit(self, connection, request):
        if self.refusing.is_set():
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "the stream is down (injected)\n")
        return None

    def _relay(self, client) -> None:
        from websockets.exceptions import ConnectionClosed
        from websockets.sync.client import connect
        generation = self._generation
        self.connections += 1
        try:
            with connect(self.upstream, open_timeout=5, max_size=None, compression=None) as upstream:
                while not self._stopping.is_set():
                    try:
                        message = upstream.recv(timeout=0.2)
                    except TimeoutError:
                        continue
                    if generation != self._generation:
                        self._break_mid_message(client, message)
                        return
                    client.send(message)
                    self.relayed += 1
        except (ConnectionClosed, OSError):
            pass

    def _break_mid_message(self, client, message: str | bytes) -> None:
        """Write the first half of an unmasked server frame straight to the socket, then close it."""
        payload = message.encode("utf-8") if isinstance(message, str) else message
        opcode = 0x81 if isinstance(message, str) else 0x82
        n = len(payload)
        header = bytes([opcode, n]) if n < 126 else (
            bytes([opcode, 126]) + struct.pack("!H", n) if n < 65536 else bytes([opcode, 127]) + struct.pack("!Q", n))
        sock = client.socket
        try:
            sock.sendall(header + payload[: n // 2])
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.dropped += 1
