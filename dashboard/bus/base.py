from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BusMessage:
    id: str
    topic: str
    data: dict[str, Any]


EMPTY_POSITION = "0"   # what the push relay calls START: "before the first message"


class BusUnavailable(Exception):
    """The bus cannot be reached (e.g. Redis is down); callers degrade, they do not crash."""


class Bus(abc.ABC):
    @abc.abstractmethod
    def publish(self, topic: str, data: dict[str, Any]) -> str:
        """Append a message; returns its id."""

    @abc.abstractmethod
    def read(self, after: str | None, count: int = 500, timeout: float = 0.0) -> list[BusMessage]:
        """Messages with an id after `after` (None: only those published from now on), oldest first,
        waiting up to `timeout` seconds for the first one."""

    @abc.abstractmethod
    def last_id(self) -> str | None:
        """Id of the newest message, or None when the stream is empty."""

    @abc.abstractmethod
    def oldest_id(self) -> str | None:
        """Id of the oldest message still held (older ones were trimmed)."""

    def position(self) -> str | None:
        """Where the stream is now: `last_id()`, "0" (before the first message) for an empty stream,
        or None when the bus cannot be reached (a page then loads from the store and its live
        connection starts over once the bus is back). Also the data version pictures are cached by."""
        try:
            return self.last_id() or EMPTY_POSITION
        except BusUnavailable:
            return None

    def close(self) -> None:
        pass
