"""CityOps as it runs on several boxes, every part a real process started with the real commands:
the demo city's feeds (`cityops simulate`), two ingest processes (`cityops ingest --connector …`),
two web servers (`cityops web --workers 2` under gunicorn, and a plain `cityops web`), one push relay
(`cityops push`), all on a fresh PostgreSQL database and a Redis of the test's own (so that it can
be stopped). An action through one web server is seen through the other and by a wall on the relay;
an ingest process killed mid-stream and started again loses and duplicates nothing; Redis stopped
for 30 s and started again leaves no lost event and no lasting error."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from dataclasses import replace

import pytest
import requests
import sqlalchemy as sa
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from dashboard.config import Settings
from dashboard.domain.identity import Identity
from tests.conftest import PG_URL, need_server
from tests.support.redis_server import free_port, private_redis_or_skip

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(400)]
ADMIN = Identity("scale-test", "admin", via="cli")
OPEN = ("reported", "verified", "dispatched", "accepted", "returned", "fixed")


class Processes:
    def __init__(self, env: dict, logs: str) -> None:
        self.env, self.logs, self.running = env, logs, {}

    def start(self, name: str, *args: str, wait_for: str | None = None, timeout: float = 60) -> subprocess.Popen:
        log = open(os.path.join(self.logs, f"{name}.log"), "w")
        proc = subprocess.Popen([sys.executable, "-m", "dashboard.cli", *args], env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.running[name] = proc
        if wait_for:
            self.wait_for_line(name, wait_for, timeout)
        return proc

    def output(self, name: str) -> str:
        with open(os.path.join(self.logs, f"{name}.log")) as f:
            return f.read()

    def wait_for_line(self, name: str, pattern: str, timeout: float = 60) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.output(name))
            if match:
                return match
            if self.running[name].poll() is not None:
                pytest.fail(f"{name} exited early:\n{self.output(name)[-3000:]}")
            time.sleep(0.2)
        pytest.fail(f"{name}: no {pattern!r} within {timeout} s:\n{self.output(name)[-3000:]}")

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        proc = self.running.pop(name)
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        proc.wait(20)

    def stop_all(self) -> None:
        for name in list(self.running):
            with suppress(Exception):
                self.kill(name, signal.SIGTERM)


def wait_until(check, what: str, timeout: float = 30.0, every: float = 0.3):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        with suppress(requests.RequestException):
            last = check()
            if last:
                return last
        time.sleep(every)
    pytest.fail(f"not within {timeout} s: {what} (last: {last!r})")


@pytest.fixture
def database():
    need_server("PostgreSQL", "127.0.0.1", 5432)
    name = f"cityops_scale_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin.dispose()


@pytest.fixture
def redis_server(tmp_path):
    server = private_redis_or_skip(str(tmp_path))
    yield server
    server.stop()


def api(base: str, token: str, method: str = "GET", path: str = "", **kw) -> requests.Response:
    return requests.request(method, base + path, headers={"Authorization": f"Bearer {token}"}, timeout=10, **kw)


def test_the_city_on_several_processes_survives_a_killed_ingest_and_a_redis_outage(database, redis_server, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYOPS_")}
    env.update({"CITYOPS_DATABASE_URL": database, "CITYOPS_BUS_URL": redis_server.url,
                "CITYOPS_CACHE_URL": redis_server.url.replace("/0", "/1"), "CITYOPS_DATA_DIR": str(tmp_path / "data"),
                "CITYOPS_SECRET_KEY": "scale-test-secret", "CITYOPS_POLL_SECONDS": "1", "CITYOPS_SEED": "7",
                "CITYOPS_DEMO_SPEED": "20", "CITYOPS_LOG_FORMAT": "json", "CITYOPS_WEBHOOKS_WORKER": "false"})
    procs = Processes(env, str(tmp_path))
    try:
        assert subprocess.run([sys.executable, "-m", "dashboard.cli", "db", "upgrade"], env=env, timeout=120,
                              capture_output=True).returncode == 0
        procs.start("simulate", "simulate", wait_for=r"CITYOPS_SENSORTHINGS_URL=\S+")
        for name, url in re.findall(r"(CITYOPS_\w+_URL)=(\S+)", procs.output("simulate")):
            env[name] = url
        web_a, web_b, push = free_port(), free_port(), free_port()
        env["CITYOPS_PUSH_PORT"] = str(push)
        procs.start("ingest-open311", "ingest", "--connector", "open311", wait_for="CityOps ingest")
        procs.start("ingest-env", "ingest", "--connector", "sensorthings", "--connector", "traffic",
                    wait_for="CityOps ingest")
        procs.start("push", "push", wait_for="push relay on")
        procs.start("web-a", "web", "--port", str(web_a), "--workers", "2", "--threads", "2")
        procs.start("web-b", "web", "--port", str(web_b), wait_for="CityOps web on")
        a, b = f"http://127.0.0.1:{web_a}", f"http://127.0.0.1:{web_b}"
        wait_until(lambda: requests.get(a + "/readyz", timeout=5).ok, "web A (gunicorn) answers", 60)

        from dashboard.services.auth import AuthService
        from dashboard.services.container import build_services
        services = build_services(replace(Settings(), database_url=database, bus_url="memory://", demo=False),
                                  upgrade=False)
        auth = AuthService(services)
        auth.add_user(ADMIN, "wang", "dispatcher", None, "correct horse battery")
        token = auth.create_token(ADMIN, "wang")
        kiosk = auth.create_token(ADMIN, "hall", kind="kiosk")

        # -- an action through B is seen through A and by a wall on the relay -------------------------
        first = wait_until(lambda: api(a, token, path="/api/v1/incidents?status=reported&limit=1").json()["items"],
                           "incidents from the Open311 ingest", 60)[0]
        wall = connect(f"ws://127.0.0.1:{push}/", additional_headers={"Cookie": f"cityops_kiosk={kiosk}"},
                       open_timeout=10)
        time.sleep(0.5)
        done = api(b, token, "POST", f"/api/v1/incidents/{first['id']}/actions",
                   json={"action": "verify", "version": first["version"]})
        assert done.status_code == 200, done.text
        for _ in range(3):   # any of A's workers
            assert api(a, token, path=f"/api/v1/incidents/{first['id']}").json()["status"] == "verified"
        seen = wait_until(lambda: any(m["topic"] == "incident.changed" and m["data"].get("id") == first["id"]
                                      and m["data"].get("status") == "verified"
                                      for m in json.loads(wall.recv(timeout=5)).get("messages", [])),
                          "the verify on the wall", 20, every=0)
        assert seen
        metrics = requests.get(a + "/metrics", timeout=10).text
        assert 'cityops_request_seconds_count{kind="api"' in metrics and "cityops_bus_up 1.0" in metrics

        # -- kill the Open311 ingest mid-stream, start it again: nothing lost, nothing twice -------------
        procs.kill("ingest-open311")
        time.sleep(3)
        procs.start("ingest-open311-again", "ingest", "--connector", "open311", wait_for="CityOps ingest")
        check_open311_complete(services, env["CITYOPS_OPEN311_URL"])

        # -- Redis away for 30 s -------------------------------------------------------------------------
        with services.store.connect() as conn:
            before = conn.exec_driver_sql("SELECT count(*) FROM events").scalar_one()
        redis_server.stop()
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                wall.recv(timeout=15)
        assert closed.value.rcvd.code == 1013                      # the wall says "paused"
        away_until = time.monotonic() + 30
        while time.monotonic() < away_until:                         # pages and the API keep being served
            assert requests.get(a + "/", timeout=10).status_code == 200
            assert api(b, token, path="/api/v1/operations").status_code == 200
            assert api(a, token, path="/api/v1/incidents?limit=5").status_code == 200
            time.sleep(2)
        with services.store.connect() as conn:
            during = conn.exec_driver_sql("SELECT count(*) FROM events").scalar_one()
        assert during > before                                       # ingest went on storing
        redis_server.start()
        wait_until(lambda: "cityops_bus_up 1.0" in requests.get(a + "/metrics", timeout=10).text, "A sees Redis", 30)
        wait_until(lambda: json.loads(requests.get(f"http://127.0.0.1:{push}/healthz", timeout=5).text)["bus_up"],
                   "the relay reads the bus again", 30)
        with connect(f"ws://127.0.0.1:{push}/", additional_headers={"Cookie": f"cityops_kiosk={kiosk}"},
                     open_timeout=10) as again:
            assert json.loads(again.recv(timeout=15))["messages"]      # live again
        check_open311_complete(services, env["CITYOPS_OPEN311_URL"])
        def all_ok():
            report = requests.get(a + "/healthz", timeout=5).json()
            return report if all(c["state"] == "ok" for c in report["connectors"]) else None
        health = wait_until(all_ok, "every feed ok again", 30)
        assert {c["connector"] for c in health["connectors"]} >= {"open311", "sensorthings", "traffic"}
        assert api(a, token, path="/api/v1/operations").status_code == 200
        for name in ("web-a", "web-b", "push", "ingest-env", "ingest-open311-again"):
            assert procs.running[name].poll() is None, f"{name} died:\n{procs.output(name)[-2000:]}"
            assert "Traceback" not in procs.output(name), procs.output(name)[-3000:]
        services.close()
    finally:
        procs.stop_all()


def check_open311_complete(services, open311_url: str) -> None:
    """Every request the demo serves now is one incident (soon); none is there twice."""
    reports = requests.get(f"{open311_url}/requests.json", params={"start_date": "2000-01-01T00:00:00Z",
                                                                   "page_size": 100000}, timeout=20).json()
    wanted = {r["service_request_id"] for r in reports}
    assert wanted

    def stored():
        with services.store.connect() as conn:
            rows = conn.exec_driver_sql("SELECT source_ref, count(*) FROM incidents WHERE source = 'open311' "
                                        "GROUP BY source_ref").all()
        return {ref: n for ref, n in rows}
    refs = wait_until(lambda: (s := stored()) and wanted <= set(s) and s, "every served request stored", 30)
    assert all(n == 1 for n in refs.values())
