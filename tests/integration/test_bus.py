"""The bus contract; every implementation must pass it."""
import threading
import time

import uuid

import pytest

from dashboard.bus import MemoryBus
from tests.conftest import REDIS_URL, need_server


@pytest.fixture(params=["memory", "redis"])
def bus(request):
    """The same contract for the in-process bus and Redis Streams (the real server)."""
    if request.param == "memory":
        yield MemoryBus(maxlen=100)
        return
    need_server("Redis", "127.0.0.1", 6379)
    from dashboard.bus.redis_streams import RedisBus
    bus = RedisBus(REDIS_URL, stream=f"test:{uuid.uuid4().hex}", maxlen=100)
    yield bus
    bus._redis.delete(bus.stream)
    bus.close()


def test_messages_come_back_in_order_after_a_position(bus):
    assert bus.last_id() is None and bus.read(None) == []
    ids = [bus.publish("t", {"n": n}) for n in range(5)]
    assert [m.data["n"] for m in bus.read("0")] == [0, 1, 2, 3, 4]
    assert [m.id for m in bus.read("0")] == ids
    assert [m.data["n"] for m in bus.read(ids[2])] == [3, 4]
    assert bus.read(ids[-1]) == [] and bus.last_id() == ids[-1]
    assert [m.data["n"] for m in bus.read(ids[0], count=2)] == [1, 2]


def test_none_means_from_now_on(bus):
    bus.publish("t", {"old": True})
    assert bus.read(None) == []


def test_read_waits_for_the_next_message(bus):
    last = bus.publish("t", {})
    threading.Timer(0.1, lambda: bus.publish("t", {"late": True})).start()
    started = time.monotonic()
    got = bus.read(last, timeout=2)
    assert got and got[0].data == {"late": True} and time.monotonic() - started < 1.5


def test_the_ring_is_bounded_and_says_where_it_starts(bus):
    for n in range(250):
        bus.publish("t", {"n": n})
    kept = bus.read("0", count=1000)
    # Redis trims approximately (whole nodes); both keep at least the newest `maxlen`
    assert 100 <= len(kept) < 250 and kept[-1].data["n"] == 249
    assert bus.oldest_id() == kept[0].id


def test_redis_consumer_group_acks_and_reclaims_from_a_dead_consumer():
    need_server("Redis", "127.0.0.1", 6379)
    from dashboard.bus.redis_streams import RedisBus
    bus = RedisBus(REDIS_URL, stream=f"test:{uuid.uuid4().hex}")
    try:
        bus.ensure_group("ingest", start="0")
        bus.ensure_group("ingest", start="0")   # idempotent
        for n in range(4):
            bus.publish("t", {"n": n})
        first = bus.read_group("ingest", "a", count=2)
        assert [m.data["n"] for m in first] == [0, 1]
        bus.ack("ingest", first[0].id)           # "a" dies before acknowledging the second
        rest = bus.read_group("ingest", "b", count=10)
        assert [m.data["n"] for m in rest] == [2, 3]
        bus.ack("ingest", *[m.id for m in rest])
        time.sleep(0.05)
        reclaimed = bus.claim_stale("ingest", "b", idle_seconds=0.01)
        assert [m.data["n"] for m in reclaimed] == [1]
    finally:
        bus._redis.delete(bus.stream)
        bus.close()


def test_an_unreachable_redis_is_reported_as_bus_unavailable():
    from dashboard.bus import BusUnavailable
    from dashboard.bus.redis_streams import RedisBus
    bus = RedisBus("redis://127.0.0.1:1/0", timeout=0.5)
    with pytest.raises(BusUnavailable, match="Redis bus unavailable"):
        bus.publish("t", {})
