"""Unknown paths inside the app (Dash Pages answers them with this layout; the server sends status 404):
what happened, in the person's language, inside the app's frame, with a way back."""
import dash

from dashboard.web.context import identity
from dashboard.web.lang import current_lang
from layouts.errors import error_page

dash.register_page(__name__, path="/404", title="404 · CityOps")


def layout(lang: str | None = None, **_query):
    who = identity()
    return error_page(404, current_lang(lang), _path(), who.role if who else None)


def _path() -> str:
    import flask
    if not flask.has_request_context():
        return ""
    body = flask.request.get_json(silent=True) or {}
    for item in body.get("inputs") or []:
        if isinstance(item, dict) and item.get("id") == "_pages_location" and item.get("property") == "pathname":
            return str(item.get("value") or "")
    return flask.request.path
