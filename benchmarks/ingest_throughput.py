"""Ingest throughput: events per second into the store and onto the bus, per kind of feed,
embedded (SQLite + in-process bus) and scaled (PostgreSQL + Redis Streams). Goal (issue 9): at least
5,000 events/s per process.

The events are what the connectors produce for the demo city (one traffic message carries every
segment; air readings come in pages; Open311 requests in windows); each batch goes through
IngestService.ingest as a connector would deliver it: dedupe, store, latest state, rules, publish.

    python benchmarks/ingest_throughput.py [--seconds 10] [--backends embedded,scaled]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import machine, open_backend, services_for  # noqa: E402
from dashboard.domain.events import Event  # noqa: E402
from dashboard.services.ingest import IngestService  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/14"


def traffic_batches(city, start):
    n = 0
    while True:
        at = start + timedelta(seconds=5 * n)
        yield [Event("traffic", "segment_speed", f"{s.id}@{at.isoformat()}", at,
                     {"segment_id": s.id, "speed_kmh": s.free_flow_kmh * (0.4 + (n + i) % 7 / 10), "flow_vph": 900})
               for i, s in enumerate(city.segments)]
        n += 1


def air_batches(city, start):
    n = 0
    pollutants = ("pm25", "pm10", "o3", "no2", "so2", "co")
    while True:
        at = start + timedelta(minutes=n)
        yield [Event("sensorthings", "air_reading", f"o{n}-{i}-{p}", at,
                     {"station_id": st.id, "pollutant": p, "value": 20 + (n + i) % 60 if p != "co" else 0.8},
                     lat=st.lat, lon=st.lon)
               for i, st in enumerate(city.stations) for p in pollutants]
        n += 1


def report_batches(city, start):
    n = 0
    while True:
        batch = []
        for k in range(200):
            seg = city.segments[(n * 200 + k) % len(city.segments)]
            lon, lat = seg.geometry["coordinates"][0]
            batch.append(Event("open311", "case_report", f"r{n}-{k}", start + timedelta(seconds=n * 200 + k),
                               {"service_code": "0501", "description": "bench", "address": "bench"},
                               lat=lat + k * 1e-4, lon=lon))
        yield batch
        n += 1


def measure(services, batches, seconds: float) -> tuple[float, int]:
    sink = IngestService(services)
    events = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        batch = next(batches)
        sink.ingest("bench", batch)
        events += len(batch)
    return events / (time.perf_counter() - started), events


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--backends", default="embedded,scaled")
    args = parser.parse_args()
    print(f"ingest throughput · {machine()} · {args.seconds:.0f} s per row; goal ≥ 5,000 events/s per process")
    print(f"{'setup':30} {'feed':22} {'events/s':>10} {'events':>9}  goal")
    for backend in args.backends.split(","):
        for feed, make in (("traffic (segment speeds)", traffic_batches), ("air (readings)", air_batches),
                           ("open311 (new cases)", report_batches)):
            with tempfile.TemporaryDirectory() as tmp:
                store, cleanup = open_backend("sqlite" if backend == "embedded" else "postgresql", tmp)
                try:
                    services = services_for(store, tmp)
                    label = "SQLite + in-process bus"
                    if backend == "scaled":
                        from dashboard.bus.redis_streams import RedisBus
                        services.bus = RedisBus(REDIS_URL, stream=f"bench:{uuid.uuid4().hex}")
                        label = "PostgreSQL + Redis Streams"
                    rate, n = measure(services, make(services.city, datetime.now(timezone.utc)), args.seconds)
                    if backend == "scaled":
                        services.bus._redis.delete(services.bus.stream)
                    print(f"{label:30} {feed:22} {rate:10,.0f} {n:9,}  {'met' if rate >= 5000 else 'not met'}",
                          flush=True)
                finally:
                    cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
