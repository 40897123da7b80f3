"""Who may see and do what: the permission matrix, in one readable place. Deny by default.

Pages and API routes are listed with the roles that may use them; anything not listed is refused.
Incident actions are checked by the workflow (dashboard.domain.workflow) on top of this.
"""
from __future__ import annotations

from .workflow import ADMIN, DISPATCHER, INSPECTOR, LEADER, OPERATOR, WALL

ALL_SIGNED_IN = frozenset({ADMIN, DISPATCHER, OPERATOR, LEADER})
STAFF = frozenset({ADMIN, DISPATCHER})
FIELD_ROLES = frozenset({INSPECTOR, OPERATOR})   # in the street: inspectors (监督员) and department crews

# Page path → roles. The wall role (a kiosk) sees only the wall.
PAGES: dict[str, frozenset[str]] = {
    "/": ALL_SIGNED_IN,                       # operations picture
    "/dispatch": frozenset({ADMIN, DISPATCHER, OPERATOR}),
    "/review": frozenset({ADMIN, DISPATCHER, LEADER}),
    "/wall": frozenset({ADMIN, DISPATCHER, LEADER, WALL}),
    "/feeds": frozenset({ADMIN, DISPATCHER}),
    "/admin/audit": frozenset({ADMIN}),
    "/admin/webhooks": frozenset({ADMIN}),
    "/admin/suggestions": frozenset({ADMIN}),   # which categories CityOps dispatches by itself (issue 21)
    # the city package in force, read-only (issue 14): dispatchers look up 立案/结案标准, 处置时限 and
    # why a rule sends a case where it does, so they may read it too; nobody changes it here
    "/reference": STAFF,
    "/field": FIELD_ROLES,                    # the phone pages of inspectors and crews (issue 18)
}
PUBLIC_PATHS = frozenset({"/login", "/logout", "/healthz", "/readyz", "/metrics",
                          "/password/first",   # a first sign-in's own password: needs its one-time ticket
                          "/field.webmanifest", "/field-sw.js"})   # the phone pages' install files (no data)   # /metrics: counts only
# Open311 GeoReport v2 is public like other cities' servers: reads need nothing, a POST an Open311 API
# key (never a session, so no CSRF); it never shows who reported.
PUBLIC_PREFIXES = ("/open311/",)

# (method, API route pattern) → roles.
API: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/api/v1/incidents"): frozenset({ADMIN, DISPATCHER, OPERATOR, LEADER}),
    ("GET", "/api/v1/incidents/<id>"): frozenset({ADMIN, DISPATCHER, OPERATOR, LEADER}),
    ("GET", "/api/v1/incidents/<id>/history"): frozenset({ADMIN, DISPATCHER, OPERATOR, LEADER}),
    ("POST", "/api/v1/incidents"): STAFF,
    ("POST", "/api/v1/incidents/<id>/actions"): frozenset({ADMIN, DISPATCHER, OPERATOR}),
    ("GET", "/api/v1/operations"): frozenset({ADMIN, DISPATCHER, OPERATOR, LEADER, WALL}),
    ("GET", "/api/v1/feeds"): STAFF,
    ("GET", "/api/v1/audit"): frozenset({ADMIN}),
    # the leaders' review: figures and the take-away (PDF, CSV, Excel)
    ("GET", "/api/v1/review/figures"): frozenset({ADMIN, DISPATCHER, LEADER}),
    ("GET", "/api/v1/review/report.pdf"): frozenset({ADMIN, DISPATCHER, LEADER}),
    ("GET", "/api/v1/review/export.csv"): frozenset({ADMIN, DISPATCHER, LEADER}),
    ("GET", "/api/v1/review/export.xlsx"): frozenset({ADMIN, DISPATCHER, LEADER}),
    # reference data and live state: whoever sees the operations map (the wall too)
    ("GET", "/api/v1/departments"): ALL_SIGNED_IN | {WALL},
    ("GET", "/api/v1/districts"): ALL_SIGNED_IN | {WALL},
    ("GET", "/api/v1/categories"): ALL_SIGNED_IN | {WALL},
    ("GET", "/api/v1/traffic"): ALL_SIGNED_IN | {WALL},
    ("GET", "/api/v1/environment"): ALL_SIGNED_IN | {WALL},
    ("GET", "/api/v1/alerts"): ALL_SIGNED_IN | {WALL},
    ("GET", "/api/v1/routing-rules"): STAFF,
    ("GET", "/api/v1/openapi.json"): ALL_SIGNED_IN,
    ("GET", "/api/v1/webhooks"): frozenset({ADMIN}),
    ("POST", "/api/v1/webhooks"): frozenset({ADMIN}),
    ("GET", "/api/v1/webhooks/<id>"): frozenset({ADMIN}),
    ("DELETE", "/api/v1/webhooks/<id>"): frozenset({ADMIN}),
    ("GET", "/api/v1/webhooks/<id>/deliveries"): frozenset({ADMIN}),
    # field work (issue 18): the phone pages' API, evidence photos (each also checked against the case)
    ("GET", "/api/v1/field/me"): FIELD_ROLES | {ADMIN},
    ("GET", "/api/v1/field/tasks"): FIELD_ROLES | {ADMIN},          # admins: every open check
    ("GET", "/api/v1/field/reports"): frozenset({INSPECTOR, ADMIN}),  # admins: every inspector's
    ("POST", "/api/v1/field/reports"): frozenset({INSPECTOR}),
    ("POST", "/api/v1/field/incidents/<id>/actions"): FIELD_ROLES,
    ("POST", "/api/v1/incidents/<id>/evidence"): FIELD_ROLES | STAFF,
    ("GET", "/api/v1/incidents/<id>/evidence"): FIELD_ROLES | STAFF | {LEADER},
    ("GET", "/api/v1/evidence/<id>"): FIELD_ROLES | STAFF | {LEADER},
    ("GET", "/api/v1/evidence/<id>/thumb"): FIELD_ROLES | STAFF | {LEADER},
    ("GET", "/api/v1/field/evaluation"): frozenset({ADMIN, DISPATCHER, LEADER}),
}

# Who sees reporters' names and phone numbers unmasked.
SEES_REPORTER = frozenset({ADMIN, DISPATCHER})

# Who sees the raw payload of a dead letter (it may hold anything a source sent, personal data too);
# the Feeds page's other roles see the reason only.
SEES_DEAD_LETTER_PAYLOAD = frozenset({ADMIN})


def may_open_page(role: str | None, path: str) -> bool:
    return role is not None and role in PAGES.get(_page_key(path), frozenset())


def is_page(path: str) -> bool:
    """A page of the app (an unknown path is a 404, not a 403)."""
    return _page_key(path) in PAGES


def may_call_api(role: str | None, method: str, route: str) -> bool:
    return role is not None and role in API.get((method.upper(), route), frozenset())


def _page_key(path: str) -> str:
    path = "/" + path.strip("/")
    return path if path in PAGES else path.rsplit("/", 1)[0] or "/" if path.count("/") > 1 else path


def mask_phone(phone: str | None) -> str | None:
    """138****5678: keep the first three and last four digits."""
    if not phone:
        return phone
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_name(name: str | None) -> str | None:
    """张** / J***: keep the first character."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


# Callback output ids start with their page's prefix (see each page's ids module); a callback whose
# ids match no prefix is refused. None: shared chrome that any signed-in role may use.
CALLBACK_PREFIXES: dict[str, str | None] = {
    "hdr": None,
    "ops": "/",
    "disp": "/dispatch",
    "rev": "/review",
    "wall": "/wall",
    "feeds": "/feeds",
    "audit": "/admin/audit",
    "hooks": "/admin/webhooks",
    "sugadm": "/admin/suggestions",
    "ref": "/reference",
    "field": "/field",
}
