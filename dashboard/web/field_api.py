"""JSON API of field work (issue 18): the phone pages' reads and actions, photo uploads and downloads,
the verification evaluation; plus the web manifest and the service worker that make /field installable.

Uploads are multipart: the fields as form values (or one `payload` form value holding JSON) and the
photos as files (`photo`, or `before` / `after` for a crew's fix). A POST from a phone carries an
`Idempotency-Key` header: a repeat gets the first answer (dashboard.services.field.once).
"""
from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import flask
from flask import request

from dashboard.services import evidence, field
from dashboard.services.incident_actions import ActionError
from dashboard.store import utcnow

from .api import error, route
from .context import remote_addr, services
from .lang import current_lang

STATIC = Path(__file__).resolve().parent / "static"
UPLOAD_ROUTES = ("/api/v1/field/", "/api/v1/incidents/")   # bodies up to evidence_max_bytes × photos
PHOTO_FIELDS = ("photo", "before", "after")


def _answer(status: int, body: dict):
    """The answer; a refusal's reason in the phone's language (the core speaks English)."""
    if isinstance(body.get("error"), dict) and body["error"].get("message"):
        from dashboard.reasons import localize_reason
        body = body | {"error": body["error"] | {"message": localize_reason(body["error"]["message"], current_lang())}}
    return flask.jsonify(body), status


def _evidence_errors(fn):
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except evidence.EvidenceError as exc:
            return error(exc.status, str(exc))
    run.__name__ = fn.__name__
    return run


def _fields() -> dict:
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ActionError(422, "send a JSON object or a multipart form")
        return body
    fields = {k: v for k, v in request.form.items() if k != "payload"}
    if request.form.get("payload"):
        try:
            payload = json.loads(request.form["payload"])
        except ValueError:
            raise ActionError(422, "payload must be a JSON object") from None
        if not isinstance(payload, dict):
            raise ActionError(422, "payload must be a JSON object")
        fields |= payload
    return fields


def _photos(default_stage: str) -> list[tuple[str, evidence.Received]]:
    """Every photo of the request, checked by content (a refusal names the file and why)."""
    out = []
    for name in PHOTO_FIELDS:
        for upload in request.files.getlist(name):
            data = upload.read()
            if not data and not upload.filename:
                continue
            out.append((default_stage if name == "photo" else name,
                        evidence.receive(services(), data, upload.filename)))
    return out


class UploadGate:
    """WSGI: photo uploads (multipart POSTs to the upload routes) enter the application a few at a time
    (evidence_upload_slots). Reading, parsing and checking a photo takes the processor; 50 crews
    uploading at once then queue among themselves — their bodies wait in the socket — instead of
    slowing every dispatcher's request of this process."""

    def __init__(self, app, slots: int, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.slots = threading.BoundedSemaphore(max(1, slots))
        self.prefixes = prefixes

    def __call__(self, environ, start_response):
        if (environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith(self.prefixes)
                and environ.get("CONTENT_TYPE", "").startswith("multipart/")):
            with self.slots:
                return list(self.app(environ, start_response))   # the whole answer, inside the slot
        return self.app(environ, start_response)


def _key() -> str | None:
    return request.headers.get("Idempotency-Key") or None


def _thumbnails_for(view: dict) -> dict:
    """The answer, once the thumbnail worker has its photos to make (it skips those it has)."""
    worker = flask.current_app.extensions.get("cityops_thumbnails")
    if worker is not None:
        worker.submit_evidence([e["id"] for e in view.get("evidence") or []])
    return view


@route("/api/v1/field/me")
def field_me(who):
    return flask.jsonify(field.me(services(), who, current_lang()))


def _here():
    try:
        return float(request.args["lon"]), float(request.args["lat"])
    except (KeyError, ValueError):
        return None


@route("/api/v1/field/tasks")
def field_tasks(who):
    return flask.jsonify(field.tasks(services(), who, _here()))


@route("/api/v1/field/reports")
def field_reports(who):
    return flask.jsonify(field.my_reports(services(), who))


@route("/api/v1/field/reports", "POST")
@_evidence_errors
def field_report(who):
    def run():
        photos = [p for _, p in _photos("report")]
        view = field.report(services(), who, _fields(), photos, remote_addr())
        return 201, _thumbnails_for(view)
    return _answer(*field.once(services(), who, _key(), run))


@route("/api/v1/field/incidents/<id>/actions", "POST")
@_evidence_errors
def field_act(who, incident_id: int):
    def run():
        body = _fields()
        stage = "verify" if str(body.get("action", "")).startswith("verify_") else "after"
        view = field.act(services(), who, incident_id, body, _photos(stage), remote_addr())
        return 200, _thumbnails_for(view)
    return _answer(*field.once(services(), who, _key(), run))


@route("/api/v1/incidents/<id>/evidence")
@_evidence_errors
def list_evidence(who, incident_id: int):
    return flask.jsonify({"items": evidence.list_for(services(), who, incident_id)})


@route("/api/v1/incidents/<id>/evidence", "POST")
@_evidence_errors
def add_evidence(who, incident_id: int):
    """Photos added to a case outside an action (a crew's 'before', an extra from the desk)."""
    def run():
        fields = _fields()
        stage = str(fields.get("stage") or ("before" if who.role == "operator" else
                                             "report" if who.role == "inspector" else "desk"))
        allowed = evidence.STAGES_BY_ROLE.get(who.role, evidence.STAGES)
        if stage not in allowed:
            raise ActionError(422, f"a {who.role} adds photos as {' or '.join(allowed)}, not {stage!r}")
        photos = _photos(stage)
        if not photos:
            raise ActionError(422, "send at least one photo (form field 'photo')")
        rows = evidence.add_to_case(services(), who, incident_id, [p for _, p in photos], stage, remote_addr())
        return 201, _thumbnails_for({"evidence": rows})
    return _answer(*field.once(services(), who, _key(), run))


def _send(who, evidence_id: int, thumb: bool):
    data, mime, sha = evidence.file_for(services(), who, evidence_id, thumb)
    if request.if_none_match.contains(sha):
        return flask.Response(status=304)
    response = flask.Response(data, mimetype=mime)
    response.set_etag(sha)
    response.headers["Cache-Control"] = "private, max-age=86400"   # content-addressed: never changes
    response.headers["Content-Disposition"] = f'inline; filename="evidence-{evidence_id}.{mime.rsplit("/", 1)[-1]}"'
    return response


@route("/api/v1/evidence/<id>", id_name="evidence_id")
@_evidence_errors
def get_evidence(who, evidence_id: int):
    return _send(who, evidence_id, thumb=False)


@route("/api/v1/evidence/<id>/thumb", id_name="evidence_id")
@_evidence_errors
def get_thumb(who, evidence_id: int):
    return _send(who, evidence_id, thumb=True)


@route("/api/v1/field/evaluation")
def field_evaluation(who):
    now = utcnow()
    try:
        days = max(1, min(400, int(request.args.get("days", 30))))
    except ValueError:
        return error(422, "days must be an integer")
    return flask.jsonify(field.evaluation(services(), now - timedelta(days=days), now + timedelta(seconds=1)))


# -- installable: manifest and service worker ---------------------------------------------------
def register(server: flask.Flask) -> None:
    svc = server.extensions["cityops"]
    server.extensions["cityops_thumbnails"] = evidence.Thumbnails(svc)
    server.wsgi_app = UploadGate(server.wsgi_app, svc.settings.evidence_upload_slots,
                                 (*UPLOAD_ROUTES, "/open311/v2/requests"))
    from .input_limits import UPLOAD_LIMITS
    photos_body = svc.settings.evidence_max_bytes * field.MAX_PHOTOS + 64_000
    server.config[UPLOAD_LIMITS] = (*server.config.get(UPLOAD_LIMITS, ()),
                                    *(((prefix, "POST"), photos_body) for prefix in UPLOAD_ROUTES),
                                    (("/open311/v2/requests", "POST"), svc.settings.evidence_max_bytes + 64_000))

    @server.route("/field.webmanifest")
    def field_manifest():
        lang = current_lang()
        zh = lang == "zh-CN"
        body = {"name": "CityOps 外勤" if zh else "CityOps field", "short_name": "外勤" if zh else "Field",
                "start_url": "/field", "scope": "/field", "display": "standalone",
                "background_color": "#0f1b2b", "theme_color": "#0f1b2b", "lang": lang,
                "icons": [{"src": "/assets/field-icon.svg", "sizes": "any", "type": "image/svg+xml",
                           "purpose": "any maskable"}]}
        return flask.Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")

    @server.route("/field-sw.js")
    def field_service_worker():
        response = flask.send_file(STATIC / "field-sw.js", mimetype="text/javascript", max_age=0)
        response.headers["Service-Worker-Allowed"] = "/field"
        response.headers["Cache-Control"] = "no-cache"
        return response
