"""Review figures over one year of a large city: fills a store with N incidents (default 7 million) and
their action history, builds incident_facts and their per-day roll-ups, and prints the time to compute the
review page's figures (city totals and the league table for the period and the previous one, incidents
in/closed per day, on-time rate per week, the 90th percentiles) for a month and for the year — from the
roll-ups (what the page reads for the whole city) and, for comparison, from incident_facts alone (what a
drill-down reads). Goals: PostgreSQL with 7 million incidents month <= 0.2 s, year <= 0.5 s; SQLite with
1 million, year <= 1 s. The roll-ups' size does not grow with the incidents (days x groups); the exact
percentile reads at most 250,000 durations (above that, the roll-ups' histogram).

    python benchmarks/review_figures.py --incidents 500000 --backend both
    python benchmarks/review_figures.py                          # 7 million, both backends (long)

PostgreSQL: a database of its own (created when missing, default cityops_bench on 127.0.0.1), filled with
COPY; SQLite: a file, filled with executemany in large transactions. Keep the data with --keep.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from benchmarks._common import machine  # noqa: E402
from dashboard.domain import evaluation as ev  # noqa: E402
from dashboard.store import evaluation as facts_store  # noqa: E402
from dashboard.store import evaluation_trends as trends_store  # noqa: E402
from dashboard.services.evaluation import REVIEW_WORKERS  # noqa: E402
from dashboard.store import open_store, schema as t  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
PG_URL = os.environ.get("CITYOPS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/cityops_bench")
DEPARTMENTS = [f"DEP{n:02d}" for n in range(24)]
DISTRICTS = [f"D{n:02d}" for n in range(12)]
CATEGORIES = [f"{g:02d}{k:02d}" for g in range(1, 13) for k in range(1, 5)]   # 48 category codes, as a city has
INCIDENT_COLS = ("id", "code", "category", "priority", "title", "description", "status", "version", "district",
                 "department", "deadline", "lat", "lon", "source", "source_ref", "reported_at", "created_at",
                 "updated_at", "closed_at", "rework_count", "supervised", "details")
HISTORY_COLS = ("incident_id", "version", "action", "from_status", "to_status", "actor", "actor_role", "at",
                "reason", "details")


def generate(n: int, first: datetime, seconds: float, seed: int = 1):
    """Yield (incident row, [history rows]) for n incidents spread over the year, in id order."""
    rng = random.Random(seed)
    h = timedelta(hours=1)
    for i in range(1, n + 1):
        created = first + timedelta(seconds=seconds * (i - 1) / n + rng.random())
        steps = [("report", None, "reported", created), ("verify", "reported", "verified", created + 0.1 * h)]
        dept = rng.choice(DEPARTMENTS)
        deadline = closed = None
        rework = 0
        supervised = False
        status = "verified"
        if rng.random() < 0.95:
            t0 = created + rng.uniform(0.05, 2) * h
            steps.append(("dispatch", "verified", "dispatched", t0))
            deadline = t0 + rng.choice((2, 24, 72, 168)) * h
            status = "dispatched"
            if rng.random() < 0.04:
                t1 = t0 + rng.uniform(0.2, 6) * h
                steps += [("return", "dispatched", "returned", t1), ("dispatch", "returned", "dispatched", t1 + h)]
                t0 = t1 + h
            if rng.random() < 0.92:
                t1 = t0 + rng.expovariate(1 / 3) * h
                steps.append(("accept", "dispatched", "accepted", t1))
                status = "accepted"
                if rng.random() < 0.88:
                    t2 = t1 + rng.expovariate(1 / 40) * h
                    steps.append(("report_fixed", "accepted", "fixed", t2))
                    status = "fixed"
                    if rng.random() < 0.07:
                        rework = 1
                        steps += [("rework", "fixed", "accepted", t2 + 2 * h),
                                  ("report_fixed", "accepted", "fixed", t2 + 20 * h)]
                        t2 += 20 * h
                    if rng.random() < 0.93:
                        closed = t2 + rng.uniform(0.5, 8) * h
                        steps.append(("close", "fixed", "closed", closed))
                        status = "closed"
            if deadline and rng.random() < 0.03:
                steps.append(("supervise", status, status, deadline + h))
                supervised = True
        last = max(s[3] for s in steps)
        lat, lon = 31.9 + rng.random() * 0.4, 118.6 + rng.random() * 0.5
        incident = (i, f"B{i:09d}", rng.choice(CATEGORIES), rng.choice((1, 2, 3, 3, 4)), "bench", "", status,
                    len(steps), rng.choice(DISTRICTS), dept if len(steps) > 2 else None, deadline, lat, lon, "bench",
                    str(i), created, created, last, closed, rework, supervised, "{}")
        history = [(i, v, a, fs, ts, "bench", "dispatcher", at, None, "{}")
                   for v, (a, fs, ts, at) in enumerate(steps, 1)]
        yield incident, history


def _pg_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    admin = sa.create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def fill_postgres(store, n: int, first: datetime, seconds: float) -> None:
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY incidents ({', '.join(INCIDENT_COLS)}) FROM STDIN") as inc_copy:
            for incident, _ in generate(n, first, seconds):
                inc_copy.write_row(incident)
        with cur.copy(f"COPY incident_history ({', '.join(HISTORY_COLS)}) FROM STDIN") as hist_copy:
            for _, history in generate(n, first, seconds):
                for row in history:
                    hist_copy.write_row(row)
        raw.commit()
        cur.execute("ANALYZE incidents; ANALYZE incident_history")
        raw.commit()
    finally:
        raw.close()


def fill_sqlite(store, n: int, first: datetime, seconds: float, batch: int = 100_000) -> None:
    def ts(v):
        return v.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        inc_sql = f"INSERT INTO incidents ({', '.join(INCIDENT_COLS)}) VALUES ({', '.join('?' * len(INCIDENT_COLS))})"
        hist_sql = (f"INSERT INTO incident_history ({', '.join(HISTORY_COLS)}) "
                    f"VALUES ({', '.join('?' * len(HISTORY_COLS))})")
        incs, hists = [], []
        for incident, history in generate(n, first, seconds):
            incs.append(tuple(ts(v) for v in incident))
            hists.extend(tuple(ts(v) for v in row) for row in history)
            if len(incs) >= batch:
                cur.execute("BEGIN")
                cur.executemany(inc_sql, incs)
                cur.executemany(hist_sql, hists)
                cur.execute("COMMIT")
                incs, hists = [], []
        if incs:
            cur.execute("BEGIN")
            cur.executemany(inc_sql, incs)
            cur.executemany(hist_sql, hists)
            cur.execute("COMMIT")
        cur.execute("ANALYZE")
    finally:
        raw.close()


GOALS = {"postgresql": {"month": 0.2, "year": 0.5}, "sqlite": {"year": 1.0}}


def facts_only(store, period: ev.Period, now: datetime) -> dict:
    """The same from incident_facts, the roll-ups left aside (as before them; a drill-down reads this way)."""
    from unittest import mock

    from dashboard.store import incident_rollups
    with mock.patch.object(incident_rollups, "built_offset", lambda conn: None):
        return review_figures(store, period, now)


def review_figures(store, period: ev.Period, now: datetime) -> dict:
    """What the review page aggregates for a period (services.evaluation.overview, without the names)."""
    found = trends_store.review_aggregates(store, period, ev.previous(period, TZ), now, "department",
                                           "Asia/Shanghai", workers=REVIEW_WORKERS)
    total = found["groups"]["all"]
    return {"due": total["due"], "departments": len(found["groups"]) - 1, "closed": total["closed"],
            "dispatched": total["dispatched"], "weeks": len(found["weekly"]), "days": len(found["daily"]),
            "close_p90": total["close_p90"] or 0.0}


def timed(fn, runs: int = 3) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), sorted(times)[len(times) // 2], result


def say(out: list[str], line: str) -> None:
    """Print as soon as known (a long run that stops later keeps what it measured)."""
    print(line, flush=True)
    out.append(line)


def rebuild_facts_table(store) -> None:
    """--reuse: the incidents stay, incident_facts is made afresh from the current schema."""
    with store.begin() as conn:
        t.incident_facts.drop(conn, checkfirst=True)
        t.incident_facts.create(conn)
        conn.execute(t.meta.delete().where(t.meta.c.key == facts_store.WATERMARK_KEY))


def run(backend: str, n: int, keep: bool, sqlite_dir: str, reuse: bool = False,
        no_rebuild: bool = False) -> list[str]:
    today = date(2026, 11, 23)
    first_day = today - timedelta(days=365)
    first = datetime.combine(first_day, datetime.min.time(), TZ)
    seconds = 365 * 86400.0
    now = datetime.combine(today, datetime.min.time(), TZ)
    if backend == "postgresql":
        _pg_database(PG_URL)
        if not reuse:
            admin = sa.create_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench"))
            admin.dispose()
        store = open_store(PG_URL, connect_args={"options": "-csearch_path=bench"})
    else:
        path = Path(sqlite_dir) / "review-bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            if not reuse:
                Path(str(path) + suffix).unlink(missing_ok=True)
        store = open_store(f"sqlite:///{path}")
    fill_s = 0.0
    if reuse:
        store.upgrade()   # kept data from an earlier release of the schema: migrate it first
        if not no_rebuild:
            rebuild_facts_table(store)
    else:
        store.upgrade()
        t0 = time.perf_counter()
        (fill_postgres if backend == "postgresql" else fill_sqlite)(store, n, first, seconds)
        fill_s = time.perf_counter() - t0
    with store.connect() as conn:
        history_rows = conn.execute(sa.select(sa.func.count()).select_from(t.incident_history)).scalar_one()
    t0 = time.perf_counter()
    with store.begin() as conn:
        if not no_rebuild:
            facts_store.refresh_facts(conn, full=True, offset_seconds=8 * 3600)
    if backend == "postgresql":   # as autovacuum would by then: statistics and the visibility map
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) incident_facts, incident_day_rollups, incident_day_buckets")
    else:
        with store.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    build_s = time.perf_counter() - t0
    from dashboard.store import schema_retention as rt
    with store.connect() as conn:
        rollup_rows = conn.execute(sa.select(sa.func.count()).select_from(rt.incident_day_rollups)).scalar_one()
        bucket_rows = conn.execute(sa.select(sa.func.count()).select_from(rt.incident_day_buckets)).scalar_one()
    month = ev.period("last_month", today, TZ)
    year = ev.period("custom", today, TZ, first_day, today - timedelta(days=1))
    with store.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(t.incidents)).scalar_one()
    out: list[str] = []
    say(out, f"{backend}: {n:,} incidents, {history_rows:,} history rows; fill {fill_s:.1f} s, "
           f"incident_facts and roll-ups built in {build_s:.1f} s ({rollup_rows:,} day roll-up rows, "
           f"{bucket_rows:,} histogram rows)")
    results = {}
    for name, p in (("month", month), ("year", year)):
        best, median, result = timed(lambda: review_figures(store, p, now))
        f_best, f_median, f_result = timed(lambda: facts_only(store, p, now), runs=1 if n > 2_000_000 else 3)
        p90, f_p90 = result.pop("close_p90"), f_result.pop("close_p90")
        assert f_result == result, (f_result, result)   # the same figures either way
        assert abs(p90 - f_p90) <= 0.005 * max(f_p90, 1.0), (p90, f_p90)   # histogram: within 0.25 % (+ rounding)
        results[name] = best
        goal = GOALS.get(backend, {}).get(name)
        verdict = "" if goal is None else f"; goal {goal * 1000:.0f} ms: {'met' if best <= goal else 'NOT met'}"
        say(out, f"  {name:5} {p.first_day}..{p.last_day}: roll-ups best {best * 1000:.0f} ms, median "
                   f"{median * 1000:.0f} ms; incident_facts alone best {f_best * 1000:.0f} ms "
                   f"(due {result['due']:,}, {result['departments']} departments{verdict})")
    t0 = time.perf_counter()
    with store.begin() as conn:   # the incremental refresh a page load does after a few changes
        conn.execute(t.incidents.update().where(t.incidents.c.id <= 50).values(updated_at=sa.func.now()
                                                                                if backend == "postgresql" else
                                                                                datetime.now(timezone.utc)))
    with store.begin() as conn:
        facts_store.refresh_facts(conn, offset_seconds=8 * 3600)
    say(out, f"  incremental refresh after 50 changed incidents: {(time.perf_counter() - t0) * 1000:.0f} ms")
    if not keep and not reuse and backend == "postgresql":
        with store.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA bench CASCADE")
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=7_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sqlite-dir", default=tempfile.gettempdir())
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema 'bench' afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="time the figures over the data a --keep run left (incident_facts is rebuilt)")
    parser.add_argument("--no-rebuild", action="store_true", help="with --reuse: keep incident_facts as it is")
    args = parser.parse_args()
    print(f"review figures benchmark · {machine()}")
    for backend in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,)):
        run(backend, args.incidents, args.keep, args.sqlite_dir, args.reuse, args.no_rebuild)


if __name__ == "__main__":
    main()
