"""Who really owns a problem in the demo city, where the routing rules (category + district) do not
say: street lights on the avenues and expressways belong to the city's lighting office, waterlogging
in underpasses and on expressways to the water group, an illegal discharge into a river to the ecology
bureau, mud from a named construction site to the housing bureau, a collapse with a gas smell or a
cavity to the emergency bureau. Dispatchers learn it the hard way: a case sent by the rule comes back
as 权属不清 / 属地不符 and goes to the owner. A model learning from closed cases can pick it up from the
text and the place; the rules cannot.
"""
from __future__ import annotations

from dashboard.domain.city import Department

from .departments import responsible

# (category, words in the road or the text, the owner)
EXCEPTIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("0102", ("大道", "快速路"), "lighting"),
    ("0503", ("快速路", "下穿", "隧道", "地道"), "water"),
    ("1103", ("排污口", "偷排", "污水", "油"), "ecology"),
    ("0702", ("工地", "没有冲洗", "车斗没盖"), "housing"),
    ("0901", ("空洞", "掉进去"), "emergency"),
)


def owner(departments: tuple[Department, ...], code: str, district: str | None, road: str, text: str) -> Department | None:
    """The department that finally closes such a case."""
    by_code = {d.code: d for d in departments}
    for category, words, department in EXCEPTIONS:
        if category == code and department in by_code and by_code[department].answers_for(code, district) \
                and any(w in road or w in text for w in words):
            return by_code[department]
    return responsible(departments, code, district)
