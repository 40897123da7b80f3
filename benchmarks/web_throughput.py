"""Web throughput and latency: the main pages and the JSON API under 50 and 200 concurrent clients,
on the embedded defaults (one process, SQLite) and scaled out (PostgreSQL, Redis bus and cache,
gunicorn with 1 and 4 workers). Every server is a real `cityops web` process.

    pip install -e '.[bench]'
    python benchmarks/web_throughput.py [--seconds 15] [--incidents 20000] [--setups embedded,scaled-1,scaled-4]

A client is a browser tab or an API integration: it signs in, then in turn reads the API (incident
list, one incident, the operations picture) and views a page (the page, its layout and the callbacks
the page fires when it opens, recorded once from headless Chromium and replayed with the client's
own session and CSRF token). "paced" clients wait about a second between requests, as people and
integrations do; "saturated" clients send the next request as soon as the last one is answered,
which measures capacity rather than latency (latency ≈ clients in flight ÷ throughput).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import fill_incidents, machine, percentile  # noqa: E402

PG_ADMIN = os.environ.get("CITYOPS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("CITYOPS_BENCH_REDIS_URL", "redis://127.0.0.1:6379")
PASSWORD = "bench horse battery staple"
PAGES = ("/", "/dispatch")
LOADS = (("api", "paced", 50), ("api", "paced", 200), ("api", "saturated", 200),
         ("pages", "paced", 50), ("pages", "paced", 200))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- a setup: store, users, a web server -----------------------------------------------------------
class Setup:
    def __init__(self, name: str, tmp: str, incidents: int, open_incidents: int) -> None:
        self.name, self.tmp = name, tmp
        self.workers = int(name.split("-")[1]) if name.startswith("scaled") else 0
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CITYOPS_")}
        self.env.update({"CITYOPS_DATA_DIR": tmp, "CITYOPS_SECRET_KEY": "bench", "CITYOPS_LOG_FORMAT": "json"})
        self.database = None
        if self.workers:
            self.database = f"cityops_web_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{self.database}"')
            admin.dispose()
            import redis
            for db in (4, 5):
                redis.Redis.from_url(f"{REDIS}/{db}").flushdb()
            self.env.update({"CITYOPS_DATABASE_URL": PG_ADMIN.rsplit("/", 1)[0] + "/" + self.database,
                             "CITYOPS_BUS_URL": f"{REDIS}/4", "CITYOPS_CACHE_URL": f"{REDIS}/5"})
        subprocess.run([sys.executable, "-m", "dashboard.cli", "db", "upgrade"], env=self.env, check=True,
                       capture_output=True, timeout=300)
        self._fill(incidents, open_incidents)
        self.process = None

    def _settings(self):
        from dashboard.config import Settings
        return replace(Settings(), data_dir=self.tmp, database_url=self.env.get("CITYOPS_DATABASE_URL", ""),
                       bus_url="memory://", demo=False)

    def _fill(self, incidents: int, open_incidents: int) -> None:
        from dashboard.domain.identity import Identity
        from dashboard.services.auth import AuthService
        from dashboard.services.container import build_services
        services = build_services(self._settings(), upgrade=False)
        fill_incidents(services, incidents - open_incidents, status="closed")
        fill_incidents(services, open_incidents, status="dispatched")      # open: on the map and in the queue
        admin = Identity("bench", "admin", via="cli")
        auth = AuthService(services)
        auth.add_user(admin, "bench", "dispatcher", None, PASSWORD)
        self.token = auth.create_token(admin, "bench")
        with services.store.connect() as conn:
            self.incident_ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM incidents ORDER BY id DESC LIMIT 500")]
        services.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = ["web", "--port", str(self.port)]
        if self.workers:
            args += ["--workers", str(self.workers), "--threads", "4", "--gunicorn"]
        self.log = open(os.path.join(self.tmp, "web.log"), "w")
        self.process = subprocess.Popen([sys.executable, "-m", "dashboard.cli", *args], env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        import urllib.request
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with suppress(OSError):
                if urllib.request.urlopen(self.url + "/readyz", timeout=2).status == 200:
                    return
            time.sleep(0.5)
        raise RuntimeError(f"{self.name}: the web server did not come up; see {self.log.name}")

    def stop(self) -> None:
        if self.process:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(30)
        if self.database:
            admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.database}'")
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.database}"')
            admin.dispose()


# -- what a page does when it opens, recorded once from a real browser -----------------------------
def record_page_views(setup: Setup) -> dict[str, list[tuple[str, str, str | None]]]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    views: dict[str, list] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(f"{setup.url}/login?lang=zh-CN")
        page.fill("#login-username", "bench")
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_load_state("networkidle")
        current: list = []
        page.on("request", lambda r: current.append((r.method, r.url.removeprefix(setup.url), r.post_data)) if any(
            part in r.url for part in ("/_dash-update-component", "/_dash-layout", "/_dash-dependencies")) else None)
        for path in PAGES:
            current.clear()
            page.goto(setup.url + path)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)
            views[path] = [("GET", path, None)] + list(current)
        browser.close()
    return views


# -- the clients -----------------------------------------------------------------------------------
async def sign_in(session, setup: Setup) -> str:
    async with session.get(f"{setup.url}/login") as r:
        text = await r.text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', text)
    data = {"username": "bench", "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    async with session.post(f"{setup.url}/login", data=data, allow_redirects=False) as r:
        if r.status not in (302, 303):
            raise RuntimeError(f"sign-in failed: {r.status}")
    async with session.get(f"{setup.url}/") as r:
        await r.read()
    for cookie in session.cookie_jar:
        if cookie.key == "_csrf_token":
            return cookie.value
    return ""


API_CYCLE = ("list", "one", "list", "one", "one", "list", "one", "picture")
THINK = {"api": (0.5, 1.5), "pages": (3.0, 7.0)}     # paced: seconds between requests (pages: between views)


async def client(setup: Setup, views: dict, workload: str, mode: str, until: float, results: dict,
                 rnd: random.Random) -> None:
    import aiohttp
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        csrf = await sign_in(session, setup) if workload == "pages" else ""
        api_headers = {"Authorization": f"Bearer {setup.token}"}
        page_headers = {"X-CSRFToken": csrf, "Content-Type": "application/json"}
        if mode == "paced":
            await asyncio.sleep(rnd.uniform(0, THINK[workload][1]))
        turn = rnd.randrange(len(API_CYCLE))
        while time.monotonic() < until:
            started = time.perf_counter()
            ok = True
            try:
                if workload == "api":
                    turn = (turn + 1) % len(API_CYCLE)
                    kind = API_CYCLE[turn]
                    path = {"list": "/api/v1/incidents?limit=50&status=dispatched",
                            "one": f"/api/v1/incidents/{rnd.choice(setup.incident_ids)}",
                            "picture": "/api/v1/operations"}[kind]
                    async with session.get(setup.url + path, headers=api_headers) as r:
                        await r.read()
                        ok = r.status == 200
                    results["api" if kind != "picture" else "picture"].append((time.perf_counter() - started) * 1000)
                    results["requests"] += 1
                else:
                    for method, path, body in views[rnd.choice(PAGES)]:
                        one = time.perf_counter()
                        async with session.request(method, setup.url + path, data=body,
                                                   headers=page_headers if method == "POST" else None) as r:
                            await r.read()
                            ok = ok and r.status in (200, 204)
                        results["requests"] += 1
                        if path.startswith("/_dash-update-component"):
                            results["callback"].append((time.perf_counter() - one) * 1000)
                    results["page"].append((time.perf_counter() - started) * 1000)
            except (aiohttp.ClientError, asyncio.TimeoutError):
                ok = False
            if not ok:
                results["errors"] += 1
            if mode == "paced":
                await asyncio.sleep(rnd.uniform(*THINK[workload]))


def empty() -> dict:
    return {"api": [], "picture": [], "page": [], "callback": [], "requests": 0, "errors": 0}


async def load(setup: Setup, views: dict, workload: str, mode: str, clients: int, seconds: float) -> dict:
    rnd = random.Random(7)
    # every client signs in (pages) and connects before the clock starts
    results = empty()
    started = time.monotonic() + (2 if workload == "api" else 2 + clients * 0.05)
    await asyncio.gather(*(client(setup, views, workload, mode, started + seconds, results,
                                  random.Random(rnd.random())) for _ in range(clients)))
    results["seconds"] = seconds
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--incidents", type=int, default=20_000, help="incidents in the store")
    parser.add_argument("--open", type=int, default=1_500, help="of which open (dispatched): on the map")
    parser.add_argument("--setups", default="embedded,scaled-1,scaled-4")
    args = parser.parse_args()
    rows = []
    for name in args.setups.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            setup = Setup(name, tmp, args.incidents, args.open)
            try:
                setup.start()
                views = record_page_views(setup)
                for workload, mode, clients in LOADS:
                    r = asyncio.run(load(setup, views, workload, mode, clients, args.seconds))
                    rows.append((name, workload, mode, clients, r))
                    print(f"  {name:9} {workload:5} {mode:9} {clients:4d} clients: {r['requests'] / r['seconds']:7.0f} "
                          f"req/s, errors {r['errors']}", flush=True)
            except Exception:
                with suppress(OSError):
                    print("".join(open(os.path.join(tmp, "web.log")).readlines()[-30:]), file=sys.stderr)
                raise
            finally:
                setup.stop()
    print(f"\nweb throughput — {machine()}; {args.incidents:,} incidents, {args.open:,} open; "
          f"{args.seconds:g} s per row")
    print("api: incident list (50 rows) and one incident, 7 in 8 requests; picture: /api/v1/operations, 1 in 8")
    print(f"pages: a view of {' or '.join(PAGES)} = the page, its layout and the callbacks it fires on open")
    print(f"paced: {THINK['api'][0]:g}–{THINK['api'][1]:g} s between API requests, {THINK['pages'][0]:g}–"
          f"{THINK['pages'][1]:g} s between page views; saturated: none")
    print(f"{'setup':10}{'workload':9}{'load':10}{'clients':>8}{'req/s':>8}{'API p50':>9}{'API p95':>9}"
          f"{'picture p95':>13}{'view p50':>10}{'view p95':>10}{'callback p95':>14}{'errors':>8}")
    dash = "–"

    def ms(values, p):
        return f"{percentile(values, p):.0f} ms" if values else dash
    for name, workload, mode, clients, r in rows:
        print(f"{name:10}{workload:9}{mode:10}{clients:8d}{r['requests'] / r['seconds']:8.0f}{ms(r['api'], 50):>9}"
              f"{ms(r['api'], 95):>9}{ms(r['picture'], 95):>13}{ms(r['page'], 50):>10}{ms(r['page'], 95):>10}"
              f"{ms(r['callback'], 95):>14}{r['errors']:8d}")
    goal = [r for name, workload, mode, clients, r in rows
            if name == "scaled-4" and workload == "api" and mode == "paced" and clients == 200]
    if goal:
        print(f"scaled (PostgreSQL + Redis, 4 workers), 200 paced API clients: API p95 "
              f"{percentile(goal[0]['api'], 95):.0f} ms (goal < 200 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
