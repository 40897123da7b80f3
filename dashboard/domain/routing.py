"""Routing: which department answers for a category in a district."""
from __future__ import annotations

from dataclasses import dataclass

from .city import Department


@dataclass(frozen=True)
class RoutingRule:
    category: str
    district: str | None        # None: every district
    department: str
    auto_dispatch: bool = False


def suggest(rules: list[RoutingRule], category: str, district: str | None) -> RoutingRule | None:
    """The most specific rule: category + district first, then category for the whole city."""
    exact = [r for r in rules if r.category == category and r.district is not None and r.district == district]
    if exact:
        return exact[0]
    citywide = [r for r in rules if r.category == category and r.district is None]
    return citywide[0] if citywide else None


def default_rules(departments: tuple[Department, ...], districts: list[str]) -> list[RoutingRule]:
    """Rules derived from the departments' own categories and districts, most local first."""
    rules: list[RoutingRule] = []
    categories = sorted({c for d in departments for c in d.categories})
    for category in categories:
        for district in districts:
            local = [d for d in departments if category in d.categories and district in d.districts]
            if local:
                rules.append(RoutingRule(category, district, local[0].code))
        citywide = [d for d in departments if category in d.categories and not d.districts]
        if citywide:
            rules.append(RoutingRule(category, None, citywide[0].code))
    return rules
