"""Audit log (审计日志): who did what, when, from where, and why. Read-only; admins only. Entries
arrive through callbacks/audit.py."""
import dash

from dashboard.i18n import t
from dashboard.web.lang import current_lang
from layouts import audit


def title(**_path) -> str:
    return f"{t('audit.title', current_lang())} · CityOps"


dash.register_page(__name__, path="/admin/audit", name="Audit log", title=title, nav_key="nav.audit", order=90)


def layout(lang: str | None = None, **_query):
    return audit.page(current_lang(lang))
