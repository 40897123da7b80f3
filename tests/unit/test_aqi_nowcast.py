"""The US EPA PM NowCast (EPA's eight steps, the 2-of-3 completeness rule, the 0.5 weight floor,
truncation after averaging) and HJ 633-2026 5.3.1 (a missing or invalid concentration's sub-index
is NA and takes no part), in the domain and through `cityops aqi`. EPA publishes the method as
steps, not as a numeric table, so each example shows its arithmetic."""
from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from dashboard import cli
from dashboard.domain import aqi
from dashboard.domain.aqi_nowcast import NowCastError, nowcast

EPA, HJ26, HJ12 = "us-epa-2024", "hj633-2026", "hj633-2012"


# -- NowCast ---------------------------------------------------------------------------------------
def test_a_one_hour_pulse_gets_the_weight_floor():
    # 71 µg/m³ in the last hour, 0 in the 11 before: min/max = 0 → w = 0.5 (step 5);
    # NowCast = 71 / (1 + 0.5 + … + 0.5^11) = 71 / (2 − 0.5^11) = 35.5087… → truncated 35.5 → AQI 101
    nc = nowcast("pm25", [71] + [0] * 11)
    assert nc.weight_factor == Fraction(1, 2) and nc.hours_used == 12
    assert nc.exact == Fraction(71) / (2 - Fraction(1, 2 ** 11))
    assert nc.concentration == Fraction("35.5")
    assert aqi.compute({"pm25": nc.concentration}, EPA).aqi == 101


def test_steady_air_is_the_twelve_hour_average():
    nc = nowcast("pm25", [20] * 12)     # min = max: w = 1, every hour weighs the same
    assert nc.weight_factor == 1 and nc.concentration == 20
    # (100 − 51) / (35.4 − 9.1) × (20.0 − 9.1) + 51 = 71.3 → 71
    assert aqi.compute({"pm25": nc.concentration}, EPA).aqi == 71


def test_weight_above_the_floor_missing_hours_skipped_and_truncation_not_rounding():
    # c1 = 40, c2 = 30, the others missing: w = 30/40 = 0.75;
    # NowCast = (40 + 0.75 × 30) / (1 + 0.75) = 62.5 / 1.75 = 35.714… → 35.7 (truncated, not 35.7 rounded by luck:
    # 35.79 would still give 35.7); AQI (150 − 101) / (55.4 − 35.5) × (35.7 − 35.5) + 101 = 101.49 → 101
    nc = nowcast("pm25", [40, 30] + [None] * 10)
    assert nc.weight_factor == Fraction(3, 4) and nc.hours_used == 2
    assert nc.exact == Fraction(250, 7) and nc.concentration == Fraction("35.7")
    assert nowcast("pm25", [Fraction("35.79"), Fraction("35.79")]).concentration == Fraction("35.7")


def test_pm10_is_truncated_to_whole_micrograms():
    # 100, 50, 50: w = 0.5; (100 + 25 + 12.5) / 1.75 = 78.57… → 78; AQI (100 − 51)/(154 − 55) × (78 − 55) + 51 = 62.4 → 62
    nc = nowcast("pm10", [100, 50, 50])
    assert nc.concentration == 78
    assert aqi.compute({"pm10": nc.concentration}, EPA).aqi == 62


def test_two_of_the_three_most_recent_hours_are_needed():
    assert nowcast("pm25", [None, 5, 6]).hours_used == 2
    assert nowcast("pm25", [5, None, 6, 7]).hours_used == 3
    with pytest.raises(NowCastError, match="1 of the 3 most recent hours"):
        nowcast("pm25", [None, 5, None] + [9] * 9)   # nine older hours do not make up for it
    with pytest.raises(NowCastError, match="0 of the 3"):
        nowcast("pm25", [])
    assert nowcast("pm25", [5, -2, 6, float("nan"), 5]).hours_used == 3     # NaN and negative count as missing
    with pytest.raises(NowCastError, match="1 of the 3"):
        nowcast("pm25", [float("nan"), -2, 5])


def test_only_the_most_recent_twelve_hours_count_and_only_pm():
    assert nowcast("pm25", [10] * 12 + [1000]).concentration == 10
    with pytest.raises(NowCastError, match="pm25 and pm10"):
        nowcast("o3", [1, 2, 3])
    with pytest.raises(NowCastError, match="not a concentration"):
        nowcast("pm25", ["x", 1, 2])
    assert nowcast("PM2.5", [0, 0, 0]).concentration == 0        # all zero: no division by zero


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=1)), min_size=3, max_size=12))
def test_nowcast_lies_between_the_extremes_of_its_hours(hours):
    values = [None if h is None else Fraction(h) for h in hours]
    try:
        nc = nowcast("pm25", values)
    except NowCastError:
        assert sum(v is not None for v in values[:3]) < 2
        return
    valid = [v for v in values if v is not None]
    assert min(valid) <= nc.exact <= max(valid)
    assert Fraction(1, 2) <= nc.weight_factor <= 1
    assert nc.concentration <= nc.exact < nc.concentration + Fraction(1, 10)


# -- HJ 633-2026 5.3.1: NA ----------------------------------------------------------------------------
def test_hj633_2026_reports_a_missing_sub_index_as_na_and_leaves_it_out():
    r = aqi.compute({"pm25": 80, "o3": None, "no2": float("nan"), "so2": -3})
    assert r.unavailable == ("o3_1h", "no2_1h", "so2_1h")
    assert r.sub_indexes == {"pm25_1h": 119} and r.aqi == 119 and r.primary == ("pm25",)
    assert all("5.3.1" in n for n in r.notes) and len(r.notes) == 3
    # missing stays NA even when strict; a negative number is still the caller's error then
    assert aqi.compute({"pm25": 80, "o3": None}, strict=True).unavailable == ("o3_1h",)
    with pytest.raises(aqi.AqiError, match="negative"):
        aqi.compute({"pm25": 80, "o3": -1}, strict=True)
    only_missing = aqi.compute({"pm25_24h": None, "o3_8h": None})
    assert only_missing.aqi is None and only_missing.report == "daily" and len(only_missing.unavailable) == 2
    with pytest.raises(aqi.AqiError, match="not one hj633-2026 report"):
        aqi.compute({"pm25_24h": 50, "o3_1h": None})   # NA keys belong to a report too


def test_the_other_standards_leave_missing_values_out_as_before():
    r = aqi.compute({"pm25": 80, "o3": None}, HJ12)
    assert r.unavailable == () and r.sub_indexes == {"pm25_1h": 107}
    with pytest.raises(aqi.AqiError, match="no value"):
        aqi.compute({"pm25": 80, "o3": None}, EPA, strict=True)


# -- the command -------------------------------------------------------------------------------------
def test_cli_na_and_nowcast(capsys):
    assert cli.main(["aqi", "--standard", HJ26, "--pollutant", "pm25=80", "o3=NA"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sub_indexes"] == {"pm25_1h": 119, "o3_1h": "NA"} and out["aqi"] == 119

    assert cli.main(["aqi", "--standard", EPA, "--nowcast", "pm25=40,30,NA,,", "--pollutant", "o3_8h=0.078ppm"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["nowcast"]["pm25"] == {"concentration": {"value": "35.7", "unit": "µg/m³"}, "unrounded": "35.7143",
                                      "weight_factor": "0.75", "hours_used": 2}
    assert out["sub_indexes"] == {"o3_8h": 126, "pm25_24h": 101} and out["aqi"] == 126


@pytest.mark.parametrize("args, message", [
    (["--nowcast", "pm25=1,2,3"], "use --standard us-epa-2024"),
    (["--standard", EPA, "--nowcast", "pm25=NA,NA,3"], "1 of the 3 most recent hours"),
    (["--standard", EPA, "--nowcast", "pm25=" + ",".join(["1"] * 13)], "takes the last 12"),
    (["--standard", EPA, "--nowcast", "pm25=1,2ppm,3"], "NowCast values are µg/m³"),
    (["--standard", EPA, "--nowcast", "pm25=1,x,3"], "is not a number"),
    (["--standard", EPA, "--nowcast", "pm25"], "is not POLLUTANT=C1,C2"),
    (["--standard", EPA, "--nowcast", "pm25=1,2", "--pollutant", "pm25=3"], "given twice"),
    (["--standard", EPA], "give at least one"),
    (["--standard", EPA, "--pollutant", "pm25=NA"], "no value"),
    (["--pollutant", "o3=NA"], "no sub-index can be computed"),
])
def test_cli_refuses_bad_nowcast_and_na_input(capsys, args, message):
    assert cli.main(["aqi", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
