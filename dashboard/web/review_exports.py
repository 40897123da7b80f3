"""The review's take-away and figures over HTTP: /api/v1/review/report.pdf, export.csv, export.xlsx
and figures (JSON). Same arguments as the page's URL (period, first, last, department, category,
district, heat, lang); checked against the permission matrix like every API route."""
from __future__ import annotations

import functools

import flask
from flask import request

from dashboard.domain import permissions
from dashboard.services import evaluation, review_report
from dashboard.services.evaluation import ReviewError

from .context import identity, services
from .lang import current_lang

blueprint = flask.Blueprint("cityops_review", __name__, url_prefix="/api/v1/review")


def _error(status: int, message: str):
    return flask.jsonify({"error": {"status": status, "message": message}}), status


def _guarded(rule: str):
    def decorate(fn):
        @functools.wraps(fn)
        def view():
            who = identity()
            if who is None:
                return _error(401, "sign in or send 'Authorization: Bearer <token>'")
            if not permissions.may_call_api(who.role, "GET", rule):
                return _error(403, f"a {who.role} may not GET {rule}")
            try:
                query = evaluation.parse_query(request.args.to_dict(flat=True))
                _known_codes(query)
                return fn(who, query, current_lang())
            except ReviewError as exc:
                return _error(422, str(exc))
        blueprint.add_url_rule(rule.removeprefix("/api/v1/review"), endpoint=rule.replace(".", "_"),
                               view_func=view, methods=["GET"])
        return view
    return decorate


def _known_codes(query) -> None:
    """A code the city does not have is refused, never echoed into a report (issue 17)."""
    city = services().city
    lookup = {"department": city.department, "district": city.district, "category": city.find_category}
    for dimension, code in query.filters:
        find = lookup.get(dimension)
        if find is not None and find(code) is None:
            raise ReviewError(f"unknown {dimension} {code[:40]!r}")
    if query.category and city.find_category(query.category) is None:
        raise ReviewError(f"unknown category {query.category[:40]!r}")


def _download(body: bytes, mimetype: str, name: str) -> flask.Response:
    response = flask.Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@_guarded("/api/v1/review/figures")
def figures(who, query, lang):
    return flask.jsonify(evaluation.figures(services(), who, query, lang))


@_guarded("/api/v1/review/report.pdf")
def report_pdf(who, query, lang):
    data = review_report.report_data(services(), who, query, lang)
    return _download(review_report.pdf_bytes(data), "application/pdf", review_report.filename(data, "pdf"))


@_guarded("/api/v1/review/export.csv")
def export_csv(who, query, lang):
    data = review_report.report_data(services(), who, query, lang)
    return _download(review_report.csv_bytes(data), "text/csv; charset=utf-8", review_report.filename(data, "csv"))


@_guarded("/api/v1/review/export.xlsx")
def export_xlsx(who, query, lang):
    data = review_report.report_data(services(), who, query, lang)
    return _download(review_report.xlsx_bytes(data),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     review_report.filename(data, "xlsx"))


def register(server: flask.Flask) -> None:
    server.register_blueprint(blueprint)
