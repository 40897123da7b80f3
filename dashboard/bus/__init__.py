"""The bus: an ordered, replayable stream of small messages (topic + JSON data).

Every message gets an id that orders it; `read(after=id)` returns what came later, so a reader that
reconnects catches up without gaps or duplicates as long as the stream still holds its position.
The in-process bus (default) and Redis Streams fill the same interface.
"""
from __future__ import annotations

from .base import Bus, BusMessage, BusUnavailable
from .memory import MemoryBus


def open_bus(url: str) -> Bus:
    if url.startswith("memory://"):
        return MemoryBus()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis_streams import RedisBus  # imported lazily: the embedded default needs no redis server
        return RedisBus(url)
    raise ValueError(f"unsupported bus URL {url!r}: use memory:// or redis://host:port/db")


__all__ = ["Bus", "BusMessage", "BusUnavailable", "MemoryBus", "open_bus"]
