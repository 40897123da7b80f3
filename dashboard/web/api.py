"""JSON API /api/v1: the same reads and actions as the pages, with the same permissions.
Every route is checked against the matrix (dashboard.domain.permissions.API) before it runs."""
from __future__ import annotations

import functools

import flask
from flask import request

from dashboard.domain import permissions
from dashboard.services import incident_queries, intake
from dashboard.services.incident_actions import ActionError, perform

from .context import identity, remote_addr, services

blueprint = flask.Blueprint("cityops_api", __name__, url_prefix="/api/v1")


def error(status: int, message: str, **details):
    return flask.jsonify({"error": {"status": status, "message": message, **details}}), status


MAX_ID = 2 ** 62   # ids past this are no row of ours (and would overflow the database's integers)


def route(rule: str, method: str = "GET", id_name: str = "incident_id", max_id: int = MAX_ID):
    """Register a route and check the caller's role against the matrix for (method, rule).
    `<id>` in the rule reaches the view as the keyword `id_name`."""
    def decorate(fn):
        @functools.wraps(fn)
        def guarded(**kwargs):
            who = identity()
            if who is None:
                return error(401, "sign in or send 'Authorization: Bearer <token>'")
            if not permissions.may_call_api(who.role, method, rule):
                _refused(who, f"a {who.role} may not {method} {rule}")
                return error(403, f"a {who.role} may not {method} {rule}")
            if kwargs.get(id_name, 0) > max_id:
                return error(404, f"no such id {kwargs[id_name]}")
            try:
                return fn(who, **kwargs)
            except ActionError as exc:
                if exc.status == 403 and not getattr(exc, "audited", False):
                    _refused(who, str(exc))
                return flask.jsonify(exc.to_json()), exc.status
        blueprint.add_url_rule(rule.replace("<id>", f"<int:{id_name}>").removeprefix("/api/v1"),
                               endpoint=f"{method}:{rule}".replace(".", "_"), view_func=guarded, methods=[method])
        return guarded
    return decorate


def _refused(who, reason: str) -> None:
    from dashboard.services.refusals import record
    record(services(), who, f"{request.method} {request.path}", reason, remote_addr())


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ActionError(422, "send a JSON object (Content-Type: application/json)")
    return body


@route("/api/v1/incidents")
def list_incidents(who):
    filters = incident_queries.parse_filters(request.args.to_dict(flat=True))
    return flask.jsonify(incident_queries.list_incidents(services(), who, filters))


@route("/api/v1/incidents/<id>")
def get_incident(who, incident_id: int):
    return flask.jsonify(incident_queries.get_incident(services(), who, incident_id))


@route("/api/v1/incidents/<id>/history")
def get_history(who, incident_id: int):
    return flask.jsonify({"items": incident_queries.incident_history(services(), who, incident_id)})


@route("/api/v1/incidents", "POST")
def create_incident(who):
    row = intake.record_manual(services(), who, _json_body(), remote_addr())
    return flask.jsonify(incident_queries.incident_view(row, who, city=services().city)), 201


TEXT_PARAMS = frozenset({"action", "reason", "department", "deadline", "category", "text", "note", "evidence_url"})


@route("/api/v1/incidents/<id>/actions", "POST")
def act(who, incident_id: int):
    body = _json_body()
    action = body.pop("action", None)
    if not action:
        raise ActionError(422, "'action' is required")
    version = body.pop("version", None)
    reason = body.pop("reason", None)
    for key, value in (("reason", reason), *body.items()):   # JSON can carry anything: text fields must be text
        if key in TEXT_PARAMS and value is not None and not isinstance(value, str):
            raise ActionError(422, f"{key} must be text")
    for key, value in (("version", version), ("into", body.get("into"))):   # beyond any row: no database overflow
        if isinstance(value, int) and not 0 <= value <= 2 ** 31:
            raise ActionError(422, f"{key} {value} is out of range")
    row = perform(services(), who, incident_id, str(action), version, reason=reason, params=body,
                  remote_addr=remote_addr())
    return flask.jsonify(incident_queries.incident_view(row, who, city=services().city))


@route("/api/v1/operations")
def operations(who):
    from dashboard.services.operations import operations_json
    return flask.Response(operations_json(services(), who), mimetype="application/json")


@route("/api/v1/feeds")
def feeds(who):
    from dashboard.store import feeds as feed_store
    with services().store.connect() as conn:
        items = feed_store.feed_health(conn)
    return flask.jsonify({"items": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in i.items()}
                                    for i in items]})


@route("/api/v1/audit")
def audit_log(who):
    from dashboard.store import audit
    args = request.args
    try:
        limit = min(500, max(1, int(args.get("limit", 100))))
        offset = min(incident_queries.MAX_OFFSET, max(0, int(args.get("offset", 0))))
    except ValueError:
        return error(422, "limit and offset must be integers")
    with services().store.connect() as conn:
        rows = audit.query(conn, actor=args.get("actor"), action=args.get("action"),
                           target_type=args.get("target_type"), target_id=args.get("target_id"),
                           limit=limit, offset=offset)
    return flask.jsonify({"items": [r | {"at": r["at"].isoformat()} for r in rows]})


@blueprint.route("/<path:unknown>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(unknown: str):
    return error(404, f"no API route /api/v1/{unknown}")


# Reference data, live state, evaluation, webhooks and the OpenAPI document join this blueprint.
from . import api_reference, api_webhooks, openapi  # noqa: E402,F401
from . import field_api  # noqa: E402,F401  (field work and evidence, issue 18)


def register(server: flask.Flask) -> None:
    server.register_blueprint(blueprint)

    @server.route("/api/", defaults={"rest": ""})
    @server.route("/api/<path:rest>")
    def api_unknown(rest: str):
        return error(404, f"no API route /api/{rest}")
