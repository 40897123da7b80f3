"""The bus on Redis Streams: one stream, bounded length, ids ordered by Redis.

Readers that fan out to browsers (the push relay) use plain XREAD from a position, so a reconnecting
browser catches up from its last id. Workers that must each handle a message once use a consumer
group (`read_group` / `ack`), and `claim_stale` takes over what a dead consumer left pending.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from contextlib import suppress
from typing import Any

import redis

from .base import Bus, BusMessage, BusUnavailable

STREAM = "cityops:bus"
log = logging.getLogger(__name__)


class RedisBus(Bus):
    def __init__(self, url: str, stream: str = STREAM, maxlen: int = 100_000, timeout: float = 5.0,
                 backlog: int = 50_000, retry_after: float = 1.0) -> None:
        self.stream = stream
        self.maxlen = maxlen
        self._redis = redis.Redis.from_url(url, socket_timeout=timeout + 5, socket_connect_timeout=timeout,
                                           health_check_interval=30)
        # What could not be published while Redis was away, sent first (in order) once it is back.
        self._backlog: deque[tuple[str, str]] = deque(maxlen=backlog)
        self._backlog_lock = threading.Lock()
        self._failed_at = 0.0
        self.retry_after = retry_after
        self.dropped = 0

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise BusUnavailable(f"Redis bus unavailable: {exc}") from exc

    @staticmethod
    def _message(entry_id: bytes, fields: dict) -> BusMessage:
        return BusMessage(entry_id.decode(), fields[b"topic"].decode(), json.loads(fields[b"data"]))

    def publish(self, topic: str, data: dict[str, Any]) -> str:
        """Append a message. With Redis away the message is kept (bounded, oldest dropped first) and
        BusUnavailable raised; kept messages go out before the next one once Redis answers again.
        Within a second of a failure no connection is tried, so callers are not slowed down."""
        body = json.dumps(data, ensure_ascii=False, default=str)
        with self._backlog_lock:
            if not self._backlog and self.available:
                try:
                    return self._xadd(topic, body)
                except BusUnavailable:
                    self._keep(topic, body)
                    raise
            self._keep(topic, body)          # behind what waits already: order is kept
            if not self.available:
                raise BusUnavailable(f"Redis bus unavailable; {len(self._backlog)} messages kept")
            return self._flush_locked()      # raises again if Redis is still away

    @property
    def available(self) -> bool:
        """False within `retry_after` seconds of a failure: no connection is tried meanwhile."""
        return time.monotonic() - self._failed_at >= self.retry_after

    def flush(self) -> int:
        """Send what was kept while Redis was away; returns how many are still waiting."""
        with self._backlog_lock:
            if self._backlog:
                with suppress(BusUnavailable):
                    self._flush_locked()
            return len(self._backlog)

    @property
    def waiting(self) -> int:
        return len(self._backlog)

    def _keep(self, topic: str, body: str) -> None:
        if len(self._backlog) == self._backlog.maxlen:
            self.dropped += 1
        self._backlog.append((topic, body))

    def _flush_locked(self) -> str:
        """Send what waits, oldest first; returns the id of the last one sent."""
        sent, last = 0, ""
        while self._backlog:
            topic, body = self._backlog[0]
            last = self._xadd(topic, body)
            self._backlog.popleft()
            sent += 1
        if sent:
            log.warning("Redis bus is back: sent %d messages kept meanwhile (%d dropped)", sent, self.dropped)
        return last

    def _xadd(self, topic: str, body: str) -> str:
        try:
            entry_id = self._call(self._redis.xadd, self.stream, {"topic": topic, "data": body},
                                  maxlen=self.maxlen, approximate=True)
        except BusUnavailable:
            self._failed_at = time.monotonic()
            raise
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
        try:
            reply = self._call(self._redis.xreadgroup, group, consumer, {self.stream: ">"}, count=count,
                               block=int(timeout * 1000) if timeout > 0 else None)
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # Redis restarted without its data: the group is gone; what is in the stream now is new.
            self.ensure_group(group, start="0")
            return []
        return [self._message(i, f) for i, f in reply[0][1]] if reply else []

    def ack(self, group: str, *ids: str) -> int:
        return self._call(self._redis.xack, self.stream, group, *ids) if ids else 0

    def claim_stale(self, group: str, consumer: str, idle_seconds: float, count: int = 100) -> list[BusMessage]:
        """Take over messages another consumer read but never acknowledged (it died)."""
        _, entries, _ = self._call(self._redis.xautoclaim, self.stream, group, consumer,
                                   min_idle_time=int(idle_seconds * 1000), start_id="0-0", count=count)
        return [self._message(i, f) for i, f in entries if f]

    def group_lag(self) -> dict[str, tuple[int, int]]:
        """Per consumer group: (messages not yet delivered to it, delivered but not acknowledged)."""
        try:
            groups = self._call(self._redis.xinfo_groups, self.stream)
        except redis.ResponseError:      # no stream yet
            return {}
        return {(g["name"].decode() if isinstance(g["name"], bytes) else g["name"]): (int(g.get("lag") or 0),
                                                                                      int(g.get("pending") or 0))
                for g in groups}

    def close(self) -> None:
        self._redis.close()
