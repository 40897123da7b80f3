"""The city package: reading, every validation problem with its message, the starter, writing."""
from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import assume, given, settings, strategies as st

from dashboard.citypkg.files import read_text
from dashboard.citypkg.problems import Problems
from dashboard.citypkg.read import read_package
from dashboard.citypkg.starter import write_starter
from dashboard.citypkg.write import package_files, write_package
from dashboard.cli import main
from dashboard.demo.city import build_city


@pytest.fixture
def pkg(tmp_path):
    path = tmp_path / "mycity"
    write_starter(path)
    return path


def rows(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_rows(path, data, encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(data)
    path.write_bytes(out.getvalue().encode(encoding))


def errors(path) -> list[str]:
    return [str(p) for p in read_package(path).problems.errors]


def square(x0, y0, size=0.1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]}


def add_district(pkg, code, geometry, name_zh="新区", name_en="New District"):
    data = json.loads((pkg / "districts.geojson").read_text(encoding="utf-8"))
    data["features"].append({"type": "Feature", "properties": {"code": code, "name_zh": name_zh, "name_en": name_en},
                             "geometry": geometry})
    (pkg / "districts.geojson").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_the_starter_validates_with_the_national_major_classes(pkg):
    package = read_package(pkg)
    assert package.ok and package.problems == []
    city = package.city
    components = {c.group_zh for c in city.categories if c.domain == "component"}
    events = {c.group_zh for c in city.categories if c.domain == "event"}
    assert components == {"公用设施", "道路交通", "市容环境", "园林绿化", "房屋土地", "其他设施"}
    assert events == {"市容环境", "宣传广告", "施工管理", "街面秩序", "突发事件", "其他事件"}
    assert {len(c.code) for c in city.categories} == {4, 5}   # both code lengths, as strings
    assert city.find_category("0101").code == "0101" and city.find_category("101") is None
    assert len(city.districts) == 1 and len(city.departments) == 1
    assert main(["city", "validate", str(pkg)]) == 0


def test_init_refuses_a_folder_that_is_not_empty(pkg, capsys):
    assert main(["city", "init", str(pkg)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_routing_most_specific_wins_and_explains_itself(pkg):
    city = read_package(pkg).city
    from dashboard.domain import routing
    rule = routing.suggest(city.routing, "05001", "320102", city.group_key("05001"))
    assert rule.department == "cgj" and rule.auto_dispatch and not rule.is_group
    assert "05001" in routing.explain(rule, "05001", "320102")
    group_rule = routing.suggest(city.routing, "01002", "320102", city.group_key("01002"))
    assert group_rule.is_group and group_rule.category == "event:01"
    assert "whole class 01" in routing.explain(group_rule, "01002", "320102")
    assert "大类 01" in routing.explain(group_rule, "01002", "320102", "zh-CN")
    # the 部件 class 01 and the 事件 class 01 are different classes
    assert routing.suggest(city.routing, "0101", None, city.group_key("0101")).category == "component:01"


def test_duplicate_codes(pkg):
    data = rows(pkg / "categories.csv")
    data.append(list(data[1]))
    write_rows(pkg / "categories.csv", data)
    add_district(pkg, "320102", square(118.9, 32.0))
    found = errors(pkg)
    assert any(f"categories.csv, line {len(data)}: category code '{data[1][0]}' is used twice (first at line 2)" in e
               for e in found), found
    assert any("districts.geojson, feature 2: district code '320102' is used twice (first at feature 1)" in e
               for e in found), found


def test_routing_naming_unknown_category_district_department(pkg):
    data = rows(pkg / "routing.csv")
    data += [["9999", "", "", "", "cgj", "no"], ["0101", "", "", "XX", "cgj", "no"],
             ["0102", "", "", "", "nobody", "no"], ["", "77", "部件", "", "cgj", "no"]]
    write_rows(pkg / "routing.csv", data)
    found = errors(pkg)
    n = len(data)
    assert f"routing.csv, line {n - 3}: names category '9999', which categories.csv does not have — use a code from " \
           "categories.csv, or add the category there" in found
    assert any(e.startswith(f"routing.csv, line {n - 2}: names district 'XX'") for e in found), found
    assert any(e.startswith(f"routing.csv, line {n - 1}: names department 'nobody'") for e in found), found
    assert any(e.startswith(f"routing.csv, line {n}: names 大类 '77'") for e in found), found


def test_a_district_no_department_covers_for_a_reportable_category(pkg):
    data = [r for r in rows(pkg / "routing.csv") if not (r[1] == "01" and r[2] == "部件")]
    write_rows(pkg / "routing.csv", data)
    found = errors(pkg)
    assert any("categories.csv, line" in e and "category 0101 上水井盖 may be reported by citizens, but no department "
               "covers it in district 320102" in e and "add a rule in routing.csv" in e for e in found), found


def test_a_self_intersecting_polygon(pkg):
    bowtie = {"type": "Polygon", "coordinates": [[[118.9, 32.0], [119.0, 32.1], [119.0, 32.0], [118.9, 32.1], [118.9, 32.0]]]}
    add_district(pkg, "320104", bowtie)
    found = errors(pkg)
    assert any(e.startswith("districts.geojson, feature 2: district 320104 crosses itself (Self-intersection")
               for e in found), found


def test_overlapping_polygons_say_the_overlap_area(pkg):
    add_district(pkg, "320104", square(118.80, 31.99))   # overlaps the starter's district by 0.03° x 0.1°
    found = errors(pkg)
    overlap = [e for e in found if "overlaps district 320104" in e]
    assert overlap and overlap[0].startswith("districts.geojson, feature 1: district 320102 overlaps district 320104 (feature 2) by ")
    km2 = float(overlap[0].split("(")[2].split(" km²")[0])
    assert 25 < km2 < 35          # about 2.8 km × 11.1 km


def test_a_station_or_segment_outside_every_district(pkg):
    (pkg / "stations.csv").write_text("id,name_zh,name_en,district,lon,lat\nS1,城南站,South,320102,118.78,32.04\n"
                                      "S2,远站,Far,320102,121.47,31.23\n", encoding="utf-8")
    (pkg / "segments.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "R1", "name_zh": "远路", "name_en": "Far Rd", "district": "320102",
                                           "free_flow_kmh": 50},
         "geometry": {"type": "LineString", "coordinates": [[121.0, 31.0], [121.1, 31.0]]}}]}), encoding="utf-8")
    found = errors(pkg)
    assert "stations.csv, line 3: station S2 at 121.47000, 31.23000 lies outside every district — check its " \
           "longitude and latitude (WGS-84, not GCJ-02), or the districts' outlines" in found
    assert any(e.startswith("segments.geojson, feature 1: segment R1 lies outside every district") for e in found)
    assert not any("S1" in e for e in found)


@pytest.mark.parametrize("text", ["0h", "-2h", "24", "abc", "", "3 weeks"])
def test_a_deadline_that_is_not_a_positive_number_with_a_unit(pkg, text):
    data = rows(pkg / "categories.csv")
    column = data[0].index("limit_p3")
    data[1][column] = text
    write_rows(pkg / "categories.csv", data)
    found = errors(pkg)
    assert f"categories.csv, line 2: limit_p3 of {data[1][0]} is {text!r}: not a positive number with a unit — write " \
           "e.g. 2h (hours), 4wh (工作时 working hours) or 3wd (工作日 working days)" in found


def test_a_csv_saved_as_gbk_by_a_spreadsheet_is_read_and_said(pkg):
    data = rows(pkg / "categories.csv")
    write_rows(pkg / "categories.csv", data, encoding="gbk")   # Excel on a Chinese Windows: GBK, CRLF
    package = read_package(pkg)
    assert package.ok
    assert [str(w) for w in package.problems.warnings] == [
        "warning: categories.csv: is encoded in GBK/GB18030, not UTF-8; it was read as GB18030 — save it as "
        "'CSV UTF-8 (逗号分隔)' so every tool reads it the same way"]
    assert package.city.find_category("0101").name_zh == "上水井盖"


def test_a_calendar_year_listed_twice_and_a_date_in_both_lists(pkg):
    (pkg / "calendar.csv").write_text(
        "year,status,notice,date,type,name\n"
        "2027,official,国办发明电〔2026〕1号,,,\n"
        "2027,estimated,,,,\n"
        "2027,,,2027-01-01,holiday,元旦\n"
        "2027,,,2027-01-01,workday,调休\n", encoding="utf-8")
    found = errors(pkg)
    assert "calendar.csv, line 3: year 2027 is listed twice (first on line 2) — declare each year once, on one " \
           "line with an empty date" in found
    assert "calendar.csv, line 5: 2027-01-01 is both a holiday and a workday (line 4) — a day is either off or a " \
           "调休 working day: keep one" in found


def test_a_calendar_is_read_into_the_city(pkg):
    (pkg / "calendar.csv").write_text(
        "year,status,notice,date,type,name\n2027,estimated,,,,\n2027,,,2027-10-01,holiday,国庆节\n"
        "2027,,,2027-09-26,workday,国庆节调休\n", encoding="utf-8")
    city = read_package(pkg).city
    year = city.calendar.year(2027)
    assert year.status == "estimated" and city.calendar.holiday_name(__import__("datetime").date(2027, 10, 1)) == "国庆节"
    assert city.calendar.is_working_day(__import__("datetime").date(2027, 9, 26))


def test_never_success_after_reading_zero_rows(pkg, capsys):
    (pkg / "categories.csv").write_text(rows(pkg / "categories.csv")[0][0] + ",kind\n", encoding="utf-8")
    assert main(["city", "validate", str(pkg)]) == 2
    (pkg / "categories.csv").write_text(",".join(rows(pkg / "categories.csv")[0]) + "\n", encoding="utf-8")
    write_rows(pkg / "departments.csv", [rows(pkg / "departments.csv")[0]])
    capsys.readouterr()
    assert main(["city", "validate", str(pkg)]) == 2
    out = capsys.readouterr().out
    assert "departments.csv: has no rows (only its header) — add one line per record below the header" in out
    assert "valid" not in out.split("\n", 1)[1]


def test_validate_lists_every_problem_exits_2_and_writes_nothing(pkg, capsys):
    before = {p.name: p.read_bytes() for p in pkg.iterdir()}
    write_rows(pkg / "routing.csv", rows(pkg / "routing.csv") + [["9999", "", "", "", "cgj", "no"]])
    add_district(pkg, "320104", square(118.80, 31.99))
    assert main(["city", "validate", str(pkg)]) == 2
    out = capsys.readouterr().out
    assert "3 problem(s)" in out.splitlines()[0] or "problem(s)" in out.splitlines()[0]
    assert "names category '9999'" in out and "overlaps district 320104" in out
    assert sorted(p.name for p in pkg.iterdir()) == sorted(before)
    assert (pkg / "city.toml").read_bytes() == before["city.toml"]


def test_a_missing_folder_and_missing_files(tmp_path):
    assert [p.message for p in read_package(tmp_path / "nope").problems] == ["is not a folder"]
    (tmp_path / "empty").mkdir()
    found = errors(tmp_path / "empty")
    for name in ("city.toml", "districts.geojson", "departments.csv", "categories.csv", "routing.csv"):
        assert any(e.startswith(f"{name}: is missing") for e in found), (name, found)


def test_users_file_without_passwords_and_known_departments(pkg):
    (pkg / "users.csv").write_text("username,display_name,role,department\nwang,王,dispatcher,\n"
                                   "li,李,operator,nowhere\nzhao,赵,boss,\n", encoding="utf-8")
    found = errors(pkg)
    assert "users.csv, line 4: role 'boss' is not one of admin, dispatcher, operator, leader, inspector, crew, wall " \
           "— use one of those roles" in found
    assert any("user li names department 'nowhere'" in e for e in found)


def test_the_demo_city_writes_a_package_that_reads_back_the_same(tmp_path):
    city = build_city(7)
    write_package(city, tmp_path / "demo")
    package = read_package(tmp_path / "demo")
    assert package.ok, [str(p) for p in package.problems]
    assert package_files(package.city) == package_files(city)
    assert package.counts["segments"] == len(city.segments) and package.counts["stations"] == len(city.stations)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5) | st.sampled_from("abc,12 "),
               min_size=1, max_size=40))
def test_any_chinese_text_reads_the_same_from_utf8_and_from_gbk(tmp_path_factory, text):
    gbk = text.encode("gb18030")
    try:   # a few characters' GB18030 bytes happen to be valid UTF-8 too: no reader can tell those apart
        gbk.decode("utf-8")
        assume(False)
    except UnicodeDecodeError:
        pass
    path = tmp_path_factory.mktemp("enc") / "x.csv"
    path.write_bytes(text.encode("utf-8"))
    assert read_text(path, Problems()) == text
    path.write_bytes(text.encode("gb18030"))
    problems = Problems()
    assert read_text(path, problems) == text
    assert problems == [] or "GBK/GB18030" in problems[0].message


def test_departments_level_may_be_headed_parent(pkg):
    data = rows(pkg / "departments.csv")
    data[0][data[0].index("level")] = "parent"
    write_rows(pkg / "departments.csv", data)
    assert read_package(pkg).city.department("cgj").level == "市级"


def with_needs_verification(pkg, values: dict[int, str]):
    """categories.csv with a needs_verification column: {data line index: cell}, the rest empty."""
    data = rows(pkg / "categories.csv")
    data[0].append("needs_verification")
    for i, line in enumerate(data[1:], start=1):
        line.append(values.get(i, ""))
    write_rows(pkg / "categories.csv", data)
    return data


@pytest.mark.parametrize("text", ["maybe", "2", "必须"])
def test_needs_verification_that_is_not_yes_or_no(pkg, text):
    data = with_needs_verification(pkg, {3: text})
    found = errors(pkg)
    assert found == [f"categories.csv, line 4: needs_verification of {data[3][0]} is {text!r} — write yes (close only "
                     "after an inspector's passed check, 核查) or no, or leave it empty (the setting "
                     "field_verify_categories decides)"]


def test_needs_verification_is_read_yes_no_or_not_said(pkg):
    assert all(c.needs_verification is None for c in read_package(pkg).city.categories)   # no column
    data = with_needs_verification(pkg, {1: "yes", 2: "否", 3: "NO", 4: "是"})
    city = read_package(pkg).city
    said = {c.code: c.needs_verification for c in city.categories}
    assert [said[data[i][0]] for i in (1, 2, 3, 4, 5)] == [True, False, False, True, None]


def test_needs_verification_is_written_only_when_said_and_reads_back_the_same(pkg, tmp_path):
    plain = package_files(read_package(pkg).city)["categories.csv"]
    assert "needs_verification" not in plain.splitlines()[0]     # a package without the column stays so
    data = with_needs_verification(pkg, {1: "yes", 2: "no"})
    once = package_files(read_package(pkg).city)
    written = {r[0]: r for r in csv.reader(io.StringIO(once["categories.csv"]))}
    assert written["code"][-2:] == ["retired", "needs_verification"]
    assert [written[data[i][0]][-1] for i in (1, 2, 3)] == ["yes", "no", ""]
    write_package(read_package(pkg).city, tmp_path / "again")
    assert package_files(read_package(tmp_path / "again").city) == once
