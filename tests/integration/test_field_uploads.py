"""Photos over HTTP (issue 18): a citizen's photo in an Open311 multipart POST becomes evidence of the
case it creates (a bad file refuses the whole request, nothing stored); the phone pages' uploads refuse
what is not a photo with a clear message, a body past the limit with 413, and a repeated key acts once."""
import io

import pytest
import sqlalchemy as sa

from dashboard.domain.identity import Identity
from dashboard.services import intake
from dashboard.services.auth import AuthService
from dashboard.store import field as field_store, schema as t
from dashboard.web.server import build_server
from tests.support import photos as P

ROOT = Identity("root", "admin", via="cli")
PASSWORD = "correct horse battery"


@pytest.fixture
def web(services):
    intake.ensure_routing_rules(services)
    auth = AuthService(services)
    key = auth.create_token(ROOT, "citizen-app", kind="open311")
    auth.add_user(ROOT, "op-cg", "operator", "CG", PASSWORD)
    token = auth.create_token(ROOT, "op-cg")
    server = build_server(services)
    server.testing = True
    return server.test_client(), key, {"Authorization": f"Bearer {token}"}


def post_311(client, key, media, name="IMG_1.jpg"):
    return client.post("/open311/v2/requests.json", content_type="multipart/form-data", data={
        "api_key": key, "service_code": "0101", "lat": "32.05", "long": "118.75", "description": "井盖缺失",
        "media": (io.BytesIO(media), name)})


def test_a_citizens_photo_becomes_evidence(web, services):
    client, key, _ = web
    r = post_311(client, key, P.jpeg(32.0501, 118.7501))
    assert r.status_code == 201, r.get_data(as_text=True)
    code = r.json[0]["service_request_id"]
    with services.store.read() as conn:
        incident_id = field_store.incident_id_by_code(conn, code)
        shots = field_store.evidence_of(conn, incident_id)
    assert [(s["stage"], s["uploaded_by"]) for s in shots] == [("citizen", "open311")]
    assert shots[0]["distance_m"] < 50 and shots[0]["flags"] == ["no_time"]


def test_a_bad_citizen_photo_refuses_the_request_and_stores_nothing(web, services):
    client, key, _ = web
    r = post_311(client, key, P.script_named_jpg(), "photo.jpg")
    assert r.status_code == 400 and "not a photo" in r.json[0]["description"]
    with services.store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.incidents)).scalar() == 0


def _dispatched(services):
    from dashboard.domain.incidents import IncidentDraft
    from dashboard.services.incident_actions import perform
    from dashboard.store import utcnow
    draft = IncidentDraft(category="0101", title="井盖", source="test", source_ref="u1", lat=32.05, lon=118.75,
                          district="D1")
    with services.store.begin() as conn:
        row, _ = intake.create(services, conn, draft, Identity("system", "system"), utcnow())
    d = Identity("wang", "dispatcher")
    row = perform(services, d, row["id"], "verify", row["version"])
    return perform(services, d, row["id"], "dispatch", row["version"], params={"department": "CG"})


def test_uploads_refuse_what_is_not_a_photo_and_act_once(web, services):
    client, _, auth = web
    inc = _dispatched(services)
    url = f"/api/v1/incidents/{inc['id']}/evidence"
    r = client.post(url, headers=auth, content_type="multipart/form-data",
                    data={"stage": "before", "photo": (io.BytesIO(P.script_named_jpg()), "virus.jpg")})
    assert r.status_code == 422 and "virus.jpg: the file is not a photo" in r.json["error"]["message"]
    r = client.post(url, headers=auth, content_type="multipart/form-data",
                    data={"stage": "before", "photo": (io.BytesIO(P.fifty_mb_jpeg()), "huge.jpg")})
    assert r.status_code == 413 and r.json["error"]["message"] == "huge.jpg: the photo is 50.0 MB; at most 20 MB is accepted"
    r = client.post(url, headers=auth, content_type="multipart/form-data",      # past any upload: refused unread
                    data={"stage": "before", "photo": (io.BytesIO(P.fifty_mb_jpeg() * 3), "huge.jpg")})
    assert r.status_code == 413 and "larger than" in r.json["error"]["message"]
    good = P.jpeg(32.05, 118.75)
    headers = auth | {"Idempotency-Key": "upload-0001"}
    first = client.post(url, headers=headers, content_type="multipart/form-data",
                        data={"stage": "before", "photo": (io.BytesIO(good), "a.jpg")})
    again = client.post(url, headers=headers, content_type="multipart/form-data",
                        data={"stage": "before", "photo": (io.BytesIO(good), "a.jpg")})
    assert first.status_code == again.status_code == 201 and again.json["replayed"] is True
    with services.store.read() as conn:
        assert len(field_store.evidence_of(conn, inc["id"])) == 1
    served = client.get(first.json["evidence"][0]["url"], headers=auth)
    assert served.status_code == 200 and not P.has_gps(served.data)
    assert client.get(first.json["evidence"][0]["url"], headers=auth | {"If-None-Match": served.headers["ETag"]}).status_code == 304
