"""Concentration units of the AQI pollutants and exact conversion between them. Pure.

Particles are a mass per volume only (µg/m³, mg/m³). Gases may also come as mixing ratios (ppb,
ppm); those are converted at 25 °C and 1 atm (101.325 kPa), where one mole of gas takes 24.45
litres — the reference state GB 3095 uses for gaseous pollutants, and the one US air agencies use
when they convert. Arithmetic is exact (fractions), so a standard's truncation or rounding of the
converted value is never off by a floating-point hair.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

UG_M3, MG_M3, PPB, PPM = "ug/m3", "mg/m3", "ppb", "ppm"
UNITS = (UG_M3, MG_M3, PPB, PPM)
SYMBOLS = {UG_M3: "µg/m³", MG_M3: "mg/m³", PPB: "ppb", PPM: "ppm"}

MOLAR_VOLUME_L = Decimal("24.45")                 # litres per mole at 25 °C and 101.325 kPa
MOLAR_MASS = {"o3": Decimal("48.00"), "no2": Decimal("46.0055"), "so2": Decimal("64.066"),
              "co": Decimal("28.010")}            # g/mol

_SPELLINGS = {
    "ug/m3": UG_M3, "µg/m3": UG_M3, "μg/m3": UG_M3, "ugm-3": UG_M3, "ug.m-3": UG_M3,
    "mg/m3": MG_M3, "mgm-3": MG_M3, "mg.m-3": MG_M3, "ppb": PPB, "ppm": PPM,
}


class UnitError(ValueError):
    """A unit that is not understood, or a conversion that cannot be made (particles as ppm)."""


def default_unit(pollutant: str) -> str:
    """The unit a bare number means: mg/m³ for CO, µg/m³ for everything else (as HJ 633 and the
    connectors report them)."""
    return MG_M3 if pollutant == "co" else UG_M3


def exact(value: float | int | str | Decimal | Fraction) -> Fraction:
    """The number as written: 35.9 is 359/10, not the binary float nearest to it."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise ValueError("a concentration is a number, not a truth value")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a finite number")
        return Fraction(Decimal(repr(value)))
    if isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
        if not d.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return Fraction(d)
    return Fraction(value)


def parse_unit(text: str) -> str:
    """ug/m3, µg/m³, mg/m3, ppb, ppm (case and spacing do not matter) → one of UNITS."""
    key = re.sub(r"\s", "", text).lower().replace("³", "3").replace("^3", "3")
    unit = _SPELLINGS.get(key)
    if unit is None:
        raise UnitError(f"unknown unit {text!r}: use µg/m3 (ug/m3), mg/m3, ppb or ppm")
    return unit


def parse_quantity(text: str) -> tuple[Fraction, str | None]:
    """'35.9' → (359/10, None); '0.078ppm' → (39/500, 'ppm'); '1.2 mg/m3' → (6/5, 'mg/m3')."""
    m = re.fullmatch(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*", text)
    if not m:
        raise ValueError(f"{text!r} is not a number with an optional unit (e.g. 35.9, 0.078ppm, 1.2mg/m3)")
    return exact(m.group(1)), (parse_unit(m.group(2)) if m.group(2) else None)


def ug_per_ppb(pollutant: str) -> Fraction:
    """µg/m³ of one ppb of a gas at 25 °C and 1 atm (molar mass / molar volume)."""
    if pollutant not in MOLAR_MASS:
        raise UnitError(f"{pollutant} is a particle mass; it cannot be given as ppb or ppm")
    return Fraction(MOLAR_MASS[pollutant]) / Fraction(MOLAR_VOLUME_L)


def _to_ug(pollutant: str, value: Fraction, unit: str) -> Fraction:
    if unit == UG_M3:
        return value
    if unit == MG_M3:
        return value * 1000
    if unit == PPB:
        return value * ug_per_ppb(pollutant)
    if unit == PPM:
        return value * 1000 * ug_per_ppb(pollutant)
    raise UnitError(f"unknown unit {unit!r}")


def convert(pollutant: str, value: Fraction | float | int, from_unit: str, to_unit: str) -> Fraction:
    """The same concentration of `pollutant` in another unit, exactly."""
    value = exact(value)
    if from_unit == to_unit:
        if from_unit not in UNITS:
            raise UnitError(f"unknown unit {from_unit!r}")
        if from_unit in (PPB, PPM):
            ug_per_ppb(pollutant)   # particles as ppm are refused even when nothing changes
        return value
    ug = _to_ug(pollutant, value, from_unit)
    if to_unit == UG_M3:
        return ug
    if to_unit == MG_M3:
        return ug / 1000
    if to_unit == PPB:
        return ug / ug_per_ppb(pollutant)
    if to_unit == PPM:
        return ug / ug_per_ppb(pollutant) / 1000
    raise UnitError(f"unknown unit {to_unit!r}")
