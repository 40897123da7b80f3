"""Retention: roll-ups equal the aggregates of the raw readings they replace, the cut falls where the
settings say (the day before it goes, the day after stays), pruning during ingest loses nothing that
should stay. On SQLite and on PostgreSQL (day partitions dropped)."""
from __future__ import annotations

import random
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from dashboard.domain import aqi
from dashboard.domain.events import AIR_READING, CASE_REPORT, SEGMENT_SPEED, VEHICLE_POSITION, Event
from dashboard.services.retention import Policy, RetentionWorker, run_round
from dashboard.store import feeds, rollups, schema as t, schema_retention as rt
from dashboard.store import retention as prune

NOW = datetime(2026, 12, 5, 10, 7, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def policy(**kw) -> Policy:
    base = dict(readings_days=14, rollups_5m_days=0, rollups_hourly_days=0, records_days=0, incidents_days=0,
                audit_days=0, batch=500)
    base.update(kw)
    return Policy(**base)


def speed(seg: str, at: datetime, kmh: float, n: int = 0) -> Event:
    return Event("traffic", SEGMENT_SPEED, f"{seg}@{at.isoformat()}#{n}", at,
                 {"segment_id": seg, "speed_kmh": kmh, "flow_vph": int(kmh * 20)})


def air(st: str, pollutant: str, at: datetime, value: float) -> Event:
    return Event("sensorthings", AIR_READING, f"{st}-{pollutant}@{at.isoformat()}", at,
                 {"station_id": st, "pollutant": pollutant, "value": value})


def store_events(store, events, received=None):
    with store.begin() as conn:
        return feeds.insert_events(conn, events, received or NOW)


def raw_count(store, kind=None) -> int:
    e = t.events.c
    q = sa.select(sa.func.count()).select_from(t.events)
    if kind:
        q = q.where(e.kind == kind)
    with store.connect() as conn:
        return conn.execute(q).scalar_one()


def test_rollups_equal_the_aggregates_of_the_raw_readings(store):
    rng = random.Random(4)
    start = NOW - timedelta(days=2)
    events = []
    for k in range(600):
        at = start + timedelta(seconds=rng.randrange(0, 36 * 3600))
        events.append(speed(rng.choice(["S1", "S2", "S3"]), at, round(rng.uniform(5, 80), 2), k))
    for k in range(300):
        at = start + timedelta(seconds=rng.randrange(0, 36 * 3600), microseconds=k)
        events.append(air(rng.choice(["A1", "A2"]), rng.choice(["pm25", "o3", "no2"]), at, round(rng.uniform(5, 200), 1)))
    store_events(store, events)
    # what the raw rows say, computed here in Python
    expect5: dict = {}
    for e in events:
        b = rollups.floor_to(rollups.epoch(e.observed_at), 300)
        if e.kind == SEGMENT_SPEED:
            keys = [("segment", e.payload["segment_id"], "speed_kmh", e.payload["speed_kmh"]),
                    ("segment", e.payload["segment_id"], "flow_vph", e.payload["flow_vph"])]
        else:
            keys = [("station", e.payload["station_id"], e.payload["pollutant"], e.payload["value"])]
        for kind, subject, metric, v in keys:
            cell = expect5.setdefault((kind, subject, metric, b), [])
            cell.append(v)
    report = run_round(store, policy(), NOW, aqi.DEFAULT)
    assert report.rolled_through is not None
    with store.connect() as conn:
        got5 = {(r["subject"], r["metric"], r["bucket"]): r
                for kind in ("segment", "station") for r in rollups.series(conn, 300, kind, start - HOUR, NOW)}
        got60 = {(r["subject"], r["metric"], r["bucket"]): r
                 for kind in ("segment", "station") for r in rollups.series(conn, 3600, kind, start - HOUR, NOW)}
        hourly_aqi = conn.execute(sa.select(rt.aqi_hourly)).all()
    assert len(got5) == len(expect5)
    for (kind, subject, metric, b), values in expect5.items():
        r = got5[(subject, metric, b)]
        assert r["n"] == len(values)
        assert abs(r["total"] - sum(values)) < 1e-6
        assert r["min"] == min(values) and r["max"] == max(values)
    expect60: dict = {}
    for (kind, subject, metric, b), values in expect5.items():
        expect60.setdefault((subject, metric, rollups.floor_to(b, 3600)), []).extend(values)
    assert set(got60) == set(expect60)
    for key, values in expect60.items():
        assert got60[key]["n"] == len(values) and abs(got60[key]["mean"] - sum(values) / len(values)) < 1e-6
    # the hourly AQI is the standard's AQI of the hour's means
    for row in hourly_aqi:
        means = {m: sum(v) / len(v) for (s, m, b), v in expect60.items() if s == row.station_id and b == row.hour}
        assert row.aqi == aqi.compute(means).aqi


def test_the_cut_keeps_the_day_after_and_drops_the_day_before(store):
    cut = prune.day_cut(NOW, 14)
    assert cut == datetime(2026, 11, 21, tzinfo=timezone.utc)
    if store.dialect == "postgresql":   # day partitions for the days of the test, as the migration makes them
        with store.connect() as conn:
            have = set(prune.day_partitions(conn))
        for n in range(-20, 1):
            day = (NOW + timedelta(days=n)).date()
            if day not in have:
                with store.begin() as conn:
                    nxt = day + timedelta(days=1)
                    conn.exec_driver_sql(f"CREATE TABLE events_rd_{day:%Y%m%d} PARTITION OF events_readings "
                                         f"FOR VALUES FROM ('{day} 00:00:00+00') TO ('{nxt} 00:00:00+00')")
    before = [speed("S1", cut - timedelta(days=1), 30.0), speed("S1", cut - timedelta(seconds=1), 31.0),
              Event("gtfs_rt", VEHICLE_POSITION, "bus-1@old", cut - timedelta(hours=3), {"vehicle_id": "bus-1"}),
              air("A1", "pm25", cut - timedelta(minutes=1), 50.0)]
    after = [speed("S1", cut, 40.0), speed("S1", cut + timedelta(days=1), 41.0),
             air("A1", "pm25", cut + timedelta(seconds=1), 60.0),
             Event("gtfs_rt", VEHICLE_POSITION, "bus-1@new", cut + timedelta(hours=3), {"vehicle_id": "bus-1"})]
    record = Event("open311", CASE_REPORT, "case-1", cut - timedelta(days=5), {"title": "old case"})
    store_events(store, before + after)
    store_events(store, [record], received=cut - timedelta(days=5))
    # roll-ups first: the watermark starts at the oldest reading
    report = run_round(store, policy(), NOW, aqi.DEFAULT)
    assert report.rolled_through >= NOW - timedelta(minutes=10)
    e = t.events.c
    with store.connect() as conn:
        left = set(conn.execute(sa.select(e.source_id)).scalars())
        hours = {r["bucket"] for r in rollups.series(conn, 3600, "segment", cut - timedelta(days=2), NOW)}
    assert left == {x.source_id for x in after} | {"case-1"}      # other records follow their own policy
    # what was pruned is still in the roll-ups
    assert rollups.floor_to(rollups.epoch(cut - timedelta(days=1)), 3600) in hours
    assert rollups.floor_to(rollups.epoch(cut - timedelta(seconds=1)), 3600) in hours
    if store.dialect == "postgresql":   # a whole day before the cut went as a partition
        with store.connect() as conn:
            days = set(prune.day_partitions(conn))
        assert (cut - timedelta(days=1)).date() not in days and cut.date() in days
    # records: a policy of their own
    run_round(store, policy(records_days=3), NOW, aqi.DEFAULT)
    assert raw_count(store, CASE_REPORT) == 0


def test_nothing_is_pruned_that_is_not_rolled_up(store):
    old = NOW - timedelta(days=30)
    store_events(store, [speed("S2", old + timedelta(minutes=k), 20.0 + k, k) for k in range(10)])
    store_events(store, [speed("S2", NOW - timedelta(hours=1), 33.0)])
    # a round that stops before rolling up prunes nothing
    stopped = threading.Event()
    stopped.set()
    run_round(store, policy(), NOW, aqi.DEFAULT, stop=stopped)
    assert raw_count(store) == 11
    run_round(store, policy(), NOW, aqi.DEFAULT)
    assert raw_count(store) == 1
    with store.connect() as conn:
        r = rollups.series(conn, 3600, "segment", old - timedelta(hours=1), old + timedelta(hours=1), "speed_kmh")
    assert sum(x["n"] for x in r) == 10 and abs(sum(x["total"] for x in r) - sum(20.0 + k for k in range(10))) < 1e-9


def test_pruning_during_ingest_loses_nothing_that_should_stay(services):
    """Ingest writes fresh readings from threads while the worker prunes old ones in small batches: every
    fresh reading is stored, every old one is in the roll-ups, no write failed."""
    store = services.store
    now = datetime.now(timezone.utc)
    old_start = now - timedelta(days=20)
    old = [speed("S3", old_start + timedelta(seconds=7 * k), 10.0 + k % 50, k) for k in range(3000)]
    for i in range(0, len(old), 500):
        store_events(store, old[i:i + 500])
    from dashboard.services.ingest import IngestService
    ingest = IngestService(services)
    errors: list[BaseException] = []
    written: list[str] = []
    done = threading.Event()

    def feed(seg: str):
        try:
            k = 0
            while not done.is_set() or k < 200:
                batch = [speed(seg, now - timedelta(seconds=k + j), 40.0, k + j) for j in range(10)]
                ingest.ingest("traffic", batch)
                written.extend(e.source_id for e in batch)
                k += 10
                if k >= 2000:
                    break
                time.sleep(0.005)   # a feed's pace: batches arrive, they are not fired back to back
        except BaseException as exc:   # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=feed, args=(s,)) for s in ("S1", "S2")]
    for th in threads:
        th.start()
    services.settings = replace(services.settings, retention_batch_rows=200)
    worker = RetentionWorker(services)
    report = worker.round(now=now)
    done.set()
    for th in threads:
        th.join(60)
    assert not errors
    e = t.events.c
    with store.connect() as conn:
        fresh = set(conn.execute(sa.select(e.source_id).where(e.kind == SEGMENT_SPEED,
                                                               e.payload["segment_id"].as_string() != "S3")).scalars())
        old_left = conn.execute(sa.select(sa.func.count()).where(e.payload["segment_id"].as_string() == "S3")).scalar()
        rolled = conn.execute(sa.select(sa.func.sum(rt.reading_rollups.c.n)).where(
            rt.reading_rollups.c.grain == 3600, rt.reading_rollups.c.subject == "S3",
            rt.reading_rollups.c.metric == "speed_kmh")).scalar()
    assert fresh == set(written)
    assert old_left == 0 and report.readings_pruned + 0 >= 0
    assert rolled == 3000


def test_sqlite_file_shrinks_after_pruning(sqlite_store, tmp_path):
    store = sqlite_store
    old = NOW - timedelta(days=40)
    big = "x" * 400
    for i in range(0, 6000, 1000):
        store_events(store, [Event("traffic", SEGMENT_SPEED, f"S1@{k}", old + timedelta(seconds=k),
                                   {"segment_id": "S1", "speed_kmh": 30.0, "note": big}) for k in range(i, i + 1000)])
    path = store.engine.url.database
    prune._sqlite_raw(store, "PRAGMA wal_checkpoint(TRUNCATE)")
    import os
    before = os.path.getsize(path)
    run_round(store, policy(batch=1000), NOW, aqi.DEFAULT)
    for _ in range(20):
        if prune.incremental_vacuum(store, 10_000) == 0:
            break
    prune._sqlite_raw(store, "PRAGMA wal_checkpoint(TRUNCATE)")
    after = os.path.getsize(path)
    assert raw_count(store) == 0
    assert after < before / 2, (before, after)


def test_audit_retention_never_below_the_minimum():
    from dashboard.config import Settings
    p = Policy.from_settings(Settings(retention_audit_days=30, retention_audit_min_days=1095))
    assert p.audit_days == 1095
    assert Policy.from_settings(Settings()).audit_days == 0      # 0: kept for ever
    assert Policy.from_settings(Settings(retention_readings_days=0)).readings_days == 1


def test_review_trends_from_rollups_equal_those_from_the_raw_readings(services):
    """AQI days and congestion hours over a period: the roll-ups (and raw readings newer than them) give what
    the raw readings alone gave; the replay reads the roll-ups for a moment they cover."""
    from zoneinfo import ZoneInfo

    from dashboard.domain import evaluation as ev
    from dashboard.services import replay
    from dashboard.store import evaluation_trends as trends
    store = services.store
    rng = random.Random(9)
    tz = ZoneInfo("Asia/Shanghai")
    start = NOW - timedelta(days=3)
    events = [speed(rng.choice(["S1", "S2", "S3"]), start + timedelta(seconds=rng.randrange(3 * 86400)),
                    round(rng.uniform(5, 70), 1), k) for k in range(800)]
    events += [air(rng.choice(["A1", "A2"]), rng.choice(["pm25", "pm10", "o3"]),
                   start + timedelta(seconds=rng.randrange(3 * 86400), microseconds=k), round(rng.uniform(5, 150), 1))
               for k in range(500)]
    store_events(store, events)
    period = ev.period("custom", NOW.astimezone(tz).date(), tz, (start - timedelta(days=1)).astimezone(tz).date(),
                       NOW.astimezone(tz).date())
    with store.connect() as conn:
        raw_air, raw_hours = trends.air_daily_means_raw(conn, period, tz.key), trends.congestion_by_hour_raw(conn, period, tz.key)
    # roll up to a point inside the data: the rest comes from the raw readings
    run_round(store, policy(), NOW - timedelta(hours=20), aqi.DEFAULT)
    with store.connect() as conn:
        air_now, hours_now = trends.air_daily_means(conn, period, tz.key), trends.congestion_by_hour(conn, period, tz.key)
    assert_close(air_now, raw_air)
    assert_close({h["hour"]: (h["ratio"], h["readings"]) for h in hours_now},
                 {h["hour"]: (h["ratio"], h["readings"]) for h in raw_hours})
    # a moment the roll-ups cover, once the raw readings are gone
    run_round(store, policy(readings_days=1), NOW, aqi.DEFAULT)
    assert raw_count(store, SEGMENT_SPEED) < 800
    at = NOW - timedelta(days=2, hours=3)
    with store.connect() as conn:
        speeds, airs = replay.segments_at(conn, at), replay.stations_at(conn, at)
        air_now = trends.air_daily_means(conn, period, tz.key)
    assert_close(air_now, raw_air)
    expect = {}
    for e in sorted((e for e in events if e.kind == SEGMENT_SPEED), key=lambda e: e.observed_at):
        b = rollups.floor_to(rollups.epoch(e.observed_at), 300)
        if rollups.epoch(at) - 900 - 300 < b <= rollups.epoch(at) - 300:
            expect.setdefault(e.payload["segment_id"], {}).setdefault(b, []).append(e.payload["speed_kmh"])
    assert_close(speeds, {s: sum(v[max(v)]) / len(v[max(v)]) for s, v in expect.items()})
    assert set(airs) <= {"A1", "A2"} and airs


def assert_close(a, b):
    if isinstance(a, dict):
        assert set(a) == set(b), (sorted(a), sorted(b))
        for k in a:
            assert_close(a[k], b[k])
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_close(x, y)
    elif isinstance(a, float):
        assert abs(a - b) < 1e-9 * max(1.0, abs(b)), (a, b)
    else:
        assert a == b


def test_the_head_schema_describes_events_as_the_migrations_make_it(pg_store):
    """PostgreSQL: `events` is partitioned by the migrations (0009); the head description says so."""
    with pg_store.connect() as conn:
        made = conn.exec_driver_sql("SELECT pg_get_partkeydef(to_regclass('events'))").scalar()
        readings = conn.exec_driver_sql("SELECT pg_get_partkeydef(to_regclass('events_readings'))").scalar()
    assert made == t.events.dialect_options["postgresql"]["partition_by"] == "LIST (kind)"
    assert readings == "RANGE (observed_at)"
