"""Helpers the pure parsers share: the Parsed result, and strict conversions that raise ParseError
with the place in the payload they are looking at."""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any, NamedTuple

from dashboard.domain.events import Event

from .errors import ParseError


class Reject(NamedTuple):
    """One item of a batch that could not become an event: its raw text, and why."""

    raw: str | bytes
    reason: str


class Parsed(list):
    """The events parsed from one payload (it is a list of Event), plus `rejects`: the items that
    were not valid, so that the caller dead-letters them and still ingests the rest; and `skipped`:
    valid items that carry nothing CityOps makes an event of (an EIDO without an incident, a GTFS-rt
    entity of a kind the feed does not serve), each with its reason — said in the health detail and
    by `cityops parse`, never dead-lettered (they are not errors)."""

    def __init__(self, events: list[Event] | None = None, rejects: list[Reject] | None = None,
                 skipped: list[Reject] | None = None) -> None:
        super().__init__(events or [])
        self.rejects: list[Reject] = list(rejects or [])
        self.skipped: list[Reject] = list(skipped or [])

    @property
    def events(self) -> list[Event]:
        return list(self)


def as_text(data: bytes | str, what: str = "payload") -> str:
    if isinstance(data, str):
        return data
    if not isinstance(data, (bytes, bytearray)):
        raise ParseError(f"expected bytes or text, got {type(data).__name__}", what)
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 (byte {exc.start})", what) from None


def load_json(data: bytes | str, what: str = "payload") -> Any:
    text = as_text(data, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", what) from None
    except (ValueError, RecursionError) as exc:   # huge integers, absurd nesting
        raise ParseError(f"not usable JSON: {type(exc).__name__}: {str(exc)[:120]}", what) from None


def dump_raw(item: Any) -> str:
    """The raw text of one JSON item, for the dead-letter table."""
    try:
        return json.dumps(item, ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError):
        return repr(item)[:10000]


def number(value: Any, where: str, *, required: bool = True) -> float | None:
    """A finite float from a JSON number or a numeric string; bool is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ParseError("missing", where)
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ParseError(f"not a number ({type(value).__name__})", where)
    try:
        result = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        raise ParseError(f"not a number: {str(value)[:40]!r}", where) from None
    if not math.isfinite(result):
        raise ParseError(f"not a finite number: {str(value)[:40]!r}", where)
    return result


def integer(value: Any, where: str, *, required: bool = True) -> int | None:
    result = number(value, where, required=required)
    if result is None:
        return None
    if result != int(result):
        raise ParseError(f"not a whole number: {value!r}", where)
    return int(result)


def text(value: Any, where: str, *, required: bool = False) -> str | None:
    """Text or None; numbers become their text ("94122"); empty text counts as absent."""
    if isinstance(value, bool):
        raise ParseError("not text (a boolean)", where)
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ParseError("missing", where)
        return None
    if not isinstance(value, str):
        raise ParseError(f"not text ({type(value).__name__})", where)
    return value.strip()


def timestamp(value: Any, where: str, *, required: bool = True) -> datetime | None:
    """An ISO 8601 date-time as an aware UTC datetime; without an offset it is taken as UTC."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ParseError("missing", where)
        return None
    if not isinstance(value, str):
        raise ParseError(f"not an ISO 8601 date-time ({type(value).__name__})", where)
    try:
        dt = datetime.fromisoformat(value.strip())
        return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise ParseError(f"not an ISO 8601 date-time: {value[:40]!r}", where) from None


def latitude(value: Any, where: str, *, required: bool = True) -> float | None:
    result = number(value, where, required=required)
    if result is not None and not -90 <= result <= 90:
        raise ParseError(f"latitude {result} out of range", where)
    return result


def longitude(value: Any, where: str, *, required: bool = True) -> float | None:
    result = number(value, where, required=required)
    if result is not None and not -180 <= result <= 180:
        raise ParseError(f"longitude {result} out of range", where)
    return result


def iso_z(dt: datetime) -> str:
    """UTC ISO text with a Z, as checkpoints and source ids use it."""
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def item_failure(exc: Exception, where: str) -> str:
    """The reason text of a rejected item, whatever went wrong with it."""
    if isinstance(exc, ParseError):
        return str(exc)
    return f"{where}: {exc}"   # e.g. ValueError from Event's own checks
