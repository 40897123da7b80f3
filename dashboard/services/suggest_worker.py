"""The suggestion worker of `run`/`ingest` (part of dashboard.services.suggest): suggestions for new
reports every few seconds, and the model retrained on schedule in a process of its own."""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from dashboard.store import suggest as store, utcnow

from .container import Services
from .suggest import process_new_reports, train

log = logging.getLogger(__name__)


class SuggestWorker:
    """A thread of `run`/`ingest`: suggests for new reports every few seconds, retrains on schedule.

    Scheduled training runs in a child process at a lower priority (the web and ingest threads of
    this process keep the interpreter), not before `suggest_first_train_minutes` after start when
    there is no model yet, then every `suggest_train_hours`."""

    def __init__(self, services: Services, child_process: bool = True, first_delay: timedelta | None = None) -> None:
        settings = services.settings
        self.services = services
        self.interval = max(0.5, float(settings.suggest_interval_seconds))
        self.train_every = timedelta(hours=float(settings.suggest_train_hours))
        self.min_cases = int(settings.suggest_min_cases)
        self.first_delay = first_delay if first_delay is not None else timedelta(
            minutes=float(settings.suggest_first_train_minutes))
        self.child_process = child_process
        self.started = utcnow()
        self._last_attempt: datetime | None = None
        self._child = None

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name="suggest", daemon=True)
        thread.start()
        return thread

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            self.round()
        if self._child is not None and self._child.is_alive():
            self._child.terminate()

    def round(self) -> None:
        try:
            self.maybe_train()
        except Exception:          # a failed training changes nothing: the last good model stays
            log.exception("suggestion model: scheduled training failed")
        try:
            process_new_reports(self.services)
        except Exception:
            log.exception("suggestions: a round failed")

    def maybe_train(self) -> int | None:
        """Train when the newest model is older than the schedule (or there is none and enough closed
        cases); a failed or skipped attempt is not repeated for an hour."""
        if self.train_every <= timedelta(0):
            return None
        if self._child is not None:
            if self._child.is_alive():
                return None
            if self._child.exitcode:
                log.warning("suggestion training: the training process ended with %s", self._child.exitcode)
            self._child = None
        now = utcnow()
        if self._last_attempt and now - self._last_attempt < min(self.train_every, timedelta(hours=1)):
            return None
        with self.services.store.connect() as conn:
            newest = store.models(conn)[:1]
            if newest and now - newest[0]["trained_at"] < self.train_every:
                return None
            if not newest and now - self.started < self.first_delay:
                return None
            count = store.count_closed(conn)
        self._last_attempt = now
        if count < self.min_cases:
            return None
        if not self.child_process:
            return train(self.services, say=lambda m: log.info("suggestion training: %s", m))
        import multiprocessing
        self._child = multiprocessing.get_context("spawn").Process(
            target=_train_in_child, args=(self.services.settings,), name="cityops-suggest-train", daemon=True)
        self._child.start()
        log.info("suggestion training started in process %s", self._child.pid)
        return None


def _train_in_child(settings) -> None:
    """The scheduled training, in a process of its own at a lower priority."""
    import os
    from dataclasses import replace

    from .container import build_services
    try:
        os.nice(10)
    except OSError:
        pass
    services = build_services(replace(settings, demo=False), upgrade=False)
    try:
        train(services, say=lambda m: log.info("suggestion training: %s", m))
    finally:
        services.close()
