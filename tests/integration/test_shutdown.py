"""Issue 17, item 6: one SIGTERM stops `cityops run` promptly and gracefully, at any load — a signal
the kernel hands to a busy worker thread must not be slept through by the main thread."""
from __future__ import annotations

import threading
import urllib.request

from tests.support.cityops_process import CityOpsProcess

PATHS = ("/healthz", "/login", "/open311/v2/requests.json", "/open311/v2/services.xml", "/readyz")


def _load(url: str, stop: threading.Event) -> None:
    i = 0
    while not stop.is_set():
        try:
            urllib.request.urlopen(url + PATHS[i % len(PATHS)], timeout=5).read()
        except OSError:
            pass   # refused once the server stops: the point
        i += 1


def test_one_sigterm_stops_it_under_load(tmp_path):
    for trial in range(2):
        city = CityOpsProcess(tmp_path / f"trial{trial}").start()
        stop = threading.Event()
        workers = [threading.Thread(target=_load, args=(city.url, stop), daemon=True) for _ in range(24)]
        try:
            for w in workers:
                w.start()
            urllib.request.urlopen(city.url + "/healthz", timeout=10).read()   # the load is on
            took = city.terminate(within=40)
            assert took is not None, f"trial {trial}: still running 40 s after one SIGTERM"
            assert city.process.returncode == 0, city.log.read_text()[-2000:]
            assert "stopped; the store is consistent" in city.log.read_text()
        finally:
            stop.set()
            for w in workers:
                w.join(10)
            city.stop()
