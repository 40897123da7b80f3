"""Air quality index by China's HJ 633-2026 (the default), HJ 633-2012, or the US EPA 2024 method,
each as its text says; the tables and the sources are in aqi_standards. Pure.

Concentrations are keyed pollutant_period — "pm25_24h", "o3_8h", "o3_1h", "so2_1h", "co_8h" — or by
the bare pollutant name ("pm25", "o3" …), which means the standard's real-time convention:

* hj633-2026 and hj633-2012: the 1-hour average (实时报); PM2.5/PM10 1-hour averages are indexed on
  the daily-average breakpoints, as the standards do.
* us-epa-2024: the concentration AirNow's current AQI uses — PM2.5, PM10 on the 24-hour and O3 on
  the 8-hour breakpoints (the NowCast, which the source is expected to have averaged), CO on the
  8-hour, SO2 and NO2 on the 1-hour breakpoints.

A value is a number in µg/m³ (CO: mg/m³), or a (number, unit) pair with unit ug/m3, mg/m3, ppb or
ppm; gases are converted exactly at 25 °C and 1 atm (air_units) into the unit of the standard's
table. Then, as the standard says: HJ 633-2026 rounds concentrations by GB/T 8170 (µg/m³ to
integers, CO to 0.1 mg/m³), EPA truncates them (O3 0.001 ppm, PM2.5 0.1 µg/m³, PM10 1 µg/m³, CO
0.1 ppm, SO2 and NO2 1 ppb), HJ 633-2012 takes them as they are; HJ rounds every index up, EPA
rounds it to the nearest integer.

Which keys go together is the standard's: a request is one report (HJ: 实时报 real-time or 日报
daily; EPA: daily). The AQI is the highest sub-index; the primary pollutant(s) are those with that
sub-index — HJ only when the AQI is above 50, EPA always ("main pollutant").
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Mapping

from . import air_units
from .aqi_standards import (CAP, EXTRAPOLATE, FIXED, HJ633_2012, HJ633_2026, STANDARDS, USE, US_EPA_2024,
                            Category, Report, Segment, Standard, Table)

__all__ = ["AqiError", "AqiResult", "Category", "DEFAULT", "EPA_LEVELS", "HJ633_2012", "HJ633_2026", "LEVELS",
           "POLLUTANTS", "STANDARDS", "Standard", "US_EPA_2024", "category", "compute", "describe_concentration",
           "get_standard", "iaqi", "level", "resolve_key"]

DEFAULT = HJ633_2026.name
POLLUTANTS = ("pm25", "pm10", "o3", "no2", "so2", "co")
UNITS = {"co": "mg/m3"}
LEVELS = ("excellent", "good", "light", "moderate", "heavy", "severe")   # HJ 633: 优 良 轻度 中度 重度 严重
# EPA keys carry a prefix: "good" and "moderate" mean other things under HJ 633.
EPA_LEVELS = ("epa_good", "epa_moderate", "epa_usg", "epa_unhealthy", "epa_very_unhealthy", "epa_hazardous")


class AqiError(ValueError):
    """A request the standard cannot answer: an unknown standard or key, keys of different reports,
    a unit that cannot be converted, or (strict) a value that is not a concentration."""


@dataclass(frozen=True)
class AqiResult:
    aqi: int | None
    sub_indexes: dict[str, int]
    primary: tuple[str, ...]
    level: str | None
    standard: str = ""
    report: str | None = None
    exceeding: tuple[str, ...] = ()           # 超标污染物 (HJ 633-2012 only): IAQI above 100
    concentrations: dict[str, Fraction] = field(default_factory=dict)   # as indexed, in the table's unit
    notes: tuple[str, ...] = ()
    unavailable: tuple[str, ...] = ()         # keys whose sub-index is NA (HJ 633-2026 5.3.1)


def get_standard(standard: str | Standard | None = None) -> Standard:
    if isinstance(standard, Standard):
        return standard
    name = (standard or DEFAULT).strip().lower()
    if name not in STANDARDS:
        raise AqiError(f"unknown AQI standard {standard!r}: use one of {', '.join(STANDARDS)}")
    return STANDARDS[name]


def resolve_key(standard: Standard, key: str) -> str:
    """'pm25' → the standard's real-time key; 'PM2.5_24h' → 'pm25_24h'; AqiError if it has no table."""
    k = str(key).strip().lower().replace("pm2.5", "pm25").replace("pm2_5", "pm25")
    if k in standard.plain:
        return standard.plain[k]
    if k in standard.tables:
        return k
    raise AqiError(f"{standard.name} has no sub-index for {key!r}: use a pollutant "
                   f"({', '.join(standard.plain)}) or one of {', '.join(sorted(standard.tables))}")


def level(aqi: int | None, standard: str | Standard | None = None) -> str | None:
    cat = get_standard(standard).category(aqi)
    return cat.level if cat else None


def iaqi(key: str, concentration: Any, standard: str | Standard | None = None) -> int | None:
    """The sub-index of one concentration on its own (None if it has none: missing, negative, below
    a table that starts higher, or a rule that needs another averaging period)."""
    std = get_standard(standard)
    k = resolve_key(std, key)
    try:
        c = _prepared(std, k, concentration)
    except AqiError:
        return None
    return _sub_index(std, k, {k: c}, [])


def compute(concentrations: Mapping[str, Any], standard: str | Standard | None = None,
            strict: bool = False) -> AqiResult:
    """AQI, sub-indexes, primary pollutant(s) and level of one set of concentrations.

    Values that are None, NaN or negative are left out (noted), or refused when `strict`. Under a
    standard that reports them as NA (HJ 633-2026 5.3.1) they are listed in `unavailable` and
    noted; a missing value (None, NaN) is then NA even when `strict` (the standard's own case), a
    negative one is still refused as a caller's error. Unknown keys, keys of different reports and
    impossible units are always refused (AqiError)."""
    std = get_standard(standard)
    notes: list[str] = []
    conc: dict[str, Fraction] = {}
    unavailable: list[str] = []
    for raw_key, raw in concentrations.items():
        key = resolve_key(std, raw_key)
        if key in conc or key in unavailable:
            raise AqiError(f"{raw_key!r} repeats {key}: give each pollutant and period once")
        try:
            conc[key] = _prepared(std, key, raw)
        except AqiError as exc:
            if isinstance(exc.__cause__, air_units.UnitError) or (strict and not (std.missing_as_na and _missing(raw))):
                raise AqiError(f"{raw_key}: {exc}") from exc.__cause__
            if std.missing_as_na:
                unavailable.append(key)
                notes.append(f"{key}: NA ({exc}): a missing or invalid concentration has no sub-index and takes "
                             f"no part in the AQI or the primary pollutant ({std.name} 5.3.1)")
            else:
                notes.append(f"{key} left out: {exc}")
    if not conc:
        report = _report(std, set(unavailable)).name if unavailable else None
        return AqiResult(None, {}, (), None, std.name, report, notes=tuple(notes), unavailable=tuple(unavailable))
    report = _report(std, set(conc) | set(unavailable))
    subs: dict[str, int] = {}
    for key in report.indicators:
        if key in conc and (v := _sub_index(std, key, conc, notes)) is not None:
            subs[key] = v
    if not subs:
        return AqiResult(None, {}, (), None, std.name, report.name, concentrations=conc,
                         notes=tuple(dict.fromkeys(notes)), unavailable=tuple(unavailable))
    aqi = max(subs.values())
    primary = ()
    if std.primary_above is None or aqi > std.primary_above:
        primary = tuple(sorted({std.tables[k].pollutant for k, v in subs.items() if v == aqi}))
    exceeding = ()
    if std.exceeding_above is not None:
        exceeding = tuple(sorted({std.tables[k].pollutant for k, v in subs.items() if v > std.exceeding_above}))
    return AqiResult(aqi, subs, primary, level(aqi, std), std.name, report.name, exceeding, conc,
                     tuple(dict.fromkeys(notes)), tuple(unavailable))


# -- the steps ------------------------------------------------------------------------------------
def _missing(raw: Any) -> bool:
    value = raw[0] if isinstance(raw, tuple) else raw
    return value is None or (isinstance(value, float) and math.isnan(value))


def _prepared(std: Standard, key: str, raw: Any) -> Fraction:
    """The concentration in the table's unit, rounded or truncated as the standard says."""
    table = std.tables[key]
    value, unit = raw if isinstance(raw, tuple) else (raw, None)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise AqiError("no value")
    try:
        c = air_units.exact(value)
    except (TypeError, ValueError) as exc:
        raise AqiError(f"{value!r} is not a concentration") from exc
    if c < 0:
        raise AqiError(f"{value} is negative")
    try:
        from_unit = air_units.parse_unit(unit) if unit else air_units.default_unit(table.pollutant)
        c = air_units.convert(table.pollutant, c, from_unit, table.unit)
    except air_units.UnitError as exc:
        raise AqiError(str(exc)) from exc
    return _round_concentration(std, table, c)


def _round_concentration(std: Standard, table: Table, c: Fraction) -> Fraction:
    if table.decimals is None or std.concentration_rounding is None:
        return c
    scale = Fraction(10) ** table.decimals
    n = c * scale
    whole = math.floor(n)
    if std.concentration_rounding == "truncate":
        return Fraction(whole) / scale
    # GB/T 8170: above half up, below half down, exactly half to the even neighbour
    rest = n - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2 == 1):
        whole += 1
    return Fraction(whole) / scale


def _report(std: Standard, keys: set[str]) -> Report:
    for report in std.reports:
        if keys <= set(report.indicators):
            return report
    for report in std.reports:
        if keys <= set(report.indicators) | set(report.auxiliary) and keys & set(report.indicators):
            return report
    kinds = "; ".join(f"{r.name}: {', '.join(r.indicators)}" for r in std.reports)
    raise AqiError(f"{', '.join(sorted(keys))} are not one {std.name} report ({kinds})")


def _sub_index(std: Standard, key: str, conc: dict[str, Fraction], notes: list[str]) -> int | None:
    table = std.tables[key]
    c = conc[key]
    if c < table.bottom:
        notes.append(f"{key} below {_fmt(table.bottom)} {air_units.SYMBOLS[table.unit]}: "
                     f"the table is blank there and the value is disregarded")
        return None
    if c <= table.top:
        seg = next(s for s in table.segments if c <= s.c_hi)
        return _round_index(std, _linear(seg, max(c, seg.c_lo)))
    above = table.above
    if above.rule == CAP:
        notes.append(f"{key} above {_fmt(table.top)} {air_units.SYMBOLS[table.unit]}: {above.why}")
        return table.segments[-1].i_hi
    if above.rule == EXTRAPOLATE:
        notes.append(f"{key} above {_fmt(table.top)} {air_units.SYMBOLS[table.unit]}: {above.why}")
        return _round_index(std, _linear(table.segments[-1], c))
    if above.rule == FIXED:
        notes.append(above.why)
        return above.value
    if above.rule == USE:
        other = _sub_index(std, above.use, conc, notes) if above.use in conc else None
        if other is not None:
            notes.append(above.why)
            return other
        if above.value is not None:
            notes.append(f"{above.why}; {above.use} {'is below its table' if above.use in conc else 'not given'}: "
                         f"{key} counts as {above.value}")
            return above.value
        notes.append(f"{above.why}; {above.use} not given, so {key} has no sub-index")
        return None
    raise AssertionError(f"unknown rule {above.rule}")


def _linear(seg: Segment, c: Fraction) -> Fraction:
    """Equation 1 / 式（1）: (I_hi − I_lo) / (BP_hi − BP_lo) × (C − BP_lo) + I_lo, exactly."""
    return Fraction(seg.i_hi - seg.i_lo) / (seg.c_hi - seg.c_lo) * (c - seg.c_lo) + seg.i_lo


def _round_index(std: Standard, x: Fraction) -> int:
    if std.index_rounding == "ceil":        # HJ 633: 全部向上进位取整数
        return math.ceil(x)
    return math.floor(x + Fraction(1, 2))   # EPA: round to the nearest integer (x.5 up)


def _fmt(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else format(float(x), "g")


def describe_concentration(std: Standard, key: str, c: Fraction) -> dict[str, Any]:
    """{"value": "0.078", "unit": "ppm"}: a concentration as indexed — exact where the decimal ends,
    else to six significant digits (a converted value the standard does not round)."""
    table = std.tables[key]
    if table.decimals is not None and std.concentration_rounding is not None:
        text = f"{Decimal(c.numerator) / Decimal(c.denominator):.{table.decimals}f}"
    elif _terminates(c):
        text = format((Decimal(c.numerator) / Decimal(c.denominator)).normalize(), "f")
    else:
        text = format(float(c), ".6g")
    return {"value": text, "unit": air_units.SYMBOLS[table.unit]}


def _terminates(x: Fraction) -> bool:
    d = x.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1 and x.denominator < 10 ** 20


def category(result: AqiResult) -> Category | None:
    return get_standard(result.standard or None).category(result.aqi)
