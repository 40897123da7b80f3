"""A real HTTP server on 127.0.0.1 and a free port, in a thread, handing each GET to a function:
what the tests' stand-in sources and the fault proxy are built on."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


def serve_get(handle: Callable[[BaseHTTPRequestHandler], None], name: str = "test-http") -> ThreadingHTTPServer:
    """Started; `server.url` is its base URL; stop it with shutdown() and server_close()."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            handle(self)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True).start()
    return server
