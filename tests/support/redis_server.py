"""A Redis server of the test's own, on a free port, that the test can stop and start again (the
machine's Redis on 6379 is shared by every test, so it is never stopped)."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from tests.conftest import REQUIRE_SERVICES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self, directory: str) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        # no persistence, as on the machine: a restarted Redis comes back empty
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.directory], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start within 10 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def private_redis_or_skip(directory: str) -> PrivateRedis:
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed"
        if REQUIRE_SERVICES:
            pytest.fail(message + " (CITYOPS_REQUIRE_SERVICES=1: a missing server fails the run)")
        pytest.skip(message + "; install it to run this test")
    return PrivateRedis(directory).start()
