"""Review (综合评价): leaders' review of departments, trends, hot spots, replay and take-away. Data
arrives through callbacks/review.py."""
import dash

from dashboard.i18n import t
from dashboard.web.context import services
from dashboard.web.lang import current_lang
from layouts import review
from layouts.geo import city_bounds, districts_geojson


def title(**_path) -> str:
    return f"{t('rev.title', current_lang())} · CityOps"


dash.register_page(__name__, path="/review", name="Review", title=title, nav_key="nav.review", order=20)


def layout(lang: str | None = None, period: str | None = None, **_query):
    svc = services()
    city = svc.city   # reference data in memory, no IO
    lang = current_lang(lang)
    return review.page(lang, districts_geojson(city), city_bounds(city), svc.settings.timezone,
                       review.category_options(lang, city), period if period in review.ev.PERIOD_KINDS else "this_month")
