"""Webhooks end to end with real HTTP receivers on loopback (SQLite and PostgreSQL): signed deliveries
a receiver can verify, retries while the receiver is down until it answers, a hanging receiver that
never holds up the action, the admin API and the delivery history."""
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dashboard.domain import webhooks as rules
from dashboard.domain.identity import Identity
from dashboard.domain.incidents import IncidentDraft
from dashboard.services import intake
from dashboard.services.auth import AuthService
from dashboard.services.incident_actions import perform
from dashboard.services.webhooks import WebhookService, WebhookWorker, start_worker
from dashboard.web.server import build_server
from tests.integration.test_incident_actions import report

ADMIN = Identity("root", "admin", via="cli")
DISPATCHER = Identity("wang", "dispatcher")


class Receiver:
    """A real HTTP server on loopback that records what it is sent. `answers` is the status of each
    request in turn (the last one repeats); `hold` makes each request wait until it is set."""

    def __init__(self, port: int = 0, answers=(200,), hold: threading.Event | None = None):
        self.got: list[tuple[dict, bytes]] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append((dict(self.headers), body))
                receiver.arrived.set()
                if hold is not None:
                    hold.wait(60)
                status = answers[min(len(receiver.got), len(answers)) - 1]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}/hook"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.http.shutdown()
        self.http.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventually(condition, within=20.0):
    """Wait for a condition the worker brings about (a bound on waiting, not a timing assertion)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the condition did not come about")


@pytest.fixture
def services(store, small_city, tmp_path):
    """The receivers here listen on loopback: the setting that allows an internal host (issue 17)."""
    from tests.conftest import services_on
    return services_on(store, small_city, tmp_path, webhook_allowed_hosts="127.0.0.1")


@pytest.fixture
def hooks(services):
    intake.ensure_routing_rules(services)
    service = WebhookService(services, timeout=30, base_delay=0.2, max_delay=0.5)
    stop = threading.Event()
    worker = WebhookWorker(services, service, poll_seconds=0.05)
    thread = start_worker(services, stop, worker)
    assert worker.ready.wait(10)
    yield service
    stop.set()
    thread.join(40)


def dispatched(services, department="CG", ref="w1"):
    inc = report(services, ref=ref)
    inc = perform(services, DISPATCHER, inc["id"], "verify", inc["version"])
    return perform(services, DISPATCHER, inc["id"], "dispatch", inc["version"], params={"department": department})


def deliveries(service, webhook_id):
    return service.deliveries(webhook_id)["items"]


def test_a_dispatch_to_the_department_is_delivered_signed(services, hooks):
    receiver = Receiver()
    try:
        hook, secret = hooks.register(ADMIN, "CG work orders", receiver.url, ["incident.dispatch"],
                                      {"department": ["CG"]})
        dispatched(services, "JT", "other")            # another department's: not for this webhook
        incident = dispatched(services, "CG", "ours")
        eventually(lambda: receiver.got)
        headers, body = receiver.got[0]
        assert rules.verify(secret, headers[rules.TIMESTAMP_HEADER], body, headers[rules.SIGNATURE_HEADER], time.time())
        assert not rules.verify("whsec_wrong", headers[rules.TIMESTAMP_HEADER], body,
                                headers[rules.SIGNATURE_HEADER], time.time())
        assert not rules.verify(secret, headers[rules.TIMESTAMP_HEADER], body + b" ", headers[rules.SIGNATURE_HEADER],
                                time.time())
        payload = json.loads(body)
        assert headers[rules.EVENT_HEADER] == payload["event"] == "incident.dispatch"
        assert payload["incident"]["id"] == incident["id"] and payload["incident"]["department"] == "CG"
        assert "reporter_name" not in payload["incident"] and "reporter_phone" not in body.decode()
        done = eventually(lambda: [d for d in deliveries(hooks, hook["id"]) if d["status"] == "delivered"])
        assert len(done) == 1 and done[0]["attempts"] == 1 and done[0]["log"][0]["status_code"] == 200
        assert len(receiver.got) == 1                   # the JT dispatch was not sent
    finally:
        receiver.close()


def test_retries_while_the_receiver_is_down_then_delivers(services, hooks):
    port = free_port()                                  # nothing listens here yet
    hook, _ = hooks.register(ADMIN, "flaky", f"http://127.0.0.1:{port}/hook", ["incident.dispatch"])
    dispatched(services)
    eventually(lambda: any(d["attempts"] >= 2 for d in deliveries(hooks, hook["id"])))
    pending = deliveries(hooks, hook["id"])[0]
    assert pending["status"] == "pending" and "Connection" in pending["last_error"]
    receiver = Receiver(port, answers=(503, 200))       # comes up, answers 503 once, then 200
    try:
        done = eventually(lambda: [d for d in deliveries(hooks, hook["id"]) if d["status"] == "delivered"])[0]
        codes = [entry["status_code"] for entry in done["log"]]
        assert codes[-2:] == [503, 200] and all(c is None for c in codes[:-2]) and len(codes) >= 4
        assert done["attempts"] == len(codes) and len(receiver.got) == 2
        bodies = {body for _, body in receiver.got}
        assert len(bodies) == 1                         # the same event each time
    finally:
        receiver.close()


def test_a_hanging_receiver_never_holds_up_the_action(services, hooks):
    release = threading.Event()
    receiver = Receiver(hold=release)
    try:
        hook, _ = hooks.register(ADMIN, "slow", receiver.url, ["*"])
        incident = dispatched(services)                 # returns: the delivery is not in the action
        assert receiver.arrived.wait(20)                # the worker is now stuck in the receiver …
        started = time.perf_counter()
        after = perform(services, DISPATCHER, incident["id"], "comment", incident["version"],
                        params={"text": "while the receiver hangs"})
        print(f"comment while a receiver hangs: {(time.perf_counter() - started) * 1000:.1f} ms")
        assert after["version"] == incident["version"] + 1
        release.set()
        # Had the delivery run inside perform(), the receiver (released only after perform returned)
        # would have hung it until the send timed out, and the first attempt would have failed.
        first = eventually(lambda: [d for d in deliveries(hooks, hook["id"])
                                    if d["event"] == "incident.dispatch" and d["status"] == "delivered"])[0]
        assert first["attempts"] == 1
        assert {d["event"] for d in deliveries(hooks, hook["id"])} == {"incident.verify", "incident.dispatch",
                                                                      "incident.comment"}
    finally:
        release.set()
        receiver.close()


def test_a_routing_rule_dispatch_is_an_event_too(services, hooks):
    from dashboard.domain.routing import RoutingRule
    from dashboard.store import routing as routing_store, utcnow
    with services.store.begin() as conn:
        routing_store.put_rule(conn, RoutingRule("0101", None, "CG", True), utcnow())
    receiver = Receiver()
    try:
        hooks.register(ADMIN, "auto", receiver.url, ["incident.created", "incident.dispatch"], {"department": ["CG"]})
        draft = IncidentDraft(category="0101", title="井盖缺失", source="test", source_ref="auto", lat=32.05, lon=118.75,
                              district="D1")
        with services.store.begin() as conn:
            _, publications = intake.create(services, conn, draft, Identity("system", "system"), utcnow())
        for topic, data in publications:                # as ingest does after its transaction
            services.bus.publish(topic, data)
        eventually(lambda: len(receiver.got) == 2)
        payloads = {p["event"]: p for p in (json.loads(body) for _, body in receiver.got)}
        assert payloads["incident.dispatch"]["data"]["actor"] == "system"
        assert payloads["incident.created"]["incident"]["department"] == "CG"
    finally:
        receiver.close()


def test_the_admin_api(services):
    auth = AuthService(services)
    auth.add_user(ADMIN, "boss", "admin", None, "correct horse battery")
    auth.add_user(ADMIN, "wang", "dispatcher", None, "correct horse battery")
    server = build_server(services)
    client = server.test_client()
    admin = {"Authorization": f"Bearer {auth.create_token(ADMIN, 'boss')}"}
    dispatcher = {"Authorization": f"Bearer {auth.create_token(ADMIN, 'wang')}"}
    body = {"name": "work orders", "url": "https://wo.example/hook", "events": ["incident.dispatch"],
            "filters": {"department": ["CG"]}}
    assert client.post("/api/v1/webhooks", json=body, headers=dispatcher).status_code == 403
    for bad, text in (({"url": "ftp://x"}, "http(s)"), ({"events": ["incident.teleport"]}, "unknown events"),
                      ({"filters": {"department": ["XX"]}}, "unknown departments"), ({"name": ""}, "name")):
        r = client.post("/api/v1/webhooks", json=body | bad, headers=admin)
        assert r.status_code == 422 and text in r.json["error"]["message"], r.json
    r = client.post("/api/v1/webhooks", json=body, headers=admin)
    assert r.status_code == 201 and r.json["secret"].startswith("whsec_")
    hook_id = r.json["id"]
    listed = client.get("/api/v1/webhooks", headers=admin).json["items"]
    assert [h["id"] for h in listed] == [hook_id] and "secret" not in listed[0]
    assert client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=admin).json == \
        {"total": 0, "limit": 100, "offset": 0, "items": []}
    assert client.get(f"/api/v1/webhooks/{hook_id}/deliveries?status=lost", headers=admin).status_code == 422
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=dispatcher).status_code == 403
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/webhooks/{hook_id}", headers=admin).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=admin).status_code == 404
    from dashboard.store import audit
    with services.store.connect() as conn:
        actions = [e["action"] for e in audit.query(conn, target_type="webhook")]
    assert sorted(actions) == ["webhook_add", "webhook_delete"]


def test_two_workers_enqueue_and_send_each_event_once(services):
    """Two processes reading the same (Redis) stream: one delivery per webhook and event."""
    receiver = Receiver()
    try:
        service = WebhookService(services, timeout=5, base_delay=0.2)
        hook, _ = service.register(ADMIN, "once", receiver.url, ["incident.verify"])
        inc = report(services, ref="twice")
        start = services.bus.last_id() or "0"
        perform(services, DISPATCHER, inc["id"], "verify", inc["version"])
        messages = services.bus.read(start)
        assert service.enqueue(messages) == 1 and service.enqueue(messages) == 0   # a second reader adds nothing
        first, second = service.claim(10), service.claim(10)
        assert len(first) == 1 and second == []       # leased to one sender
        service.send(first[0])
        assert len(receiver.got) == 1 and deliveries(service, hook["id"])[0]["status"] == "delivered"
    finally:
        receiver.close()
