"""Operations (运行总览): the live city picture. Data arrives through callbacks/operations.py."""
import dash

from dashboard.i18n import t
from dashboard.services import basemap   # the tile archive in force, else tile_url (issue 15)
from dashboard.web.context import identity, services
from dashboard.web.lang import current_lang
from layouts import operations
from layouts.geo import city_bounds, districts_geojson


def title(**_path) -> str:
    return f"{t('ops.title', current_lang())} · CityOps"


dash.register_page(__name__, path="/", name="Operations", title=title, nav_key="nav.operations", order=0)


def layout(lang: str | None = None, **_query):
    svc = services()
    city = svc.city   # reference data in memory, no IO
    who = identity()
    department = None
    if who is not None and who.role == "operator":   # the operator's scope, said on the page
        dept = next((d for d in city.departments if d.code == who.department), None)
        department = dept.name(current_lang(lang)) if dept else (who.department or "")
    return operations.page(current_lang(lang), districts_geojson(city), city_bounds(city),
                           svc.settings.timezone, basemap.tile_url(svc), department)
