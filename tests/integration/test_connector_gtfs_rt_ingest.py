"""GTFS-realtime TripUpdates and Alerts through the real ingest service (SQLite, and PostgreSQL
when it is there): alerts show like CAP alerts, older versions never overwrite newer ones, an
alert that left the feed ends, trip updates are kept once per version."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from google.protobuf import text_format
from google.transit import gtfs_realtime_pb2

from connectors import gtfs_rt
from connectors.gtfs_rt_alerts import ended_alert_event
from dashboard.domain.events import TRIP_UPDATE
from dashboard.services.ingest import IngestService
from dashboard.services.operations import operations_snapshot
from dashboard.store import incidents, schema as t, state

FIX = Path(__file__).parent.parent / "fixtures" / "gtfs_rt"


def feed(name: str, header: int | None = None) -> gtfs_rt.GtfsFeed:
    message = text_format.Parse((FIX / name).read_text(), gtfs_realtime_pb2.FeedMessage())
    if header is not None:
        message.header.timestamp = header
    return gtfs_rt.parse(message.SerializeToString())


def alert_row(services, identifier):
    with services.store.connect() as conn:
        return state.get_alert(conn, identifier)


def test_transit_alerts_show_like_other_alerts_and_end(services):
    ingest = IngestService(services)
    parsed = feed("alerts.textproto")
    assert len(ingest.ingest("gtfs_rt", list(parsed))) == 2
    row = alert_row(services, "gtfs_rt:A1")
    assert row["status"] == "active" and row["severity"] == "Severe" and row["msg_type"] == "Alert"
    assert row["headline_zh"] == "1路因暴雨严重延误" and row["headline_en"].startswith("Route 1")
    assert row["area_desc"].startswith("route 1") and row["expires"] is None and row["geometry"] is None
    snapshot = operations_snapshot(services)
    transit = [e for e in snapshot["events"] if e["kind"] == "alert" and e["ref"] in ("gtfs_rt:A1", "gtfs_rt:A2")]
    assert len(transit) == 2 and {e["source"] for e in transit} == {"gtfs_rt_alerts"}   # not labelled CAP
    with services.store.connect() as conn:   # a severe transit alert is no severe-weather incident
        assert incidents.find_by_source(conn, "rules", "alert:A1") is None

    end = ended_alert_event("A1", "gtfs_rt", parsed[0].observed_at + timedelta(minutes=1))
    assert len(ingest.ingest("gtfs_rt", [end])) == 1
    assert alert_row(services, "gtfs_rt:A1")["status"] == "cancelled"
    assert alert_row(services, "gtfs_rt:A1")["headline_en"].startswith("Route 1")   # the row keeps its text
    assert alert_row(services, "gtfs_rt:A2")["status"] == "active"


def test_an_older_alert_version_never_overwrites_the_newer(services):
    ingest = IngestService(services)
    newer = feed("alerts.textproto", 1749601000)
    message = text_format.Parse((FIX / "alerts.textproto").read_text(), gtfs_realtime_pb2.FeedMessage())
    message.header.timestamp = 1749600000
    message.entity[0].alert.header_text.translation[1].text = "an old headline"
    older = gtfs_rt.parse(message.SerializeToString())
    ingest.ingest("gtfs_rt", list(newer))
    ingest.ingest("gtfs_rt", list(older))          # stored as history, the row stays the newer one
    assert alert_row(services, "gtfs_rt:A1")["headline_en"] == "Route 1: severe delays due to heavy rain"
    ingest.ingest("gtfs_rt", [ended_alert_event("A1", "gtfs_rt", older[0].observed_at)])   # an old end, too
    assert alert_row(services, "gtfs_rt:A1")["status"] == "active"


def test_trip_updates_stored_once_per_version(services):
    ingest = IngestService(services)
    assert len(ingest.ingest("gtfs_rt", list(feed("trip_updates.textproto")))) == 3
    assert ingest.ingest("gtfs_rt", list(feed("trip_updates.textproto"))) == []      # a replay
    later = feed("trip_updates.textproto", 1749600960)
    assert len(ingest.ingest("gtfs_rt", list(later))) == 2   # the trips without an own timestamp moved on
    with services.store.connect() as conn:
        rows = conn.execute(sa.select(t.events.c.source_id, t.events.c.payload)
                            .where(t.events.c.kind == TRIP_UPDATE)).all()
    assert len(rows) == 5
    late = next(r.payload for r in rows if r.source_id == "T1-0800@20250611/08:00:00")
    assert late["stops"][1]["arrival"]["delay_s"] is None and late["delay_s"] == 130
