"""AQI by HJ 633-2026, HJ 633-2012 and the US EPA 2024 method, checked against the standards' own
worked examples (EPA-454/B-24-002 section IV) and hand computations with the arithmetic shown
(neither HJ 633 text carries a numeric example)."""
from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from dashboard import cli, config
from dashboard.domain import air_units, aqi

EPA, HJ26, HJ12 = "us-epa-2024", "hj633-2026", "hj633-2012"


def ppm(x):
    return (x, "ppm")


def ppb(x):
    return (x, "ppb")


# -- US EPA 2024: the Technical Assistance Document's own examples -------------------------------
def test_epa_tad_example_8_hour_ozone_is_truncated_then_indexed():
    # 0.07853333 truncates to 0.078; (150-101)/(0.085-0.071)*(0.078-0.071)+101 = 125.5 → 126
    r = aqi.compute({"o3_8h": ppm(0.07853333)}, EPA)
    assert r.concentrations["o3_8h"] == Fraction("0.078")
    assert r.aqi == 126 and r.sub_indexes == {"o3_8h": 126}


def test_epa_tad_example_several_pollutants():
    # O3 126, PM2.5 (150-101)/(55.4-35.5)*(35.9-35.5)+101 = 101.98 → 102, CO (100-51)/(9.4-4.5)*(8.4-4.5)+51 = 90
    r = aqi.compute({"o3_8h": ppm(0.078), "pm25_24h": 35.9, "co_8h": ppm(8.4)}, EPA)
    assert r.sub_indexes == {"o3_8h": 126, "pm25_24h": 102, "co_8h": 90}
    assert r.aqi == 126 and r.primary == ("o3",) and r.level == "epa_usg"
    assert aqi.US_EPA_2024.category(r.aqi).name_en == "Unhealthy for Sensitive Groups"


def test_epa_tad_example_ozone_1_hour_and_8_hour_report_the_higher():
    # 1-hour: (150-101)/(0.164-0.125)*(0.162-0.125)+101 = 147.487…; step 4 ("round the index to the
    # nearest integer") gives 147. The TAD prints 148 here, which its own equation and rounding rule do
    # not give (147.49 is nearer 147); CityOps follows the equation and the rule.
    r = aqi.compute({"o3_1h": ppm(0.162), "o3_8h": ppm(0.078)}, EPA)
    assert r.sub_indexes == {"o3_1h": 147, "o3_8h": 126}
    assert r.aqi == 147 and r.primary == ("o3",)


def test_epa_tad_example_blank_places_are_disregarded():
    # 1-hour O3 0.104 ppm is below the table's first 1-hour breakpoint (0.125): disregarded
    r = aqi.compute({"o3_1h": ppm(0.104), "o3_8h": ppm(0.078)}, EPA)
    assert r.sub_indexes == {"o3_8h": 126} and r.aqi == 126
    assert any("disregarded" in n for n in r.notes)


def test_epa_so2_1_hour_below_305_uses_the_1_hour_table():
    # (200-151)/(304-186)*(250-186)+151 = 177.58 → 178
    assert aqi.compute({"so2_1h": ppb(250)}, EPA).aqi == 178


def test_epa_so2_at_or_above_305_is_decided_by_the_24_hour_average():
    # 24-hour 400 ppb: (300-201)/(604-305)*(400-305)+201 = 232.45 → 232
    r = aqi.compute({"so2_1h": ppb(450), "so2_24h": ppb(400)}, EPA)
    assert r.aqi == 232 and r.sub_indexes["so2_24h"] == 232
    # the 24-hour average is not above 305: the 1-hour value counts as exactly 200
    r = aqi.compute({"so2_1h": ppb(450), "so2_24h": ppb(200)}, EPA)
    assert r.aqi == 200 and r.sub_indexes == {"so2_1h": 200}
    # no 24-hour average: 200, the highest value the 1-hour concentration defines, with a note
    r = aqi.compute({"so2_1h": ppb(450)}, EPA)
    assert r.aqi == 200 and any("not given" in n for n in r.notes)
    # a 24-hour average above 305 with a low 1-hour value still decides ("always higher")
    assert aqi.compute({"so2_1h": ppb(100), "so2_24h": ppb(605)}, EPA).aqi == 301


def test_epa_ozone_8_hour_above_0200_needs_the_1_hour_value():
    assert aqi.compute({"o3_8h": ppm(0.250)}, EPA).aqi is None
    # 1-hour 0.405 ppm: (500-301)/(0.604-0.405)*(0.405-0.405)+301 = 301
    r = aqi.compute({"o3_8h": ppm(0.250), "o3_1h": ppm(0.405)}, EPA)
    assert r.aqi == 301 and r.level == "epa_hazardous"


def test_epa_hazardous_values_above_500_extend_equation_1():
    # Table 6 note 4: PM2.5 325.4 µg/m³ is the AQI value 500, and beyond it equation 1 goes on
    assert aqi.compute({"pm25_24h": 325.4}, EPA).aqi == 500
    # (500-301)/(325.4-225.5)*(425.4-225.5)+301 = 699.199… → 699
    assert aqi.compute({"pm25_24h": 425.4}, EPA).aqi == 699
    assert aqi.compute({"no2_1h": ppb(2049)}, EPA).aqi == 500
    assert aqi.compute({"co_8h": ppm(50.4)}, EPA).aqi == 500


@pytest.mark.parametrize("key, value, expected", [
    ("pm25_24h", 9.09, 50), ("pm25_24h", 9.1, 51), ("pm25_24h", 35.49, 100), ("pm25_24h", 35.5, 101),
    ("pm10_24h", 54.9, 50), ("pm10_24h", 55, 51),
    ("o3_8h", ppm(0.0549), 50), ("o3_8h", ppm(0.055), 51),
    ("co_8h", ppm(4.49), 50), ("co_8h", ppm(4.5), 51),
    ("so2_1h", ppb(35.9), 50), ("no2_1h", ppb(53.9), 50), ("no2_1h", ppb(54), 51),
])
def test_epa_truncates_concentrations_before_indexing(key, value, expected):
    assert aqi.compute({key: value}, EPA).aqi == expected


def test_epa_names_the_main_pollutant_even_when_the_air_is_good_and_all_ties():
    clean = aqi.compute({"pm25_24h": 5.0, "o3_8h": ppm(0.010)}, EPA)
    # PM2.5 50/9*5 = 27.8 → 28; O3 50/0.054*0.010 = 9.26 → 9
    assert clean.aqi == 28 and clean.primary == ("pm25",) and clean.level == "epa_good"
    tie = aqi.compute({"pm25_24h": 35.4, "pm10_24h": 154}, EPA)
    assert tie.aqi == 100 and tie.primary == ("pm10", "pm25")


def test_epa_gases_in_micrograms_are_converted_at_25_degrees():
    # 153 µg/m³ O3 = 153 / (48.00/24.45) = 77.93 ppb = 0.07793 ppm → 0.077: (150-101)/0.014*0.006+101 = 122
    assert aqi.compute({"o3_8h": 153}, EPA).aqi == 122
    assert aqi.compute({"o3_8h": ppb(78)}, EPA).aqi == 126
    # CO 9.6 mg/m³ = 9.6 × 24.45/28.010 = 8.38 ppm → 8.3: (100-51)/4.9*3.8+51 = 89
    assert aqi.compute({"co_8h": 9.6}, EPA).aqi == 89
    # bare names follow AirNow's current AQI: PM on the 24-hour, O3 on the 8-hour breakpoints
    assert aqi.compute({"pm25": 35.9, "o3": ppm(0.078)}, EPA).sub_indexes == {"o3_8h": 126, "pm25_24h": 102}


# -- HJ 633-2026 ----------------------------------------------------------------------------------
def test_hj2026_real_time_pm_uses_the_daily_breakpoints_and_rounds_up():
    # PM2.5 1-hour 40: (100-50)/(60-35)*(40-35)+50 = 60; PM10 1-hour 60: (100-50)/(120-50)*(60-50)+50 = 57.1 → 58
    r = aqi.compute({"pm25": 40, "pm10": 60})
    assert r.standard == HJ26 and r.report == "real-time"
    assert r.sub_indexes == {"pm25_1h": 60, "pm10_1h": 58}
    assert r.aqi == 60 and r.primary == ("pm25",) and r.level == "good"


def test_hj2026_daily_report():
    # PM2.5 80: (150-100)/(115-60)*(80-60)+100 = 118.2 → 119; PM10 130: (150-100)/(250-120)*(130-120)+100 = 103.8 → 104
    # O3 8-hour 170: (150-100)/(215-160)*(170-160)+100 = 109.1 → 110; CO 3 mg/m³: (100-50)/(4-2)*(3-2)+50 = 75
    r = aqi.compute({"pm25_24h": 80, "pm10_24h": 130, "o3_8h": 170, "co_24h": 3, "so2_24h": 10, "no2_24h": 30}, HJ26)
    assert r.report == "daily"
    assert r.sub_indexes == {"so2_24h": 10, "no2_24h": 38, "co_24h": 75, "pm10_24h": 104, "pm25_24h": 119,
                             "o3_8h": 110}
    assert r.aqi == 119 and r.primary == ("pm25",) and r.level == "light" and r.exceeding == ()


def test_hj2026_rounds_concentrations_by_gbt8170_first():
    # 4.2.2: µg/m³ to integers, half to even. 35.5 → 36: 50+50/25*1 = 52; 36.5 → 36 → 52; 36.51 → 37 → 54
    assert aqi.iaqi("pm25_24h", 35.5, HJ26) == 52
    assert aqi.iaqi("pm25_24h", 36.5, HJ26) == 52
    assert aqi.iaqi("pm25_24h", 36.51, HJ26) == 54
    # CO mg/m³ to one decimal: 5.05 → 5.0 → 50; 5.15 → 5.2: (100-50)/(10-5)*(5.2-5)+50 = 52
    assert aqi.iaqi("co_1h", 5.05, HJ26) == 50
    assert aqi.iaqi("co_1h", 5.15, HJ26) == 52


def test_hj2026_table_notes_b_and_c():
    # SO2 1-hour: (200-150)/(800-650)*(700-650)+150 = 166.7 → 167; 800 → 200; above 800 counts as 200 (note b)
    assert aqi.iaqi("so2_1h", 700, HJ26) == 167
    assert aqi.iaqi("so2_1h", 800, HJ26) == 200
    r = aqi.compute({"so2_1h": 1500}, HJ26)
    assert r.aqi == 200 and any("note b" in n for n in r.notes)
    # O3 8-hour above 800 counts as 300 (note c)
    r = aqi.compute({"o3_8h": 900}, HJ26)
    assert r.aqi == 300 and any("note c" in n for n in r.notes)


def test_hj2026_top_of_the_scale_is_500():
    assert aqi.iaqi("pm25", 500, HJ26) == 500
    assert aqi.iaqi("pm25", 800, HJ26) == 500
    assert aqi.iaqi("no2_1h", 9000, HJ26) == 500 and aqi.iaqi("co_24h", 61, HJ26) == 500


def test_hj2026_primary_pollutant_rule():
    # AQI ≤ 50: no primary pollutant (3.3, 4.3.1)
    clean = aqi.compute({"pm25": 35, "pm10": 50})
    assert clean.aqi == 50 and clean.primary == () and clean.level == "excellent"
    # ties are all primary: PM2.5 60 → 100 and PM10 120 → 100
    tie = aqi.compute({"pm25": 60, "pm10": 120, "o3": 100})
    assert tie.aqi == 100 and tie.primary == ("pm10", "pm25")
    # 51 already has one
    assert aqi.compute({"pm25": 36}).primary == ("pm25",)


def test_hj2026_reports_do_not_mix():
    with pytest.raises(aqi.AqiError, match="not one hj633-2026 report"):
        aqi.compute({"pm25_24h": 40, "o3_1h": 100}, HJ26)
    with pytest.raises(aqi.AqiError, match="no sub-index for 'co_8h'"):
        aqi.compute({"co_8h": 1}, HJ26)
    with pytest.raises(aqi.AqiError, match="repeats"):
        aqi.compute({"pm25": 40, "pm25_1h": 41}, HJ26)


def test_hj2026_gases_in_ppb_are_converted_then_rounded():
    # NO2 53.2 ppb = 53.2 × 46.0055/24.45 = 100.10 µg/m³ → 100 → IAQI 50
    r = aqi.compute({"no2": ppb(53.2)}, HJ26)
    assert r.concentrations["no2_1h"] == 100 and r.aqi == 50
    # CO 1 ppm = 28.010/24.45 = 1.1456 mg/m³ → 1.1: (50-0)/(5-0)*1.1 = 11
    assert aqi.compute({"co": ppm(1)}, HJ26).aqi == 11


# -- HJ 633-2012 ----------------------------------------------------------------------------------
def test_hj2012_takes_concentrations_as_they_are_and_rounds_indexes_up():
    # PM2.5 35.5: (100-50)/(75-35)*(35.5-35)+50 = 50.625 → 51 (no concentration rounding in HJ 633-2012)
    assert aqi.iaqi("pm25", 35.5, HJ12) == 51
    # PM10 60: (100-50)/(150-50)*(60-50)+50 = 55; PM2.5 40: 50/40*5+50 = 56.25 → 57
    r = aqi.compute({"pm25": 40, "pm10": 60}, HJ12)
    assert r.aqi == 57 and r.sub_indexes == {"pm25_1h": 57, "pm10_1h": 55}


def test_hj2012_so2_above_800_reports_the_24_hour_sub_index():
    # 24-hour 700: (200-150)/(800-475)*(700-475)+150 = 184.6 → 185
    r = aqi.compute({"so2_1h": 900, "so2_24h": 700}, HJ12)
    assert r.report == "real-time" and r.sub_indexes == {"so2_1h": 185} and r.aqi == 185
    missing = aqi.compute({"so2_1h": 900}, HJ12)
    assert missing.aqi is None and any("so2_24h not given" in n for n in missing.notes)
    # at 800 the 1-hour table still answers: 200
    assert aqi.iaqi("so2_1h", 800, HJ12) == 200


def test_hj2012_ozone_8_hour_above_800_reports_the_1_hour_sub_index():
    # daily report: O3 1-hour 1000 → 400, so the 8-hour 850 reports 400 too (Table 1 note 3)
    r = aqi.compute({"o3_1h": 1000, "o3_8h": 850, "pm25_24h": 100}, HJ12)
    assert r.sub_indexes["o3_8h"] == 400 and r.aqi == 400 and r.primary == ("o3",) and r.level == "severe"


def test_hj2012_exceeding_pollutants_are_those_above_100():
    # PM2.5 100 → 132, PM10 200: (150-100)/(250-150)*(200-150)+100 = 125, NO2 50 → 25
    r = aqi.compute({"pm25": 100, "pm10": 200, "no2": 50}, HJ12)
    assert r.primary == ("pm25",) and r.exceeding == ("pm10", "pm25")


def test_hj2012_daily_report_has_seven_indicators():
    r = aqi.compute({"so2_24h": 20, "no2_24h": 30, "pm10_24h": 60, "pm25_24h": 40, "co_24h": 1,
                     "o3_1h": 150, "o3_8h": 120}, HJ12)
    assert r.report == "daily" and len(r.sub_indexes) == 7
    # O3 8-hour 120: (100-50)/(160-100)*(120-100)+50 = 66.7 → 67
    assert r.aqi == 67 and r.primary == ("o3",)


# -- the standards as objects --------------------------------------------------------------------
def test_standards_carry_categories_with_names_and_colours():
    hj = aqi.get_standard(HJ26)
    assert [c.level for c in hj.categories] == list(aqi.LEVELS)
    assert hj.category(201).name_zh == "重度污染" and hj.category(201).colour == "#99004C"
    epa = aqi.get_standard(EPA)
    assert [c.level for c in epa.categories] == list(aqi.EPA_LEVELS)
    assert epa.category(250).colour == "#8F3F97" and epa.category(301).name_en == "Hazardous"
    assert aqi.level(None) is None and aqi.level(51, EPA) == "epa_moderate"
    with pytest.raises(aqi.AqiError, match="unknown AQI standard"):
        aqi.get_standard("hj633-1999")


def test_default_is_hj633_2026_and_bad_values_are_left_out_unless_strict():
    assert aqi.DEFAULT == HJ26
    r = aqi.compute({"pm25": float("nan"), "pm10": -3, "o3": None, "no2": 80})
    assert r.sub_indexes == {"no2_1h": 40} and len(r.notes) == 3
    with pytest.raises(aqi.AqiError, match="pm10: -3 is negative"):
        aqi.compute({"pm10": -3}, strict=True)
    with pytest.raises(aqi.AqiError, match="particle mass"):
        aqi.compute({"pm25": ppm(1)})
    assert aqi.compute({}).aqi is None


# -- units ----------------------------------------------------------------------------------------
def test_unit_conversions_are_exact_at_25_degrees_and_1_atm():
    assert air_units.convert("o3", 1, "ppb", "ug/m3") == Fraction("48.00") / Fraction("24.45")
    assert float(air_units.convert("co", 1, "ppm", "mg/m3")) == pytest.approx(1.14560, abs=1e-5)
    assert float(air_units.convert("so2", 1000, "ug/m3", "ppb")) == pytest.approx(381.64, abs=0.01)
    assert air_units.convert("no2", 2, "ppm", "ppb") == 2000
    assert air_units.convert("pm25", Fraction(3, 2), "mg/m3", "ug/m3") == 1500
    with pytest.raises(air_units.UnitError):
        air_units.convert("pm10", 1, "ppb", "ug/m3")
    assert air_units.parse_quantity("0.078ppm") == (Fraction("0.078"), "ppm")
    assert air_units.parse_quantity("1.2 mg/m³") == (Fraction("1.2"), "mg/m3")
    assert air_units.parse_quantity("35.9") == (Fraction("35.9"), None)
    assert air_units.parse_quantity("12µg/m3")[1] == "ug/m3"
    with pytest.raises(ValueError):
        air_units.parse_quantity("12 furlongs")


# -- properties -----------------------------------------------------------------------------------
TABLE_KEYS = [(s.name, k) for s in aqi.STANDARDS.values() for k in s.tables]
concentration = st.floats(min_value=0, max_value=5000, allow_nan=False, allow_infinity=False)


def _in_table_unit(std_name, key, x):
    table = aqi.get_standard(std_name).tables[key]
    return (x, table.unit)   # the value as a number in the table's own unit


@pytest.mark.parametrize("std_name, key", TABLE_KEYS)
@settings(max_examples=60, deadline=None)
@given(a=concentration, b=concentration)
def test_sub_indexes_never_fall_as_concentrations_rise(std_name, key, a, b):
    table = aqi.get_standard(std_name).tables[key]
    scale = float(table.top) / 1000     # spread the examples over the table's own range
    lo, hi = sorted((a * scale, b * scale))
    i_lo = aqi.iaqi(key, _in_table_unit(std_name, key, lo), std_name)
    i_hi = aqi.iaqi(key, _in_table_unit(std_name, key, hi), std_name)
    if i_lo is not None and i_hi is not None:
        assert 0 <= i_lo <= i_hi
    if std_name != EPA and i_hi is not None:
        assert i_hi <= 500


@settings(max_examples=150, deadline=None)
@given(values=st.dictionaries(st.sampled_from(aqi.POLLUTANTS), concentration, min_size=1),
       std_name=st.sampled_from(list(aqi.STANDARDS)))
def test_aqi_is_the_highest_sub_index_and_primary_pollutants_have_it(values, std_name):
    r = aqi.compute(values, std_name)
    std = aqi.get_standard(std_name)
    if r.aqi is None:
        return
    assert r.aqi == max(r.sub_indexes.values())
    assert set(r.primary) <= {std.tables[k].pollutant for k, v in r.sub_indexes.items() if v == r.aqi}
    if std.primary_above is not None and r.aqi <= std.primary_above:
        assert r.primary == ()
    else:
        assert r.primary
    assert r.level == std.category(r.aqi).level


# -- settings and the command --------------------------------------------------------------------
def test_the_setting_names_a_known_standard():
    assert config.load(env={}).aqi_standard == HJ26
    assert config.load(env={"CITYOPS_AQI_STANDARD": EPA}).aqi_standard == EPA
    with pytest.raises(ValueError, match="aqi_standard must be one of"):
        config.load(env={"CITYOPS_AQI_STANDARD": "hj633"})


def test_cli_prints_the_epa_example_as_json(capsys):
    code = cli.main(["aqi", "--standard", EPA, "--pollutant", "pm25_24h=35.9", "--pollutant", "o3_8h=0.078ppm",
                     "co_8h=8.4ppm"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["aqi"] == 126 and out["primary_pollutants"] == ["o3"]
    assert out["sub_indexes"] == {"o3_8h": 126, "pm25_24h": 102, "co_8h": 90}
    assert out["category"] == {"level": "epa_usg", "name_zh": "对敏感人群不健康",
                               "name_en": "Unhealthy for Sensitive Groups", "colour": "#FF7E00"}
    assert out["concentrations"]["o3_8h"] == {"value": "0.078", "unit": "ppm"}


def test_cli_defaults_to_the_configured_standard(capsys, monkeypatch):
    monkeypatch.setenv("CITYOPS_AQI_STANDARD", HJ12)
    assert cli.main(["aqi", "--pollutant", "pm25=100", "pm10=200"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["standard"] == HJ12 and out["aqi"] == 132 and out["exceeding_pollutants"] == ["pm10", "pm25"]
    monkeypatch.delenv("CITYOPS_AQI_STANDARD")
    assert cli.main(["aqi", "--pollutant", "pm25=100"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["standard"] == HJ26 and out["category"]["name_zh"] == "轻度污染" and "exceeding_pollutants" not in out


@pytest.mark.parametrize("args, message", [
    (["--pollutant", "pm25"], "is not KEY=VALUE"),
    (["--pollutant", "pm25=abc"], "is not a number"),
    (["--pollutant", "pm25=-4"], "pm25: -4 is negative"),
    (["--pollutant", "pm25=4ppm"], "particle mass"),
    (["--pollutant", "pm25=4", "pm25=5"], "given twice"),
    (["--pollutant", "benzene=4"], "no sub-index for 'benzene'"),
    (["--pollutant", "pm25_24h=4", "o3_1h=5"], "not one hj633-2026 report"),
    (["--standard", "aqhi", "--pollutant", "pm25=4"], "unknown AQI standard"),
    (["--standard", HJ12, "--pollutant", "so2_1h=900"], "so2_24h not given"),
])
def test_cli_refuses_bad_input_on_stderr_with_status_2(capsys, args, message):
    assert cli.main(["aqi", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
