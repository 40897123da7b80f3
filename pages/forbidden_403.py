"""A page this person's role may not open: the server sends status 403 and points the router here, so the
answer is in the person's language, inside the app's frame, with a way back (never a bare text)."""
import dash
import flask

from dashboard.web.context import identity
from dashboard.web.lang import current_lang
from layouts.errors import error_page

dash.register_page(__name__, path="/403", title="403 · CityOps")


def layout(lang: str | None = None, **_query):
    who = identity()
    path = str(flask.g.get("routed_from") or "") if flask.has_request_context() else ""
    return error_page(403, current_lang(lang), path, who.role if who else None)
