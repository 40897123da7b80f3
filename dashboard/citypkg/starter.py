"""`cityops city init`: a starter package that validates — the national standard's 部件 and 事件
major classes (GB/T 30428.2) with a useful set of 小类 and typical 处置时限, one district, one
department and routing rules — with comments saying what each file holds."""
from __future__ import annotations

from pathlib import Path

from .write import _csv
from .read import CATEGORY_COLUMNS, DEPARTMENT_COLUMNS

CITY_TOML = '''# CityOps city package — the city itself.
# Edit these files with the tools you have (a spreadsheet for the CSV files, QGIS for the GeoJSON),
# keep the folder under version control, and load it with:
#   cityops city validate DIR        lists every problem (file, line or feature, what to do)
#   cityops city import DIR          shows what would change; add --commit to apply it
#
# Files of a package:
#   city.toml          this file: names, time zone, centre, language, working hours, version
#   districts.geojson  districts: properties code, name_zh, name_en (WGS-84 polygons)
#   departments.csv    code, name_zh, name_en, level (市级/区级), districts (";"-separated; empty: whole city), contact
#                      (optional) retired; replaces: ";"-separated codes of departments renamed or merged into it
#   categories.csv     the 部件/事件 taxonomy: code, kind, 大类 and 小类 names, default priority,
#                      reportable (citizens may report it through Open311), 处置时限 limit_p1..limit_p4
#                      (2h = hours, 4wh = 工作时 working hours, 3wd = 工作日 working days), 立案/结案标准, retired;
#                      optionally needs_verification (yes: closed only after an inspector's passed check, 核查)
#   routing.csv        category (one 小类) or group + kind (a whole 大类), district (empty: whole city)
#                      → department, auto_dispatch; the most specific rule wins
#   segments.geojson   road segments (optional): id, name_zh, name_en, district, free_flow_kmh (LineStrings)
#   stations.csv       air stations (optional): id, name_zh, name_en, district, lon, lat
#   source_ids.csv     (optional) source, source_id, kind (segment/station), target: how a source system names them
#   calendar.csv       (optional) holidays and 调休 working days per year, over the built-in calendar
#   users.csv          (optional) username, display_name, role, department — never passwords

# The package's own version: change it with every edit (it is recorded with each import).
version = "0.1"

[city]
name_zh = "示例市"
name_en = "Example City"
timezone = "Asia/Shanghai"
default_language = "zh-CN"          # zh-CN or en
center = [118.78, 32.04]            # longitude, latitude (WGS-84)

[working_hours]
# 工作时 (working hours) count inside these periods, on working days
periods = ["09:00-12:00", "13:30-17:30"]

[rules]   # the categories the feed rules file incidents in
congestion = "1001"         # a road segment slow for 10 minutes
air_exceedance = "1101"     # AQI above 150 at a station
severe_weather = "1201"     # a severe or extreme CAP alert
other = "06001"             # a citizen report in a category the city does not have
'''

_W, _S, _E, _N = 118.73, 31.99, 118.83, 32.09
DISTRICTS = ('{"type":"FeatureCollection","features":[\n'
             '{"type":"Feature","properties":{"code":"320102","name_zh":"中心区","name_en":"Central District"},'
             f'"geometry":{{"type":"Polygon","coordinates":[[[{_W},{_S}],[{_E},{_S}],[{_E},{_N}],[{_W},{_N}],[{_W},{_S}]]]}}}}'
             '\n]}\n')

# 部件 (components): 4-digit codes (大类 2 + 小类 2) of GB/T 30428.2
_COMPONENTS = (
    ("01", "公用设施", "Public utilities", (
        ("0101", "上水井盖", "Water manhole cover", 2), ("0102", "污水井盖", "Sewer manhole cover", 2),
        ("0103", "雨水井盖", "Storm drain cover", 2), ("0106", "电力井盖", "Power manhole cover", 2),
        ("0113", "消防栓", "Fire hydrant", 2), ("0120", "路灯", "Street light", 3))),
    ("02", "道路交通", "Roads and traffic", (
        ("0201", "公交站亭", "Bus shelter", 4), ("0206", "交通标志牌", "Traffic sign", 3),
        ("0208", "交通信号灯", "Traffic signal", 1), ("0210", "护栏", "Guardrail", 3))),
    ("03", "市容环境", "City appearance", (
        ("0301", "公共厕所", "Public toilet", 3), ("0303", "垃圾箱", "Litter bin", 4),
        ("0305", "广告牌匾", "Signboard", 3))),
    ("04", "园林绿化", "Parks and greenery", (
        ("0401", "古树名木", "Heritage tree", 2), ("0402", "行道树", "Street tree", 3),
        ("0404", "绿地", "Green space", 4))),
    ("05", "房屋土地", "Buildings and land", (
        ("0501", "宣传栏", "Notice board", 4), ("0505", "人防工事", "Civil air defence works", 3))),
    ("06", "其他设施", "Other facilities", (
        ("0601", "重大危险源", "Major hazard installation", 1), ("0602", "工地", "Construction site", 3))),
)
# 事件 (events): 5-digit codes (大类 2 + 小类 3) of the newer scheme — both lengths work side by side
_EVENTS = (
    ("01", "市容环境", "City appearance", (
        ("01001", "私搭乱建", "Illegal structure", 3), ("01002", "暴露垃圾", "Exposed rubbish", 3),
        ("01003", "积存垃圾渣土", "Piled rubbish and spoil", 3), ("01004", "道路不洁", "Dirty road", 4),
        ("01007", "道路积水", "Waterlogged road", 2))),
    ("02", "宣传广告", "Advertising", (
        ("02001", "非法小广告", "Illegal flyposting", 4), ("02003", "占道广告牌", "Billboard on the roadway", 3))),
    ("03", "施工管理", "Construction", (
        ("03001", "施工扰民", "Construction noise", 3), ("03002", "工地扬尘", "Construction dust", 3),
        ("03005", "道路破损", "Damaged road surface", 2))),
    ("04", "街面秩序", "Street order", (
        ("04001", "无照经营游商", "Unlicensed street vending", 4), ("04004", "店外经营", "Trading outside the shop", 4),
        ("04008", "机动车乱停放", "Illegally parked car", 3))),
    ("05", "突发事件", "Sudden events", (
        ("05001", "路面塌陷", "Road collapse", 1), ("05002", "自来水管破裂", "Burst water main", 1),
        ("05003", "燃气管道破裂", "Burst gas pipe", 1))),
    ("06", "其他事件", "Other events", (("06001", "其他问题", "Other problem", 3),)),
)
# typical 处置时限 P1 特急 … P4 一般: urgent work counts the clock, routine work working time
_LIMITS = {"部件": ("2h", "24h", "3wd", "5wd"), "事件": ("1h", "4h", "2wd", "5wd")}
_OPEN = {"部件": "部件缺失、破损或功能失效，位置明确，属于本市管理范围",
         "事件": "问题现场可见、位置明确、属于城市管理范围，非重复上报"}
_CLOSE = {"部件": "部件修复或更换完好，功能恢复，有处置前后照片",
          "事件": "现场恢复正常，有处置前后照片，监督员核查通过"}


# filed by the feeds' rules, not by citizens
_FEEDS = (("1001", "traffic", "10", "交通运行", "Traffic", "严重拥堵", "Severe congestion", 2, "交通运行受到影响", "恢复正常通行"),
          ("1101", "environment", "11", "生态环境", "Environment", "空气质量超标", "Air quality exceedance", 2,
           "监测超出标准", "复测达标"),
          ("1201", "emergency", "12", "应急管理", "Emergency", "气象灾害预警", "Severe weather warning", 1,
           "可能危及人身或财产安全", "险情排除，现场安全"))


def categories_csv() -> str:
    rows = [[code, kind, group, gzh, gen, zh, en, priority, "no", "1h", "4h", "24h", "72h", std_open, std_close, "no"]
            for code, kind, group, gzh, gen, zh, en, priority, std_open, std_close in _FEEDS]
    for kind, classes in (("部件", _COMPONENTS), ("事件", _EVENTS)):
        for group, gzh, gen, items in classes:
            for code, zh, en, priority in items:
                rows.append([code, kind, group, gzh, gen, zh, en, priority, "yes", *_LIMITS[kind],
                             _OPEN[kind], _CLOSE[kind], "no"])
    return _csv(CATEGORY_COLUMNS + ("retired",), rows)


def departments_csv() -> str:
    return _csv(DEPARTMENT_COLUMNS + ("retired",), [
        ["cgj", "示例市城市管理局", "Example City Urban Management Bureau", "市级", "", "cgj@example.invalid", "no"]])


def routing_csv() -> str:
    rows = [["", group, kind, "", "cgj", "no"]
            for kind, classes in (("部件", _COMPONENTS), ("事件", _EVENTS)) for group, *_ in classes]
    rows += [[code, "", "", "", "cgj", "no"] for code, *_ in _FEEDS]
    rows.append(["05001", "", "", "320102", "cgj", "yes"])   # a road collapse goes out at once
    return _csv(("category", "group", "kind", "district", "department", "auto_dispatch"), rows)


def write_starter(path: str | Path) -> list[Path]:
    path = Path(path)
    if path.exists() and any(path.iterdir()):
        raise FileExistsError(f"{path} is not empty: give a new folder")
    path.mkdir(parents=True, exist_ok=True)
    files = {"city.toml": CITY_TOML, "districts.geojson": DISTRICTS, "departments.csv": departments_csv(),
             "categories.csv": categories_csv(), "routing.csv": routing_csv()}
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8", newline="")
    return [path / n for n in files]
