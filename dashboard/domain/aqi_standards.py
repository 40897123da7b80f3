"""The AQI standards CityOps speaks, as data: breakpoint tables per pollutant and averaging period,
how concentrations and indexes are rounded, the categories, and the primary-pollutant rule.
dashboard.domain.aqi computes with them. Pure.

Each table below is copied from the standard's own text:

* hj633-2026 — HJ 633—2026《环境空气质量指数（AQI）技术规定》, Ministry of Ecology and
  Environment, issued 2026-02-14, in force 2026-03-01, replacing HJ 633—2012 (the official electronic
  edition, 生态环境部环境标准研究所审校排版). Table 3 (breakpoints, notes a–c), 4.2.2–4.2.6 (reports,
  GB/T 8170 rounding of concentrations, ceiling of indexes), 4.3.1 (primary pollutant), Table 1 and
  Appendix A (categories and colours), 4.1.1 (the AQI runs from 1 to 500), 5.3.1 (a pollutant whose
  concentration is missing or invalid has its sub-index reported as NA and takes no part).
* hj633-2012 — HJ 633—2012《环境空气质量指数（AQI）技术规定（试行）》. Table 1 and its notes
  (1)–(3), 4.2 (formula), Table 2 and Appendix A (categories, colours), 4.4.2 (primary and
  exceeding pollutants), 5.1.2–5.1.3 (daily and real-time indicators), 6.2 (indexes rounded up).
* us-epa-2024 — EPA-454/B-24-002, Technical Assistance Document for the Reporting of Daily Air
  Quality – the Air Quality Index (AQI), May 2024: Section IV steps 1–4 (truncation, Equation 1,
  rounding to the nearest integer), Table 6 and its notes 1–4, the SO2 and O3 rules, Tables 1–2.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from .air_units import MG_M3, PPB, PPM, UG_M3

# How a rule beyond a table's last breakpoint (or for a pollutant note) decides the sub-index.
CAP, EXTRAPOLATE, FIXED, USE = "cap", "extrapolate", "fixed", "use"


@dataclass(frozen=True)
class Segment:
    """Concentrations c_lo…c_hi map linearly onto indexes i_lo…i_hi (Equation 1 / 式（1）)."""
    c_lo: Fraction
    c_hi: Fraction
    i_lo: int
    i_hi: int


@dataclass(frozen=True)
class Above:
    """What a concentration above the table's last breakpoint gives.

    cap: the top index of the table · extrapolate: Equation 1 on the last segment, past its top ·
    fixed: `value` · use: the sub-index of the key `use` (computed on its own table); when that is
    not available, `value` if set, else no sub-index."""
    rule: str
    value: int | None = None
    use: str | None = None
    why: str = ""


@dataclass(frozen=True)
class Table:
    key: str                     # pollutant_period: "pm25_24h", "o3_8h"
    pollutant: str
    period: str                  # "1h", "8h", "24h"
    unit: str                    # the unit the breakpoints are in
    segments: tuple[Segment, ...]
    above: Above
    decimals: int | None = None  # precision the standard rounds/truncates the concentration to

    @property
    def bottom(self) -> Fraction:
        return self.segments[0].c_lo

    @property
    def top(self) -> Fraction:
        return self.segments[-1].c_hi


@dataclass(frozen=True)
class Category:
    level: str       # CityOps key: excellent … severe (HJ), good … hazardous (EPA)
    upper: int | None  # highest AQI in the category; None for the open top one
    name_zh: str
    name_en: str
    colour: str      # RGB as the standard's colour table gives it


@dataclass(frozen=True)
class Report:
    """One kind of release (日报 daily, 实时报 real-time): the indicators whose sub-indexes make the
    AQI, and extra keys a rule may consult without them counting on their own."""
    name: str
    indicators: tuple[str, ...]
    auxiliary: tuple[str, ...] = ()


@dataclass(frozen=True)
class Standard:
    name: str
    title: str
    tables: dict[str, Table]
    reports: tuple[Report, ...]
    plain: dict[str, str]          # bare pollutant name → the key it means (the real-time convention)
    plain_doc: str
    concentration_rounding: str | None   # "gbt8170" (round half to even), "truncate", or None
    index_rounding: str                  # "ceil" or "half_up"
    categories: tuple[Category, ...]
    primary_above: int | None            # primary pollutant only when AQI > this; None: always
    exceeding_above: int | None = None   # 超标污染物: IAQI > this (HJ 633-2012 only)
    # a missing or invalid concentration's sub-index is reported as NA and left out (HJ 633-2026 5.3.1)
    missing_as_na: bool = False
    source: str = ""
    notes: tuple[str, ...] = field(default=())

    def category(self, aqi: int | None) -> Category | None:
        if aqi is None:
            return None
        for c in self.categories:
            if c.upper is None or aqi <= c.upper:
                return c
        return self.categories[-1]


def _table(key: str, unit: str, concentrations: tuple, indexes: tuple, above: Above,
           decimals: int | None = None, contiguous: bool = True) -> Table:
    """contiguous: breakpoints shared by neighbouring segments (HJ: 0, 35, 75 …); otherwise pairs
    (EPA: (0.0, 9.0), (9.1, 35.4) …) with indexes as pairs too."""
    pollutant, period = key.split("_")
    if contiguous:
        c = [Fraction(x) for x in concentrations]
        segs = tuple(Segment(c[k - 1], c[k], indexes[k - 1], indexes[k]) for k in range(1, len(c)))
    else:
        segs = tuple(Segment(Fraction(lo), Fraction(hi), ilo, ihi)
                     for (lo, hi), (ilo, ihi) in zip(concentrations, indexes))
    return Table(key, pollutant, period, unit, segs, above, decimals)


# --------------------------------------------------------------------------------------------
# HJ 633—2026, Table 3 空气质量分指数及对应的污染物项目浓度限值
# --------------------------------------------------------------------------------------------
_HJ_STEPS = (0, 50, 100, 150, 200, 300, 400, 500)
_HJ_CATEGORIES = (   # HJ 633 Table 1 (2026) / Table 2 (2012); colours from Appendix A Table A.1
    Category("excellent", 50, "优", "Excellent", "#00E400"),
    Category("good", 100, "良", "Good", "#FFFF00"),
    Category("light", 150, "轻度污染", "Lightly polluted", "#FF7E00"),
    Category("moderate", 200, "中度污染", "Moderately polluted", "#FF0000"),
    Category("heavy", 300, "重度污染", "Heavily polluted", "#99004C"),
    Category("severe", None, "严重污染", "Severely polluted", "#7E0023"),
)
_CAP_500 = Above(CAP, why="the AQI runs from 1 to 500 (HJ 633-2026 4.1.1)")

_HJ2026_ROWS = {   # key: (unit, breakpoints at IAQI 0, 50, 100, 150, 200, 300, 400, 500)
    "so2_24h": (UG_M3, (0, 50, 150, 475, 800, 1600, 2100, 2620)),
    "so2_1h": (UG_M3, (0, 150, 500, 650, 800)),
    "no2_24h": (UG_M3, (0, 40, 80, 180, 280, 565, 750, 940)),
    "no2_1h": (UG_M3, (0, 100, 200, 700, 1200, 2340, 3090, 3840)),
    "co_24h": (MG_M3, ("0", "2", "4", "14", "24", "36", "48", "60")),
    "co_1h": (MG_M3, ("0", "5", "10", "35", "60", "90", "120", "150")),
    "o3_8h": (UG_M3, (0, 100, 160, 215, 265, 800)),
    "o3_1h": (UG_M3, (0, 160, 200, 300, 400, 800, 1000, 1200)),
    "pm10_24h": (UG_M3, (0, 50, 120, 250, 350, 420, 500, 600)),
    "pm25_24h": (UG_M3, (0, 35, 60, 115, 150, 250, 350, 500)),
}
_HJ2026_ABOVE = {
    "so2_1h": Above(FIXED, 200, why="SO2 1-hour above 800 µg/m³ counts as IAQI 200 (HJ 633-2026 Table 3 note b)"),
    "o3_8h": Above(FIXED, 300, why="O3 8-hour above 800 µg/m³ counts as IAQI 300 (HJ 633-2026 Table 3 note c)"),
}


def _hj2026_tables() -> dict[str, Table]:
    tables = {}
    for key, (unit, bps) in _HJ2026_ROWS.items():
        decimals = 1 if unit == MG_M3 else 0   # 4.2.2: µg/m³ to integers, CO mg/m³ to one decimal
        tables[key] = _table(key, unit, bps, _HJ_STEPS, _HJ2026_ABOVE.get(key, _CAP_500), decimals)
    for pm in ("pm10", "pm25"):   # 式（1）: PM 1-hour averages use the daily-average breakpoints
        daily = tables[f"{pm}_24h"]
        tables[f"{pm}_1h"] = Table(f"{pm}_1h", pm, "1h", daily.unit, daily.segments, daily.above, daily.decimals)
    return tables


HJ633_2026 = Standard(
    name="hj633-2026",
    title="HJ 633—2026 环境空气质量指数（AQI）技术规定 / Technical specifications on ambient air quality index",
    tables=_hj2026_tables(),
    reports=(
        # 4.2.3 实时报: the six 1-hour averages
        Report("real-time", ("so2_1h", "no2_1h", "co_1h", "o3_1h", "pm10_1h", "pm25_1h")),
        # 4.2.2 日报: SO2, NO2, CO, PM10, PM2.5 daily averages and the O3 daily maximum 8-hour average
        Report("daily", ("so2_24h", "no2_24h", "co_24h", "pm10_24h", "pm25_24h", "o3_8h")),
    ),
    plain={p: f"{p}_1h" for p in ("pm25", "pm10", "o3", "no2", "so2", "co")},
    plain_doc="a bare pollutant name is its 1-hour average (实时报, 4.2.3); PM uses the daily-average breakpoints",
    concentration_rounding="gbt8170", index_rounding="ceil",
    categories=_HJ_CATEGORIES, primary_above=50, missing_as_na=True,
    source="HJ 633—2026 (MEE, issued 2026-02-14, in force 2026-03-01)",
    notes=("the AQI's top is 500 (4.1.1): concentrations above a table's last breakpoint count as 500",),
)


# --------------------------------------------------------------------------------------------
# HJ 633—2012, Table 1 空气质量分指数及对应的污染物项目浓度限值
# --------------------------------------------------------------------------------------------
_HJ2012_ROWS = {
    "so2_24h": (UG_M3, (0, 50, 150, 475, 800, 1600, 2100, 2620)),
    "so2_1h": (UG_M3, (0, 150, 500, 650, 800)),
    "no2_24h": (UG_M3, (0, 40, 80, 180, 280, 565, 750, 940)),
    "no2_1h": (UG_M3, (0, 100, 200, 700, 1200, 2340, 3090, 3840)),
    "pm10_24h": (UG_M3, (0, 50, 150, 250, 350, 420, 500, 600)),
    "co_24h": (MG_M3, ("0", "2", "4", "14", "24", "36", "48", "60")),
    "co_1h": (MG_M3, ("0", "5", "10", "35", "60", "90", "120", "150")),
    "o3_1h": (UG_M3, (0, 160, 200, 300, 400, 800, 1000, 1200)),
    "o3_8h": (UG_M3, (0, 100, 160, 215, 265, 800)),
    "pm25_24h": (UG_M3, (0, 35, 75, 115, 150, 250, 350, 500)),
}
_CAP_2012 = Above(CAP, why="HJ 633-2012 gives no rule above its tables; CityOps reports the top of the scale, 500")
_HJ2012_ABOVE = {
    "so2_1h": Above(USE, use="so2_24h", why="SO2 1-hour above 800 µg/m³: the sub-index is the one of the 24-hour "
                                            "average (HJ 633-2012 Table 1 note 2)"),
    "o3_8h": Above(USE, use="o3_1h", why="O3 8-hour above 800 µg/m³: the sub-index is the one of the 1-hour "
                                         "average (HJ 633-2012 Table 1 note 3)"),
}


def _hj2012_tables() -> dict[str, Table]:
    tables = {key: _table(key, unit, bps, _HJ_STEPS, _HJ2012_ABOVE.get(key, _CAP_2012))
              for key, (unit, bps) in _HJ2012_ROWS.items()}
    for pm in ("pm10", "pm25"):   # Table 1 has only 24-hour PM rows; the 1-hour PM of 实时报 is indexed on them
        daily = tables[f"{pm}_24h"]
        tables[f"{pm}_1h"] = Table(f"{pm}_1h", pm, "1h", daily.unit, daily.segments, daily.above)
    return tables


HJ633_2012 = Standard(
    name="hj633-2012",
    title="HJ 633—2012 环境空气质量指数（AQI）技术规定（试行） / Technical Regulation on Ambient Air Quality Index (on trial)",
    tables=_hj2012_tables(),
    reports=(
        # 5.1.3 实时报: six 1-hour averages, O3 8-hour moving average, PM10/PM2.5 24-hour moving averages
        Report("real-time", ("so2_1h", "no2_1h", "o3_1h", "co_1h", "pm10_1h", "pm25_1h", "o3_8h",
                             "pm10_24h", "pm25_24h"), auxiliary=("so2_24h",)),
        # 5.1.2 日报: five 24-hour averages, O3 daily maximum 1-hour and maximum 8-hour moving average
        Report("daily", ("so2_24h", "no2_24h", "pm10_24h", "pm25_24h", "co_24h", "o3_1h", "o3_8h")),
    ),
    plain={p: f"{p}_1h" for p in ("pm25", "pm10", "o3", "no2", "so2", "co")},
    plain_doc="a bare pollutant name is its 1-hour average (实时报, 5.1.3); PM uses the 24-hour breakpoints",
    concentration_rounding=None, index_rounding="ceil",
    categories=_HJ_CATEGORIES, primary_above=50, exceeding_above=100,
    source="HJ 633—2012 (MEP, issued 2012-02-29, in force 2016-01-01; replaced by HJ 633—2026 on 2026-03-01)",
    notes=("the text gives no rule above a table's last breakpoint; CityOps reports 500",),
)


# --------------------------------------------------------------------------------------------
# US EPA, Technical Assistance Document EPA-454/B-24-002 (May 2024), Table 6 Breakpoints for the AQI
# --------------------------------------------------------------------------------------------
_EPA_STEPS = ((0, 50), (51, 100), (101, 150), (151, 200), (201, 300), (301, 500))
_EXTRAPOLATE = Above(EXTRAPOLATE, why="above the AQI value of 500, Equation 1 goes on with the hazardous "
                                      "breakpoints (Table 6 note 4)")


def _epa(key, unit, pairs, decimals, above=_EXTRAPOLATE, steps=_EPA_STEPS) -> Table:
    return _table(key, unit, pairs, steps, above, decimals, contiguous=False)


def _epa_tables() -> dict[str, Table]:
    t = [
        _epa("o3_8h", PPM, (("0.000", "0.054"), ("0.055", "0.070"), ("0.071", "0.085"), ("0.086", "0.105"),
                            ("0.106", "0.200")), 3,
             Above(USE, use="o3_1h", why="8-hour O3 above 0.200 ppm does not define the AQI; 1-hour O3 does "
                                         "(Table 6 note 2)"), steps=_EPA_STEPS[:5]),
        # 1-hour O3 starts at 0.125 ppm (AQI 101): below it the table is blank and the value is disregarded
        _epa("o3_1h", PPM, (("0.125", "0.164"), ("0.165", "0.204"), ("0.205", "0.404"), ("0.405", "0.604")), 3,
             steps=_EPA_STEPS[2:]),
        _epa("pm25_24h", UG_M3, (("0.0", "9.0"), ("9.1", "35.4"), ("35.5", "55.4"), ("55.5", "125.4"),
                                 ("125.5", "225.4"), ("225.5", "325.4")), 1),
        _epa("pm10_24h", UG_M3, ((0, 54), (55, 154), (155, 254), (255, 354), (355, 424), (425, 604)), 0),
        _epa("co_8h", PPM, (("0.0", "4.4"), ("4.5", "9.4"), ("9.5", "12.4"), ("12.5", "15.4"), ("15.5", "30.4"),
                            ("30.5", "50.4")), 1),
        # 1-hour SO2 defines AQI values up to 200; at or above 305 ppb the 24-hour average decides, and
        # when that is below 305 ppb (or not given) the AQI is 200 exactly (Table 6 note 3, "Calculating
        # AQI values for SO2")
        _epa("so2_1h", PPB, ((0, 35), (36, 75), (76, 185), (186, 304)), 0,
             Above(USE, 200, use="so2_24h", why="1-hour SO2 at or above 305 ppb: the 24-hour average decides, "
                                                "else the AQI is 200 (TAD, Calculating AQI values for SO2)"),
             steps=_EPA_STEPS[:4]),
        _epa("so2_24h", PPB, ((305, 604), (605, 1004)), 0, steps=_EPA_STEPS[4:]),
        _epa("no2_1h", PPB, ((0, 53), (54, 100), (101, 360), (361, 649), (650, 1249), (1250, 2049)), 0),
    ]
    return {table.key: table for table in t}


US_EPA_2024 = Standard(
    name="us-epa-2024",
    title="US EPA AQI, Technical Assistance Document EPA-454/B-24-002 (May 2024)",
    tables=_epa_tables(),
    reports=(Report("daily", ("o3_8h", "o3_1h", "pm25_24h", "pm10_24h", "co_8h", "so2_1h", "so2_24h", "no2_1h")),),
    plain={"pm25": "pm25_24h", "pm10": "pm10_24h", "o3": "o3_8h", "co": "co_8h", "so2": "so2_1h", "no2": "no2_1h"},
    plain_doc=("a bare pollutant name is the value AirNow's current AQI uses: the NowCast of PM2.5, PM10 and O3 "
               "(on the 24-hour and 8-hour breakpoints), CO on the 8-hour, SO2 and NO2 on the 1-hour "
               "breakpoints; CityOps does not average, the source's value is taken as that concentration"),
    concentration_rounding="truncate", index_rounding="half_up",
    categories=(   # TAD Table 1 (names) and Table 2 (standard colours)
        Category("epa_good", 50, "良好", "Good", "#00E400"),
        Category("epa_moderate", 100, "中等", "Moderate", "#FFFF00"),
        Category("epa_usg", 150, "对敏感人群不健康", "Unhealthy for Sensitive Groups", "#FF7E00"),
        Category("epa_unhealthy", 200, "不健康", "Unhealthy", "#FF0000"),
        Category("epa_very_unhealthy", 300, "非常不健康", "Very Unhealthy", "#8F3F97"),
        Category("epa_hazardous", None, "危险", "Hazardous", "#7E0023"),
    ),
    primary_above=None,   # the main pollutant is the one with the highest AQI value, whatever it is
    source="EPA-454/B-24-002, May 2024",
    notes=("ozone: report the higher of the 8-hour and (where calculated) 1-hour index (Table 6 note 1)",),
)


STANDARDS: dict[str, Standard] = {s.name: s for s in (HJ633_2026, HJ633_2012, US_EPA_2024)}
