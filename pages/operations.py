"""Operations (运行总览): the live city picture. Data arrives through callbacks/operations.py."""
import dash

from dashboard.i18n import t
from dashboard.web.context import services
from dashboard.web.lang import current_lang
from layouts import operations
from layouts.geo import city_bounds, districts_geojson


def title(**_path) -> str:
    return f"{t('ops.title', current_lang())} · CityOps"


dash.register_page(__name__, path="/", name="Operations", title=title, nav_key="nav.operations", order=0)


def layout(lang: str | None = None, **_query):
    svc = services()
    city = svc.city   # reference data in memory, no IO
    return operations.page(current_lang(lang), districts_geojson(city), city_bounds(city),
                           svc.settings.timezone, svc.settings.tile_url)
