"""`cityops aqi`: the AQI of a few concentrations by a chosen standard, printed as JSON.

    cityops aqi --standard us-epa-2024 --pollutant pm25_24h=35.9 --pollutant o3_8h=0.078ppm

A value is KEY=NUMBER[UNIT]: KEY is a pollutant (pm25, pm10, o3, no2, so2, co: the standard's
real-time convention) or pollutant_period (pm25_24h, o3_8h, o3_1h, so2_1h, co_8h …); UNIT is
µg/m3 (ug/m3), mg/m3, ppb or ppm. A bare number is in the chosen standard's own unit for that
pollutant — US EPA: O₃ and CO in ppm, SO₂ and NO₂ in ppb, PM in µg/m³; HJ 633: µg/m³, CO mg/m³ —
and the output says so in its notes; never silently another unit (`--help` lists them).
VALUE NA means the concentration is missing or invalid: HJ 633-2026 reports that sub-index as
"NA" and leaves it out (5.3.1); the other standards refuse it.

    cityops aqi --standard us-epa-2024 --nowcast pm25=71,0,0,0,0,0,0,0,0,0,0,0

--nowcast POLLUTANT=C1,C2,…,C12 (pm25 or pm10; µg/m³ hourly averages, the most recent first, NA
or nothing for a missing hour) computes EPA's NowCast and indexes it as that pollutant's value.
Bad input: a reason on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .domain import aqi, air_units
from .domain.aqi_nowcast import NowCast, NowCastError, nowcast


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    names = ", ".join(aqi.STANDARDS)
    p = sub.add_parser(
        "aqi", help="compute the AQI of given concentrations (JSON)",
        description="Compute the AQI, each sub-index, the category and the primary pollutant(s). "
                    "A value may carry its unit (ug/m3, mg/m3, ppb, ppm); a bare number is in the chosen "
                    "standard's own unit for that pollutant (listed below) — e.g. under us-epa-2024 "
                    "o3_8h=0.078 is 0.078 ppm — and the output's notes say which unit was taken.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="units of a bare number, per standard:\n" + units_help() + "\n\n"
               "examples: cityops aqi --pollutant pm25=80 --pollutant o3=120 · "
               "cityops aqi --standard us-epa-2024 --pollutant pm25_24h=35.9 o3_8h=0.078ppm co_8h=8.4ppm")
    p.add_argument("--standard", metavar="NAME",
                   help=f"{names} (default: the aqi_standard setting, hj633-2026 unless configured)")
    p.add_argument("--pollutant", metavar="KEY=VALUE", nargs="+", action="extend", default=[],
                   help="a concentration, e.g. pm25_24h=35.9, o3_8h=0.078ppm, co=1.2mg/m3, or KEY=NA (repeatable); "
                        "without a unit, the standard's own (see below)")
    p.add_argument("--nowcast", metavar="POLLUTANT=C1,…,C12", action="append", default=[],
                   help="US EPA NowCast of pm25 or pm10 from hourly µg/m³ values, the most recent first "
                        "(NA for a missing hour); with --standard us-epa-2024")
    p.set_defaults(func=cmd_aqi)
    return p


def cmd_aqi(args: argparse.Namespace) -> int:
    try:
        standard = aqi.get_standard(args.standard or _configured_standard())
        if not args.pollutant and not args.nowcast:
            raise aqi.AqiError("give at least one --pollutant KEY=VALUE or --nowcast POLLUTANT=C1,…")
        values: dict[str, Any] = {}
        bare_notes: list[str] = []
        for text in args.pollutant:
            key, value = _parse_pair(text)
            if key in values:
                raise aqi.AqiError(f"{key} is given twice")
            if value[0] is not None and value[1] is None:   # a bare number: the standard's own unit
                unit = standard_unit(standard, key)
                value = (value[0], unit)
                bare_notes.append(f"{key}: the bare number {text.partition('=')[2].strip()} is read in "
                                  f"{air_units.SYMBOLS[unit]}, the unit of {standard.name} for it")
            values[key] = value
        nowcasts = [_nowcast(text, standard) for text in args.nowcast]
        for nc in nowcasts:
            if nc.pollutant in values:
                raise aqi.AqiError(f"{nc.pollutant} is given twice (as --pollutant and as --nowcast)")
            values[nc.pollutant] = (nc.concentration, None)
        result = aqi.compute(values, standard, strict=True)
        if result.aqi is None:
            raise aqi.AqiError("no sub-index can be computed: " + "; ".join(result.notes))
    except ValueError as exc:   # AqiError, UnitError, NowCastError and bad numbers are all ValueErrors
        print(f"cityops aqi: {exc}", file=sys.stderr)
        return 2
    out = as_json(result, standard)
    out["notes"] = bare_notes + out["notes"]
    if nowcasts:
        out["nowcast"] = {nc.pollutant: _nowcast_json(nc) for nc in nowcasts}
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def _nowcast(text: str, standard: aqi.Standard) -> NowCast:
    if standard.name != aqi.US_EPA_2024.name:
        raise NowCastError(f"the NowCast is the US EPA's method: use --standard {aqi.US_EPA_2024.name} "
                           f"(not {standard.name})")
    key, sep, series = text.partition("=")
    if not sep or not key.strip() or not series.strip():
        raise NowCastError(f"{text!r} is not POLLUTANT=C1,C2,… (e.g. pm25=35,30,28)")
    hourly = [None if v.strip().upper() in ("", "NA") else _number(v) for v in series.split(",")]
    if len(hourly) > 12:
        raise NowCastError(f"{key.strip()}: {len(hourly)} hourly values; the NowCast takes the last 12")
    return nowcast(key, hourly)


def _number(text: str) -> Any:
    number, unit = air_units.parse_quantity(text)
    if unit not in (None, air_units.UG_M3):
        raise NowCastError(f"{text.strip()!r}: NowCast values are µg/m³")
    return number


def _nowcast_json(nc: NowCast) -> dict[str, Any]:
    digits = 1 if nc.pollutant == "pm25" else 0
    return {"concentration": {"value": f"{float(nc.concentration):.{digits}f}", "unit": "µg/m³"},
            "unrounded": format(float(nc.exact), ".6g"), "weight_factor": format(float(nc.weight_factor), ".6g"),
            "hours_used": nc.hours_used}


def standard_unit(standard: aqi.Standard, key: str) -> str:
    """The unit of the standard's table for a key (o3 → o3_8h → ppm under US EPA); AqiError for a key
    the standard does not know."""
    return standard.tables[aqi.resolve_key(standard, key)].unit


def units_help() -> str:
    """Each standard's own units, as `--help` lists them."""
    lines = []
    for name, std in aqi.STANDARDS.items():
        by_unit: dict[str, list[str]] = {}
        for key, table in std.tables.items():
            by_unit.setdefault(air_units.SYMBOLS[table.unit], []).append(key)
        lines.append(f"  {name}: " + "; ".join(f"{', '.join(keys)} in {unit}" for unit, keys in by_unit.items()))
    return "\n".join(lines)


def _configured_standard() -> str:
    from . import config
    return config.load().aqi_standard


def _parse_pair(text: str) -> tuple[str, tuple[Any, str | None]]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise aqi.AqiError(f"{text!r} is not KEY=VALUE (e.g. pm25_24h=35.9 or o3_8h=0.078ppm)")
    if value.strip().upper() == "NA":   # missing or invalid: HJ 633-2026 reports NA (5.3.1)
        return key.strip(), (None, None)
    number, unit = air_units.parse_quantity(value)
    return key.strip(), (number, unit)


def as_json(result: aqi.AqiResult, standard: aqi.Standard) -> dict[str, Any]:
    cat = standard.category(result.aqi)
    out: dict[str, Any] = {
        "standard": standard.name,
        "report": result.report,
        "aqi": result.aqi,
        "category": None if cat is None else {
            "level": cat.level, "name_zh": cat.name_zh, "name_en": cat.name_en, "colour": cat.colour},
        "sub_indexes": {**result.sub_indexes, **{k: "NA" for k in result.unavailable}},
        "primary_pollutants": list(result.primary),
    }
    if standard.exceeding_above is not None:
        out["exceeding_pollutants"] = list(result.exceeding)
    out["concentrations"] = {k: aqi.describe_concentration(standard, k, c) for k, c in result.concentrations.items()}
    out["notes"] = list(result.notes)
    return out
