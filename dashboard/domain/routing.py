"""Routing: which department answers for a category in a district, and why.

A rule names a category (its code) or a whole 大类 (`is_group`: the category's group key,
"kind:group_code"), and a district or the whole city (None). The most specific rule wins:
category + district, then category for the whole city, then 大类 + district, then 大类 for the whole city.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from .city import Department


@dataclass(frozen=True)
class RoutingRule:
    category: str               # a category code, or a group key when is_group
    district: str | None        # None: every district
    department: str
    auto_dispatch: bool = False
    is_group: bool = False


# (is_group, has a district) in order of precedence, with how each match reads
_ORDER = ((False, True), (False, False), (True, True), (True, False))
_WHY = {
    (False, True): ("类别 {category} 在 {district} 的规则", "the rule for category {category} in district {district}"),
    (False, False): ("类别 {category} 全市的规则", "the city-wide rule for category {category}"),
    (True, True): ("大类 {group} 在 {district} 的规则", "the rule for the whole class {group} in district {district}"),
    (True, False): ("大类 {group} 全市的规则", "the city-wide rule for the whole class {group}"),
}


def suggest(rules: Iterable[RoutingRule], category: str, district: str | None,
            group: str | None = None) -> RoutingRule | None:
    """The most specific rule for a category (and its group key, when known) in a district."""
    rules = list(rules)
    for is_group, with_district in _ORDER:
        key = group if is_group else category
        if key is None:
            continue
        for r in rules:
            if r.is_group == is_group and r.category == key and (
                    (r.district is not None and r.district == district) if with_district else r.district is None):
                return r
    return None


def explain(rule: RoutingRule | None, category: str, district: str | None, lang: str = "en") -> str:
    """Why this department? One sentence a dispatcher can read."""
    zh = lang.startswith("zh")
    if rule is None:
        return (f"没有规则覆盖类别 {category}" + (f"（{district}）" if district else "") + "：请人工派遣"
                if zh else f"no routing rule covers category {category}"
                + (f" in district {district}" if district else "") + ": dispatch by hand")
    text = _WHY[(rule.is_group, rule.district is not None)][0 if zh else 1].format(
        category=category, district=rule.district, group=rule.category.split(":", 1)[-1])
    auto = ("，自动派遣" if zh else ", dispatched automatically") if rule.auto_dispatch else ""
    return f"{rule.department}：{text}{auto}" if zh else f"{rule.department}: {text}{auto}"


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
