"""50 crews uploading a 3 MB photo each at the same moment, over HTTP, while dispatchers keep working:
the upload's time (p50, p95) and the time of the other dispatchers' actions meanwhile (p95), against
the same dispatchers' actions with no uploads running. Goal: the dispatch goal (p95 under 100 ms for
an action's server time, benchmarks/dispatch_actions.py) still holds for the dispatchers' whole HTTP
round trip while the uploads run.

A real CityOps web server (the threaded server of `cityops run`, in a process of its own) on a SQLite store (or PostgreSQL with
--backend pg); every photo is a camera-sized JPEG with EXIF time and GPS, each a different file, checked
by content, stripped, stored by sha256 and linked to its case; thumbnails are made by the worker thread.

    python benchmarks/evidence_upload.py [--crews 50] [--dispatchers 50] [--busy-dispatchers 5] [--backend sqlite|pg]
"""
from __future__ import annotations

import argparse
import random
import http.client
import json
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import machine, open_backend, percentile, services_for  # noqa: E402
from dashboard.domain.identity import Identity  # noqa: E402
from dashboard.services import intake  # noqa: E402
from dashboard.services.auth import AuthService  # noqa: E402
from dashboard.services.incident_actions import perform  # noqa: E402
from tests.support import photos  # noqa: E402

ROOT = Identity("root", "admin", via="cli")
PASSWORD = "benchmark password 1"


def _multipart(fields: dict, name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="{name}"\r\n'
                 f'Content-Type: image/jpeg\r\n\r\n'.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _post(port: int, path: str, body: bytes, content_type: str, token: str) -> tuple[int, float, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    conn.request("POST", path, body=body, headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    payload = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    conn.close()
    try:
        data = json.loads(payload)
    except ValueError:
        data = {}
    return response.status, elapsed, data


def run(kind: str, crews: int, dispatchers: int, slots: int = 1, pace: float = 0.0) -> dict:
    from werkzeug.serving import make_server

    from dashboard.web.app import create_app
    with tempfile.TemporaryDirectory() as tmp:
        store, cleanup = open_backend(kind, tmp)
        try:
            services = services_for(store, tmp)
            services.settings = replace(services.settings, evidence_upload_slots=slots)
            intake.ensure_routing_rules(services)
            auth = AuthService(services)
            department = services.city.departments[0].code
            lon, lat = services.city.center
            crew_tokens, desk_tokens = [], []
            for n in range(crews):
                auth.add_user(ROOT, f"crew{n}", "operator", department, PASSWORD)
                crew_tokens.append(auth.create_token(ROOT, f"crew{n}"))
            for n in range(dispatchers):
                auth.add_user(ROOT, f"desk{n}", "dispatcher", None, PASSWORD)
                desk_tokens.append(auth.create_token(ROOT, f"desk{n}"))
            desk = Identity("desk0", "dispatcher")
            cases = []
            for n in range(crews + dispatchers):
                row = intake.record_manual(services, desk, {"category": "0101", "title": f"井盖 {n}",
                                                            "lat": lat, "lon": lon})
                row = perform(services, desk, row["id"], "verify", row["version"])
                cases.append(perform(services, desk, row["id"], "dispatch", row["version"],
                                     params={"department": department}))
            uploads = [photos.jpeg(lat, lon, None, size=(2000, 1500), noise=True, quality=92, seed=n)
                       for n in range(crews)]   # each a different photo of camera size
            base = uploads[0]
            # the web server in a process of its own (as in production): the 55 client threads of this
            # benchmark must not share its interpreter lock
            import multiprocessing
            import socket
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            ready = multiprocessing.get_context("fork").Event()

            def serve():
                store.engine.dispose(close=False)
                app = create_app(services)
                server = make_server("127.0.0.1", port, app.server, threaded=True)
                app.server.test_client().get("/healthz")
                ready.set()
                server.serve_forever()
            child = multiprocessing.get_context("fork").Process(target=serve, daemon=True)
            child.start()
            ready.wait(60)

            def desk_loop(n: int, stop: threading.Event, out: list[float]):
                case = cases[crews + n]
                if pace:   # people do not all press a key in the same millisecond
                    stop.wait(random.uniform(0, pace))
                while not stop.is_set():
                    version = versions.setdefault(n, case["version"])
                    body = json.dumps({"action": "comment", "version": version, "text": "still on it"}).encode()
                    status, ms, data = _post(port, f"/api/v1/incidents/{case['id']}/actions", body,
                                             "application/json", desk_tokens[n])
                    if status == 200:
                        versions[n] = data["version"]
                        out.append(ms)
                    else:
                        refused.append(f"{status}: {str(data)[:200]}")
                    if pace:   # as people work: an action about every `pace` seconds (dispatch_actions.py, paced)
                        stop.wait(pace * random.uniform(0.5, 1.5))

            def desks(seconds: float | None, until: threading.Event | None = None) -> list[float]:
                out: list[float] = []
                stop = until or threading.Event()
                threads = [threading.Thread(target=desk_loop, args=(n, stop, out)) for n in range(dispatchers)]
                for t in threads:
                    t.start()
                if seconds is not None:
                    time.sleep(seconds)
                    stop.set()
                for t in threads:
                    t.join()
                return out

            refused: list[str] = []
            versions: dict[int, int] = {}           # each dispatcher's case, at the version it was left
            quiet = desks(5.0)                      # the dispatchers alone
            upload_ms: list[float] = []
            failures: list[str] = []
            gate = threading.Barrier(crews + 1)
            stop = threading.Event()
            busy: list[float] = []

            def crew(n: int):
                body, ctype = _multipart({"stage": "after"}, f"IMG_{n:04d}.jpg", uploads[n])
                gate.wait()
                status, ms, data = _post(port, f"/api/v1/incidents/{cases[n]['id']}/evidence", body, ctype, crew_tokens[n])
                if status == 201:
                    upload_ms.append(ms)
                else:
                    failures.append(f"{status}: {data}")

            desk_thread = threading.Thread(target=lambda: busy.extend(desks(None, stop)))
            desk_thread.start()
            crew_threads = [threading.Thread(target=crew, args=(n,)) for n in range(crews)]
            for t in crew_threads:
                t.start()
            t0 = time.perf_counter()
            gate.wait()
            for t in crew_threads:
                t.join()
            wall = time.perf_counter() - t0
            stop.set()
            desk_thread.join()
            child.terminate()
            child.join(10)
            return {"kind": kind, "upload": upload_ms, "failures": failures, "wall_s": wall, "quiet": quiet,
                    "busy": busy, "bytes": len(base), "refused": refused}
        finally:
            cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crews", type=int, default=50)
    parser.add_argument("--dispatchers", type=int, default=50,
                        help="dispatchers acting about once a second (the dispatch goal's load)")
    parser.add_argument("--busy-dispatchers", type=int, default=5,
                        help="then this many acting back to back, with no pause (0: skip that run)")
    parser.add_argument("--backend", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--slots", type=int, default=1, help="evidence_upload_slots of the web process")
    args = parser.parse_args()
    print(f"evidence upload benchmark — {machine()}, store {args.backend}, {args.slots} upload slot(s)")
    for dispatchers, pace in ((args.dispatchers, 1.0), (args.busy_dispatchers, 0.0)):
        if dispatchers:
            report(run(args.backend, args.crews, dispatchers, args.slots, pace), args.crews, dispatchers, pace)


def report(r: dict, crews: int, dispatchers: int, pace: float) -> None:
    how = "each acting about once a second (paced, as the dispatch goal is measured)" if pace else \
        "acting back to back (saturated; no goal, for comparison)"
    print(f"  {crews} crews each upload one {r['bytes'] / 1e6:.1f} MB JPEG (EXIF GPS) at once; "
          f"{dispatchers} dispatchers {how}")
    print(f"  uploads: {len(r['upload'])} stored, {len(r['failures'])} failed, all done in {r['wall_s']:.1f} s; "
          f"p50 {percentile(r['upload'], 50):.0f} ms, p95 {percentile(r['upload'], 95):.0f} ms, "
          f"max {max(r['upload'] or [0]):.0f} ms")
    print(f"  dispatchers' actions (HTTP round trip), no uploads: n={len(r['quiet'])} "
          f"p50 {percentile(r['quiet'], 50):.0f} ms, p95 {percentile(r['quiet'], 95):.0f} ms")
    print(f"  dispatchers' actions during the uploads:           n={len(r['busy'])} "
          f"p50 {percentile(r['busy'], 50):.0f} ms, p95 {percentile(r['busy'], 95):.0f} ms "
          + (f"(goal: p95 under 100 ms: {'met' if percentile(r['busy'], 95) < 100 else 'NOT met'})" if pace else ""))
    if r["refused"]:
        print(f"  dispatchers' actions refused: {len(r['refused'])}, e.g. {r['refused'][0]}")
    for failure in r["failures"][:5]:
        print("  failure:", failure)


if __name__ == "__main__":
    main()
