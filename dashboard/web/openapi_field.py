"""The OpenAPI description of the field-work routes (issue 18), merged into dashboard.web.openapi."""
from __future__ import annotations

from typing import Any

JSON = "application/json"
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
KEY = {"name": "Idempotency-Key", "in": "header", "required": False,
       "description": "8–80 letters, digits or . _ : -; a repeat gets the first answer (with replayed: true)",
       "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,80}$"}}
MEANING = {400: "The body is no valid JSON or multipart form", 401: "Not signed in", 403: "The caller's role may not do this", 404: "No such object, or one the caller may "
           "not see", 409: "Changed meanwhile, or the same key is being recorded right now",
           413: "Too large (a photo past evidence_max_bytes or evidence_max_pixels, or a decompression bomb)",
           422: "Invalid: not a photo (by content), truncated, damaged, or an action not allowed now"}


def _errors(*statuses: int) -> dict:
    return {str(s): {"description": MEANING[s], "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for s in statuses}


def _ok(schema: dict, status: str = "200", description: str = "OK") -> dict:
    return {status: {"description": description, "content": {JSON: {"schema": schema}}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _multipart(fields: dict, photo_fields: tuple[str, ...] = ("photo",)) -> dict:
    props = {**fields, **{f: {"type": "array", "items": {"type": "string", "format": "binary"}} for f in photo_fields}}
    return {"required": True, "content": {"multipart/form-data": {"schema": {"type": "object", "properties": props}},
                                          JSON: {"schema": {"type": "object", "properties": fields}}}}


SCHEMAS: dict[str, Any] = {
    "Evidence": {"type": "object", "required": ["id", "incident_id", "stage", "url", "thumb_url", "flags"], "properties": {
        "id": {"type": "integer"}, "incident_id": {"type": "integer"},
        "stage": {"type": "string", "enum": ["report", "before", "after", "verify", "citizen", "desk"]},
        "uploaded_by": {"type": "string"}, "uploaded_role": {"type": "string"},
        "uploaded_at": {"type": "string", "format": "date-time"}, "taken_at": {"type": "string", "nullable": True},
        "distance_m": {"type": "number", "nullable": True, "description": "from the case; the photo's GPS is never served"},
        "flags": {"type": "array", "items": {"type": "string",
                                             "enum": ["far", "before_report", "no_position", "no_time", "damaged"]}},
        "width": {"type": "integer"}, "height": {"type": "integer"}, "url": {"type": "string"},
        "thumb_url": {"type": "string"}}},
    "FieldCase": {"type": "object", "required": ["id", "status", "version", "allowed_actions"],
                  "description": "an incident as the phone pages show it, with its photos",
                  "properties": {"id": {"type": "integer"}, "status": {"type": "string"}, "version": {"type": "integer"},
                                 "allowed_actions": {"type": "array", "items": {"type": "string"}},
                                 "distance_m": {"type": "number", "nullable": True},
                                 "evidence": {"type": "array", "items": _ref("Evidence")},
                                 "task": {"type": "object"}, "replayed": {"type": "boolean"}}},
}


def paths() -> dict[str, Any]:
    items = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": _ref("FieldCase")}}}
    photo = {"200": {"description": "The photo without EXIF (no GPS); ETag is its sha256",
                     "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                                 "image/png": {"schema": {"type": "string", "format": "binary"}}}},
             "304": {"description": "Not modified"}, **_errors(401, 403, 404, 422)}
    return {
        "/api/v1/field/me": {"get": {"summary": "Who the phone pages are for: role, beat, categories, districts",
                                     "tags": ["field"], "responses": {**_ok({"type": "object"}), **_errors(401, 403, 422)}}},
        "/api/v1/field/tasks": {"get": {
            "summary": "Crews: the department's open cases by urgency and distance; inspectors: their checks (核查)",
            "tags": ["field"], "parameters": [
                {"name": "lon", "in": "query", "required": False, "schema": {"type": "number"}},
                {"name": "lat", "in": "query", "required": False, "schema": {"type": "number"}}],
            "responses": {**_ok(items), **_errors(401, 403, 422)}}},
        "/api/v1/field/reports": {
            "get": {"summary": "The inspector's own reports and their state", "tags": ["field"],
                    "responses": {**_ok(items), **_errors(401, 403, 422)}},
            "post": {"summary": "An inspector reports from the street, with photos (multipart)", "tags": ["field"],
                     "parameters": [KEY], "requestBody": _multipart({
                         "category": {"type": "string"}, "lat": {"type": "number"}, "lon": {"type": "number"},
                         "description": {"type": "string"}, "address": {"type": "string"},
                         "payload": {"type": "string", "description": "the fields as one JSON object"}}),
                     "responses": {**_ok(_ref("FieldCase"), "201", "Created"), **_errors(400, 401, 403, 409, 413, 422)}}},
        "/api/v1/field/incidents/{id}/actions": {"post": {
            "summary": "An action from a phone (accept, progress, report_fixed with before/after photos, return, "
                       "verify_pass / verify_fail with a photo)", "tags": ["field"], "parameters": [ID, KEY],
            "requestBody": _multipart({"action": {"type": "string"}, "version": {"type": "integer"},
                                       "reason": {"type": "string"}, "note": {"type": "string"},
                                       "text": {"type": "string"}, "payload": {"type": "string"}},
                                      ("photo", "before", "after")),
            "responses": {**_ok(_ref("FieldCase")), **_errors(400, 401, 403, 404, 409, 413, 422)}}},
        "/api/v1/incidents/{id}/evidence": {
            "get": {"summary": "The case's photos (for those who may see the case)", "tags": ["field"], "parameters": [ID],
                    "responses": {**_ok({"type": "object", "properties": {"items": {"type": "array", "items": _ref("Evidence")}}}),
                                  **_errors(401, 403, 404, 422)}},
            "post": {"summary": "Add photos to a case (multipart `photo`; stage before/after for crews)", "tags": ["field"],
                     "parameters": [ID, KEY], "requestBody": _multipart({"stage": {"type": "string"}}),
                     "responses": {**_ok({"type": "object"}, "201", "Created"), **_errors(400, 401, 403, 404, 409, 413, 422)}}},
        "/api/v1/evidence/{id}": {"get": {"summary": "One photo", "tags": ["field"], "parameters": [ID], "responses": photo}},
        "/api/v1/evidence/{id}/thumb": {"get": {"summary": "Its thumbnail (the photo until the worker made one)",
                                                "tags": ["field"], "parameters": [ID], "responses": photo}},
        "/api/v1/field/evaluation": {"get": {
            "summary": "The verification round trip per department: requested, passed, failed, hours to verify",
            "tags": ["evaluation"], "parameters": [{"name": "days", "in": "query", "required": False,
                                                     "schema": {"type": "integer"}}],
            "responses": {**_ok({"type": "object"}), **_errors(401, 403, 422)}}},
    }
