"""The demo city's departments: city-wide bureaus and companies, and one city-management bureau
(城市管理局) per district. Together they answer for every category in every district."""
from __future__ import annotations

from dashboard.demo.taxonomy import DEMO_CATEGORIES as CATEGORIES
from dashboard.domain.city import Department, District

CITY_WIDE = (
    ("water", "澜海市水务集团", "Lanhai Water Group", ("0104", "0503", "1103")),
    ("fire", "澜海市消防救援支队", "Lanhai Fire and Rescue Detachment", ("0103", "1202")),
    ("traffic-police", "澜海市公安局交通警察支队", "Lanhai Traffic Police Detachment",
     ("0201", "0202", "0203", "0802", "1001", "1002")),
    ("transport", "澜海市交通运输局", "Lanhai Transport Bureau", ("0204", "1001")),
    ("lighting", "澜海市路灯管理处", "Lanhai Street Lighting Office", ("0102",)),
    ("greenery", "澜海市园林绿化局", "Lanhai Parks and Greenery Bureau", ("0401", "0402")),
    ("housing", "澜海市住房和城乡建设局", "Lanhai Housing and Construction Bureau", ("0701", "0702", "0901")),
    ("gas", "澜海市燃气集团", "Lanhai Gas Group", ("0902",)),
    ("ecology", "澜海市生态环境局", "Lanhai Ecology and Environment Bureau", ("1101", "1102", "1103")),
    ("emergency", "澜海市应急管理局", "Lanhai Emergency Management Bureau", ("0901", "1201", "1203")),
    ("weather", "澜海市气象局", "Lanhai Meteorological Bureau", ("1201",)),
)

# What a district's city-management bureau (数字城管) answers for; it also takes whatever no other
# department does ("other problems", and any category added to the taxonomy later).
DISTRICT_CITY_MANAGEMENT = ("0101", "0102", "0301", "0302", "0501", "0502", "0503", "0601", "0602",
                            "0702", "0801", "0803", "0999")


def build_departments(districts: tuple[District, ...]) -> tuple[Department, ...]:
    wide = [Department(code, zh, en, cats, level="市级") for code, zh, en, cats in CITY_WIDE]
    covered = {c for d in wide for c in d.categories} | set(DISTRICT_CITY_MANAGEMENT)
    local_categories = DISTRICT_CITY_MANAGEMENT + tuple(c.code for c in CATEGORIES if c.code not in covered)
    local = [
        Department(f"cg-{d.code.lower()}", f"{d.name_zh}城市管理局", f"{d.name_en} District City Management Bureau",
                   local_categories, (d.code,), level="区级")
        for d in districts
    ]
    return tuple(wide + local)


def responsible(departments: tuple[Department, ...], code: str, district: str | None) -> Department | None:
    """The department a report goes to: a district's own department first, then a city-wide one."""
    candidates = [d for d in departments if d.answers_for(code, district)]
    candidates.sort(key=lambda d: 0 if d.districts else 1)
    return candidates[0] if candidates else None
