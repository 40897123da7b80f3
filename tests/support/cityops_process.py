"""A real `cityops run` in a subprocess: a temp data dir, ports the OS gives, the demo city without its
history and workforce (quick to start), stopped at the end. For tests that attack or signal it."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CityOpsProcess:
    def __init__(self, data_dir: Path, **settings: str) -> None:
        self.data_dir = Path(data_dir)
        self.port, self.push_port = free_port(), free_port()
        self.env = dict(os.environ, CITYOPS_DATA_DIR=str(self.data_dir), CITYOPS_PORT=str(self.port),
                        CITYOPS_PUSH_PORT=str(self.push_port), CITYOPS_DEMO_HISTORY_DAYS="0",
                        CITYOPS_DEMO_WORKFORCE="false", CITYOPS_HOST="127.0.0.1", CITYOPS_DATABASE_URL="",
                        CITYOPS_BUS_URL="memory://", CITYOPS_CACHE_URL="simple://", PYTHONUNBUFFERED="1",
                        DASH_DISABLE_VERSION_CHECK="true",
                        **{f"CITYOPS_{k.upper()}": str(v) for k, v in settings.items()})
        self.process: subprocess.Popen | None = None
        self.log = self.data_dir / "cityops.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, within: float = 120.0) -> "CityOpsProcess":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "run"], cwd=ROOT, env=self.env,
                                        stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"cityops run exited ({self.process.returncode}): {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                    if r.status == 200 and (self.data_dir / "demo-logins.txt").exists():
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"cityops run was not ready within {within:.0f} s: {self.log.read_text()[-2000:]}")

    def logins(self) -> dict[str, str]:
        lines = (self.data_dir / "demo-logins.txt").read_text().splitlines()
        return dict(line.split("\t", 1) for line in lines if line and not line.startswith("#"))

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], cwd=ROOT, env=self.env, input=stdin,
                              capture_output=True, text=True, timeout=120)

    def terminate(self, within: float) -> float | None:
        """SIGTERM once; seconds until it exited, or None if it did not within `within`."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(within)
        except subprocess.TimeoutExpired:
            return None
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
