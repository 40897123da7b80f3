"""The Flask server under the Dash app: services attached, security, sign-in, JSON API and health.
Routes are registered here, before Dash's catch-all, so unknown API paths get a real 404."""
from __future__ import annotations

import flask

from . import api, auth_views, metrics, review_exports, security
from .context import attach


def build_server(services) -> flask.Flask:
    server = flask.Flask("cityops")
    attach(server, services)
    security.install(server, services)
    metrics.install(server, services)
    server.register_blueprint(auth_views.blueprint)
    from . import first_password
    server.register_blueprint(first_password.blueprint)   # first sign-in: one's own password (issue 14)
    review_exports.register(server)   # before api: its /api/v1 catch-all answers 404
    api.register(server)
    from . import open311_server
    open311_server.register(server)
    from . import tiles
    tiles.register(server, services)   # the base map's tile archive (issue 15)
    from . import field_api
    field_api.register(server)         # phone pages' manifest and service worker, thumbnails (issue 18)
    from . import fonts
    fonts.register(server, services)   # a CJK web font for screens on machines without one

    @server.route("/healthz")
    def healthz():
        from dashboard.services.health import feed_health_report
        report = feed_health_report(services)
        from dashboard.services.deadline_rules import calendar_health
        report["calendar"] = calendar_health(services)   # warn: the working calendar runs out soon (#14)
        return flask.jsonify(report), 200

    @server.route("/readyz")
    def readyz():
        try:
            with services.store.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception as exc:   # not ready: say why, to the load balancer
            return flask.jsonify({"ready": False, "store": str(exc)[:200]}), 503
        return flask.jsonify({"ready": True})

    return server
