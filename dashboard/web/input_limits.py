"""What a request may carry, checked before any view reads it: a body limit (413), and JSON that the
rest of the code can handle — nested at most MAX_DEPTH deep, integers within 64 bits, no lone UTF-16
surrogates (nothing downstream can encode them). A refusal is a 4xx saying what is wrong, in the
format of the interface that was called (the JSON API's error object, Open311's error array)."""
from __future__ import annotations

import json
import re

import flask
from flask import request

MAX_DEPTH = 64
MAX_INT = 2 ** 63 - 1
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


class BadInput(ValueError):
    pass


def nesting_depth(raw: bytes) -> int:
    """How deep [ and { nest outside strings, without parsing (the parser would recurse that deep)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b'""', raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def check_value(value, path: str = "$") -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadInput(f"{path}: text holds a lone UTF-16 surrogate (\\ud800–\\udfff), which is no character")
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        return
    elif isinstance(value, int):
        if not -MAX_INT - 1 <= value <= MAX_INT:
            raise BadInput(f"{path}: the number {str(value)[:30]}… is beyond 64 bits")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(key, path)
            check_value(item, f"{path}.{str(key)[:40]}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_value(item, f"{path}[{index}]")


def check_json(raw: bytes):
    """The parsed body, or BadInput saying what is wrong with it."""
    if nesting_depth(raw) > MAX_DEPTH:
        raise BadInput(f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadInput(f"not valid JSON: {str(exc)[:120]}") from None
    check_value(value)
    return value


def _refuse(status: int, message: str):
    if request.path.startswith("/open311/"):
        fmt = "xml" if request.path.endswith(".xml") else "json"
        from .open311_server import error
        return error(fmt, status, message)
    return flask.jsonify({"error": {"status": status, "message": message}}), status


UPLOAD_LIMITS = "cityops.upload_limits"   # app config: ((path prefix, method), bytes) for photo uploads (issue 18)


def _limit() -> int | None:
    for (prefix, method), size in flask.current_app.config.get(UPLOAD_LIMITS, ()):
        if request.method == method and request.path.startswith(prefix):
            request.max_content_length = size   # what Flask's form parser enforces for this request
            return size
    return flask.current_app.config.get("MAX_CONTENT_LENGTH")


def _check():
    limit = _limit()
    if limit and (request.content_length or 0) > limit:
        return _refuse(413, f"the request body is larger than {limit} bytes")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        for key, value in request.args.items(multi=True):
            if len(key) > 200 or len(value) > 4000:
                return _refuse(400, f"query parameter {key[:40]!r} is too long")
        return None
    if request.is_json or request.path == "/_dash-update-component":
        raw = request.get_data(cache=True)
        if not raw.strip():
            return None
        try:
            request._cached_json = (check_json(raw),) * 2   # what get_json() hands out (silent or not)
        except BadInput as exc:
            return _refuse(400, str(exc))
    return None


def install(server: flask.Flask, max_bytes: int) -> None:
    server.config["MAX_CONTENT_LENGTH"] = max_bytes
    server.before_request(_check)
