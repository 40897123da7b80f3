"""Issue 16 against the store (SQLite and PostgreSQL): a running month is cut at now and compared with the
same span of the month before; open cases overdue since before the period show (the backlog); the queue
orders the urgent and longest waiting first."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from dashboard.domain.identity import Identity
from dashboard.services import evaluation
from dashboard.services.evaluation import ReviewQuery
from tests.integration.test_evaluation_store import store_facts
from tests.unit.test_evaluation_figures import NOW, at, october_cases

from dashboard.domain.evaluation import IncidentFacts

LEADER = Identity("boss", "leader")


def test_this_month_runs_to_now_and_future_deadlines_are_not_due(services):
    not_yet = IncidentFacts(50, at(11, 20), "CG", "0101", "D1", deadline=NOW + timedelta(days=3),
                            dispatched_at=at(11, 20, 1))
    passed = IncidentFacts(51, at(11, 10), "CG", "0101", "D1", deadline=at(11, 12), dispatched_at=at(11, 10, 1))
    with services.store.begin() as conn:
        store_facts(conn, october_cases() + [not_yet, passed])
    fig = evaluation.figures(services, LEADER, ReviewQuery("this_month"), "en", NOW)
    assert fig["period"]["running"] and fig["period"]["last"] == "2026-11-23"
    assert fig["previous"]["first"] == "2026-10-01" and fig["previous"]["last"] == "2026-10-23"
    assert fig["totals"]["due"] == 2                  # E (deadline 1 Nov 00:00) and 51; not 50, still to come
    view = evaluation.overview(services, LEADER, ReviewQuery("this_month"), "en", NOW)
    assert view["trends"]["daily"][-1]["day"] == "2026-11-23"          # no future day plotted
    assert all(w["week"] <= "2026-11-23" for w in view["trends"]["weekly"])


def test_open_cases_overdue_since_before_the_period_still_show(services):
    with services.store.begin() as conn:
        store_facts(conn, october_cases())
    backlog = evaluation.open_overdue(services, LEADER, ReviewQuery("this_month"), NOW)
    # C (returned, never closed, deadline 12 Oct) and G (reopened, deadline 25 Oct); F is suspended
    assert {r["id"] for r in backlog["items"]} == {3, 7} and backlog["total"] == 2
    assert backlog["items"][0]["id"] == 3 and backlog["oldest_seconds"] > 40 * 86400
    listed = evaluation.incidents_behind(services, LEADER, ReviewQuery("this_month"), "open_overdue", NOW)
    assert {r["id"] for r in listed["items"]} == {3, 7}
    # the report's "longest overdue" includes them
    worst = evaluation.worst_overdue(services, LEADER, ReviewQuery("this_month"), NOW)
    assert {3, 7} <= {r["id"] for r in worst}


def test_the_work_queue_is_urgent_first_then_longest_waiting(services):
    from dashboard.store import incidents as incident_store
    from dashboard.store import schema as t
    base = datetime(2026, 11, 23, 0, 0, tzinfo=timezone.utc)
    rows = [(901, 3, base), (902, 1, base + timedelta(hours=2)), (903, 1, base), (904, 2, base - timedelta(hours=5))]
    with services.store.begin() as conn:
        for n, priority, reported in rows:
            conn.execute(t.incidents.insert().values(
                id=n, code=f"Q{n}", category="0101", priority=priority, title=f"q {n}", description="",
                status="reported", version=1, source="manual", source_ref=f"q{n}", reported_at=reported, details={},
                created_at=base + timedelta(hours=6), updated_at=base + timedelta(hours=6)))
    with services.store.connect() as conn:
        found, _ = incident_store.search(conn, statuses=["reported"], order="urgent")
    assert [r["id"] for r in found if r["id"] >= 901] == [903, 902, 904, 901]


def test_the_walls_two_hour_trends_start_from_the_stored_readings(services):
    """#16 item 4: the wall's trends are seeded from the server's history (not only what the browser saw)."""
    from dashboard.services.wall import recent_trends
    from dashboard.store import schema as t
    now = datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc)
    with services.store.begin() as conn:
        if not conn.execute(t.road_segments.select().where(t.road_segments.c.id == "S-T1")).first():
            conn.execute(t.road_segments.insert().values(id="S-T1", name_zh="测试路", name_en="Test Rd", district="D1",
                                                         free_flow_kmh=50.0, geometry={"type": "LineString",
                                                                                       "coordinates": [[0, 0], [1, 1]]}))
        for n, minutes_ago in enumerate((100, 60, 5)):
            at = now - timedelta(minutes=minutes_ago)
            conn.execute(t.events.insert().values(
                source="traffic", kind="segment_speed", source_id=f"S-T1-{n}", observed_at=at, updated_at=at,
                received_at=at, payload={"segment_id": "S-T1", "speed_kmh": 10.0 + 10 * n}))
            conn.execute(t.events.insert().values(
                source="sensorthings", kind="air_reading", source_id=f"A-{n}", observed_at=at, updated_at=at,
                received_at=at, payload={"station_id": "A01", "pollutant": "pm25", "value": 40.0 + 40 * n}))
        old = now - timedelta(minutes=200)      # older than two hours: not drawn
        conn.execute(t.events.insert().values(source="traffic", kind="segment_speed", source_id="S-T1-old",
                                              observed_at=old, updated_at=old, received_at=old,
                                              payload={"segment_id": "S-T1", "speed_kmh": 1.0}))
    with services.store.connect() as conn:
        recent = recent_trends(services, conn, now)
    minutes = [m for m, _ in recent["ci"]]
    assert len(minutes) == 3 and minutes == sorted(minutes)
    assert minutes[-1] == int((now - timedelta(minutes=5)).timestamp() // 60)
    assert recent["ci"][0][1] > recent["ci"][-1][1]                  # slower then: more congested
    assert [a for _, a in recent["aqi"]] == sorted(a for _, a in recent["aqi"]) and len(recent["aqi"]) == 3


def test_the_sign_in_page_speaks_the_language_of_the_screen_that_sent_there(services, tmp_path):
    """#16 item 19: a revoked wall on /wall?lang=en reloads to an English sign-in page."""
    from dashboard.web.app import create_app
    server = create_app(services).server
    client = server.test_client()
    first = client.get("/wall?lang=en&kiosk=revoked")
    assert first.status_code == 302
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Sign in" in page and "登录" not in page.split("</form>")[0]


def test_with_no_destination_a_sign_in_lands_on_the_persons_work(services):
    """#16 item 5: a dispatcher lands on the queue, a leader on the review; a destination asked for wins."""
    import re as _re

    from dashboard.services.auth import AuthService
    from dashboard.domain.identity import Identity as _Identity
    from dashboard.web.app import create_app
    auth = AuthService(services)
    admin = _Identity("root", "admin", via="cli")
    for name, role in (("d16", "dispatcher"), ("l16", "leader")):
        auth.add_user(admin, name, role, None, "a long enough password 16")
    server = create_app(services).server
    for name, home, asked in (("d16", "/dispatch", None), ("l16", "/review", None), ("d16", "/", "/")):
        client = server.test_client()
        page = client.get("/login").get_data(as_text=True)
        csrf = _re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = {"username": name, "password": "a long enough password 16", "csrf_token": csrf}
        if asked:
            data["next"] = asked
        r = client.post("/login", data=data)
        assert r.status_code == 302 and r.headers["Location"] == home, (name, r.headers.get("Location"))
