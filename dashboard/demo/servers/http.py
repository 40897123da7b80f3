"""One small threaded HTTP server on 127.0.0.1 (an OS-chosen port) routing by path prefix to the
demo's protocol handlers. Stops cleanly: stop() closes open keep-alive connections and joins."""
from __future__ import annotations

import json
import logging
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    method: str
    path: str                       # below the handler's prefix, "" or "/…"
    query: dict[str, list[str]]
    raw_query: str
    base_url: str                   # http://127.0.0.1:PORT
    prefix: str                     # the handler's prefix, e.g. /open311/v2

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def url(self) -> str:
        return self.base_url + self.prefix + self.path


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data, status: int = 200) -> "Response":
        return cls(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    @classmethod
    def xml(cls, body: bytes, status: int = 200, content_type: str = "application/xml") -> "Response":
        return cls(status, body, f"{content_type}; charset=utf-8")


Handler = Callable[[Request], Response]


class _Server(ThreadingHTTPServer):
    daemon_threads = False          # server_close() joins the request threads …
    block_on_close = True           # … after stop() has shut their sockets
    allow_reuse_address = True

    def __init__(self, address, handler_class, routes: dict[str, Handler]):
        self.routes = sorted(routes.items(), key=lambda kv: -len(kv[0]))
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, handler_class)

    def process_request(self, request, client_address):
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30                       # idle keep-alive connections end on their own
    server: _Server

    def log_message(self, format, *args):   # noqa: A002 - the stdlib's signature
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self):
        self._dispatch("GET")

    def do_HEAD(self):
        self._dispatch("HEAD")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        host, port = self.server.server_address[:2]
        base = f"http://{host}:{port}"
        response = Response.json({"code": 404, "description": f"nothing at {parts.path}"}, 404)
        for prefix, handler in self.server.routes:
            if parts.path == prefix or parts.path.startswith(prefix + "/"):
                request = Request(method, parts.path[len(prefix):], parse_qs(parts.query, keep_blank_values=True),
                                  parts.query, base, prefix)
                try:
                    response = handler(request)
                except Exception:       # a bug in a demo handler must not kill the server
                    log.exception("demo feed handler failed on %s", self.path)
                    response = Response.json({"code": 500, "description": "internal error"}, 500)
                break
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)


class FeedHTTPServer:
    def __init__(self, routes: dict[str, Handler], host: str = "127.0.0.1", port: int = 0):
        self._server = _Server((host, port), _RequestHandler, routes)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="demo-http", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._thread is None:
            return
        self._server.shutdown()
        with self._server.sockets_lock:
            for sock in list(self._server.open_sockets):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self._server.server_close()
        self._thread.join(timeout=2)
        self._thread = None
