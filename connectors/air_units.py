"""Air pollutant names and units as SensorThings servers spell them, and conversion to the units
the AQI tables use: µg/m³, and mg/m³ for CO. Gas mixing ratios (ppm, ppb) are converted at 25 °C
and 1 atm, where one mole of gas takes 24.45 litres (the factors live in dashboard.domain.air_units,
which the AQI uses too)."""
from __future__ import annotations

import re

from dashboard.domain import air_units as units
from dashboard.domain.air_units import MOLAR_MASS, MOLAR_VOLUME_L  # noqa: F401  (re-exported)

UG_M3, MG_M3 = "µg/m³", "mg/m³"
_KIND_UNIT = {"ug": units.UG_M3, "mg": units.MG_M3, "ppb": units.PPB, "ppm": units.PPM}

_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_POLLUTANTS = {
    "pm25": "pm25", "pm2.5": "pm25", "fineparticulatematter": "pm25", "pm10": "pm10",
    "o3": "o3", "ozone": "o3", "no2": "no2", "nitrogendioxide": "no2",
    "so2": "so2", "sulfurdioxide": "so2", "sulphurdioxide": "so2", "co": "co", "carbonmonoxide": "co",
}
_UNITS = {
    "ug/m3": "ug", "µg/m3": "ug", "ugm-3": "ug", "ug.m-3": "ug", "microgrampercubicmeter": "ug",
    "microgrampercubicmetre": "ug", "microgramspercubicmeter": "ug", "microgramspercubicmetre": "ug",
    "mg/m3": "mg", "mgm-3": "mg", "mg.m-3": "mg", "milligrampercubicmeter": "mg",
    "milligrampercubicmetre": "mg", "milligramspercubicmeter": "mg", "milligramspercubicmetre": "mg",
    "ppm": "ppm", "[ppm]": "ppm", "partspermillion": "ppm", "ppb": "ppb", "[ppb]": "ppb",
    "partsperbillion": "ppb",
}


def target_unit(pollutant: str) -> str:
    return MG_M3 if pollutant == "co" else UG_M3


def pollutant_key(name: str | None) -> str | None:
    """"PM2.5", "pm2_5", "PM₂.₅", "Ozone", "NO2" … → pm25, o3, no2 …; None if not an AQI pollutant."""
    if not isinstance(name, str):
        return None
    key = re.sub(r"[\s\-]", "", name.translate(_SUBSCRIPTS).lower())
    key = re.sub(r"(?<=pm2)[_,]", ".", key).replace("_", "")
    return _POLLUTANTS.get(key)


def unit_kind(*spellings: str | None) -> str | None:
    """ug, mg, ppm or ppb from a unit's symbol or name (the first that is understood)."""
    for spelling in spellings:
        if not isinstance(spelling, str):
            continue
        key = re.sub(r"\s", "", spelling.lower()).replace("μ", "µ").replace("³", "3").replace("^3", "3")
        kind = _UNITS.get(key) or _UNITS.get(key.replace("µ", "u"))
        if kind:
            return kind
    return None


def conversion_factor(pollutant: str, kind: str) -> float | None:
    """Multiply a value in `kind` by this to get the pollutant's target unit; None if impossible
    (a particle mass given as a mixing ratio)."""
    if kind not in _KIND_UNIT:
        return None
    try:
        return float(units.convert(pollutant, 1, _KIND_UNIT[kind], units.default_unit(pollutant)))
    except units.UnitError:
        return None
