"""Redis going away and coming back, with a Redis server of the test's own: publishers keep what
they could not send and send it, in order, once Redis is back; the push relay turns browsers away
(1013, "try again later") while the bus is gone and takes them back after; the pictures are
computed from the store, uncached, meanwhile; nothing raises where a page is being served."""
from __future__ import annotations

import json
import time
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from dashboard.bus import BusUnavailable
from dashboard.bus.redis_streams import RedisBus
from dashboard.push import PushRelay
from dashboard.services.cache import SharedCache
from dashboard.services.operations import operations_snapshot
from tests.conftest import services_on
from tests.support.redis_server import private_redis_or_skip

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_server(tmp_path):
    server = private_redis_or_skip(str(tmp_path))
    yield server
    server.stop()


def test_messages_published_while_redis_is_away_go_out_in_order_when_it_is_back(redis_server):
    bus = RedisBus(redis_server.url, timeout=0.5)
    first = bus.publish("t", {"n": 0})
    redis_server.stop()
    for n in (1, 2, 3):
        started = time.monotonic()
        with pytest.raises(BusUnavailable):
            bus.publish("t", {"n": n})
        assert time.monotonic() - started < 1.5      # a publisher is not held up for long
    assert bus.waiting == 3
    redis_server.start()                             # empty: Redis keeps nothing on disk here
    time.sleep(bus.retry_after)
    bus.publish("t", {"n": 4})
    assert bus.waiting == 0
    got = bus.read("0-0", 100)
    assert [m.data["n"] for m in got] == [1, 2, 3, 4]
    assert all(m.id > first for m in got)            # ids keep growing across the restart
    bus.close()


def test_a_consumer_group_lost_with_a_restart_is_made_again(redis_server):
    bus = RedisBus(redis_server.url, timeout=0.5)
    bus.ensure_group("hooks")
    bus.publish("t", {"n": 1})
    assert [m.data["n"] for m in bus.read_group("hooks", "c1")] == [1]
    redis_server.stop()
    redis_server.start()
    assert bus.read_group("hooks", "c1") == []       # NOGROUP: made again, from the start of the new stream
    bus.publish("t", {"n": 2})
    assert [m.data["n"] for m in bus.read_group("hooks", "c1")] == [2]
    bus.close()


def test_the_relay_turns_browsers_away_while_the_bus_is_gone_and_takes_them_back(redis_server):
    bus = RedisBus(redis_server.url, timeout=0.5)
    bus.publish("t", {"n": 0})
    relay = PushRelay(bus, read_timeout=0.2).start()
    try:
        ws = connect(relay.url, open_timeout=5)   # closed by the relay below
        position = bus.publish("t", {"n": 1})
        assert json.loads(ws.recv(timeout=5))["last_id"] == position
        redis_server.stop()
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd.code == 1013
        with pytest.raises(ConnectionClosed) as refused:    # a new browser is sent away as well
            connect(relay.url, open_timeout=5).recv(timeout=5)
        assert refused.value.rcvd.code == 1013
        redis_server.start()
        deadline = time.monotonic() + 15
        while relay.bus_down and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not relay.bus_down
        # the browser comes back with its last position: the stream it knew is gone, so it reloads
        again = connect(f"{relay.url}?after={position}", open_timeout=5)
        assert json.loads(again.recv(timeout=5)) == {"reset": True}
        # and a fresh page (snapshot read after the restart) gets live messages again
        fresh = connect(relay.url, open_timeout=5)
        time.sleep(0.3)
        later = bus.publish("t", {"n": 2})
        got = []
        while not got or got[-1]["last_id"] < later:      # what the relay read meanwhile may come first
            got.append(json.loads(fresh.recv(timeout=5)))
        assert got[-1]["last_id"] == later and got[-1]["messages"][-1]["data"] == {"n": 2}
        fresh.close()
    finally:
        relay.stop()
        bus.close()


def test_pages_are_computed_from_the_store_while_redis_is_away(redis_server, sqlite_store, small_city, tmp_path):
    services = services_on(sqlite_store, small_city, tmp_path)
    bus = services.bus = RedisBus(redis_server.url, timeout=0.5)
    cache = services.cache = SharedCache.from_url(redis_server.url.replace("/0", "/1"))
    bus.publish("t", {})
    first = operations_snapshot(services)
    assert operations_snapshot(services) == first and cache.hits == 1     # same data version: cached
    redis_server.stop()
    away = operations_snapshot(services)                                   # no exception, no cache
    assert away["bus_last_id"] is None
    assert away["figures"]["open_incidents"] == first["figures"]["open_incidents"]
    redis_server.start()
    time.sleep(cache.retry_after)
    bus.publish("t", {})
    back = operations_snapshot(services)
    assert back["bus_last_id"] is not None and back["bus_last_id"] > first["bus_last_id"]
    bus.close()
