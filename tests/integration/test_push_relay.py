"""The push relay with a real websockets client against a real relay on the in-process bus."""
from __future__ import annotations

import contextlib
import json
import threading
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from dashboard.bus import MemoryBus
from dashboard.push import PushRelay


@pytest.fixture
def bus():
    return MemoryBus(maxlen=100)


@pytest.fixture
def relay(bus):
    relay = PushRelay(bus, "127.0.0.1", 0).start()
    yield relay
    relay.stop()


def receive_until(ws, want_last_id: str, timeout: float = 5.0) -> list[dict]:
    """Batches until one ends at `want_last_id`."""
    batches = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        batches.append(batch)
        if batch.get("reset") or batch["last_id"] == want_last_id:
            return batches
    raise AssertionError(f"no batch reached {want_last_id}: {batches}")


def messages_of(batches: list[dict]) -> list[dict]:
    return [m for b in batches for m in b["messages"]]


def wait_for_clients(relay: PushRelay, n: int) -> None:
    deadline = time.monotonic() + 3
    while relay.client_count != n and time.monotonic() < deadline:
        time.sleep(0.01)
    assert relay.client_count == n


def test_live_messages_arrive_in_order_batched_and_chained(relay, bus):
    with connect(relay.url) as ws:
        wait_for_clients(relay, 1)
        ids = [bus.publish("incident.upsert", {"n": n}) for n in range(30)]
        batches = receive_until(ws, ids[-1])
    got = messages_of(batches)
    assert [m["data"]["n"] for m in got] == list(range(30))
    assert [m["id"] for m in got] == ids and got[0]["topic"] == "incident.upsert"
    for previous, batch in zip(batches, batches[1:]):
        assert batch["after"] == previous["last_id"]   # the page can check that nothing was skipped
    assert len(batches) <= 3                           # batched, not one frame per message


def test_one_reader_fans_out_to_every_client(relay, bus):
    with connect(relay.url) as a, connect(relay.url) as b:
        wait_for_clients(relay, 2)
        last = [bus.publish("figures", {"open_incidents": n}) for n in range(5)][-1]
        for ws in (a, b):
            assert [m["data"]["open_incidents"] for m in messages_of(receive_until(ws, last))] == list(range(5))


def test_batches_are_paced(bus):
    relay = PushRelay(bus, "127.0.0.1", 0, interval=0.3).start()
    try:
        with connect(relay.url) as ws:
            wait_for_clients(relay, 1)
            stop = threading.Event()

            def publish():
                while not stop.is_set():
                    bus.publish("segments.update", {"items": []})
                    time.sleep(0.01)

            thread = threading.Thread(target=publish)
            thread.start()
            arrivals = []
            for _ in range(4):
                ws.recv(timeout=3)
                arrivals.append(time.monotonic())
            stop.set()
            thread.join()
        gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
        assert min(gaps) >= 0.25, gaps
    finally:
        relay.stop()


def test_after_catches_up_without_gaps_or_duplicates(relay, bus):
    first = [bus.publish("event.new", {"n": n}) for n in range(10)]
    with connect(relay.url + f"?after={first[3]}") as ws:
        batches = receive_until(ws, first[-1])
        assert batches[0]["after"] == first[3]
        wait_for_clients(relay, 1)
        more = [bus.publish("event.new", {"n": n}) for n in range(10, 15)]
        batches += receive_until(ws, more[-1])
    got = [m["data"]["n"] for m in messages_of(batches)]
    assert got == list(range(4, 15))


def test_catch_up_while_publishing_has_no_gaps_or_duplicates(relay, bus):
    start = bus.publish("event.new", {"n": 0})
    stop = threading.Event()
    published = [start]

    def publish():
        n = 1
        while not stop.is_set() and n < 60:
            published.append(bus.publish("event.new", {"n": n}))
            n += 1
            time.sleep(0.002)

    thread = threading.Thread(target=publish)
    thread.start()
    with connect(relay.url + f"?after={start}") as ws:
        thread.join()
        batches = receive_until(ws, published[-1])
    got = [m["data"]["n"] for m in messages_of(batches)]
    assert got == list(range(1, len(published)))


def test_reconnect_with_last_applied_id_resumes_exactly(relay, bus):
    with connect(relay.url + "?after=0") as ws:
        wait_for_clients(relay, 1)
        ids = [bus.publish("station.update", {"n": n}) for n in range(5)]
        last_applied = receive_until(ws, ids[-1])[-1]["last_id"]
    missed = [bus.publish("station.update", {"n": n}) for n in range(5, 9)]   # while the page was away
    with connect(relay.url + f"?after={last_applied}") as ws:
        got = messages_of(receive_until(ws, missed[-1]))
    assert [m["data"]["n"] for m in got] == [5, 6, 7, 8]


def test_after_from_an_empty_bus_snapshot_gets_everything(relay, bus):
    with connect(relay.url + "?after=0") as ws:
        wait_for_clients(relay, 1)
        last = [bus.publish("figures", {"n": n}) for n in range(3)][-1]
        assert [m["data"]["n"] for m in messages_of(receive_until(ws, last))] == [0, 1, 2]


@pytest.mark.parametrize("after", ["5", "not-an-id", "999"])
def test_reset_when_too_old_unknown_or_ahead(relay, bus, after):
    for n in range(150):                     # the bus holds 100: ids 1..50 are gone
        bus.publish("event.new", {"n": n})
    assert bus.oldest_id() == "51"
    with connect(relay.url + f"?after={after}") as ws:
        assert json.loads(ws.recv(timeout=3)) == {"reset": True}
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=3)


def test_position_just_before_the_oldest_is_not_a_reset(relay, bus):
    for n in range(150):
        bus.publish("event.new", {"n": n})
    with connect(relay.url + "?after=50") as ws:
        got = messages_of(receive_until(ws, "150"))
    assert len(got) == 100 and got[0]["id"] == "51"


def test_reset_when_the_bus_is_empty_but_the_page_is_from_another_life(relay):
    with connect(relay.url + "?after=42") as ws:
        assert json.loads(ws.recv(timeout=3)) == {"reset": True}


def test_a_slow_client_is_dropped_with_a_reset(bus):
    relay = PushRelay(bus, "127.0.0.1", 0, max_pending=20, interval=0.5).start()
    try:
        with connect(relay.url) as ws:
            wait_for_clients(relay, 1)
            for n in range(50):               # more than the client's queue holds within one interval
                bus.publish("event.new", {"n": n})
            frames = []
            with pytest.raises(ConnectionClosed):
                while True:
                    frames.append(json.loads(ws.recv(timeout=3)))
            assert frames[-1] == {"reset": True}
        wait_for_clients(relay, 0)
    finally:
        relay.stop()


def test_authorize_can_refuse_or_filter(bus):
    def authorize(request):
        token = request.path.partition("token=")[2]
        if token == "wall":
            return lambda topic, data: topic != "incident.changed"
        return token == "ok"

    relay = PushRelay(bus, "127.0.0.1", 0, authorize=authorize).start()
    try:
        with connect(relay.url + "?token=nope") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=3)
            assert closed.value.rcvd.code == 1008
        with connect(relay.url + "?token=wall") as ws:
            wait_for_clients(relay, 1)
            bus.publish("incident.changed", {"actor": "wang"})
            last = bus.publish("incident.upsert", {"id": 1})
            got = messages_of(receive_until(ws, last))
        assert [m["topic"] for m in got] == ["incident.upsert"]
    finally:
        relay.stop()


def test_stop_is_clean_and_quick_with_clients_connected(bus):
    relay = PushRelay(bus, "127.0.0.1", 0).start()
    port = relay.port
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(connect(relay.url)) for _ in range(3)]
        wait_for_clients(relay, 3)
        started = time.monotonic()
        relay.stop()
        assert time.monotonic() - started < 2.0
        for ws in clients:
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=2)
    assert not any(t.name.startswith("push-") and t.is_alive() for t in threading.enumerate())
    again = PushRelay(bus, "127.0.0.1", port).start()   # the port is free again
    again.stop()


def test_start_fails_loudly_when_the_port_is_taken(relay, bus):
    with pytest.raises(RuntimeError, match="could not listen"):
        PushRelay(bus, "127.0.0.1", relay.port).start()


def test_http_health_answer(relay):
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{relay.port}/healthz", timeout=3) as r:
        assert json.loads(r.read())["clients"] == 0
