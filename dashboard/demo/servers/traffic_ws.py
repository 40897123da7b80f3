"""The segment-speed stream: a WebSocket server on ws://127.0.0.1:P/speeds. On connect it sends the
current snapshot; then every `interval` seconds it sends
{"type": "speeds", "ts": ISO UTC, "seq": n, "segments": [{"id", "speed_kmh", "flow_vph"}, …]} for all segments."""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime
from http import HTTPStatus
from typing import Callable
from urllib.parse import urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from ..simulation.clock import iso_utc
from ..simulation.traffic import SpeedModel

log = logging.getLogger(__name__)
PATH = "/speeds"


class TrafficStreamServer:
    def __init__(self, model: SpeedModel, clock: Callable[[], datetime], interval: float = 5.0,
                 host: str = "127.0.0.1", port: int = 0):
        self.model = model
        self.clock = clock
        self.interval = interval
        self._host, self._port = host, port
        self._seq = 0
        self._latest: str | None = None
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._server = None
        self._url = ""
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return self._url

    def snapshot_message(self) -> tuple[int, str]:
        """The latest message, making the first one if the ticker has not yet."""
        with self._changed:
            if self._latest is None:
                self._tick_locked()
            return self._seq, self._latest

    def _tick_locked(self) -> None:
        now = self.clock()
        self._seq += 1
        self._latest = json.dumps({"type": "speeds", "ts": iso_utc(now), "seq": self._seq,
                                   "segments": self.model.snapshot(now)}, ensure_ascii=False)
        self._changed.notify_all()

    def _ticker(self) -> None:
        while not self._stopping.wait(self.interval):
            with self._changed:
                self._tick_locked()

    def _handle(self, ws: ServerConnection) -> None:
        try:
            seq, message = self.snapshot_message()
            ws.send(message)
            while not self._stopping.is_set():
                with self._changed:
                    self._changed.wait_for(lambda: self._seq > seq or self._stopping.is_set(), timeout=1.0)
                    if self._stopping.is_set() or self._seq == seq:
                        continue
                    seq, message = self._seq, self._latest
                ws.send(message)
        except ConnectionClosed:
            pass

    @staticmethod
    def _check_path(connection: ServerConnection, request):
        if urlsplit(request.path).path != PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, f"the speed stream is at {PATH}\n")
        return None

    def start(self) -> str:
        self._server = serve(self._handle, self._host, self._port, process_request=self._check_path,
                             close_timeout=1, compression=None, max_size=2**20)
        host, port = self._server.socket.getsockname()[:2]
        self._url = f"ws://{host}:{port}{PATH}"
        for target, name in ((self._server.serve_forever, "demo-traffic-ws"), (self._ticker, "demo-traffic-tick")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self.url

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        self._server.shutdown()
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads.clear()
        self._server = None
