"""Shared helpers for the benchmarks: a store filled fast, percentiles, the machine's description."""
from __future__ import annotations

import os
import platform
import statistics
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from dashboard.bus import MemoryBus
from dashboard.config import Settings
from dashboard.demo.city import build_city
from dashboard.services.container import Services
from dashboard.store import open_store, reference, schema as t

PG_URL = os.environ.get("CITYOPS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(values_ms: list[float]) -> str:
    return (f"n={len(values_ms)} p50={percentile(values_ms, 50):.1f} ms p95={percentile(values_ms, 95):.1f} ms "
            f"mean={statistics.fmean(values_ms):.1f} ms")


def open_backend(kind: str, tmpdir: str):
    """A fresh store: a SQLite file, or a new schema in the PostgreSQL `test` database."""
    if kind == "sqlite":
        store = open_store(f"sqlite:///{tmpdir}/bench.sqlite3", pool_size=60, max_overflow=20)
        cleanup = lambda: None   # noqa: E731
    else:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        store = open_store(PG_URL, connect_args={"options": f"-csearch_path={schema}"}, pool_size=60, max_overflow=20)

        def cleanup():
            store.close()
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    store.upgrade()
    return store, cleanup


def services_for(store, tmpdir: str, seed: int = 7) -> Services:
    city = build_city(seed)
    with store.begin() as conn:
        reference.save_city(conn, city)
    return Services(replace(Settings(), data_dir=tmpdir, demo=False), store, MemoryBus(), city)


def fill_incidents(services: Services, count: int, status: str = "verified", batch: int = 5000) -> list[int]:
    """Insert `count` incidents (with their first history entry) in bulk; returns their ids."""
    city = services.city
    now = datetime.now(timezone.utc)
    districts = [d.code for d in city.districts]
    with services.store.begin() as conn:
        start = conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.incidents.c.id), 0))).scalar_one()
    for offset in range(0, count, batch):
        rows, history = [], []
        for n in range(offset, min(count, offset + batch)):
            incident_id = start + n + 1
            at = now - timedelta(minutes=n % 10_000)
            rows.append({"id": incident_id, "code": f"B{incident_id:09d}", "category": "0101", "priority": 3,
                         "title": f"bench {n}", "description": "", "status": status, "version": 1,
                         "district": districts[n % len(districts)], "department": None, "deadline": None,
                         "lat": 32.0 + (n % 100) * 0.001, "lon": 118.7 + (n // 100 % 100) * 0.001,
                         "address": None, "source": "bench", "source_ref": f"b{incident_id}", "dedupe_key": None,
                         "reporter_name": None, "reporter_phone": None, "reported_at": at, "created_at": at,
                         "updated_at": at, "closed_at": None, "rework_count": 0, "supervised": False,
                         "merged_into": None, "details": {}})
            history.append({"incident_id": incident_id, "version": 1, "action": "report", "from_status": None,
                            "to_status": status, "actor": "bench", "actor_role": "system", "at": at,
                            "reason": None, "details": {}})
        with services.store.begin() as conn:
            conn.execute(t.incidents.insert(), rows)
            conn.execute(t.incident_history.insert(), history)
    if services.store.dialect == "postgresql":
        with services.store.begin() as conn:
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('incidents', 'id'), (SELECT max(id) FROM incidents))")
            conn.exec_driver_sql("ANALYZE")
    return list(range(start + 1, start + count + 1))
