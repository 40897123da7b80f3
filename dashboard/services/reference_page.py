"""What the city reference page shows (admins and dispatchers, read-only): the city in force as
dashboard.services.reference reads it, each routing rule with its explanation, the 处置时限 in force
per category and priority, the working calendar's merged years (the built-in default under the
city's own years) and the import history. Nothing here writes: the package is the source of truth."""
from __future__ import annotations

from typing import Any

from dashboard.domain import deadlines, routing
from dashboard.domain.identity import Identity
from dashboard.domain.permissions import PAGES

from . import deadline_rules, open_data, reference
from .container import Services

PAGE = "/reference"


class NotAllowed(Exception):
    """The asker may not read the reference page."""


def _limit(limit: deadlines.TimeLimit) -> dict[str, Any]:
    return {"amount": limit.amount, "unit": limit.unit, "text": str(limit)}


def view(services: Services, who: Identity | None) -> dict[str, Any]:
    """Everything the page shows. Refused for anyone the matrix does not let open the page."""
    if who is None or who.role not in PAGES.get(PAGE, frozenset()):
        raise NotAllowed("this page is for admins and dispatchers")
    city = services.city
    data = reference.city_in_force(services)
    for cat in data["categories"]:   # the limits in force: the category's own, the built-in table for the rest
        in_force = deadline_rules.category_limits(city, cat["code"])
        cat["limits_in_force"] = {f"p{p}": _limit(in_force[p]) for p in sorted(in_force)}
    data["routing"] = open_data.routing_rules(services)   # the rules in force, as dispatch reads them
    for rule in data["routing"]:
        rr = routing.RoutingRule(rule["category"], rule["district"], rule["department"], rule["auto_dispatch"],
                                 rule["is_group"])
        rule["why_zh"] = routing.explain(rr, rule["category"], rule["district"], "zh-CN")
        rule["why_en"] = routing.explain(rr, rule["category"], rule["district"], "en")
    calendar = deadline_rules.city_calendar(city)
    own = {y["year"] for y in data["calendar"]}
    data["calendar_in_force"] = [
        {"year": y.year, "status": y.status, "source": y.source, "from_package": y.year in own,
         "holidays": [[d.isoformat(), n] for d, n in y.holidays],
         "workdays": [[d.isoformat(), n] for d, n in y.workdays]}
        for y in sorted(calendar.years, key=lambda y: y.year)]
    data["working_periods"] = [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in calendar.working_periods]
    data["history"] = reference.import_history(services)
    return data
