"""The video wall left running: the demo city at high speed, the wall rotating its scenes, and every
few minutes the browser's JS heap (after a forced garbage collection), its DOM node and event
listener counts, and the server's resident memory. A wall that leaks shows it here.

    python benchmarks/wall_soak.py [--minutes 30] [--speed 30] [--size 1920x1080] [--every 60]

Figures come from the Chrome DevTools protocol (HeapProfiler.collectGarbage, Performance.getMetrics)
and /proc/self/status (the server runs in this process, with the demo city's feed servers; the bus
keeps its newest 20,000 messages and the demo its newest 20,000 reports, so the server grows until
those are full). The script closes incidents as fast as the demo reports them (--open), so that what
the wall shows stays about the same size and any growth left is the wall's own. Relay resets,
snapshot reloads, page loads and page errors are counted too: each is something a wall should rarely do.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import machine  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.wall_world import close_incidents, kiosk_link, start_city, stop_city  # noqa: E402


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def open_incidents(runtime) -> int:
    with runtime.services.store.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM incidents WHERE status IN "
                                    "('reported','verified','dispatched','accepted','returned','fixed')").scalar_one()


def sample(page, cdp) -> dict:
    cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {"heap_mib": metrics["JSHeapUsedSize"] / 2**20, "nodes": int(metrics["Nodes"]),
            "dom": page.evaluate("document.getElementsByTagName('*').length"),
            "listeners": int(metrics["JSEventListeners"]), "rss_mib": rss_mib()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--speed", type=float, default=30.0, help="demo pace (1 = a real day)")
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between samples")
    parser.add_argument("--dwell", default="10", help="seconds per scene")
    parser.add_argument("--open", type=int, default=300, help="keep about this many incidents open (the script "
                        "closes the rest, as departments do), so that what the wall shows stops growing; 0: never")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    from playwright.sync_api import sync_playwright

    counts = {"loads": 0, "snapshots": 0, "errors": 0, "frames": 0}
    with tempfile.TemporaryDirectory() as tmp:
        runtime = start_city(tmp, demo_speed=args.speed, demo_workforce=False,   # the script closes incidents
                             demo_history_days=0)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
                page.on("load", lambda: counts.__setitem__("loads", counts["loads"] + 1))
                page.on("pageerror", lambda e: counts.__setitem__("errors", counts["errors"] + 1))
                page.on("request", lambda r: "wall-hourly" in (r.post_data or "") and
                        counts.__setitem__("snapshots", counts["snapshots"] + 1))
                page.on("websocket", lambda ws: ws.on("framereceived", lambda _p: counts.__setitem__(
                    "frames", counts["frames"] + 1)))
                cdp = page.context.new_cdp_session(page)
                cdp.send("Performance.enable")
                url, _ = kiosk_link(runtime, "soak", dwell=args.dwell)
                page.goto(url)
                page.wait_for_function("(document.querySelector('.wtile-open .wtile-value')?.textContent || '–')"
                                       ".trim() !== '–'", timeout=30_000)
                page.wait_for_timeout(15_000)   # settled: first flights, first trends
                print(f"wall soak — {machine()}; {width}×{height}; demo speed {args.speed:g}; "
                      f"scenes every {args.dwell} s; {args.minutes:g} min", flush=True)
                print(f"{'min':>6} {'JS heap MiB':>12} {'DOM nodes':>10} {'elements':>9} {'listeners':>10} "
                      f"{'server RSS MiB':>15} {'open inc.':>10} {'frames':>8} {'snapshots':>10}", flush=True)
                started = time.monotonic()
                samples = []
                while True:
                    minutes = (time.monotonic() - started) / 60
                    s = sample(page, cdp)
                    s["open"] = open_incidents(runtime)
                    samples.append(s)
                    print(f"{minutes:6.1f} {s['heap_mib']:12.1f} {s['nodes']:10d} {s['dom']:9d} {s['listeners']:10d} "
                          f"{s['rss_mib']:15.1f} {s['open']:10d} {counts['frames']:8d} {counts['snapshots']:10d}", flush=True)
                    if minutes >= args.minutes:
                        break
                    deadline = time.monotonic() + args.every
                    while time.monotonic() < deadline:      # the departments keep up, as on a real day
                        if args.open:
                            close_incidents(runtime.services, min(60, max(0, open_incidents(runtime) - args.open)))
                        page.wait_for_timeout(min(10_000, max(0, (deadline - time.monotonic()) * 1000)))
                first, last = samples[0], samples[-1]
                print(f"start → end: JS heap {first['heap_mib']:.1f} → {last['heap_mib']:.1f} MiB, DOM nodes "
                      f"{first['nodes']} → {last['nodes']} (elements {first['dom']} → {last['dom']}), listeners "
                      f"{first['listeners']} → {last['listeners']}, server RSS {first['rss_mib']:.0f} → "
                      f"{last['rss_mib']:.0f} MiB; page loads {counts['loads']}, snapshot loads {counts['snapshots']}, "
                      f"relay resets {runtime.relay.resets_sent}, page errors {counts['errors']}")
                browser.close()
        finally:
            stop_city(runtime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
