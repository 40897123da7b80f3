"""The ingest service on the real store: SQLite always, PostgreSQL when the server is there."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from dashboard.domain.events import Event
from dashboard.services.ingest import IngestService
from dashboard.services.operations import operations_snapshot
from dashboard.store import feeds, incidents, schema as t, state

T0 = datetime(2026, 11, 23, 0, 0, tzinfo=timezone.utc)


def speed(seg, kmh, at):
    return Event("traffic", "segment_speed", f"{seg}@{at.isoformat()}", at, {"segment_id": seg, "speed_kmh": kmh})


def reading(obs_id, station, pollutant, value, at):
    return Event("sensorthings", "air_reading", obs_id, at,
                 {"station_id": station, "pollutant": pollutant, "value": value})


def case(request_id, code="0101", lon=118.75, lat=32.05, updated=None, **extra):
    return Event("open311", "case_report", request_id, T0, {"service_code": code, "description": "井盖缺失",
                 "address": "西路 12 号", **extra}, lat=lat, lon=lon, updated_at=updated)


def topics(bus):
    return [m.topic for m in bus.read("0", 1000)]


def test_replayed_events_are_stored_once_and_newer_versions_kept(services):
    ingest = IngestService(services)
    first = ingest.ingest("open311", [case("1"), case("1"), case("2")])
    assert len(first) == 2
    assert ingest.ingest("open311", [case("1"), case("2")]) == []
    newer = ingest.ingest("open311", [case("1", updated=T0 + timedelta(hours=1), status="closed")])
    assert len(newer) == 1
    with services.store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.events)).scalar() == 3
        # one incident per report, whatever the number of versions
        assert conn.execute(sa.select(sa.func.count()).select_from(t.incidents)).scalar() == 2
        inc = incidents.find_by_source(conn, "open311", "1")
        assert inc["status"] == "reported" and inc["district"] == "D1" and inc["category"] == "0101"
        assert [h["action"] for h in incidents.history(conn, inc["id"])] == ["report"]
        assert feeds.feed_health(conn)[0]["events_total"] == 3


def test_segment_state_ignores_older_readings_and_congestion_fires_after_ten_minutes(services):
    ingest = IngestService(services, figures_every=0)
    ingest.ingest("traffic", [speed("S1", 50, T0 + timedelta(minutes=1))])
    ingest.ingest("traffic", [speed("S1", 10, T0)])   # out of order: older
    with services.store.connect() as conn:
        assert state.segment_states(conn)["S1"]["speed_kmh"] == 50
    for minute in range(2, 14):
        ingest.ingest("traffic", [speed("S1", 10, T0 + timedelta(minutes=minute))])
    with services.store.connect() as conn:
        open_ = incidents.open_incidents(conn)
    assert len(open_) == 1 and open_[0]["category"] == "1001" and open_[0]["district"] == "D1"
    assert "segments.update" in topics(services.bus) and "incident.upsert" in topics(services.bus)


def test_air_readings_give_station_aqi_and_one_incident_above_150(services):
    ingest = IngestService(services)
    ingest.ingest("sensorthings", [reading("o1", "A1", "pm25", 40, T0), reading("o2", "A1", "pm10", 60, T0)])
    with services.store.connect() as conn:
        st = state.station_states(conn)["A1"]
    # HJ 633-2026 (the default), PM2.5 1-hour 40 on the daily breakpoints: (100-50)/(60-35)*(40-35)+50 = 60
    assert st["aqi"] == 60 and st["primary_pollutants"] == ["pm25"]
    ingest.ingest("sensorthings", [reading("o3", "A1", "pm25", 160, T0 + timedelta(hours=1))])
    ingest.ingest("sensorthings", [reading("o4", "A1", "pm25", 170, T0 + timedelta(hours=2))])
    with services.store.connect() as conn:
        open_ = incidents.open_incidents(conn)
        assert state.station_states(conn)["A1"]["aqi"] == 220
    assert [i["category"] for i in open_] == ["1101"]   # still one open incident for the station


def test_station_and_city_aqi_follow_the_configured_standard(services):
    from dataclasses import replace
    from dashboard.services.operations import key_figures
    services.settings = replace(services.settings, aqi_standard="us-epa-2024")
    ingest = IngestService(services)
    ingest.ingest("sensorthings", [reading("e1", "A1", "pm25", 35.9, T0), reading("e2", "A1", "o3", 153, T0)])
    with services.store.connect() as conn:
        st = state.station_states(conn)["A1"]
        figures = key_figures(services, conn)
    # EPA: PM2.5 35.9 → 102; O3 153 µg/m³ = 0.0779 ppm → 0.077 → 122 (TAD Table 6, 8-hour O3)
    assert (st["aqi"], st["level"], st["primary_pollutants"]) == (122, "epa_usg", ["o3"])
    assert (figures["city_aqi"], figures["aqi_level"]) == (122, "epa_usg")


def test_cap_update_and_cancel_change_the_alert_they_reference(services):
    ingest = IngestService(services)
    square = {"type": "Polygon", "coordinates": [[[118.8, 32.0], [118.9, 32.0], [118.9, 32.1], [118.8, 32.0]]]}

    def alert(ident, msg_type, refs=(), severity="Severe"):
        return Event("cap", "alert", ident, T0, {"identifier": ident, "msg_type": msg_type, "status": "Actual",
                     "severity": severity, "event": "暴雨", "headline_zh": "暴雨橙色预警", "geometry": square,
                     "references": list(refs)}, lat=32.05, lon=118.85)

    ingest.ingest("cap", [alert("A-1", "Alert")])
    ingest.ingest("cap", [alert("A-2", "Update", ["sender,A-1,2026-11-23T00:00:00+08:00"])])
    now = T0 + timedelta(minutes=5)
    with services.store.connect() as conn:
        assert [a["identifier"] for a in state.active_alerts(conn, now)] == ["A-2"]
        assert state.get_alert(conn, "A-1")["status"] == "superseded"
        assert len(incidents.open_incidents(conn)) == 1   # the Extreme/Severe alert, once
    ingest.ingest("cap", [alert("A-3", "Cancel", ["sender,A-2,2026-11-23T00:00:00+08:00"])])
    with services.store.connect() as conn:
        assert state.active_alerts(conn, now) == []


def test_dead_letters_keep_the_raw_payload_and_are_counted(services):
    ingest = IngestService(services)
    ingest.dead_letter("open311", b"{not json", "requests: invalid JSON at line 1 column 2")
    with services.store.connect() as conn:
        [dl] = feeds.dead_letters(conn)
        assert dl["raw"] == "{not json" and "invalid JSON" in dl["reason"]
        assert feeds.feed_health(conn)[0]["dead_letters_total"] == 1


def test_checkpoints_survive_and_overwrite(services):
    ingest = IngestService(services)
    assert ingest.load_checkpoint("open311") is None
    ingest.save_checkpoint("open311", "2026-11-23T08:00:00+08:00")
    ingest.save_checkpoint("open311", "2026-11-23T09:00:00+08:00")
    assert ingest.load_checkpoint("open311") == "2026-11-23T09:00:00+08:00"


def test_snapshot_shows_every_layer(services):
    ingest = IngestService(services)
    now = datetime.now(timezone.utc)
    ingest.ingest("open311", [case("9")])
    ingest.ingest("traffic", [speed("S2", 20, now)])
    ingest.ingest("sensorthings", [reading("o9", "A2", "pm25", 80, now)])
    snap = operations_snapshot(services)
    assert len(snap["districts"]["features"]) == 2
    assert {f["properties"]["id"]: f["properties"]["level"] for f in snap["segments"]["features"]}["S2"] == "heavy"
    assert snap["stations"]["features"][1]["properties"]["aqi"] == 119   # (150-100)/(115-60)*(80-60)+100 = 118.2 → 119
    assert snap["incidents"]["features"][0]["properties"]["category"] == "0101"
    assert snap["figures"]["open_incidents"] == 1 and snap["figures"]["new_today"] >= 0
    assert snap["bus_last_id"] is not None
