"""Webhooks: admins register them; bus events fill a delivery queue in the store; a worker sends
each delivery signed (HMAC-SHA256), retries failures with exponential backoff and jitter, and keeps
the history. Nothing here runs in a request: an action only publishes on the bus, so a receiver that
is down or hangs never slows the person acting.
"""
from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, Iterable

import urllib3

from dashboard.bus import BusMessage, BusUnavailable
from dashboard.domain import webhooks as rules, workflow
from dashboard.domain.city import City
from dashboard.domain.identity import Identity
from dashboard.store import audit, incidents as incident_store, utcnow, webhooks as store

from . import egress
from .container import Services

log = logging.getLogger(__name__)
USER_AGENT = "CityOps-Webhooks/1"
INCIDENT_FIELDS = ("id", "code", "category", "title", "status", "priority", "department", "district",
                   "deadline", "lat", "lon", "address", "version", "created_at", "updated_at")


class WebhookError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def webhook_view(row: dict) -> dict[str, Any]:
    """A webhook as admins see it: never its secret."""
    return {"id": row["id"], "name": row["name"], "url": row["url"], "events": row["events"],
            "filters": row["filters"], "created_by": row["created_by"], "created_at": _iso(row["created_at"])}


def delivery_view(row: dict) -> dict[str, Any]:
    return {"id": row["id"], "webhook_id": row["webhook_id"], "event": row["event"], "event_key": row["event_key"],
            "status": row["status"], "attempts": row["attempts"], "next_attempt_at": _iso(row["next_attempt_at"]),
            "last_status_code": row["last_status_code"], "last_error": row["last_error"],
            "created_at": _iso(row["created_at"]), "delivered_at": _iso(row["delivered_at"]),
            "log": row["log"] or [], "payload": row["payload"]}


def incident_summary(row: dict, city: City | None = None) -> dict[str, Any]:
    """What a receiver learns about an incident: no reporter's personal data."""
    cat = city.find_category(row["category"]) if city is not None else None
    return {k: _iso(row.get(k)) for k in INCIDENT_FIELDS} | {
        "category_name_zh": cat.name_zh if cat else row["category"],
        "category_name_en": cat.name_en if cat else row["category"]}


class WebhookService:
    def __init__(self, services: Services, *, timeout: float = 5.0, base_delay: float = rules.DEFAULT_BASE_SECONDS,
                 max_delay: float = rules.DEFAULT_CAP_SECONDS, max_attempts: int = rules.MAX_ATTEMPTS) -> None:
        self.services = services
        self.timeout = timeout
        self.base_delay, self.max_delay, self.max_attempts = base_delay, max_delay, max_attempts
        self.lease = timedelta(seconds=2 * timeout + 30)

    # -- administration (admins only; audited) ----------------------------------------------------
    @staticmethod
    def _admin(actor: Identity) -> None:
        if actor.role != workflow.ADMIN:
            raise WebhookError(403, f"a {actor.role} may not manage webhooks")

    def register(self, actor: Identity, name: str, url: str, events: Any, filters: Any = None,
                 remote_addr: str | None = None) -> tuple[dict, str]:
        """Returns (the webhook, its signing secret — shown this once)."""
        self._admin(actor)
        name = str(name or "").strip()
        if not name or len(name) > 100:
            raise WebhookError(422, "name is required (at most 100 characters)")
        try:
            events, filters = rules.check_registration(url, events, filters)
            egress.Policy(self.services.settings.webhook_allowed_hosts).check(str(url), resolve=False)
        except ValueError as exc:
            raise WebhookError(422, str(exc)) from None
        departments = {d.code for d in self.services.city.departments}
        unknown = set(filters.get("department", [])) - departments
        if unknown:
            raise WebhookError(422, f"unknown departments {sorted(unknown)}; known: {', '.join(sorted(departments))}")
        secret = "whsec_" + secrets.token_urlsafe(32)
        now = utcnow()
        with self.services.store.begin() as conn:
            webhook_id = store.add(conn, name, str(url), secret, events, filters, actor.username, now)
            audit.append(conn, at=now, actor=actor.username, actor_role=actor.role, remote_addr=remote_addr,
                         action="webhook_add", target_type="webhook", target_id=webhook_id,
                         after={"name": name, "url": str(url), "events": events, "filters": filters})
            row = store.get(conn, webhook_id)
        return webhook_view(row), secret

    def list(self) -> list[dict]:
        with self.services.store.connect() as conn:
            return [webhook_view(r) for r in store.active(conn)]

    def get(self, webhook_id: int) -> dict:
        with self.services.store.connect() as conn:
            row = store.get(conn, webhook_id)
        if row is None:
            raise WebhookError(404, f"no webhook {webhook_id}")
        return webhook_view(row)

    def delete(self, actor: Identity, webhook_id: int, remote_addr: str | None = None) -> None:
        self._admin(actor)
        now = utcnow()
        with self.services.store.begin() as conn:
            if not store.delete(conn, webhook_id, now):
                raise WebhookError(404, f"no webhook {webhook_id}")
            audit.append(conn, at=now, actor=actor.username, actor_role=actor.role, remote_addr=remote_addr,
                         action="webhook_delete", target_type="webhook", target_id=webhook_id)

    def deliveries(self, webhook_id: int, limit: int = 100, offset: int = 0, status: str | None = None) -> dict:
        self.get(webhook_id)
        if status is not None and status not in (store.PENDING, store.DELIVERED, store.FAILED, store.CANCELLED):
            raise WebhookError(422, "status must be pending, delivered, failed or cancelled")
        with self.services.store.connect() as conn:
            rows, total = store.deliveries(conn, webhook_id, limit, offset, status)
        return {"total": total, "limit": limit, "offset": offset, "items": [delivery_view(r) for r in rows]}

    # -- the queue --------------------------------------------------------------------------------
    def enqueue(self, messages: Iterable[BusMessage]) -> int:
        """Queue a delivery for every (webhook, event) that matches; returns how many were new."""
        events = [e for e in (rules.event_from_bus(m.topic, m.data) for m in messages) if e is not None]
        if not events:
            return 0
        queued = 0
        now = utcnow()
        with self.services.store.begin() as conn:
            hooks = store.active(conn)
            if not hooks:
                return 0
            for event in events:
                subject, incident = dict(event.subject), None
                incident_id = event.data.get("id") if event.name != rules.CREATED else event.data.get("ref")
                if event.key.startswith("incident:") and incident_id is not None:
                    row = incident_store.get(conn, int(incident_id))
                    if row is not None:
                        incident = incident_summary(row, self.services.city)
                        subject = {"category": row["category"], "district": row.get("district"),
                                   "department": row.get("department")} | {k: v for k, v in subject.items() if v}
                payload = {"event": event.name, "key": event.key, "occurred_at": event.data.get("at") or now.isoformat(),
                           "data": event.data, **({"incident": incident} if incident else {})}
                for hook in hooks:
                    if rules.matches(hook["events"], hook["filters"], event.name, subject):
                        queued += store.enqueue(conn, hook["id"], event.name, event.key, payload, now)
        return queued

    def claim(self, limit: int) -> list[dict]:
        with self.services.store.begin() as conn:
            return store.claim_due(conn, utcnow(), self.lease, limit)

    def send(self, delivery: dict) -> dict:
        """One attempt: POST the signed body, record the outcome and when to try again."""
        body = json.dumps(delivery["payload"] | {"delivery": delivery["id"]}, ensure_ascii=False,
                          separators=(",", ":"), default=str).encode()
        timestamp = int(time.time())
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
                   rules.TIMESTAMP_HEADER: str(timestamp),
                   rules.SIGNATURE_HEADER: rules.signature(delivery["secret"], timestamp, body),
                   rules.EVENT_HEADER: delivery["event"], rules.DELIVERY_HEADER: str(delivery["id"])}
        started = time.monotonic()
        status_code, error = None, None
        try:   # the address is checked again now, after resolving, and the POST goes to the one checked
            address = egress.Policy(self.services.settings.webhook_allowed_hosts).check(delivery["url"])[0]
            status_code = egress.post(delivery["url"], address, body, headers, (min(3.0, self.timeout), self.timeout))
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except egress.Refused as exc:
            error = f"refused: {exc}"[:500]
        except (urllib3.exceptions.HTTPError, OSError, IndexError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        now = utcnow()
        attempts = delivery["attempts"] + 1
        entry = {"at": now.isoformat(), "status_code": status_code, "error": error,
                 "ms": round((time.monotonic() - started) * 1000)}
        if error is None:
            status, next_at = store.DELIVERED, now
        elif rules.gives_up(attempts, self.max_attempts):
            status, next_at = store.FAILED, now
        else:
            status = store.PENDING
            next_at = now + timedelta(seconds=rules.retry_delay(attempts, self.base_delay, self.max_delay))
        with self.services.store.begin() as conn:
            store.record_attempt(conn, delivery["id"], status=status, attempts=attempts, next_attempt_at=next_at,
                                 status_code=status_code, error=error, entry=entry, at=now)
        return entry | {"status": status}


class WebhookWorker:
    """Reads the bus, fills the queue, sends what is due on a few threads (a hanging receiver holds one
    thread for at most the timeout, not the queue). Safe to run in several processes at once: events
    are enqueued once per webhook (unique key) and each delivery is leased to one sender."""

    def __init__(self, services: Services, service: WebhookService | None = None, poll_seconds: float = 1.0,
                 concurrency: int = 4) -> None:
        self.services = services
        self.service = service or WebhookService(services)
        self.poll_seconds = poll_seconds
        self.concurrency = concurrency
        self._inflight: set[Future] = set()
        self._lock = threading.Lock()
        self.ready = threading.Event()    # set once the worker holds its bus position

    def run(self, stop: threading.Event) -> None:
        position = None
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="webhook-send") as pool:
            while not stop.is_set():
                try:
                    if position is None:
                        position = self.services.bus.last_id() or "0"
                        self.ready.set()
                    messages = self.services.bus.read(position, count=500, timeout=self.poll_seconds)
                    if messages:
                        position = messages[-1].id
                        self.service.enqueue(messages)
                    self._send_due(pool)
                except BusUnavailable as exc:
                    log.warning("webhooks: bus unavailable (%s); retrying", exc)
                    stop.wait(self.poll_seconds)
                except Exception:   # keep the worker alive; the queue is in the store
                    log.exception("webhooks worker step failed")
                    stop.wait(self.poll_seconds)

    def _send_due(self, pool: ThreadPoolExecutor) -> None:
        with self._lock:
            self._inflight = {f for f in self._inflight if not f.done()}
            free = self.concurrency - len(self._inflight)
        if free <= 0:
            return
        for delivery in self.service.claim(free):
            future = pool.submit(self._send_one, delivery)
            with self._lock:
                self._inflight.add(future)

    def _send_one(self, delivery: dict) -> None:
        try:
            self.service.send(delivery)
        except Exception:
            log.exception("webhook delivery %s failed to record", delivery.get("id"))


def start_worker(services: Services, stop: threading.Event, worker: WebhookWorker | None = None) -> threading.Thread:
    worker = worker or WebhookWorker(services)
    thread = threading.Thread(target=worker.run, args=(stop,), name="webhooks", daemon=True)
    thread.start()
    return thread
