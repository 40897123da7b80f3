"""Dispatching by itself (自动派遣设置): which categories CityOps may dispatch without a dispatcher, at
which target precision, with what the model measured. Admins only. Rows arrive through
callbacks/suggest_admin.py."""
import dash

from dashboard.i18n import t
from dashboard.web.lang import current_lang
from layouts import suggest_admin


def title(**_path) -> str:
    return f"{t('sugadm.title', current_lang())} · CityOps"


dash.register_page(__name__, path="/admin/suggestions", name="Dispatching by itself", title=title,
                   nav_key="nav.suggest_admin", order=92)


def layout(lang: str | None = None, **_query):
    return suggest_admin.page(current_lang(lang))
