"""JSON API reads beyond incidents: departments, districts, categories, routing rules, traffic and
environment state, active alerts. Same permissions as the pages that show them. (Evaluation figures
are the review's routes, /api/v1/review/…, in dashboard.web.review_exports.)"""
from __future__ import annotations

import flask

from dashboard.services import open_data

from .api import route
from .context import services


@route("/api/v1/departments")
def departments(who):
    return flask.jsonify({"items": open_data.departments(services())})


@route("/api/v1/districts")
def districts(who):
    return flask.jsonify({"items": open_data.districts(services())})


@route("/api/v1/categories")
def categories(who):
    return flask.jsonify({"items": open_data.categories(services())})


@route("/api/v1/routing-rules")
def routing_rules(who):
    return flask.jsonify({"items": open_data.routing_rules(services())})


@route("/api/v1/traffic")
def traffic(who):
    return flask.jsonify(open_data.traffic(services()))


@route("/api/v1/environment")
def environment(who):
    return flask.jsonify(open_data.environment(services()))


@route("/api/v1/alerts")
def alerts(who):
    return flask.jsonify({"items": open_data.alerts(services())})
