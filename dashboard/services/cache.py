"""The shared cache of computed pictures (operations snapshot, wall snapshot), keyed by the data
version: the bus position when they were computed. Any change publishes to the bus, so a new
position means new data and a new key; nothing needs invalidating, and every worker that reads the
same position from Redis gets the same numbers. flask-caching's SimpleCache (one process) or
RedisCache (shared by every worker and host), chosen by `cache_url`.

If the cache or the bus is away the picture is computed from the store, uncached: slower, never wrong.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable
from urllib.parse import urlsplit

from flask_caching.backends import NullCache, RedisCache, SimpleCache

log = logging.getLogger(__name__)


def open_cache_backend(url: str, timeout: int):
    scheme = urlsplit(url).scheme
    if scheme == "simple":
        return SimpleCache(threshold=200, default_timeout=timeout)
    if scheme == "null":
        return NullCache(default_timeout=timeout)
    if scheme in ("redis", "rediss"):
        import redis
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return RedisCache(host=client, default_timeout=timeout, key_prefix="cityops:cache:")
    raise ValueError(f"unsupported cache URL {url!r}: use simple://, null:// or redis://host:port/db")


class SharedCache:
    """`remember(name, version, compute)`: the value computed for this data version, once."""

    def __init__(self, backend, timeout: int = 5, retry_after: float = 2.0) -> None:
        self.backend = backend
        self.timeout = timeout
        self.retry_after = retry_after
        self._failed_at = 0.0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.errors = 0

    @classmethod
    def from_url(cls, url: str, timeout: int = 5) -> "SharedCache":
        return cls(open_cache_backend(url, timeout), timeout)

    @property
    def available(self) -> bool:
        return time.monotonic() - self._failed_at >= self.retry_after

    def remember(self, name: str, version: str | None, compute: Callable[[], Any]) -> Any:
        if version is None or not self.available:      # no data version, or the cache is away
            return compute()
        key = f"{name}@{version}"
        value = self._call(self.backend.get, key)
        if value is not None:
            self._count("hits")
            return value
        self._count("misses")
        value = compute()
        self._call(self.backend.set, key, value, self.timeout)
        return value

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except Exception as exc:   # a cache that fails must not fail the page: compute instead
            self._failed_at = time.monotonic()
            self._count("errors")
            log.warning("cache unavailable (%s); computing uncached for %.0f s", exc, self.retry_after)
            return None

    def _count(self, what: str) -> None:
        with self._lock:
            setattr(self, what, getattr(self, what) + 1)
