"""The OpenAPI 3 document of /api/v1, written by hand next to the routes it describes and served at
GET /api/v1/openapi.json. tests/integration/test_openapi.py checks that it names every route and
runs schemathesis against the real responses."""
from __future__ import annotations

from typing import Any

import flask

from dashboard import __version__
from dashboard.domain import evaluation as ev, webhooks as hooks, workflow

from . import openapi_field
from .api import route

JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **more) -> dict:
    return {"type": kind, "nullable": True, **more}


def _ok(schema: dict, description: str = "OK", status: str = "200") -> dict:
    return {status: {"description": description, "content": {JSON: {"schema": schema}}}}


def _errors(*statuses: int) -> dict:
    meaning = {401: "Not signed in: no session and no valid bearer token",
               403: "The caller's role may not do this (or the incident is another department's)",
               404: "No such object", 409: "Changed meanwhile: the body says what changed",
               422: "Invalid (e.g. a NUL character in any text) or not allowed now: the message says why",
               400: "The request could not be read: malformed JSON, nested deeper than 64, an integer beyond "
                    "64 bits, a lone surrogate, or an over-long query parameter",
               413: "The request body is larger than the server accepts (setting max_request_bytes)"}
    return {str(s): {"description": meaning[s], "content": {JSON: {"schema": _ref("Error")}}} for s in statuses}


def _items(schema: dict) -> dict:
    return {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": schema}}}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
PAGING = [_query("limit", "At most this many items (1–500, default 100)", {"type": "integer"}),
          _query("offset", "Skip this many items", {"type": "integer"})]


def _get(summary: str, response: dict, *statuses: int, params: list | None = None, tag: str = "reference") -> dict:
    return {"get": {"summary": summary, "tags": [tag], "parameters": params or [],
                    "responses": {**response, **_errors(401, 403, *sorted({422, *statuses}))}}}


SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["status", "message"],
        "properties": {"status": {"type": "integer"}, "message": {"type": "string"},
                       "current_version": {"type": "integer"}, "current_status": {"type": "string"},
                       "changes": {"type": "array", "items": {"type": "object"}}}}}},
    "Incident": {"type": "object", "required": [
        "id", "code", "category", "priority", "title", "status", "version", "source", "created_at", "updated_at",
        "overdue", "allowed_actions"], "properties": {
        "id": {"type": "integer"}, "code": {"type": "string"}, "category": {"type": "string"},
        "category_name_zh": {"type": "string"}, "category_name_en": {"type": "string"},
        "priority": {"type": "integer", "minimum": 1, "maximum": 4}, "title": {"type": "string"},
        "description": {"type": "string"}, "status": {"type": "string", "enum": list(workflow.STATUSES)},
        "version": {"type": "integer"}, "district": _nullable("string"), "department": _nullable("string"),
        "grid_cell": _nullable("string", description="the unit-grid cell (单元网格) the incident lies in"),
        "deadline": _nullable("string", format="date-time"), "lat": _nullable("number"), "lon": _nullable("number"),
        "address": _nullable("string"), "source": {"type": "string"}, "source_ref": {"type": "string"},
        "reporter_name": _nullable("string", description="masked (张**) for roles that need not see it"),
        "reporter_phone": _nullable("string", description="masked (138****5678) for roles that need not see it"),
        "reported_at": {"type": "string", "format": "date-time"},
        "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"},
        "closed_at": _nullable("string", format="date-time"), "rework_count": {"type": "integer"},
        "supervised": {"type": "boolean"}, "merged_into": _nullable("integer"), "details": {
            "type": "object", "description": "source-specific data; deadline_basis: {at, provisional (the year's "
                                             "holidays are not known: Monday to Friday counted), zh, en}"},
        "overdue": {"type": "boolean"}, "seconds_left": _nullable("integer"),
        "allowed_actions": {"type": "array", "items": {"type": "string", "enum": list(workflow.ACTIONS)}},
        "suggested_department": _nullable("string")}},
    "IncidentList": {"type": "object", "required": ["total", "items"], "properties": {
        "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
        "items": {"type": "array", "items": _ref("Incident")}}},
    "HistoryEntry": {"type": "object", "required": ["version", "action", "to_status", "actor", "at"], "properties": {
        "id": {"type": "integer"}, "incident_id": {"type": "integer"}, "version": {"type": "integer"},
        "action": {"type": "string"}, "from_status": _nullable("string"), "to_status": {"type": "string"},
        "actor": {"type": "string"}, "actor_role": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
        "reason": _nullable("string"), "details": {"type": "object"}}},
    "NewIncident": {"type": "object", "required": ["category", "title"], "properties": {
        "category": {"type": "string", "description": "a category code, see /api/v1/categories"},
        "title": {"type": "string", "minLength": 1, "maxLength": 300}, "description": {"type": "string"},
        "priority": {"type": "integer", "enum": [1, 2, 3, 4]},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "address": {"type": "string", "maxLength": 300}, "reporter_name": {"type": "string", "maxLength": 100},
        "reporter_phone": {"type": "string", "maxLength": 40}}},
    "Action": {"type": "object", "required": ["action", "version"], "properties": {
        "action": {"type": "string", "enum": list(workflow.ACTIONS)},
        "version": {"type": "integer", "description": "the version of the incident you acted on"},
        "reason": {"type": "string"}, "department": {"type": "string"},
        "deadline": {"type": "string", "format": "date-time"}, "priority": {"type": "integer", "enum": [1, 2, 3, 4]},
        "category": {"type": "string"}, "text": {"type": "string"}, "note": {"type": "string"},
        "evidence_url": {"type": "string"}, "into": {"type": "integer"}}},
    "AuditEntry": {"type": "object", "required": ["id", "at", "actor", "action"], "properties": {
        "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}, "actor": {"type": "string"},
        "actor_role": {"type": "string"}, "remote_addr": _nullable("string"), "action": {"type": "string"},
        "target_type": _nullable("string"), "target_id": _nullable("string"), "before": {"nullable": True},
        "after": {"nullable": True}, "reason": _nullable("string")}},
    "FeedHealth": {"type": "object", "required": ["connector", "ok"], "properties": {
        "connector": {"type": "string"}, "ok": {"type": "boolean"}, "detail": {"type": "string"},
        "last_success": _nullable("string", format="date-time"), "last_failure": _nullable("string", format="date-time"),
        "consecutive_failures": {"type": "integer"}, "events_total": {"type": "integer"},
        "dead_letters_total": {"type": "integer"}}},
    "Operations": {"type": "object", "required": ["districts", "segments", "stations", "incidents", "alerts", "figures"],
                   "description": "the operations picture: GeoJSON layers, key figures, newest events",
                   "properties": {k: {"type": "object"} for k in
                                  ("districts", "segments", "stations", "incidents", "alerts", "figures")}},
    "Department": {"type": "object", "required": ["code", "name_zh", "name_en", "categories", "districts"], "properties": {
        "code": {"type": "string"}, "name_zh": {"type": "string"}, "name_en": {"type": "string"},
        "categories": {"type": "array", "items": {"type": "string"}},
        "districts": {"type": "array", "items": {"type": "string"}, "description": "empty: the whole city"}}},
    "District": {"type": "object", "required": ["code", "name_zh", "name_en", "geometry"], "properties": {
        "code": {"type": "string"}, "name_zh": {"type": "string"}, "name_en": {"type": "string"},
        "geometry": {"type": "object", "description": "GeoJSON Polygon (longitude first)"}}},
    "Category": {"type": "object", "required": ["code", "domain", "name_zh", "name_en", "default_priority"], "properties": {
        "code": {"type": "string"}, "domain": {"type": "string"}, "group_zh": {"type": "string"},
        "group_en": {"type": "string"}, "name_zh": {"type": "string"}, "name_en": {"type": "string"},
        "default_priority": {"type": "integer"}}},
    "RoutingRule": {"type": "object", "required": ["category", "department", "auto_dispatch"], "properties": {
        "category": {"type": "string"}, "district": _nullable("string", description="null: the whole city"),
        "department": {"type": "string"}, "auto_dispatch": {"type": "boolean"}}},
    "Traffic": {"type": "object", "required": ["items"], "properties": {
        "city_ci": _nullable("number"), "at": {"type": "string", "format": "date-time"},
        "items": {"type": "array", "items": {"type": "object", "required": ["id", "name_zh", "name_en", "district"],
                                             "properties": {
            "id": {"type": "string"}, "name_zh": {"type": "string"}, "name_en": {"type": "string"},
            "district": {"type": "string"}, "free_flow_kmh": {"type": "number"}, "speed_kmh": _nullable("number"),
            "flow_vph": _nullable("integer"), "ci": _nullable("number"), "level": _nullable("string"),
            "observed_at": _nullable("string", format="date-time"), "geometry": {"type": "object"}}}}}},
    "Environment": {"type": "object", "required": ["standard", "items"], "properties": {
        "standard": {"type": "string"}, "city_aqi": _nullable("integer"), "city_level": _nullable("string"),
        "primary_pollutants": {"type": "array", "items": {"type": "string"}},
        "at": {"type": "string", "format": "date-time"},
        "items": {"type": "array", "items": {"type": "object", "required": ["id", "name_zh", "name_en", "lon", "lat"],
                                             "properties": {
            "id": {"type": "string"}, "name_zh": {"type": "string"}, "name_en": {"type": "string"},
            "district": {"type": "string"}, "lon": {"type": "number"}, "lat": {"type": "number"},
            "aqi": _nullable("integer"), "level": _nullable("string"),
            "primary_pollutants": {"type": "array", "items": {"type": "string"}}, "readings": {"type": "object"},
            "observed_at": _nullable("string", format="date-time")}}}}},
    "Alert": {"type": "object", "required": ["identifier", "status"], "properties": {
        "identifier": {"type": "string"}, "sender": _nullable("string"), "sent": {"type": "string"},
        "msg_type": {"type": "string"}, "status": {"type": "string"}, "event": _nullable("string"),
        "severity": _nullable("string"), "urgency": _nullable("string"), "certainty": _nullable("string"),
        "headline_zh": _nullable("string"), "headline_en": _nullable("string"), "area_desc": _nullable("string"),
        "geometry": {"type": "object", "nullable": True}, "effective": _nullable("string"),
        "expires": _nullable("string"),
        "districts": {"type": "array", "items": {"type": "string"},
                      "description": "the city's districts the alert covers (by its area or its geocodes)"},
        "geocodes": {"type": "array", "items": {"type": "object", "properties": {
            "valueName": {"type": "string"}, "value": {"type": "string"}}}}}},
    "Evaluation": {"type": "object", "required": ["period", "previous", "dimension", "totals", "league"],
                   "description": "figures per department/category/district for a period, with the previous one",
                   "properties": {"period": {"type": "object"}, "previous": {"type": "object"},
                                  "dimension": {"type": "string"}, "filters": {"type": "array"},
                                  "totals": {"type": "object"}, "totals_before": {"type": "object"},
                                  "grades": {"type": "object"}, "change": {"type": "object"},
                                  "league": {"type": "array", "items": {"type": "object"}}}},
    "Webhook": {"type": "object", "required": ["id", "name", "url", "events", "filters", "created_at"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "url": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}}, "filters": {"type": "object"},
        "created_by": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
        "secret": {"type": "string", "description": "only in the answer to POST: signs deliveries (HMAC-SHA256)"}}},
    "NewWebhook": {"type": "object", "required": ["name", "url", "events"], "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "url": {"type": "string", "format": "uri", "description": "http(s) URL that receives POSTs"},
        "events": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": ["*", *hooks.EVENTS]}},
        "filters": {"type": "object", "properties": {k: {"type": "array", "items": {"type": "string"}}
                                                    for k in hooks.FILTER_KEYS}, "additionalProperties": False}}},
    "Delivery": {"type": "object", "required": ["id", "event", "status", "attempts"], "properties": {
        "id": {"type": "integer"}, "webhook_id": {"type": "integer"}, "event": {"type": "string"},
        "event_key": {"type": "string"}, "status": {"type": "string", "enum": ["pending", "delivered", "failed", "cancelled"]},
        "attempts": {"type": "integer"}, "next_attempt_at": {"type": "string", "format": "date-time"},
        "last_status_code": _nullable("integer"), "last_error": _nullable("string"),
        "created_at": {"type": "string", "format": "date-time"}, "delivered_at": _nullable("string", format="date-time"),
        "log": {"type": "array", "items": {"type": "object"}}, "payload": {"type": "object"}}},
}

_INCIDENT_FILTERS = [
    _query("status", f"comma-separated: {', '.join(workflow.STATUSES)}"), _query("category", "category codes"),
    _query("district", "district codes"), _query("department", "department codes (operators: their own only)"),
    _query("priority", "1–4, comma-separated"), _query("source", "where incidents came from (open311, manual, …)"),
    _query("overdue", "true: only open incidents past their deadline"), _query("q", "text in title, code or address"),
    *PAGING, _query("order", "created_at, reported_at, updated_at, deadline, priority or id; '-' first for descending; "
                               "or urgent (priority, then the longest waiting)")]


REVIEW_PARAMS = [
    _query("period", "period kind", {"type": "string", "enum": list(ev.PERIOD_KINDS)}),
    _query("first", "first day (custom period)", {"type": "string", "format": "date"}),
    _query("last", "last day (custom period)", {"type": "string", "format": "date"}),
    _query("department", "drill down to a department"), _query("category", "drill down to a category"),
    _query("district", "drill down to a district"), _query("heat", "hot spots of one category"),
    _query("figure", "list the incidents behind this figure"),
    _query("lang", "language of the names", {"type": "string", "enum": ["zh-CN", "en"]})]


def _download(mime: str) -> dict:
    return {"200": {"description": "A file (Content-Disposition: attachment)",
                    "content": {mime: {"schema": {"type": "string", "format": "binary"}}}}}


def _paths() -> dict[str, Any]:
    return {
        "/api/v1/incidents": {
            **_get("Incidents the caller may see", _ok(_ref("IncidentList")), 422, params=_INCIDENT_FILTERS,
                   tag="incidents"),
            "post": {"summary": "Record a phoned-in incident (dispatchers)", "tags": ["incidents"],
                     "requestBody": {"required": True, "content": {JSON: {"schema": _ref("NewIncident")}}},
                     "responses": {**_ok(_ref("Incident"), "Created", "201"), **_errors(401, 403, 422)}}},
        "/api/v1/incidents/{id}": _get("One incident with the actions allowed now", _ok(_ref("Incident")), 404,
                                       params=[ID_PARAM], tag="incidents"),
        "/api/v1/incidents/{id}/history": _get("The incident's timeline", _ok(_items(_ref("HistoryEntry"))), 404,
                                               params=[ID_PARAM], tag="incidents"),
        "/api/v1/incidents/{id}/actions": {"post": {
            "summary": "Act on an incident (verify, dispatch, accept, close, …)", "tags": ["incidents"],
            "parameters": [ID_PARAM],
            "requestBody": {"required": True, "content": {JSON: {"schema": _ref("Action")}}},
            "responses": {**_ok(_ref("Incident")), **_errors(401, 403, 404, 409, 422)}}},
        "/api/v1/operations": _get("The operations picture", _ok(_ref("Operations")), tag="state"),
        "/api/v1/feeds": _get("Feed health per connector", _ok(_items(_ref("FeedHealth"))), tag="state"),
        "/api/v1/audit": _get("The audit log (admins)", _ok(_items(_ref("AuditEntry"))), 422, tag="admin", params=[
            _query("actor", "who"), _query("action", "what, e.g. incident_dispatch"), _query("target_type", "e.g. incident"),
            _query("target_id", "e.g. an incident id"), *PAGING]),
        "/api/v1/departments": _get("Departments", _ok(_items(_ref("Department")))),
        "/api/v1/districts": _get("Districts with their boundaries", _ok(_items(_ref("District")))),
        "/api/v1/categories": _get("The category taxonomy", _ok(_items(_ref("Category")))),
        "/api/v1/routing-rules": _get("Routing rules: category and district to department",
                                      _ok(_items(_ref("RoutingRule")))),
        "/api/v1/traffic": _get("Current traffic per road segment", _ok(_ref("Traffic")), tag="state"),
        "/api/v1/environment": _get("Current air quality per station", _ok(_ref("Environment")), tag="state"),
        "/api/v1/alerts": _get("Active emergency alerts (CAP)", _ok(_items(_ref("Alert"))), tag="state"),
        "/api/v1/review/figures": _get("Evaluation figures (as the review page)", _ok(_ref("Evaluation")), 422,
                                       tag="evaluation", params=REVIEW_PARAMS),
        **{f"/api/v1/review/{name}": _get(f"The review as {what} to take away", _download(mime), 422,
                                          tag="evaluation", params=REVIEW_PARAMS)
           for name, what, mime in (("report.pdf", "a PDF report", "application/pdf"),
                                    ("export.csv", "CSV", "text/csv"),
                                    ("export.xlsx", "an Excel workbook",
                                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))},
        "/api/v1/openapi.json": {"get": {"summary": "This document", "tags": ["meta"], "responses": {
            "200": {"description": "OpenAPI 3 document", "content": {JSON: {"schema": {"type": "object"}}}},
            **_errors(401, 403, 422)}}},
        "/api/v1/webhooks": {
            **_get("Registered webhooks (admins)", _ok(_items(_ref("Webhook"))), tag="webhooks"),
            "post": {"summary": "Register a webhook; the answer holds its signing secret, shown once", "tags": ["webhooks"],
                     "requestBody": {"required": True, "content": {JSON: {"schema": _ref("NewWebhook")}}},
                     "responses": {**_ok(_ref("Webhook"), "Created", "201"), **_errors(401, 403, 422)}}},
        "/api/v1/webhooks/{id}": {
            **_get("One webhook", _ok(_ref("Webhook")), 404, params=[ID_PARAM], tag="webhooks"),
            "delete": {"summary": "Stop a webhook (its history stays)", "tags": ["webhooks"], "parameters": [ID_PARAM],
                       "responses": {"204": {"description": "Deleted"}, **_errors(401, 403, 404, 422)}}},
        **openapi_field.paths(),   # field work and evidence (issue 18)
        "/api/v1/webhooks/{id}/deliveries": _get(
            "Delivery history, newest first", _ok({"type": "object", "required": ["total", "items"], "properties": {
                "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
                "items": {"type": "array", "items": _ref("Delivery")}}}), 404, 422, tag="webhooks",
            params=[ID_PARAM, *PAGING, _query("status", "pending, delivered, failed or cancelled")]),
    }


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "CityOps JSON API", "version": __version__, "description": (
            "Everything the pages can read, with the same permissions. Authenticate with "
            "'Authorization: Bearer <token>' (`cityops token create USER`) or the browser session plus the "
            "X-CSRFToken header on state-changing requests. Errors are {\"error\": {\"status\", \"message\"}}. "
            "Webhook deliveries are POSTs signed with X-CityOps-Signature: sha256=HMAC-SHA256(secret, "
            "'<X-CityOps-Timestamp>.<body>'). The Open311 GeoReport v2 server is at /open311/v2/.")},
        "servers": [{"url": "/"}],
        "components": {"schemas": SCHEMAS | openapi_field.SCHEMAS, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": _with_input_errors(_paths()),
    }


def _with_input_errors(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation may be refused before its view runs (web/input_limits): 400, and 413 with a body."""
    for operations in paths.values():
        for method, operation in operations.items():
            extra = (400,) if method in ("get", "head", "delete") else (400, 413)
            operation["responses"] = {**_errors(*extra), **operation["responses"]}
    return paths


@route("/api/v1/openapi.json")
def openapi_json(who):
    return flask.jsonify(document())
