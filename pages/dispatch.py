"""Dispatch (案件派遣): the queue of incidents and the closed loop, for dispatchers and, scoped to their
department, for department operators. Data arrives through callbacks/dispatch*.py."""
import dash
import flask

from dashboard.i18n import t
from dashboard.services import basemap   # the tile archive in force, else tile_url (issue 15)
from dashboard.web.context import identity, services
from dashboard.web.lang import current_lang
from layouts import dispatch
from layouts.geo import city_bounds, districts_geojson


def title(**_path) -> str:
    return f"{t('disp.title', current_lang())} · CityOps"


dash.register_page(__name__, path="/dispatch", name="Dispatch", title=title, nav_key="nav.dispatch", order=1)


def layout(lang: str | None = None, incident: str | None = None, **_query):
    svc = services()
    who = identity()   # the request's signed-in person (the server already checked the role)
    city = svc.city    # reference data in memory, no IO
    remembered = flask.request.cookies.get(dispatch.VIEW_COOKIE) if flask.has_request_context() else None
    return dispatch.page(current_lang(lang), city, districts_geojson(city), city_bounds(city), svc.settings.timezone,
                         basemap.tile_url(svc), who.username if who else "", who.role if who else "",
                         who.department if who else None, remembered, dispatch.incident_arg(incident))
