"""Feeds (数据接入): each source system's health and the dead letters. Data arrives through
callbacks/feeds.py."""
import dash

from dashboard.i18n import t
from dashboard.web.context import services
from dashboard.web.lang import current_lang
from layouts import feeds


def title(**_path) -> str:
    return f"{t('feeds.title', current_lang())} · CityOps"


dash.register_page(__name__, path="/feeds", name="Feeds", title=title, nav_key="nav.feeds", order=40)


def layout(lang: str | None = None, **_query):
    return feeds.page(current_lang(lang), services().settings.timezone)
