"""`cityops aqi`: the AQI of a few concentrations by a chosen standard, printed as JSON.

    cityops aqi --standard us-epa-2024 --pollutant pm25_24h=35.9 --pollutant o3_8h=0.078ppm

A value is KEY=NUMBER[UNIT]: KEY is a pollutant (pm25, pm10, o3, no2, so2, co: the standard's
real-time convention) or pollutant_period (pm25_24h, o3_8h, o3_1h, so2_1h, co_8h …); UNIT is
µg/m3 (ug/m3), mg/m3, ppb or ppm, and without one a number is µg/m³ (CO: mg/m³).
Bad input: a reason on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .domain import aqi, air_units


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    names = ", ".join(aqi.STANDARDS)
    p = sub.add_parser(
        "aqi", help="compute the AQI of given concentrations (JSON)",
        description="Compute the AQI, each sub-index, the category and the primary pollutant(s).",
        epilog="examples: cityops aqi --pollutant pm25=80 --pollutant o3=120 · "
               "cityops aqi --standard us-epa-2024 --pollutant pm25_24h=35.9 o3_8h=0.078ppm co_8h=8.4ppm")
    p.add_argument("--standard", metavar="NAME",
                   help=f"{names} (default: the aqi_standard setting, hj633-2026 unless configured)")
    p.add_argument("--pollutant", metavar="KEY=VALUE", nargs="+", action="extend", required=True,
                   help="a concentration, e.g. pm25_24h=35.9, o3_8h=0.078ppm, co=1.2mg/m3 (repeatable)")
    p.set_defaults(func=cmd_aqi)
    return p


def cmd_aqi(args: argparse.Namespace) -> int:
    try:
        standard = aqi.get_standard(args.standard or _configured_standard())
        values: dict[str, Any] = {}
        for text in args.pollutant:
            key, value = _parse_pair(text)
            if key in values:
                raise aqi.AqiError(f"{key} is given twice")
            values[key] = value
        result = aqi.compute(values, standard, strict=True)
        if result.aqi is None:
            raise aqi.AqiError("no sub-index can be computed: " + "; ".join(result.notes))
    except ValueError as exc:   # AqiError, UnitError and bad numbers are all ValueErrors
        print(f"cityops aqi: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(as_json(result, standard), ensure_ascii=False, indent=2))
    return 0


def _configured_standard() -> str:
    from . import config
    return config.load().aqi_standard


def _parse_pair(text: str) -> tuple[str, tuple[Any, str | None]]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise aqi.AqiError(f"{text!r} is not KEY=VALUE (e.g. pm25_24h=35.9 or o3_8h=0.078ppm)")
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
        "sub_indexes": result.sub_indexes,
        "primary_pollutants": list(result.primary),
    }
    if standard.exceeding_above is not None:
        out["exceeding_pollutants"] = list(result.exceeding)
    out["concentrations"] = {k: aqi.describe_concentration(standard, k, c) for k, c in result.concentrations.items()}
    out["notes"] = list(result.notes)
    return out
