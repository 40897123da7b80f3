"""Open311 GeoReport v2 under /open311/v2/: discovery, services, service definitions, requests (GET
and POST with an API key), one request — each as .json or .xml, errors as the spec's arrays
([{"code": 400, "description": "…"}] / <errors><error>). Public like other cities' servers: reads
need no key and never show who reported; a POST needs an Open311 API key
(`cityops open311-key create NAME`). Sessions and CSRF do not apply here (no cookie is used)."""
from __future__ import annotations

import json
import re

import flask
from flask import request

from dashboard.domain import open311 as spec
from dashboard.domain.open311 import RequestRefused
from dashboard.services import open311 as service

from . import open311_xml as xml
from .context import remote_addr, services

PREFIX = "/open311/v2"
CHANGESET = "2026-11-23T00:00:00Z"   # when this server's interface last changed
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\]$")
_KNOWN = re.compile(r"^v2/(discovery|services|requests)(/[^/]+)?\.(json|xml)$")

blueprint = flask.Blueprint("cityops_open311", __name__, url_prefix=PREFIX)


def _send(fmt: str, body: bytes | str, status: int = 200) -> flask.Response:
    response = flask.Response(body, status=status, content_type=FORMATS[fmt])
    response.headers["Access-Control-Allow-Origin"] = "*"   # public data, no cookies involved
    return response


def respond(fmt: str, data, root: str, item: str | None = None, status: int = 200) -> flask.Response:
    if fmt == "json":
        return _send(fmt, json.dumps(data, ensure_ascii=False), status)
    return _send(fmt, xml.listing(root, item, data) if item else xml.document(root, data), status)


def error(fmt: str, code: int, description: str, headers: dict | None = None) -> flask.Response:
    items = [{"code": code, "description": description}]
    response = _send(fmt, json.dumps(items, ensure_ascii=False) if fmt == "json" else xml.errors(items), code)
    response.headers.update(headers or {})
    return response


@blueprint.before_request
def _refuse_nul():
    from .security import has_nul
    if has_nul():   # PostgreSQL can neither store nor compare it; say so instead of failing
        return error("xml" if request.path.endswith(".xml") else "json", 400, "text may not contain NUL characters")
    return None


def _guarded(fn):
    def run(fmt: str, **kwargs):
        try:
            return fn(fmt, **kwargs)
        except RequestRefused as refused:
            return error(fmt, refused.code, refused.description)
    run.__name__ = fn.__name__
    return run


def _args() -> dict[str, str]:
    return {k: v for k, v in request.args.items()}


@blueprint.route("/discovery.<any(json, xml):fmt>")
@_guarded
def discovery(fmt: str):
    city = services().city
    base = request.host_url.rstrip("/") + PREFIX
    return respond(fmt, {
        "changeset": CHANGESET,
        "contact": f"{city.name_zh} 城市运行管理中心 / {city.name_en} city operations center",
        "key_service": "API keys for posting requests are issued by the city operations center",
        "endpoints": [{"specification": spec.SPECIFICATION, "url": base, "changeset": CHANGESET,
                       "type": "production", "formats": ["text/xml", "application/json"]}],
    }, "discovery")


@blueprint.route("/services.<any(json, xml):fmt>")
@_guarded
def services_list(fmt: str):
    return respond(fmt, service.services_list(services()), "services", "service")


@blueprint.route("/services/<code>.<any(json, xml):fmt>")
@_guarded
def service_definition(fmt: str, code: str):
    return respond(fmt, service.definition(services(), code), "service_definition")


@blueprint.route("/requests.<any(json, xml):fmt>", methods=["GET"])
@_guarded
def requests_list(fmt: str):
    return respond(fmt, service.list_requests(services(), _args()), "service_requests", "request")


@blueprint.route("/requests/<request_id>.<any(json, xml):fmt>")
@_guarded
def request_one(fmt: str, request_id: str):
    extensions = (request.args.get("extensions") or "").lower() == "true"
    return respond(fmt, service.get_request(services(), request_id, extensions), "service_requests", "request")


@blueprint.route("/requests.<any(json, xml):fmt>", methods=["POST"])
@_guarded
def requests_post(fmt: str):
    fields: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    body = request.get_json(silent=True) if request.is_json else None
    sources = [request.args, request.form] if body is None else [request.args]
    for source in sources:
        for key in source:
            match = _ATTRIBUTE.match(key)
            if match:
                attributes.setdefault(match.group(1), []).extend(source.getlist(key))
            else:
                fields[key] = source.get(key, "")
    if isinstance(body, dict):   # a convenience for JSON clients; the spec posts a form
        for key, value in body.items():
            if key == "attributes" and isinstance(value, dict):
                for code, v in value.items():
                    attributes.setdefault(str(code), []).extend(map(str, v if isinstance(v, list) else [v]))
            elif value is not None and not isinstance(value, (dict, list)):
                fields[key] = str(value)
    from dashboard.services.auth import AuthService
    client = AuthService(services()).authenticate_token(fields.get("api_key", ""), kind="open311")
    if client is None:
        return error(fmt, 403, "Invalid api_key received -- can't proceed with create_request.")
    from dashboard.services import evidence   # a citizen's photo (multipart `media`) becomes evidence (issue 18)
    photo = None
    upload = request.files.get("media")
    if upload is not None:
        try:   # checked before anything is created: a bad file is refused and nothing is stored
            photo = evidence.receive(services(), upload.read(), upload.filename)
        except evidence.EvidenceError as exc:
            return error(fmt, 400, f"media: {exc}")
    created = service.create_request(services(), client, fields, attributes, remote_addr())
    if photo is not None:
        evidence.attach_citizen_photo(services(), created[0]["service_request_id"], photo)
    return respond(fmt, created, "service_requests", "request", status=201)


@blueprint.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@blueprint.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str):
    fmt = "xml" if rest.endswith(".xml") else "json"
    if _KNOWN.match("v2/" + rest):
        allowed = "GET, POST" if rest.startswith("requests.") else "GET"
        return error(fmt, 405, f"{request.method} is not allowed on {PREFIX}/{rest}; use {allowed}",
                     {"Allow": allowed})
    return error(fmt, 404, f"no such resource: {PREFIX}/{rest} (resources end in .json or .xml)")


def register(server: flask.Flask) -> None:
    server.register_blueprint(blueprint)

    @server.route("/open311/", defaults={"rest": ""})
    @server.route("/open311/<path:rest>")
    def open311_unknown(rest: str):
        return error("xml" if rest.endswith(".xml") else "json", 404,
                     f"no such resource: /open311/{rest}; the GeoReport v2 endpoint is {PREFIX}")
