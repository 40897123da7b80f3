"""Security headers on every answer: a Content-Security-Policy that lets only our own scripts run
(Dash's inline renderer script and any inline clientside callback by their hashes), frames refused
(frame-ancestors and X-Frame-Options), no MIME sniffing, no referrer beyond our origin. Styles may be
inline (Plotly, AG Grid and the map set them on elements). The push relay and a configured tile
server are the only other places a page may talk to."""
from __future__ import annotations

from urllib.parse import urlsplit

import flask
from flask import request

SCRIPT_HASHES = "cityops.csp_script_hashes"   # app config: a callable giving the inline scripts' hashes


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def policy(settings, host: str, script_hashes: list[str]) -> str:
    connect = ["'self'"]
    if settings.push_public_url:
        origin = _origin(settings.push_public_url)
        if origin:
            connect.append(origin)
    else:
        hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        connect += [f"ws://{hostname}:{settings.effective_push_port}", f"wss://{hostname}:{settings.effective_push_port}"]
    images = ["'self'", "data:", "blob:"]
    if settings.tile_url:
        origin = _origin(settings.tile_url.replace("{", "").replace("}", ""))
        if origin:
            images.append(origin)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": connect,
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def install(server: flask.Flask, settings) -> None:
    @server.after_request
    def _headers(response: flask.Response) -> flask.Response:
        hashes = server.config.get(SCRIPT_HASHES)
        response.headers.setdefault("Content-Security-Policy",
                                    policy(settings, request.host, hashes() if hashes else []))
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
