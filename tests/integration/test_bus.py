"""The bus contract; every implementation must pass it."""
import threading
import time

import pytest

from dashboard.bus import MemoryBus


@pytest.fixture
def bus():
    return MemoryBus(maxlen=100)


def test_messages_come_back_in_order_after_a_position(bus):
    assert bus.last_id() is None and bus.read(None) == []
    ids = [bus.publish("t", {"n": n}) for n in range(5)]
    assert [m.data["n"] for m in bus.read("0")] == [0, 1, 2, 3, 4]
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
    assert len(bus.read("0", count=1000)) == 100
    assert bus.oldest_id() == "151"
    assert bus.read("0", count=1)[0].data["n"] == 150
