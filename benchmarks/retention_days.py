"""Thirty simulated days of the demo city at high speed, with retention: the store's size at the end of each
day (flat once the raw readings' retention window is full) and, on day 1 and day 30, the time of the API
(the incident list and the operations picture), the review (this month's overview: figures, trends, AQI
days, congestion hours) and the replay (the picture at 08:00 of day 1).

Scaled down to run in minutes on a small box: each road segment, station pollutant and bus reports every
`--every` minutes (default 15; the demo city's live feeds report every few seconds: about 100 events a
second, 8.6 million a day) and the retention window is `--keep-days` (default 7, the setting's default is 14)
so that the flat part shows within 30 days. The demo city's incidents (its history generator, about 300 a
day) are written day by day and kept. The retention round runs at the end of each simulated day, as the
worker would have run through it.

    python benchmarks/retention_days.py --backend sqlite
    python benchmarks/retention_days.py --backend postgresql
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from benchmarks._common import PG_URL, machine  # noqa: E402
from dashboard.bus import MemoryBus  # noqa: E402
from dashboard.config import Settings  # noqa: E402
from dashboard.domain.events import AIR_READING, SEGMENT_SPEED, VEHICLE_POSITION, Event  # noqa: E402
from dashboard.domain.identity import Identity  # noqa: E402
from dashboard.services.container import Services  # noqa: E402
from dashboard.services.retention import Policy, run_round  # noqa: E402
from dashboard.store import feeds, open_store, reference, schema as t  # noqa: E402
from dashboard.store import retention as prune  # noqa: E402

LEADER = Identity("leader", "leader")
ADMIN = Identity("admin", "admin")
POLLUTANTS = ("pm25", "pm10", "o3", "no2", "so2", "co")


def store_size(store) -> int:
    if store.dialect == "sqlite":
        prune._sqlite_raw(store, "PRAGMA wal_checkpoint(TRUNCATE)")
        path = Path(store.engine.url.database)
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    with store.connect() as conn:
        return int(conn.exec_driver_sql(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) "
            "AND c.relkind IN ('r', 'm')").scalar())


def readings(city, day_start: datetime, every: int, rng: random.Random):
    """One day's readings of every segment, station pollutant and bus, every `every` minutes."""
    buses = [f"bus-{k:03d}" for k in range(100)]
    for slot in range(0, 24 * 60, every):
        at = day_start + timedelta(minutes=slot, seconds=rng.randrange(60))
        stamp = at.isoformat()
        rush = 0.55 if at.hour in (0, 1, 8, 9, 10) else 1.0   # UTC: the city's rush hours
        for s in city.segments:
            yield Event("traffic", SEGMENT_SPEED, f"{s.id}@{stamp}", at,
                        {"segment_id": s.id, "speed_kmh": round(s.free_flow_kmh * rush * rng.uniform(0.5, 1.0), 1),
                         "flow_vph": rng.randrange(200, 1800)})
        for st in city.stations:
            for p in POLLUTANTS:
                v = rng.uniform(0.3, 2.0) if p == "co" else rng.uniform(5, 160)
                yield Event("sensorthings", AIR_READING, f"{st.id}-{p}@{stamp}", at,
                            {"station_id": st.id, "pollutant": p, "value": round(v, 1)})
        for b in buses:
            yield Event("gtfs_rt", VEHICLE_POSITION, f"{b}@{stamp}", at,
                        {"vehicle_id": b, "route_id": b[-2:], "speed_kmh": 20.0},
                        lat=32.0 + rng.random() * 0.1, lon=118.7 + rng.random() * 0.2)


def write(store, events, now: datetime, batch: int = 5000) -> int:
    n = 0
    chunk = []
    for e in events:
        chunk.append(e)
        if len(chunk) >= batch:
            with store.begin() as conn:
                n += len(feeds.insert_events(conn, chunk, now))
            chunk = []
    if chunk:
        with store.begin() as conn:
            n += len(feeds.insert_events(conn, chunk, now))
    return n


def timed(fn, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def measure(services, now: datetime, replay_at: datetime) -> dict:
    from dashboard.services import evaluation, incident_queries, operations, replay
    query = evaluation.ReviewQuery("custom", (now - timedelta(days=29)).astimezone(services.tz).date(),
                                   now.astimezone(services.tz).date())
    return {
        "api incidents": timed(lambda: incident_queries.list_incidents(services, ADMIN, {"limit": 50})),
        "api picture": timed(lambda: operations._operations_snapshot(services, None, None)),
        "review": timed(lambda: evaluation.overview(services, LEADER, query, "zh-CN", now=now)),
        "replay": timed(lambda: replay.picture_at(services, LEADER, replay_at)),
    }


def run(backend: str, days: int, every: int, keep_days: int, sqlite_dir: str) -> None:
    from dashboard.demo.city import build_city
    from dashboard.demo.history import build_history
    city = build_city(7)
    if backend == "postgresql":
        admin = sa.create_engine(PG_URL)
        with admin.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS retention_bench CASCADE; CREATE SCHEMA retention_bench")
        store = open_store(PG_URL, connect_args={"options": "-csearch_path=retention_bench"})
    else:
        path = Path(sqlite_dir) / "retention-bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        store = open_store(f"sqlite:///{path}")
    store.upgrade()
    with store.begin() as conn:
        reference.save_city(conn, city)
    settings = replace(Settings(), demo=False, retention_readings_days=keep_days, data_dir=sqlite_dir)
    services = Services(settings, store, MemoryBus(), city)
    policy = replace(Policy.from_settings(settings), readings_days=keep_days)
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    first = today - timedelta(days=days - 1)
    end = today + timedelta(days=1)
    incidents, history = build_history(city, 7, end, services.tz, days)
    by_day: dict[int, tuple[list, list]] = {}
    owner = {}
    for row in incidents:
        d = max(0, (row["created_at"] - first).days)
        by_day.setdefault(d, ([], []))[0].append(row)
        owner[row["id"]] = d
    for h in history:
        by_day.setdefault(owner[h["incident_id"]], ([], []))[1].append(h)
    rng = random.Random(1)
    print(f"retention benchmark · {backend} · {machine()}")
    print(f"{days} simulated days of the demo city ({len(city.segments)} segments, {len(city.stations)} stations x "
          f"{len(POLLUTANTS)} pollutants, 100 buses, every {every} min; {len(incidents):,} incidents); raw readings "
          f"kept {keep_days} days")
    print(f"{'day':>4} {'readings':>10} {'raw rows':>10} {'roll-up rows':>12} {'store MB':>9} {'write s':>8} {'round s':>8}")
    timings = {}
    for d in range(days):
        day_start = first + timedelta(days=d)
        day_end = day_start + timedelta(days=1)
        prune.ensure_partitions(store, day_start.date())   # as the worker does, days ahead
        t0 = time.perf_counter()
        n = write(store, readings(city, day_start, every, rng), day_end)
        incs, hist = by_day.get(d, ([], []))
        if incs:
            with store.begin() as conn:
                conn.execute(t.incidents.insert(), incs)
                conn.execute(t.incident_history.insert(), hist)
                if store.dialect == "postgresql":
                    conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('incidents', 'id'), "
                                         "(SELECT max(id) FROM incidents))")
        write_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_round(store, policy, day_end + timedelta(minutes=5), settings.aqi_standard)
        round_s = time.perf_counter() - t0
        if store.dialect == "postgresql":
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        from dashboard.store import schema_retention as rt
        with store.connect() as conn:
            raw = conn.execute(sa.select(sa.func.count()).select_from(t.events)).scalar_one()
            rolled = conn.execute(sa.select(sa.func.count()).select_from(rt.reading_rollups)).scalar_one()
        size = store_size(store)
        print(f"{d + 1:>4} {n:>10,} {raw:>10,} {rolled:>12,} {size / 1e6:>9.1f} {write_s:>8.1f} {round_s:>8.1f}",
              flush=True)
        if d in (0, days - 1):
            timings[d + 1] = measure(services, day_end - timedelta(minutes=1), first + timedelta(hours=8))
    print()
    print(f"{'':16} " + " ".join(f"{'day ' + str(k):>10}" for k in timings))
    for key in timings[1]:
        print(f"{key:16} " + " ".join(f"{timings[k][key] * 1000:>8.0f} ms" for k in timings))
    store.close()
    if backend == "postgresql":
        with admin.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA retention_bench CASCADE")
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--every", type=int, default=15, help="minutes between two readings of one sensor")
    parser.add_argument("--keep-days", type=int, default=7, help="raw readings' retention (days)")
    parser.add_argument("--sqlite-dir", default=tempfile.gettempdir())
    args = parser.parse_args()
    os.environ.setdefault("DASH_DISABLE_VERSION_CHECK", "true")
    run(args.backend, args.days, args.every, args.keep_days, args.sqlite_dir)


if __name__ == "__main__":
    main()
