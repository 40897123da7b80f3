"""Unknown paths inside the app (Dash Pages answers them with this layout)."""
import dash
from dash import dcc, html

from dashboard.i18n import t
from dashboard.web.lang import current_lang

dash.register_page(__name__, path="/404", title="404 · CityOps")


def layout(lang: str | None = None, **_query):
    lang = current_lang(lang)
    return html.Div(className="not-found", children=[
        html.H1(t("page.not_found", lang)),
        dcc.Link(t("page.not_found.back", lang), href="/"),
    ])
