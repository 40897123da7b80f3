"""The bus on Redis Streams: one stream, bounded length, ids ordered by Redis.

Readers that fan out to browsers (the push relay) use plain XREAD from a position, so a reconnecting
browser catches up from its last id. Workers that must each handle a message once use a consumer
group (`read_group` / `ack`), and `claim_stale` takes over what a dead consumer left pending.
"""
from __future__ import annotations

import json
from typing import Any

import redis

from .base import Bus, BusMessage, BusUnavailable

STREAM = "cityops:bus"


class RedisBus(Bus):
    def __init__(self, url: str, stream: str = STREAM, maxlen: int = 100_000, timeout: float = 5.0) -> None:
        self.stream = stream
        self.maxlen = maxlen
        self._redis = redis.Redis.from_url(url, socket_timeout=timeout + 5, socket_connect_timeout=timeout,
                                           health_check_interval=30)

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise BusUnavailable(f"Redis bus unavailable: {exc}") from exc

    @staticmethod
    def _message(entry_id: bytes, fields: dict) -> BusMessage:
        return BusMessage(entry_id.decode(), fields[b"topic"].decode(), json.loads(fields[b"data"]))

    def publish(self, topic: str, data: dict[str, Any]) -> str:
        entry_id = self._call(self._redis.xadd, self.stream,
                              {"topic": topic, "data": json.dumps(data, ensure_ascii=False, default=str)},
                              maxlen=self.maxlen, approximate=True)
        return entry_id.decode()

    def read(self, after: str | None, count: int = 500, timeout: float = 0.0) -> list[BusMessage]:
        position = after or self.last_id() or "0-0"
        if after is None and timeout <= 0:
            return []
        block = int(timeout * 1000) if timeout > 0 else None
        reply = self._call(self._redis.xread, {self.stream: position}, count=count, block=block)
        if not reply:
            return []
        return [self._message(i, f) for i, f in reply[0][1]]

    def last_id(self) -> str | None:
        entries = self._call(self._redis.xrevrange, self.stream, count=1)
        return entries[0][0].decode() if entries else None

    def oldest_id(self) -> str | None:
        entries = self._call(self._redis.xrange, self.stream, count=1)
        return entries[0][0].decode() if entries else None

    # -- consumer groups: each message handled once by one member of the group --------------------
    def ensure_group(self, group: str, start: str = "$") -> None:
        try:
            self._call(self._redis.xgroup_create, self.stream, group, id=start, mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def read_group(self, group: str, consumer: str, count: int = 100, timeout: float = 0.0) -> list[BusMessage]:
        reply = self._call(self._redis.xreadgroup, group, consumer, {self.stream: ">"}, count=count,
                           block=int(timeout * 1000) if timeout > 0 else None)
        return [self._message(i, f) for i, f in reply[0][1]] if reply else []

    def ack(self, group: str, *ids: str) -> int:
        return self._call(self._redis.xack, self.stream, group, *ids) if ids else 0

    def claim_stale(self, group: str, consumer: str, idle_seconds: float, count: int = 100) -> list[BusMessage]:
        """Take over messages another consumer read but never acknowledged (it died)."""
        _, entries, _ = self._call(self._redis.xautoclaim, self.stream, group, consumer,
                                   min_idle_time=int(idle_seconds * 1000), start_id="0-0", count=count)
        return [self._message(i, f) for i, f in entries if f]

    def close(self) -> None:
        self._redis.close()
