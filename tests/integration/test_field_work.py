"""Field work through the services, on SQLite and PostgreSQL: an inspector's report with a photo,
the verification round trip (request, pass/fail, close only after a pass), evidence flags, the
exactly-once key, and who may see a photo."""
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from dashboard.domain.identity import Identity
from dashboard.services import evidence, field, intake
from dashboard.services.incident_actions import ActionError, perform
from dashboard.store import field as field_store
from tests.support import photos as P

ADMIN = Identity("root", "admin", via="cli")
DISPATCHER = Identity("wang", "dispatcher")
OPERATOR_CG = Identity("op-cg", "operator", department="CG")
OPERATOR_JT = Identity("op-jt", "operator", department="JT")
INSPECTOR = Identity("insp-w", "inspector")
INSPECTOR_EAST = Identity("insp-e", "inspector")
LEADER = Identity("boss", "leader")
WALL = Identity("hall", "wall", via="kiosk")
HERE = (32.05, 118.75)          # lat, lon in district D1 (west)
PASSWORD = "correct horse battery"


@pytest.fixture
def world(services):
    from dashboard.services.auth import AuthService
    services = _with(services, field_verify_categories="0101")
    intake.ensure_routing_rules(services)
    auth = AuthService(services)
    for who in (INSPECTOR, INSPECTOR_EAST):
        auth.add_user(ADMIN, who.username, "inspector", None, PASSWORD)
    field.set_beat(services, ADMIN, INSPECTOR.username, ["D1"], [])
    field.set_beat(services, ADMIN, INSPECTOR_EAST.username, ["D2"], [])
    return services


def _with(services, **settings):
    services.settings = replace(services.settings, **settings)
    return services


def photo(services, lat=HERE[0], lon=HERE[1], taken=None, name="p.jpg"):
    taken = taken or datetime.now().replace(microsecond=0)   # local clock written as +08:00 below
    from zoneinfo import ZoneInfo
    local = datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, microsecond=0) if taken is None else taken
    return evidence.receive(services, P.jpeg(lat, lon, local), name)


def now_cn():
    from zoneinfo import ZoneInfo
    return datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, microsecond=0)


def inspector_report(services):
    return field.report(services, INSPECTOR, {"category": "0101", "lat": HERE[0], "lon": HERE[1],
                                              "description": "井盖缺失"}, [photo(services, taken=now_cn())])


def to_fixed(services, inc):
    inc = perform(services, DISPATCHER, inc["id"], "verify", inc["version"])
    inc = perform(services, DISPATCHER, inc["id"], "dispatch", inc["version"], params={"department": "CG"})
    inc = field.act(services, OPERATOR_CG, inc["id"], {"action": "accept", "version": inc["version"]}, [])
    later = now_cn() + timedelta(minutes=1)
    return field.act(services, OPERATOR_CG, inc["id"], {"action": "report_fixed", "version": inc["version"],
                                                        "note": "new cover"},
                     [("before", photo(services, taken=later)), ("after", photo(services, taken=later))])


def test_the_verification_round_trip(world):
    s = world
    inc = inspector_report(s)
    assert inc["source"] == "inspector" and inc["status"] == "reported"
    assert [e["stage"] for e in inc["evidence"]] == ["report"]
    inc = to_fixed(s, inc)
    assert inc["status"] == "fixed" and sorted(e["stage"] for e in inc["evidence"]) == ["after", "before", "report"]
    with pytest.raises(ActionError, match="request a verification first"):
        perform(s, DISPATCHER, inc["id"], "close", inc["version"])
    inc = perform(s, DISPATCHER, inc["id"], "request_verification", inc["version"])
    assert inc["details"]["verification"]["inspector"] == INSPECTOR.username   # the beat's inspector
    with pytest.raises(ActionError, match="no open verification task"):
        field.act(s, INSPECTOR_EAST, inc["id"], {"action": "verify_pass", "version": inc["version"]},
                  [("verify", photo(s, taken=now_cn()))])
    with pytest.raises(ActionError, match="needs at least one photo"):
        field.act(s, INSPECTOR, inc["id"], {"action": "verify_pass", "version": inc["version"]}, [])
    tasks = field.tasks(s, INSPECTOR)["items"]
    assert [t["id"] for t in tasks] == [inc["id"]] and tasks[0]["allowed_actions"] == ["verify_pass", "verify_fail"]
    inc = field.act(s, INSPECTOR, inc["id"], {"action": "verify_fail", "version": inc["version"],
                                              "reason": "cover rocks"}, [("verify", photo(s, taken=now_cn()))])
    assert inc["details"]["verification"]["state"] == "failed"
    with pytest.raises(ActionError, match="failed"):
        perform(s, DISPATCHER, inc["id"], "close", inc["version"])
    inc = perform(s, DISPATCHER, inc["id"], "rework", inc["version"], reason="cover rocks")
    inc = field.act(s, OPERATOR_CG, inc["id"], {"action": "report_fixed", "version": inc["version"], "note": "again"},
                    [("after", photo(s, taken=now_cn()))])
    inc = perform(s, DISPATCHER, inc["id"], "request_verification", inc["version"])
    inc = field.act(s, INSPECTOR, inc["id"], {"action": "verify_pass", "version": inc["version"]},
                    [("verify", photo(s, taken=now_cn()))])
    inc = perform(s, DISPATCHER, inc["id"], "close", inc["version"])
    assert inc["status"] == "closed"
    figures = field.evaluation(s, datetime.now().astimezone() - timedelta(days=1),
                               datetime.now().astimezone() + timedelta(days=1))["departments"]
    assert figures == [{"department": "CG", "requested": 2, "passed": 1, "failed": 1, "open": 0,
                        "median_hours_to_verify": figures[0]["median_hours_to_verify"],
                        "mean_hours_to_verify": figures[0]["mean_hours_to_verify"], "failure_rate": 0.5}]


def test_a_photo_far_from_the_case_or_older_than_it_is_flagged(world):
    s = world
    inc = inspector_report(s)
    inc = perform(s, DISPATCHER, inc["id"], "verify", inc["version"])
    inc = perform(s, DISPATCHER, inc["id"], "dispatch", inc["version"], params={"department": "CG"})
    inc = field.act(s, OPERATOR_CG, inc["id"], {"action": "accept", "version": inc["version"]}, [])
    far = photo(s, lat=HERE[0] + 0.01, taken=now_cn())             # about 1.1 km north
    old = photo(s, taken=now_cn() - timedelta(days=2))
    inc = field.act(s, OPERATOR_CG, inc["id"], {"action": "report_fixed", "version": inc["version"], "note": "x"},
                    [("after", far), ("after", old)])
    after = [e for e in inc["evidence"] if e["stage"] == "after"]
    assert "far" in after[0]["flags"] and 1000 < after[0]["distance_m"] < 1300
    assert after[1]["flags"] == ["before_report"]
    assert inc["evidence"][0]["flags"] == []      # the report's own photo, taken on the spot


def test_each_key_acts_once(world):
    s = world
    inc = report_dispatched(s)
    calls = []

    def run():
        calls.append(1)
        view = field.act(s, OPERATOR_CG, inc["id"], {"action": "accept", "version": inc["version"]}, [])
        return 200, view
    first = field.once(s, OPERATOR_CG, "k-accept-0001", run)
    again = field.once(s, OPERATOR_CG, "k-accept-0001", run)
    assert first[0] == again[0] == 200 and len(calls) == 1 and again[1]["replayed"] is True
    assert again[1]["version"] == first[1]["version"]
    # a refusal (here: the case changed meanwhile) is an answer too: kept, not retried
    conflict = field.once(s, OPERATOR_CG, "k-accept-0002", run)
    assert conflict[0] == 409 and field.once(s, OPERATOR_CG, "k-accept-0002", run) == (409, conflict[1] | {"replayed": True})
    assert len(calls) == 2
    with pytest.raises(ActionError, match="Idempotency-Key"):
        field.once(s, OPERATOR_CG, "bad key with spaces", run)


def report_dispatched(s):
    inc = intake_report(s)
    inc = perform(s, DISPATCHER, inc["id"], "verify", inc["version"])
    return perform(s, DISPATCHER, inc["id"], "dispatch", inc["version"], params={"department": "CG"})


def intake_report(s):
    return inspector_report(s)


def test_who_may_see_a_photo(world):
    s = world
    inc = report_dispatched(s)
    evidence_id = inc and field.tasks(s, OPERATOR_CG)["items"][0]["evidence"][0]["id"]
    seen = {}
    for who in (ADMIN, DISPATCHER, LEADER, OPERATOR_CG, OPERATOR_JT, INSPECTOR, INSPECTOR_EAST, WALL,
                Identity("nobody", "")):
        try:
            data, mime, _ = evidence.file_for(s, who, evidence_id)
            seen[who.username] = True
            assert mime == "image/jpeg" and not P.has_gps(data)
        except evidence.EvidenceError as exc:
            assert exc.status == 404
            seen[who.username] = False
    assert seen == {"root": True, "wang": True, "boss": True, "op-cg": True, "op-jt": False, "insp-w": True,
                    "insp-e": False, "hall": False, "nobody": False}


def test_bad_files_are_refused_with_clear_messages(world):
    s = world
    cases = {"virus.jpg": (P.script_named_jpg(), "not a photo"),
             "cut.jpg": (P.jpeg(*HERE, now_cn(), size=(800, 600))[:3000], "truncated"),
             "bomb.png": (P.bomb(), "decompression bomb")}
    for name, (data, words) in cases.items():
        with pytest.raises(evidence.EvidenceError, match=words) as caught:
            evidence.receive(s, data, name)
        assert name in str(caught.value)
    big = P.fifty_mb_jpeg()
    with pytest.raises(evidence.EvidenceError, match="50.0 MB; at most 20 MB") as caught:
        evidence.receive(s, big, "huge.jpg")
    assert caught.value.status == 413
    many = _with(s, evidence_max_pixels=100_000)
    with pytest.raises(evidence.EvidenceError, match="megapixels"):
        evidence.receive(many, P.jpeg(*HERE, now_cn(), size=(640, 480)), "wide.jpg")
    with field_store_read(s) as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM evidence_blobs").scalar() == 0


def field_store_read(s):
    return s.store.read()


def test_stored_once_by_content_in_the_data_dir_and_in_postgresql(world):
    s = world
    received = photo(s, taken=now_cn())
    with s.store.begin() as conn:
        a = evidence.keep(s, conn, received, datetime.now().astimezone())
        b = evidence.keep(s, conn, received, datetime.now().astimezone())
        row = field_store.blob(conn, a)
    assert a == b and evidence.blob_path(s, a).read_bytes() == received.photo.data
    assert (row["data"] is not None) == (s.store.dialect == "postgresql")
    evidence.Thumbnails(s).submit(a).result(timeout=30)
    with s.store.read() as conn:
        assert field_store.has_thumb(conn, a)


def test_the_demo_has_inspectors_whose_beats_cover_the_city(services, tmp_path):
    """`cityops run` (the demo) creates inspector logins with beats, so /field can be tried at once."""
    from dashboard.services.auth import AuthService
    auth = AuthService(services)
    _, logins = auth.ensure_demo_users(str(tmp_path))
    assert auth.sign_in("inspector", logins["inspector"], "127.0.0.1").role == "inspector"
    assert auth.sign_in("inspector2", logins["inspector2"], "127.0.0.1").role == "inspector"
    with services.store.read() as conn:
        beats = {name: field_store.beat(conn, name)["district"] for name in ("inspector", "inspector2")}
    assert 1 <= len(beats["inspector"]) <= 2
    assert sorted(beats["inspector"] + beats["inspector2"]) == sorted(d.code for d in services.city.districts)
    me = field.me(services, Identity("inspector", "inspector"), "zh-CN")
    assert me["beat"]["district"] == beats["inspector"]
    # the phone's map without tiles: every district's outline, with a point inside it for its name
    from dashboard.domain.geo import point_in_polygon
    outlines = {d.code: d.geometry for d in services.city.districts}
    assert [d["code"] for d in me["districts"]] == list(outlines)
    assert all(point_in_polygon(tuple(d["label"]), outlines[d["code"]]) for d in me["districts"])
