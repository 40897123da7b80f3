"""City reference (城市基础数据): the city package in force, read-only — the package is the source of
truth, changed with `cityops city import`. Sections are filled through callbacks/reference.py."""
import dash

from dashboard.i18n import t
from dashboard.services import basemap
from dashboard.web.context import services
from dashboard.web.lang import current_lang
from layouts import reference
from layouts.geo import city_bounds, districts_geojson


def title(**_path) -> str:
    return f"{t('ref.title', current_lang())} · CityOps"


dash.register_page(__name__, path="/reference", name="City reference", title=title, nav_key="nav.reference",
                   order=85)


def layout(lang: str | None = None, **_query):
    svc = services()
    city = svc.city   # reference data in memory, no IO
    return reference.page(current_lang(lang), districts_geojson(city), city_bounds(city), svc.settings.timezone,
                          basemap.tile_url(svc))
