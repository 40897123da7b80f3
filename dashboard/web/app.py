"""The Dash app: Dash Pages from the top-level pages/ folder, assets from assets/, everything served
locally. The Flask server under it (dashboard.web.server) carries the services, security, sign-in,
the JSON API and health routes, all registered before Dash's catch-all."""
from __future__ import annotations

import os
from pathlib import Path

import dash

from dashboard.domain import permissions
from dashboard.i18n import has, role_name, t
from layouts.shell import NavItem, header, person_label, shell

from .context import identity, services
from .lang import current_lang, remember_lang
from .server import build_server
from .wall import BUILD_KEY, build_id, wall_mode

ROOT = Path(__file__).resolve().parents[2]
PAGES_FOLDER = ROOT / "pages"
ASSETS_FOLDER = ROOT / "assets"


def create_app(services_) -> dash.Dash:
    """A Dash app for `services_` (settings, store, bus, city). Several may live in one process."""
    os.environ.setdefault("DASH_DISABLE_VERSION_CHECK", "true")   # dev tools must not phone home
    server = build_server(services_)
    server.config[BUILD_KEY] = build_id(ROOT)   # what walls compare to reload after a deployment
    server.before_request(remember_lang)
    app = dash.Dash(
        "cityops",
        server=server,
        use_pages=True,
        pages_folder=str(PAGES_FOLDER),
        assets_folder=str(ASSETS_FOLDER),
        serve_locally=True,
        suppress_callback_exceptions=True,   # pages come and go; their callbacks are registered up front
        title="CityOps",
        update_title=None,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app._dev_tools.disable_version_check = True   # noqa: SLF001 (no public switch after construction)
    app.layout = _shell
    from callbacks import register_all
    register_all(app)
    _closed_sets(app)
    return app


def _closed_sets(app: dash.Dash) -> None:
    """What the metrics and the CSP read from the app, once it has every callback: the callbacks' names
    (metric labels come from this closed set) and the hashes of Dash's inline scripts."""
    from .headers import SCRIPT_HASHES
    from .metrics import CALLBACK_NAMES, callback_label
    found: dict[str, object] = {}

    def names():
        if "names" not in found:
            found["names"] = frozenset(callback_label(output) for output in app.callback_map) | {"_pages_content"}
        return found["names"]

    def hashes():
        if "hashes" not in found:
            found["hashes"] = list(app.csp_hashes())
        return found["hashes"]
    app.server.config[CALLBACK_NAMES] = names
    app.server.config[SCRIPT_HASHES] = hashes


def nav_items(lang: str, role: str | None):
    """The pages this role may open, in their registered order."""
    pages = sorted(dash.page_registry.values(), key=lambda p: (p.get("order") is None, p.get("order") or 0))
    def label(key: str) -> str:   # operators do not dispatch: their Dispatch page is "My cases"
        return t(f"{key}.operator", lang) if role == "operator" and has(f"{key}.operator") else t(key, lang)
    return [NavItem(p["path"], label(p["nav_key"])) for p in pages
            if p.get("nav_key") and permissions.may_open_page(role, p["path"])]


def _admin_notice(svc, role: str | None, lang: str):
    """Admins are told, on every page, when the working calendar runs out soon (issue 14)."""
    if role != permissions.ADMIN:
        return None
    from dashboard.services.deadline_rules import calendar_health
    from layouts.deadlines import calendar_notice
    return calendar_notice(calendar_health(svc), lang)


def _shell():
    svc = services()
    lang = current_lang()
    who = identity()
    role = who.role if who else None
    if wall_mode(role):   # full screen, nobody at the keyboard: no header, no navigation
        return shell(None, dash.page_container, lang, svc.settings.timezone, theme="wall")
    label = None
    if who:   # the role (and department) composed in the screen's language, the person's name as typed
        dept = next((d for d in svc.city.departments if d.code == who.department), None) if who.department else None
        label = person_label(who.display_name, who.username, role_name(role, lang), dept.name(lang) if dept else None,
                             tuple(d.name_zh for d in svc.city.departments))
    head = header(svc.city.name(lang), lang, nav_items(lang, role),
                  user_label=label, role_label=role_name(role, lang) if role else None,
                  notice=_admin_notice(svc, role, lang))
    return shell(head, dash.page_container, lang, svc.settings.timezone)

