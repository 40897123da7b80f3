"""What /metrics reports that lives in the store and on the bus (shared by every process), read at
scrape time: events and dead letters per connector, feed states and lag, the bus's length, what
publishers keep while Redis is away, and how far each consumer group is behind."""
from __future__ import annotations

import logging

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from dashboard.bus import BusUnavailable

from .container import Services
from .health import feed_health_report

log = logging.getLogger(__name__)
STATES = ("ok", "degraded", "stale", "down")


class StoreAndBusCollector:
    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self):
        yield from self._feeds()
        yield from self._bus()

    def _feeds(self):
        events = CounterMetricFamily("cityops_events_ingested", "Events stored, per connector", labels=["connector"])
        dead = CounterMetricFamily("cityops_dead_letters", "Feed messages refused (dead letters), per connector",
                                   labels=["connector"])
        state = GaugeMetricFamily("cityops_feed_state", "1 for the connector's current state", labels=["connector", "state"])
        lag = GaugeMetricFamily("cityops_feed_lag_seconds", "Seconds since the connector's last success",
                                labels=["connector"])
        try:
            report = feed_health_report(self.services)
        except Exception as exc:   # the store is away: say so by the absence of these, and in the log
            log.warning("metrics: feed health unavailable: %s", exc)
            return
        for item in report["connectors"]:
            name = item["connector"]
            events.add_metric([name], item["events_total"] or 0)
            dead.add_metric([name], item["dead_letters_total"] or 0)
            for s in STATES:
                state.add_metric([name, s], 1.0 if item["state"] == s else 0.0)
            if item["lag_seconds"] is not None:
                lag.add_metric([name], item["lag_seconds"])
        yield from (events, dead, state, lag)

    def _bus(self):
        bus = self.services.bus
        up = GaugeMetricFamily("cityops_bus_up", "1 when the bus answers")
        try:
            bus.last_id()
            up.add_metric([], 1.0)
        except BusUnavailable:
            up.add_metric([], 0.0)
        yield up
        waiting = getattr(bus, "waiting", None)
        if waiting is not None:
            yield GaugeMetricFamily("cityops_bus_publish_backlog", "Messages this process keeps until Redis is back",
                                    value=waiting)
        groups = getattr(bus, "group_lag", None)
        if groups is not None:
            lag = GaugeMetricFamily("cityops_bus_group_lag", "Messages a consumer group has not read yet",
                                    labels=["group"])
            pending = GaugeMetricFamily("cityops_bus_group_pending", "Messages read but not acknowledged",
                                        labels=["group"])
            try:
                for name, (behind, unacked) in groups().items():
                    lag.add_metric([name], behind)
                    pending.add_metric([name], unacked)
            except BusUnavailable:
                pass
            yield from (lag, pending)
