"""The video wall: from the moment the store commits an incident or an alert to the moment it is
visible on the wall in headless Chromium, and the bytes each update costs; the push wall and a plain
5-second polling wall (?live=poll) side by side.

    python benchmarks/wall_latency.py [--events 100] [--alerts 20] [--warm 20] [--size 1920x1080]

The demo city runs for --warm seconds (its layers and figures fill up), then its connectors stop and
the script injects case reports and CAP alerts through the core (IngestService.ingest, as the
connectors do). The commit time is taken from the store engine's own "commit" event, on the injecting
thread; the page marks the time a MutationObserver sees the event's text in the ticker. Both are the
machine's wall clock (time.time() and Date.now()). Bytes: the relay's WebSocket frames per update,
against the snapshot the polling wall fetches to learn the same (the figures and every layer).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import machine, percentile  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.wall_world import case_report, kiosk_link, severe_alert, start_city, stop_city  # noqa: E402

OBSERVER = """() => {
    window.__seen = {};
    const scan = () => {
        const now = Date.now();
        for (const m of document.getElementById('wall-ticker').textContent.matchAll(/WB(\\d+)Q/g)) {
            if (!(m[1] in window.__seen)) { window.__seen[m[1]] = now; }
        }
    };
    new MutationObserver(scan).observe(document.getElementById('wall-ticker'),
                                       {childList: true, subtree: true, characterData: true});
    scan();
}"""


class Commits:
    """Times of the commits made by one thread (the injecting one), from the engine's own event."""

    def __init__(self, engine) -> None:
        self.thread = threading.get_ident()
        self.last = 0.0
        sa.event.listen(engine, "commit", self._on_commit)

    def _on_commit(self, _conn) -> None:
        if threading.get_ident() == self.thread:
            self.last = time.time()


def run_mode(browser, runtime, mode: str, events: int, alerts: int, size: tuple[int, int], gap: tuple[float, float],
             commits: Commits) -> dict:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    frames, snapshots = [], []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(
        payload.encode("utf-8") if isinstance(payload, str) else payload))))

    def on_response(response):
        if "_dash-update-component" in response.url and "wall-hourly" in (response.request.post_data or ""):
            try:
                snapshots.append(len(response.body()))
            except Exception:   # the page went on meanwhile
                pass
    page.on("response", on_response)
    query = {"live": "poll"} if mode == "poll" else {}
    url, _ = kiosk_link(runtime, f"bench-{mode}", scenes="overview", dwell="3600", **query)
    page.goto(url)
    page.wait_for_function("(document.querySelector('.wtile-open .wtile-value')?.textContent || '–').trim() !== '–'",
                           timeout=30_000)
    if mode == "push":
        page.wait_for_selector("#wall-live.is-live", timeout=30_000)
    page.wait_for_timeout(3000)
    page.evaluate(OBSERVER)
    frames.clear()
    snapshot_count_before = len(snapshots)
    committed: dict[str, float] = {}
    kinds = ["incident"] * events + ["alert"] * alerts
    random.Random(7).shuffle(kinds)
    started = time.time()
    for n, kind in enumerate(kinds):
        marker = f"WB{n:04d}Q"
        if kind == "incident":
            case_report(runtime, f"{marker} 基准测试路{n}号", offset=random.uniform(-0.03, 0.03))
        else:
            severe_alert(runtime, f"{marker} 基准测试预警", severity="Moderate", minutes=5)
        committed[f"{n:04d}"] = commits.last
        page.wait_for_timeout(random.uniform(*gap) * 1000)   # also lets the page run
    page.wait_for_timeout(7000 if mode == "poll" else 2000)
    elapsed = time.time() - started
    seen = page.evaluate("window.__seen")
    latencies = [seen[k] / 1000 - t for k, t in committed.items() if k in seen]
    snaps = snapshots[snapshot_count_before:] or snapshots
    heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : null")
    page.close()
    return {"latencies_ms": [x * 1000 for x in latencies], "updates": len(kinds), "missed": len(kinds) - len(latencies),
            "frame_bytes": sum(frames), "frames": len(frames), "snapshot_bytes": statistics.fmean(snaps) if snaps else 0,
            "snapshots": len(snapshots) - snapshot_count_before, "elapsed": elapsed, "heap": heap}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100, help="case reports to inject (incidents)")
    parser.add_argument("--alerts", type=int, default=20, help="CAP alerts to inject")
    parser.add_argument("--warm", type=float, default=20.0, help="seconds the demo city runs first")
    parser.add_argument("--speed", type=float, default=20.0, help="demo pace while warming up")
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--gap", default="1.5,2.5", help="seconds between injections, min,max (the polling "
                        "wall shows only the newest few events, so they must not come faster than it polls)")
    args = parser.parse_args()
    size = tuple(int(x) for x in args.size.split("x"))
    gap = tuple(float(x) for x in args.gap.split(","))
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        runtime = start_city(tmp, demo_speed=args.speed, demo_workforce=False, demo_history_days=0)   # the injected events alone
        try:
            time.sleep(args.warm)
            for stop in runtime.connector_stops.values():   # only what the script injects moves now
                stop.set()
            time.sleep(2)
            commits = Commits(runtime.services.store.engine)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                results = {mode: run_mode(browser, runtime, mode, args.events, args.alerts, size, gap, commits)
                           for mode in ("push", "poll")}
                browser.close()
            with runtime.services.store.connect() as conn:
                open_count = conn.exec_driver_sql(
                    "SELECT count(*) FROM incidents WHERE status NOT IN ('closed','rejected','merged')").scalar_one()
        finally:
            stop_city(runtime)

    print(f"wall latency — {machine()}; {size[0]}×{size[1]}; {args.events} incidents + {args.alerts} alerts per wall, "
          f"{gap[0]:g}–{gap[1]:g} s apart; {open_count} open incidents on the map")
    print(f"{'':34}{'push (relay)':>18}{'5 s polling':>18}")
    push, poll = results["push"], results["poll"]

    def row(name, fn, unit=""):
        print(f"{name:34}{fn(push) + unit:>18}{fn(poll) + unit:>18}")
    row("events measured / missed", lambda r: f"{len(r['latencies_ms'])} / {r['missed']}")
    row("commit → visible p50", lambda r: f"{percentile(r['latencies_ms'], 50):.0f}", " ms")
    row("commit → visible p95", lambda r: f"{percentile(r['latencies_ms'], 95):.0f}", " ms")
    row("commit → visible max", lambda r: f"{max(r['latencies_ms'] or [float('nan')]):.0f}", " ms")
    row("bytes received per update", lambda r: f"{(r['frame_bytes'] if r is push else r['snapshot_bytes'] * r['snapshots']) / r['updates']:.0f}", " B")
    row("relay frames / snapshot loads", lambda r: f"{r['frames']} / {r['snapshots']}")
    snapshot = poll["snapshot_bytes"]
    per_update = push["frame_bytes"] / push["updates"]
    print(f"one snapshot (the figures and every layer, what a poll re-sends): {snapshot:,.0f} bytes")
    print(f"a pushed update costs {per_update:,.0f} bytes = {100 * per_update / snapshot:.2f} % of re-sending them "
          f"(goal < 2 %); p95 {percentile(push['latencies_ms'], 95):.0f} ms (goal < 1000 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
