"""Retention: roll raw readings up, then prune what is past its retention, from a thread of its own (in
`cityops run` and `cityops ingest`), in small transactions, never on a request.

One round (`RetentionWorker.round`):
1. PostgreSQL: day partitions of `events` for today and the next days;
2. roll-ups of the readings up to a few minutes ago (dashboard.store.rollups), the last LATE_WINDOW
   rebuilt each time so that readings arriving a little late are counted;
3. prune: raw readings before the retention cut — never past what is rolled up — then, where the
   settings say so, other feed records and dead letters, old 5-minute and hourly roll-ups, ended incidents,
   and audit entries (archived to DATA_DIR/audit-archive first, never below the minimum: store.audit_prune);
4. SQLite: hand freed pages back to the file system (incremental vacuum).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from dashboard.config import Settings
from dashboard.store import Store, audit_prune, rollups, utcnow
from dashboard.store.audit_archive import FOLDER as AUDIT_ARCHIVE_FOLDER
from dashboard.store import retention as prune

from .container import Services

log = logging.getLogger(__name__)

SETTLE = timedelta(minutes=2)         # buckets newer than this are left for the next round
LATE_WINDOW = timedelta(minutes=15)   # rebuilt every round: readings may arrive this late
CHUNK = timedelta(minutes=30)         # roll-ups built per transaction at first (ingest waits for SQLite's lock) …
MIN_CHUNK, MAX_CHUNK = timedelta(minutes=5), timedelta(hours=12)
CHUNK_BUDGET = 0.5                    # … then sized so that one transaction takes about this many seconds
ADVISORY_LOCK = 2009                  # PostgreSQL: one builder at a time across processes


@dataclass(frozen=True)
class Policy:
    readings_days: int
    rollups_5m_days: int
    rollups_hourly_days: int
    records_days: int
    incidents_days: int
    audit_days: int
    batch: int
    audit_min_days: int = 0   # audit entries younger than this are kept whatever audit_days says

    @classmethod
    def from_settings(cls, s: Settings) -> "Policy":
        audit = s.retention_audit_days
        if audit:
            audit = max(audit, s.retention_audit_min_days)   # never below the minimum
        return cls(max(1, s.retention_readings_days), s.retention_rollups_5m_days, s.retention_rollups_hourly_days,
                   s.retention_records_days, s.retention_incidents_days, audit, max(100, s.retention_batch_rows),
                   max(0, s.retention_audit_min_days))

    def audit_cut(self, now: datetime) -> datetime | None:
        """Audit entries before this are archived and pruned; None: kept for ever."""
        if not self.audit_days:
            return None
        return prune.day_cut(now, max(self.audit_days, self.audit_min_days))


@dataclass
class RoundReport:
    rolled_through: datetime | None = None
    readings_pruned: int = 0
    partitions_made: list[str] = field(default_factory=list)
    records_pruned: int = 0
    rollups_pruned: int = 0
    incidents_pruned: int = 0
    audit_pruned: int = 0
    audit_problem: str | None = None
    free_pages: int = 0


def _lock(conn) -> bool:
    if conn.dialect.name != "postgresql":
        return True   # SQLite: BEGIN IMMEDIATE already serializes writers
    # keyed by the schema too: several stores (schemas) of one database do not wait for each other
    return bool(conn.exec_driver_sql(
        f"SELECT pg_try_advisory_xact_lock({ADVISORY_LOCK}, hashtext(current_schema()))").scalar())


def roll_up(store: Store, now: datetime, standard: str, stop: threading.Event | None = None) -> datetime | None:
    """Bring the roll-ups up to `now - SETTLE`; returns the time they are complete through."""
    until = rollups.at_epoch(rollups.floor_to(rollups.epoch(now - SETTLE), rollups.FIVE_MINUTES))
    with store.connect() as conn:
        mark = rollups.watermark(conn)
        first = rollups.first_reading(conn) if mark is None else None
    if mark is None and first is None:
        return None
    start = (rollups.at_epoch(mark) - LATE_WINDOW) if mark is not None else first
    start = rollups.at_epoch(rollups.floor_to(rollups.epoch(start), rollups.FIVE_MINUTES))
    through = rollups.at_epoch(mark) if mark is not None else None
    span = CHUNK
    while start < until and not (stop is not None and stop.is_set()):
        if through is not None and start >= through:   # past the watermark: skip a stretch without readings
            with store.connect() as conn:
                nxt = rollups.first_reading(conn, start)
            if nxt is None or nxt >= until:
                start = until
            elif nxt - start > span:
                start = rollups.at_epoch(rollups.floor_to(rollups.epoch(nxt), rollups.FIVE_MINUTES))
        end = min(start + span, until)
        if end <= start:
            with store.begin() as conn:
                if _lock(conn):
                    rollups.set_watermark(conn, rollups.epoch(until))
                    through = until
            break
        began = time.perf_counter()
        with store.begin() as conn:
            if not _lock(conn):
                break
            rollups.build(conn, start, end, standard)
            if through is None or end > through:
                rollups.set_watermark(conn, rollups.epoch(end))
                through = end
        start = end
        took = time.perf_counter() - began
        if took < CHUNK_BUDGET / 3:
            span = min(span * 2, MAX_CHUNK)
        elif took > CHUNK_BUDGET:
            span = max(MIN_CHUNK, span / 2)
        span = timedelta(seconds=rollups.floor_to(int(span.total_seconds()), rollups.FIVE_MINUTES))
        time.sleep(prune.PAUSE)
    return through


def readings_cut(policy: Policy, now: datetime, rolled_through: datetime | None, rollable: bool = True) -> datetime:
    """Raw readings observed before this are pruned: the retention cut, but never what is not rolled up yet
    (nor the late window that is rebuilt from the raw rows). `rollable`: there are readings to roll up."""
    cut = prune.day_cut(now, policy.readings_days)
    if rolled_through is None:
        return cut if not rollable else datetime(1970, 1, 1, tzinfo=now.tzinfo)   # nothing rolled up: nothing pruned
    return min(cut, rolled_through - LATE_WINDOW)


def run_round(store: Store, policy: Policy, now: datetime, standard: str,
              stop: threading.Event | None = None, audit_archive: Path | None = None) -> RoundReport:
    """`audit_archive`: where pruned audit entries are archived; without it the audit log is not pruned."""
    report = RoundReport()
    report.partitions_made = prune.ensure_partitions(store, now.date())
    report.rolled_through = roll_up(store, now, standard, stop)
    if stop is not None and stop.is_set():
        return report
    rollable = True
    if report.rolled_through is None:
        with store.connect() as conn:
            rollable = rollups.first_reading(conn) is not None
    report.readings_pruned = prune.prune_readings(store, readings_cut(policy, now, report.rolled_through, rollable),
                                                  policy.batch, stop)
    if policy.records_days:
        report.records_pruned = prune.prune_records(store, prune.day_cut(now, policy.records_days), policy.batch, stop)
    if policy.rollups_5m_days:
        report.rollups_pruned += prune.prune_rollups(store, rollups.FIVE_MINUTES,
                                                     prune.day_cut(now, policy.rollups_5m_days), policy.batch, stop)
    if policy.rollups_hourly_days:
        report.rollups_pruned += prune.prune_rollups(store, rollups.HOUR,
                                                     prune.day_cut(now, policy.rollups_hourly_days), policy.batch, stop)
    if policy.incidents_days:
        report.incidents_pruned = prune.prune_incidents(store, prune.day_cut(now, policy.incidents_days),
                                                        policy.batch, stop)
    audit_cut = policy.audit_cut(now)
    if audit_cut is not None and audit_archive is not None and not (stop is not None and stop.is_set()):
        try:
            report.audit_pruned = audit_prune.prune(store, audit_archive, audit_cut, policy.batch, stop)
        except audit_prune.ChainBroken as exc:   # said every round until someone looks; the rest goes on
            report.audit_problem = str(exc)
            log.error("audit retention: %s", exc)
    report.free_pages = prune.incremental_vacuum(store)
    return report


def audit_archive_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / AUDIT_ARCHIVE_FOLDER


class RetentionWorker:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.policy = Policy.from_settings(services.settings)
        self.rounds = 0

    def round(self, now: datetime | None = None, stop: threading.Event | None = None) -> RoundReport:
        report = run_round(self.services.store, self.policy, now or utcnow(), self.services.settings.aqi_standard,
                           stop, audit_archive_dir(self.services.settings))
        self.rounds += 1
        if report.readings_pruned or report.records_pruned or report.incidents_pruned or report.audit_pruned:
            log.info("retention: %s", report)
        return report

    def run(self, stop: threading.Event) -> None:
        interval = max(1.0, self.services.settings.retention_interval_seconds)
        while not stop.is_set():
            try:
                self.round(stop=stop)
            except Exception:   # a store outage: try again next round
                log.exception("retention round failed")
            stop.wait(interval)


def start_worker(services: Services, stop: threading.Event) -> threading.Thread:
    worker = RetentionWorker(services)
    thread = threading.Thread(target=worker.run, args=(stop,), name="retention", daemon=True)
    thread.start()
    return thread
