"""The video wall (大屏): the whole city at a glance, full screen, rotating scenes. Opened by a kiosk
link (?kiosk=<token>, role "wall") or by staff; ?lang=, ?scenes=, ?dwell=, ?grid= and ?live=poll
override the settings. Data arrives through callbacks/wall.py."""
import dash

from dashboard.i18n import t
from dashboard.services import basemap   # the tile archive in force, else tile_url (issue 15)
from dashboard.web.context import services
from dashboard.web.lang import current_lang
from dashboard.web.wall import current_build
from layouts import wall
from layouts.geo import city_bounds, districts_geojson
from layouts.wall_options import wall_options


def title(**_path) -> str:
    return f"{t('wall.title', current_lang())} · CityOps"


dash.register_page(__name__, path="/wall", name="Wall", title=title, order=90)


def layout(lang: str | None = None, scenes: str | None = None, dwell: str | None = None, grid: str | None = None,
           live: str | None = None, **_query):
    svc = services()
    city = svc.city   # reference data in memory, no IO
    lang = current_lang(lang)
    options = wall_options(svc.settings, scenes=scenes, dwell=dwell, grid=grid, live=live)
    return wall.page(lang, city.name(lang), districts_geojson(city), city_bounds(city), svc.settings.timezone,
                     options, current_build(), svc.settings.stale_after_seconds, basemap.tile_url(svc))
