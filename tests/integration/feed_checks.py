"""What the store holds and says about a feed, for the fault tests: a connector running into the
real ingest service, waiting for a condition, health rows and states, stored versions, dead letters."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from dashboard.services.health import feed_health_report
from dashboard.services.ingest import IngestService
from dashboard.store import feeds, schema as t


class RecordingIngest(IngestService):
    """The real ingest service, remembering the health reports it is given: (ok, detail)."""

    def __init__(self, services) -> None:
        super().__init__(services)
        self.reports: list[tuple[bool, str]] = []

    def report_health(self, connector: str, ok: bool, detail: str = "", events: int = 0) -> None:
        self.reports.append((ok, detail))
        super().report_health(connector, ok, detail, events)


class Running:
    """A connector's run loop in a thread, writing into the real ingest service."""

    def __init__(self, connector, services) -> None:
        self.connector, self.sink = connector, RecordingIngest(services)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=connector.run, args=(self.stop_event, self.sink), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(3)
        assert not self.thread.is_alive(), f"{self.connector} did not stop"


def wait_until(check, what: str, timeout: float = 10.0, watch=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if watch:
            watch()
        result = check()
        if result:
            return result
        time.sleep(0.02)
    pytest.fail(f"not within {timeout} s: {what}")


def health(services, name: str) -> dict:
    """The connector's feed_health row and its state in the health report."""
    with services.store.connect() as conn:
        row = next((r for r in feeds.feed_health(conn) if r["connector"] == name), None)
    state = next((c["state"] for c in feed_health_report(services)["connectors"] if c["connector"] == name), None)
    return {"ok": None, "consecutive_failures": 0, "detail": "", **(row or {}), "state": state}


class StateLog:
    """The distinct health states a connector passed through, in order (sampled while waiting)."""

    def __init__(self, services, name: str) -> None:
        self.services, self.name, self.states = services, name, []

    def __call__(self) -> None:
        state = health(self.services, self.name)["state"]
        if state and (not self.states or self.states[-1] != state):
            self.states.append(state)


def stored(services, source: str) -> list[tuple[str, datetime]]:
    with services.store.connect() as conn:
        rows = conn.execute(sa.select(t.events.c.source_id, t.events.c.updated_at).where(t.events.c.source == source))
        return [(r.source_id, r.updated_at.replace(tzinfo=timezone.utc)) for r in rows]


def dead_letters(services, name: str) -> list[dict]:
    with services.store.connect() as conn:
        return feeds.dead_letters(conn, name)


def assert_nothing_twice(services, source: str) -> None:
    rows = stored(services, source)
    assert len(rows) == len(set(rows))
    with services.store.connect() as conn:
        refs = [r.source_ref for r in conn.execute(sa.select(t.incidents.c.source_ref)
                                                    .where(t.incidents.c.source == source))]
    assert len(refs) == len(set(refs)) == len({sid for sid, _ in rows}), "one incident per report"
