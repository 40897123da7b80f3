"""Webhooks (推送订阅): registered webhooks and their delivery history. Read-only; admins only.
Rows arrive through callbacks/webhooks.py."""
import dash

from dashboard.i18n import t
from dashboard.web.lang import current_lang
from layouts import webhooks


def title(**_path) -> str:
    return f"{t('hooks.title', current_lang())} · CityOps"


dash.register_page(__name__, path="/admin/webhooks", name="Webhooks", title=title, nav_key="nav.webhooks", order=95)


def layout(lang: str | None = None, **_query):
    return webhooks.page(current_lang(lang))
