"""Field work (外勤) on a phone: inspectors report and check fixes (核查), crews work their tasks.
The frame is declared here; assets/field.js draws it from the field API and queues offline."""
import dash

from dashboard.i18n import t
from dashboard.web.context import identity, services
from dashboard.web.lang import current_lang
from layouts import field


def title(**_path) -> str:
    return f"{t('fld.title', current_lang())} · CityOps"


dash.register_page(__name__, path="/field", name="Field", title=title, nav_key="nav.field", order=25)


def layout(lang: str | None = None, **_query):
    who = identity()
    lang = current_lang(lang)
    return field.page(lang, who.role, who.username, services().settings.timezone) if who else field.not_for_role(lang)
