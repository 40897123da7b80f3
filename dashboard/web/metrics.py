"""/metrics in the Prometheus text format: request latency of pages, callbacks and the API (per
process, or summed over gunicorn's workers in multiprocess mode), active pushes when the relay runs
in this process, and what the store and the bus say (dashboard.services.metrics)."""
from __future__ import annotations

import os
import re
import time

import flask
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from dashboard.services.metrics import StoreAndBusCollector

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"
PUSH_CLIENTS = "cityops.push_clients"     # app config: a callable giving the in-process relay's client count


CALLBACK_NAMES = "cityops.callback_names"   # app config: a callable giving the app's callback names (closed set)


def callback_label(output: str) -> str:
    """The first output's component id (a pattern-matching id: its type)."""
    first = str(output).lstrip(".").split("...")[0]
    if first.startswith("{"):
        match = re.search(r'"type":\s*"([^"]+)"', first)
        return match.group(1) if match else "pattern"
    return first.rsplit(".", 1)[0][:60] or "?"


def _callback_name(request: flask.Request) -> str:
    """Names the callback well enough and stays few in number: a name the app does not have (made
    up by whoever sent the request) is counted as "other", so the series cannot grow without bound."""
    body = request.get_json(silent=True, cache=True)
    name = callback_label(body.get("output", "") if isinstance(body, dict) else "")
    known = flask.current_app.config.get(CALLBACK_NAMES)
    return name if known is not None and name in known() else "other"


def _kind_and_route(request: flask.Request) -> tuple[str, str]:
    path = request.path
    if path.startswith("/_dash-update-component"):
        return "callback", _callback_name(request)
    if path.startswith(("/_dash", "/assets", "/_favicon", "/_reload")):
        return "static", ""
    if path in ("/metrics", "/healthz", "/readyz"):
        return "probe", path
    rule = request.url_rule.rule if request.url_rule is not None else None
    if path.startswith(("/api/", "/open311/")):
        return "api", rule or "unknown"
    return "page", "page" if rule is None or "<path:" in rule else rule


def install(server: flask.Flask, services) -> None:
    multiprocess = bool(os.environ.get(MULTIPROCESS))
    own = None if multiprocess else CollectorRegistry()
    latency = Histogram("cityops_request_seconds", "Time to answer a request, by kind (page, callback, api) and route",
                        ["kind", "route", "status"], buckets=BUCKETS, registry=own)
    errors = Counter("cityops_request_errors", "Requests answered with a 5xx status", ["kind", "route"], registry=own)
    shared = (StoreAndBusCollector(services), _PushClients(server))   # read at scrape time
    if own is not None:
        for collector in shared:
            own.register(collector)

    @server.before_request
    def _started():
        flask.g.cityops_started = time.perf_counter()

    @server.after_request
    def _observed(response):
        started = getattr(flask.g, "cityops_started", None)
        if started is not None:
            kind, route = _kind_and_route(flask.request)
            if kind != "static":
                latency.labels(kind, route, str(response.status_code)[0] + "xx").observe(time.perf_counter() - started)
                if response.status_code >= 500:
                    errors.labels(kind, route).inc()
        return response

    from .metrics_access import checker
    allowed = checker(services.settings)

    @server.route("/metrics")
    def metrics():
        if not allowed(flask.request.remote_addr, flask.request.headers.get("Authorization")):
            return flask.Response("not found\n", status=404, mimetype="text/plain")
        registry = own
        if registry is None:      # every worker's figures, from prometheus_client's files
            from prometheus_client import multiprocess as mp
            registry = CollectorRegistry()
            mp.MultiProcessCollector(registry)
            for collector in shared:
                registry.register(collector)
        return flask.Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class _PushClients:
    """Browsers on the push relay, when it runs in this process (`cityops run`)."""

    def __init__(self, server: flask.Flask) -> None:
        self.server = server

    def collect(self):
        count = self.server.config.get(PUSH_CLIENTS)
        if count is not None:
            yield GaugeMetricFamily("cityops_push_clients", "Browsers connected to the push relay", value=count())
