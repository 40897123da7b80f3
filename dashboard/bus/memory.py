from __future__ import annotations

import threading
from collections import deque
from typing import Any

from .base import Bus, BusMessage


class MemoryBus(Bus):
    """In-process bus: a bounded ring of messages with integer ids, safe across threads."""

    def __init__(self, maxlen: int = 20_000) -> None:
        self._messages: deque[tuple[int, str, dict[str, Any]]] = deque(maxlen=maxlen)
        self._next = 1
        self._cond = threading.Condition()

    def publish(self, topic: str, data: dict[str, Any]) -> str:
        with self._cond:
            seq = self._next
            self._next += 1
            self._messages.append((seq, topic, data))
            self._cond.notify_all()
        return str(seq)

    def _after(self, after: int, count: int) -> list[BusMessage]:
        if not self._messages:
            return []
        # ids are contiguous inside the ring, so the position is arithmetic
        start = max(0, after - self._messages[0][0] + 1)
        end = min(len(self._messages), start + count)
        return [BusMessage(str(self._messages[i][0]), self._messages[i][1], self._messages[i][2])
                for i in range(start, end)]

    def read(self, after: str | None, count: int = 500, timeout: float = 0.0) -> list[BusMessage]:
        with self._cond:
            position = int(after) if after else self._next - 1
            if self._next - 1 <= position and timeout > 0:
                self._cond.wait_for(lambda: self._next - 1 > position, timeout=timeout)
            return self._after(position, count)

    def last_id(self) -> str | None:
        with self._cond:
            return str(self._next - 1) if self._next > 1 else None

    def oldest_id(self) -> str | None:
        with self._cond:
            return str(self._messages[0][0]) if self._messages else None
