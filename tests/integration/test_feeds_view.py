"""The Feeds page's service against the real store (SQLite and PostgreSQL): the raw payload of a dead
letter goes to admins only, whatever asks; the health states; and the "feeds.health" messages the
ingest service publishes when a state changes (and as a heartbeat)."""
from __future__ import annotations

import time
from dataclasses import replace

import pytest

from dashboard.domain.identity import Identity
from dashboard.services import feeds_view
from dashboard.services.ingest import IngestService

ADMIN = Identity("root", "admin")
DISPATCHER = Identity("wang", "dispatcher")
LEADER = Identity("boss", "leader")
SECRET = '{"service_request_id": "9", "reporter_phone": "13812345678", "lat": "north"}'


def states(services) -> dict[str, str]:
    return {c["connector"]: c["state"] for c in feeds_view.health(services, ADMIN)["connectors"]}


def health_messages(services, after="0") -> list[dict]:
    return [m.data for m in services.bus.read(after, 10_000) if m.topic == "feeds.health"]


@pytest.fixture
def ingest(services):
    return IngestService(services)


def test_only_admins_get_the_raw_payload(services, ingest):
    ingest.dead_letter("open311", SECRET, "lat is not a number (requests[0].lat)")
    ingest.dead_letter("cap", "<alert/>" + " " * 10 + "x" * 1000, "no identifier")

    admin = feeds_view.dead_letters(services, ADMIN)
    assert admin["payload_visible"] is True and admin["total"] == 2
    newest, oldest = admin["items"]
    assert newest["connector"] == "cap" and oldest["raw_preview"] == SECRET
    assert newest["raw_length"] == 1018 and len(newest["raw_preview"]) == feeds_view.PREVIEW_CHARS

    dispatcher = feeds_view.dead_letters(services, DISPATCHER)
    assert dispatcher["payload_visible"] is False and dispatcher["total"] == 2
    assert [i["reason"] for i in dispatcher["items"]] == ["no identifier", "lat is not a number (requests[0].lat)"]
    for item in dispatcher["items"]:
        assert set(item) == {"id", "connector", "received_at", "reason"}
    assert "13812345678" not in repr(dispatcher)

    whole = feeds_view.dead_letter(services, ADMIN, newest["id"])
    assert whole["raw"].endswith("x" * 1000) and whole["payload_visible"] is True
    detail = feeds_view.dead_letter(services, DISPATCHER, oldest["id"])
    assert detail["reason"].startswith("lat") and "raw" not in detail and "raw_preview" not in detail
    assert "13812345678" not in repr(detail)
    assert feeds_view.dead_letter(services, ADMIN, 999_999) is None


def test_dead_letters_filter_by_connector_and_others_are_refused(services, ingest):
    for n in range(3):
        ingest.dead_letter("open311", f"bad {n}", "unparseable")
    ingest.dead_letter("cap", "<bad/>", "not XML")
    only = feeds_view.dead_letters(services, ADMIN, "open311")
    assert only["total"] == 3 and {i["connector"] for i in only["items"]} == {"open311"}
    assert [i["raw_preview"] for i in only["items"]] == ["bad 2", "bad 1", "bad 0"]     # newest first
    assert feeds_view.dead_letters(services, ADMIN, "cap", limit=1)["total"] == 1
    for who in (LEADER, Identity("op", "operator", "CG"), Identity("wall", "wall"), None):
        with pytest.raises(feeds_view.FeedsViewRefused):
            feeds_view.dead_letters(services, who)
        with pytest.raises(feeds_view.FeedsViewRefused):
            feeds_view.dead_letter(services, who, 1)
        with pytest.raises(feeds_view.FeedsViewRefused):
            feeds_view.health(services, who)


def test_health_states_ok_degraded_down_and_stale(services, ingest):
    ingest.report_health("open311", True, "3 events", 3)
    ingest.report_health("cap", False, "connection refused")          # never succeeded: no data at all
    assert states(services) == {"open311": "ok", "cap": "stale"}
    ingest.report_health("open311", False, "HTTP 500")
    assert states(services)["open311"] == "degraded"
    ingest.report_health("open311", False, "HTTP 500")
    ingest.report_health("open311", False, "timed out after 10 s")
    report = feeds_view.health(services, DISPATCHER)
    [item] = [c for c in report["connectors"] if c["connector"] == "open311"]
    assert item["state"] == "down" and item["consecutive_failures"] == 3 and item["ok"] is False
    assert item["detail"] == "timed out after 10 s" and item["last_failure"] and item["last_success"]
    assert report["status"] == "down" and "bus_last_id" in report
    ingest.report_health("open311", True, "")
    [item] = [c for c in feeds_view.health(services, ADMIN)["connectors"] if c["connector"] == "open311"]
    assert item["state"] == "ok" and item["last_failure"] and item["stale_after_seconds"] == 120.0

    services.settings = replace(services.settings, stale_after_seconds=0.2)
    time.sleep(0.3)
    assert states(services)["open311"] == "stale"


def test_ingest_publishes_health_when_a_state_changes(services, ingest):
    services.settings = replace(services.settings, stale_after_seconds=1.2)   # heartbeat: every 0.3 s
    ingest.report_health("open311", True, "")
    ingest.report_health("cap", True, "")
    first = health_messages(services)
    assert first, "a connector's first report is news"
    assert {i["connector"]: i["state"] for i in first[-1]["items"]} == {"open311": "ok", "cap": "ok"}
    assert first[-1]["at"] and all("stale_after_seconds" in i for i in first[-1]["items"])

    mark = services.bus.last_id()
    ingest.report_health("open311", True, "")                        # nothing changed, heartbeat not due
    assert health_messages(services, mark) == []
    ingest.report_health("cap", False, "HTTP 503")                     # ok → degraded: sent at once
    [changed] = health_messages(services, mark)
    assert {i["connector"]: i["state"] for i in changed["items"]}["cap"] == "degraded"

    # cap stops reporting altogether; the next report of another connector after the threshold says so
    time.sleep(1.3)
    mark = services.bus.last_id()
    ingest.report_health("open311", True, "")
    [stale] = health_messages(services, mark)
    assert {i["connector"]: i["state"] for i in stale["items"]} == {"open311": "ok", "cap": "stale"}

    time.sleep(0.35)                                                   # heartbeat due: sent though unchanged
    mark = services.bus.last_id()
    ingest.report_health("open311", True, "")
    assert len(health_messages(services, mark)) == 1


def test_a_failing_health_publication_never_reaches_the_connector(services, ingest, monkeypatch):
    def broken():
        raise RuntimeError("store went away")
    monkeypatch.setattr(ingest, "publish_health", broken)
    ingest.report_health("open311", True, "")                          # logged, not raised
    assert states(services) == {"open311": "ok"}
