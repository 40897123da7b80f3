"""The web side of the video wall: when the shell is drawn in wall mode, and the build id a wall
compares to know that the server now runs other code (and reloads itself)."""
from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import flask

from dashboard import __version__
from dashboard.domain import workflow

WALL_PATH = "/wall"
BUILD_KEY = "CITYOPS_BUILD"
CODE_DIRS = ("assets", "pages", "layouts", "callbacks", "dashboard", "connectors")
CODE_SUFFIXES = (".py", ".js", ".css")


def wall_mode(role: str | None) -> bool:
    """The kiosk always gets the wall's shell; anyone else when the page asked for is the wall. The
    shell is fetched by the page itself (/_dash-layout), so the page's path is its referrer."""
    if role == workflow.WALL:
        return True
    if not flask.has_request_context():
        return False
    referrer = flask.request.referrer or ""
    return urlsplit(referrer).path.rstrip("/") == WALL_PATH


def build_id(root: Path) -> str:
    """The version plus a digest of the code that is served: equal on every worker and host running
    the same code, different after a deployment even without a version bump."""
    digest = hashlib.sha1()
    for folder in CODE_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:10]}"


def current_build() -> str:
    """The code served, and the city in force (#14): a wall reloads after a deployment or a city import."""
    build = flask.current_app.config.get(BUILD_KEY, __version__)
    try:
        from .context import services
        svc = services()
        svc.city   # the city in force (checked at most every few seconds): a new import, a new build
        version = svc.city_version
    except Exception:   # noqa: BLE001 - outside the app (tests of the layout): the code's build alone
        return build
    return f"{build}+city{version}" if version is not None else build
