"""Where request handlers and callbacks find the process's services and the person asking.
Stored on the Flask app (one per worker), never in a module global."""
from __future__ import annotations

import flask

from dashboard.domain.identity import Identity

EXTENSION = "cityops"


def attach(server: flask.Flask, services) -> None:
    server.extensions[EXTENSION] = services


def services():
    return flask.current_app.extensions[EXTENSION]


def identity() -> Identity | None:
    return flask.g.get("identity")


def require_identity() -> Identity:
    who = identity()
    if who is None:
        flask.abort(401)
    return who


def remote_addr() -> str | None:
    return flask.request.remote_addr
