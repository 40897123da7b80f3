"""Ordering of bus message ids, whichever bus made them: MemoryBus ids are integers ("42"),
Redis Streams ids are "<ms>-<seq>". Pure functions, no IO."""
from __future__ import annotations

START = "0"   # "before the first message": what a page asks for when its snapshot saw an empty bus


def key(message_id: str) -> tuple[int, int]:
    """Sort key of an id; raises ValueError for something that is no bus id."""
    head, _, tail = str(message_id).partition("-")
    return int(head), int(tail) if tail else 0


def valid(message_id: str) -> bool:
    try:
        key(message_id)
    except ValueError:
        return False
    return True


def after(a: str, b: str | None) -> bool:
    """Is `a` later than `b`? (anything is later than no position)"""
    return b is None or key(a) > key(b)


def missed_trimmed(position: str, oldest: str | None) -> bool:
    """Would a reader at `position` miss messages the bus has already trimmed?

    With integer ids (consecutive) this is exact: only when oldest > position + 1. With Redis ids
    the predecessor of `oldest` is unknown, so a position before `oldest` counts as missed (at worst
    a page reloads its snapshot once more than it had to)."""
    if oldest is None:
        return False
    if "-" not in position and "-" not in oldest:
        return int(oldest) > int(position) + 1
    return key(position) < key(oldest)


def is_next(previous: str, following: str) -> bool:
    """Does `following` come right after `previous`? Exact for integer ids; unknowable (True) otherwise."""
    if "-" in previous or "-" in following:
        return True
    return int(following) == int(previous) + 1
