"""Server time of a dispatch action with 50 concurrent dispatchers on 100,000 stored incidents,
on SQLite and on PostgreSQL. Goal (issue 6): p95 under 100 ms.

The time measured is the action service call the web server makes for POST /api/v1/incidents/<id>/actions
(permission, transition, version check, incident + history + audit in one transaction, publish),
taken in 50 threads at once; HTTP parsing is not included.

Two loads are measured. "paced": each of the 50 dispatchers acts about once a second (think time
0.2–1.8 s, far busier than a real shift), which is what 50 concurrent dispatchers means in a command
center. "saturated": all 50 fire back to back with no think time, to show the headroom; its latency is
mostly queueing (Little's law: 50 in flight / throughput).

    python benchmarks/dispatch_actions.py [--incidents 100000] [--dispatchers 50] [--actions 1500]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import fill_incidents, machine, open_backend, percentile, services_for  # noqa: E402
from dashboard.domain.identity import Identity  # noqa: E402
from dashboard.services import intake  # noqa: E402
from dashboard.services.incident_actions import ActionError, perform  # noqa: E402


def run(kind: str, incidents: int, dispatchers: int, actions: int, think: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        store, cleanup = open_backend(kind, tmp)
        try:
            services = services_for(store, tmp)
            intake.ensure_routing_rules(services)
            t0 = time.perf_counter()
            ids = fill_incidents(services, incidents)
            fill_s = time.perf_counter() - t0
            targets = ids[:actions]
            timings: list[float] = []
            errors: list[str] = []
            lock = threading.Lock()

            def dispatcher(n: int):
                me = Identity(f"dispatcher{n}", "dispatcher")
                departments = [d.code for d in services.city.departments]
                rng = random.Random(n)
                for i in range(n, len(targets), dispatchers):
                    if think:
                        time.sleep(rng.uniform(0.2, 1.8))
                    start = time.perf_counter()
                    try:
                        perform(services, me, targets[i], "dispatch", 1, params={"department": departments[i % len(departments)]})
                    except ActionError as exc:
                        errors.append(str(exc))
                    elapsed = (time.perf_counter() - start) * 1000
                    with lock:
                        timings.append(elapsed)

            threads = [threading.Thread(target=dispatcher, args=(n,)) for n in range(dispatchers)]
            wall = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            wall = time.perf_counter() - wall
            return {"backend": kind, "incidents": incidents, "fill_s": fill_s, "n": len(timings),
                    "p50": percentile(timings, 50), "p95": percentile(timings, 95), "errors": len(errors),
                    "throughput": len(timings) / wall}
        finally:
            cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--dispatchers", type=int, default=50)
    parser.add_argument("--actions", type=int, default=1500)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"dispatch action benchmark · {machine()}")
    print(f"{args.dispatchers} concurrent dispatchers, {args.actions} dispatch actions, "
          f"{args.incidents:,} stored incidents; goal p95 < 100 ms")
    print(f"{'backend':12} {'load':10} {'p50 ms':>8} {'p95 ms':>8} {'actions/s':>10} {'errors':>7}  goal p95<100ms")
    for kind in args.backends.split(","):
        for load in ("paced", "saturated"):
            r = run(kind, args.incidents, args.dispatchers, args.actions, think=load == "paced")
            verdict = "met" if r["p95"] < 100 else "not met"
            print(f"{kind:12} {load:10} {r['p50']:8.1f} {r['p95']:8.1f} {r['throughput']:10.0f} {r['errors']:7d}  {verdict}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
