"""Webhooks, the pure part: which bus message is which webhook event, which webhook wants it, how a
delivery is signed, and when a failed delivery is tried again.

A receiver checks a delivery by recomputing
    HMAC-SHA256(secret, f"{X-CityOps-Timestamp}.{raw body}")
and comparing it with X-CityOps-Signature ("sha256=<hex>"), refusing timestamps too far from now
(a replayed old delivery).
"""
from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from . import workflow

SIGNATURE_HEADER = "X-CityOps-Signature"
TIMESTAMP_HEADER = "X-CityOps-Timestamp"
EVENT_HEADER = "X-CityOps-Event"
DELIVERY_HEADER = "X-CityOps-Delivery"

CREATED = "incident.created"
ALERT = "alert.issued"
# incident.<action> for every action of the closed loop (incident.dispatch, incident.close, …)
EVENTS: tuple[str, ...] = (CREATED, *(f"incident.{a}" for a in workflow.ACTIONS), ALERT)
ALL = "*"
FILTER_KEYS = ("department", "category", "district")

MAX_ATTEMPTS = 8
DEFAULT_BASE_SECONDS = 10.0
DEFAULT_CAP_SECONDS = 3600.0
SIGNATURE_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class WebhookEvent:
    """One thing that happened, as webhooks see it."""
    name: str                       # e.g. incident.dispatch
    key: str                        # unique per occurrence: the same event enqueued twice is one delivery
    subject: dict[str, Any]         # department / category / district, for the filters
    data: dict[str, Any]            # what the bus said


def event_from_bus(topic: str, data: dict[str, Any]) -> WebhookEvent | None:
    """The webhook event a bus message stands for, or None. Keys come from the data (an incident's
    id and version), not the bus position, so every process that sees the message agrees on them."""
    if topic == "incident.changed" and data.get("id") is not None and data.get("action"):
        return WebhookEvent(f"incident.{data['action']}", f"incident:{data['id']}:v{data.get('version')}",
                            {"department": data.get("department")}, data)
    if topic == "event.new" and data.get("kind") == "incident" and data.get("ref") is not None:
        return WebhookEvent(CREATED, f"incident:{data['ref']}:created", {}, data)
    if topic == "event.new" and data.get("kind") == "alert" and data.get("ref") is not None:
        return WebhookEvent(ALERT, f"alert:{data['ref']}:{data.get('at')}", {}, data)
    return None


def matches(events: list[str], filters: dict[str, list[str]], event_name: str, subject: dict[str, Any]) -> bool:
    """A webhook wants an event when it lists it (or "*") and every filter it sets admits the subject."""
    if ALL not in events and event_name not in events:
        return False
    for key in FILTER_KEYS:
        wanted = filters.get(key) or []
        if wanted and subject.get(key) not in wanted:
            return False
    return True


def check_registration(url: str, events: Any, filters: Any) -> tuple[list[str], dict[str, list[str]]]:
    """Validated (events, filters) of a new webhook; ValueError says what is wrong."""
    parts = urlsplit(str(url or ""))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("url must be an http(s) URL")
    if isinstance(events, str):
        events = [e.strip() for e in events.split(",") if e.strip()]
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise ValueError(f"events must be a non-empty list of: *, {', '.join(EVENTS)}")
    unknown = [e for e in events if e != ALL and e not in EVENTS]
    if unknown:
        raise ValueError(f"unknown events {unknown}; known: *, {', '.join(EVENTS)}")
    filters = filters or {}
    if not isinstance(filters, dict):
        raise ValueError(f"filters must be an object with lists under {', '.join(FILTER_KEYS)}")
    clean: dict[str, list[str]] = {}
    for key, value in filters.items():
        if key not in FILTER_KEYS:
            raise ValueError(f"unknown filter {key!r}; filters: {', '.join(FILTER_KEYS)}")
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"filter {key} must be a list of codes")
        if values:
            clean[key] = values
    return sorted(set(events)), clean


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str | int, body: bytes, given: str, now: float,
           tolerance: float = SIGNATURE_TOLERANCE_SECONDS) -> bool:
    """What a receiver does: right signature, and a timestamp close to now."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - ts) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, ts, body), str(given or ""))


def retry_delay(attempt: int, base: float = DEFAULT_BASE_SECONDS, cap: float = DEFAULT_CAP_SECONDS,
                rand: Callable[[], float] = random.random) -> float:
    """Seconds before try `attempt + 1` after `attempt` failed (1-based): base·2^(attempt-1), capped,
    with ±25 % jitter so receivers coming back are not hit by every sender at once."""
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay * (0.75 + 0.5 * rand())


def gives_up(attempts: int, max_attempts: int = MAX_ATTEMPTS) -> bool:
    return attempts >= max_attempts
