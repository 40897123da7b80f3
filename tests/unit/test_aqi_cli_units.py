"""`cityops aqi`: a bare number is in the chosen standard's own unit (US EPA O₃ and CO in ppm, SO₂
and NO₂ in ppb), said in the notes, never silently µg/m³; --help lists each standard's units."""
from __future__ import annotations

import json

import pytest

from dashboard import cli

EPA = "us-epa-2024"


def run(capsys, *args):
    code = cli.main(["aqi", *args])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else None), captured.err


@pytest.mark.parametrize("bare, with_unit", [
    ("o3_8h=0.078", "o3_8h=0.078ppm"), ("o3=0.078", "o3=0.078ppm"), ("co_8h=8.4", "co_8h=8.4ppm"),
    ("so2_1h=80", "so2_1h=80ppb"), ("no2_1h=120", "no2_1h=120ppb"), ("pm25_24h=35.9", "pm25_24h=35.9ug/m3"),
])
def test_a_bare_epa_number_is_in_the_epa_unit(capsys, bare, with_unit):
    code, plain, _ = run(capsys, "--standard", EPA, "--pollutant", bare)
    code2, explicit, _ = run(capsys, "--standard", EPA, "--pollutant", with_unit)
    assert code == code2 == 0
    assert plain["aqi"] == explicit["aqi"] and plain["aqi"] > 0
    assert plain["sub_indexes"] == explicit["sub_indexes"]
    assert any("is read in" in n for n in plain["notes"])


def test_the_issues_case_is_no_longer_zero(capsys):
    _, out, _ = run(capsys, "--standard", EPA, "--pollutant", "o3_8h=0.078")
    assert out["aqi"] == 126 and out["concentrations"]["o3_8h"] == {"value": "0.078", "unit": "ppm"}
    assert out["notes"][0] == "o3_8h: the bare number 0.078 is read in ppm, the unit of us-epa-2024 for it"


def test_hj633_bare_numbers_stay_ug_and_co_mg(capsys):
    _, out, _ = run(capsys, "--standard", "hj633-2026", "--pollutant", "o3_1h=160", "co_1h=5")
    assert out["sub_indexes"] == {"o3_1h": 50, "co_1h": 50}
    assert any("µg/m³" in n for n in out["notes"]) and any("mg/m³" in n for n in out["notes"])


def test_help_states_the_units(capsys):
    with pytest.raises(SystemExit):
        cli.main(["aqi", "--help"])
    text = capsys.readouterr().out
    assert "us-epa-2024: o3_8h, o3_1h, co_8h in ppm" in text.replace("\n", " ")
    assert "so2_1h, so2_24h, no2_1h in ppb" in text.replace("\n", " ")
    assert "hj633-2026:" in text and "co_24h, co_1h in mg/m³" in text.replace("\n", " ")
