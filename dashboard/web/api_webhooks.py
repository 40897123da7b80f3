"""JSON API for webhooks (admins): register, list, look at, delete, and read the delivery history."""
from __future__ import annotations

import flask
from flask import request

from dashboard.services.webhooks import WebhookError, WebhookService

from .api import _json_body, error, route
from .context import remote_addr, services


WEBHOOK_MAX_ID = 2 ** 31 - 1   # webhooks.id is a 32-bit integer


def _guard(fn):
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except WebhookError as exc:
            return error(exc.status, exc.message)
    return run


@route("/api/v1/webhooks")
@_guard
def list_webhooks(who):
    return flask.jsonify({"items": WebhookService(services()).list()})


@route("/api/v1/webhooks", "POST")
@_guard
def add_webhook(who):
    body = _json_body()
    webhook, secret = WebhookService(services()).register(who, body.get("name"), body.get("url"), body.get("events"),
                                                          body.get("filters"), remote_addr())
    return flask.jsonify(webhook | {"secret": secret}), 201


@route("/api/v1/webhooks/<id>", id_name="webhook_id", max_id=WEBHOOK_MAX_ID)
@_guard
def get_webhook(who, webhook_id: int):
    return flask.jsonify(WebhookService(services()).get(webhook_id))


@route("/api/v1/webhooks/<id>", "DELETE", id_name="webhook_id", max_id=WEBHOOK_MAX_ID)
@_guard
def delete_webhook(who, webhook_id: int):
    WebhookService(services()).delete(who, webhook_id, remote_addr())
    return flask.Response(status=204)


@route("/api/v1/webhooks/<id>/deliveries", id_name="webhook_id", max_id=WEBHOOK_MAX_ID)
@_guard
def webhook_deliveries(who, webhook_id: int):
    try:
        limit = min(500, max(1, int(request.args.get("limit", 100))))
        offset = min(2 ** 31, max(0, int(request.args.get("offset", 0))))
    except ValueError:
        return error(422, "limit and offset must be integers")
    return flask.jsonify(WebhookService(services()).deliveries(webhook_id, limit, offset,
                                                               request.args.get("status") or None))
