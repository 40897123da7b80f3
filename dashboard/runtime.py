"""Runtime: starts and stops the parts of CityOps in one process, in order.

`cityops run` starts all of them; `web`, `ingest` and `push` start one each (for scale-out)."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

from .config import Settings

log = logging.getLogger(__name__)
STOP_SECONDS = 15   # how long stopping waits for the parts' threads, all together (systemd waits 90 s)


class Runtime:
    def __init__(self, settings: Settings, *, web: bool, push: bool, connectors: bool, demo: bool) -> None:
        self.settings = settings
        self.want_web, self.want_push, self.want_connectors, self.want_demo = web, push, connectors, demo
        self.stop_event = threading.Event()
        self.services = None
        self.ingest = None
        self.demo_feeds = None
        self.endpoints = None
        self.relay = None
        self.web_server = None
        self._threads: list[threading.Thread] = []
        self.demo_logins: dict[str, str] | None = None
        self.demo_logins_file = None

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.settings.port}/"

    def start(self) -> "Runtime":
        from .services.container import build_services
        from .services.ingest import IngestService

        self.services = build_services(self.settings)
        from .services.intake import ensure_routing_rules
        ensure_routing_rules(self.services)
        if self.want_demo:
            from .demo.feeds import DemoFeeds
            self.demo_feeds = DemoFeeds(self.services.city, self.settings.seed, self.settings.demo_speed,
                                        self.settings.scenario, mqtt_url=self.settings.mqtt_url)
            self.endpoints = self.demo_feeds.start()
            self.settings = _point_at(self.settings, self.endpoints)
            self.services.settings = self.settings
            from .services.auth import AuthService
            self.demo_logins_file, self.demo_logins = AuthService(self.services).ensure_demo_users(
                self.settings.data_dir)
            if self.settings.demo_history_days > 0:   # the demo city's past, on first start only
                from .demo.history import backfill
                written = backfill(self.services, self.settings.demo_history_days)
                if written:
                    log.info("demo history: %d past incidents written", written)
        self.ingest = IngestService(self.services)
        if self.want_connectors:
            self._start_connectors()
        if self.want_demo and self.settings.demo_workforce:
            # the demo city's dispatchers and operators at work, through the real actions
            from .demo.workforce import DemoWorkforce
            self._threads.append(DemoWorkforce(self.services, self.settings.demo_speed, self.settings.seed)
                                 .start(self.stop_event))
        if self.want_push:
            from .push.authorize import make_authorizer
            from .push.relay import PushRelay
            from .web.metrics_access import checker
            self.relay = PushRelay(self.services.bus, self.settings.host, self.settings.effective_push_port,
                                   authorize=make_authorizer(self.services),
                                   recheck_seconds=self.settings.push_recheck_seconds,
                                   metrics_allowed=checker(self.settings))
            self.relay.start()
        if self.want_web:
            self._start_web()
        if (self.want_web or self.want_connectors) and self.settings.webhooks_worker:
            # deliveries leave from a thread of their own, never from a request
            from .services.webhooks import start_worker
            self._threads.append(start_worker(self.services, self.stop_event))
        if self.want_connectors and self.settings.retention_worker:
            # roll-ups and pruning, in small batches, off the request path (dashboard.services.retention)
            from .services.retention import start_worker as start_retention
            self._threads.append(start_retention(self.services, self.stop_event))
        if self.want_connectors and self.settings.suggest_worker:
            # dispatch suggestions for new reports and scheduled training, off the request path
            from .services.suggest import SuggestWorker
            self._threads.append(SuggestWorker(self.services).start(self.stop_event))
        return self

    def _start_connectors(self) -> None:
        from connectors import build_connectors
        for connector in build_connectors(self.settings, self.endpoints):
            thread = threading.Thread(target=connector.run, args=(self.stop_event, self.ingest),
                                      name=f"connector-{connector.name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _start_web(self) -> None:
        from werkzeug.serving import make_server
        from .web.app import create_app
        app = create_app(self.services)
        if self.relay is not None:   # the relay runs in this process: /metrics counts its browsers
            from .web.metrics import PUSH_CLIENTS
            relay = self.relay
            app.server.config[PUSH_CLIENTS] = lambda: relay.client_count
        self.web_server = make_server(self.settings.host, self.settings.port, app.server, threaded=True)
        thread = threading.Thread(target=self.web_server.serve_forever, name="web", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Web first (no new actions), then connectors (finish the batch in hand), then the rest."""
        if self.web_server:
            self.web_server.shutdown()
            self.web_server.server_close()   # no new connections while the rest stops
        self.stop_event.set()
        deadline = time.monotonic() + STOP_SECONDS   # one bound for all of them, not one each
        for thread in self._threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("%s did not stop within %d s; leaving it (a daemon thread)", thread.name, STOP_SECONDS)
        if self.relay:
            self.relay.stop()
        if self.demo_feeds:
            self.demo_feeds.stop()
        if self.services:
            self.services.close()

    def banner(self) -> str:
        lines = [f"CityOps is running: {self.url}",
                 f"  push relay   ws://{self.settings.host}:{self.settings.effective_push_port}/",
                 f"  store        {self.services.store.engine.url.render_as_string(hide_password=True)}"]
        if self.endpoints:
            lines.append(f"  demo city    {self.services.city.name_zh} / {self.services.city.name_en} "
                         f"(seed {self.settings.seed}, speed {self.settings.demo_speed}"
                         f"{', scenario ' + self.settings.scenario if self.settings.scenario else ''})")
        if self.demo_logins:
            lines.append("  demo logins  (shown this once; also in " f"{self.demo_logins_file}, readable only by you)")
            lines += [f"    {user:14} {password}" for user, password in self.demo_logins.items()]
        elif self.demo_logins_file:
            lines.append(f"  demo logins  in {self.demo_logins_file}")
        lines.append("Press Ctrl-C to stop.")
        return "\n".join(lines)


def _point_at(settings: Settings, endpoints) -> Settings:
    """Connectors left unconfigured read the demo city's feeds."""
    changes = {}
    for name in ("open311_url", "traffic_ws_url", "gtfs_rt_url", "sensorthings_url", "cap_url"):
        if not getattr(settings, name):
            changes[name] = getattr(endpoints, name)
    for name in ("mqtt_sensorthings_datastreams", "mqtt_topics"):   # the demo's devices, with a broker only
        if not getattr(settings, name, "") and getattr(endpoints, name, ""):
            changes[name] = getattr(endpoints, name)
    return replace(settings, **changes)
