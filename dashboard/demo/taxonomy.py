"""The demo city's 部件/事件 taxonomy (after the national standard's major classes) plus traffic,
environment and emergency: data of the demo city's package, not of the domain."""
from __future__ import annotations

from dashboard.domain.categories import COMPONENT, EMERGENCY, ENVIRONMENT, EVENT, TRAFFIC, Category

# 处置时限 by priority (P1 特急 … P4 一般): the clock for urgent work, working time for routine work
_CLOCK = ("2h", "24h", "72h", "168h")
_WORK = ("2wh", "24wh", "72wh", "168wh")
_LIMITS = {COMPONENT: _WORK, EVENT: _CLOCK, TRAFFIC: _CLOCK, ENVIRONMENT: _CLOCK, EMERGENCY: _CLOCK}
_OPEN = {COMPONENT: "部件缺失、破损或功能失效，位置明确", EVENT: "问题现场可见、位置明确、属于城市管理范围",
         TRAFFIC: "交通运行受到影响", ENVIRONMENT: "监测或现场核实超出标准", EMERGENCY: "可能危及人身或财产安全"}
_CLOSE = {COMPONENT: "部件修复或更换完好，功能恢复", EVENT: "现场恢复正常，有处置后照片",
          TRAFFIC: "交通恢复正常通行", ENVIRONMENT: "复测达标", EMERGENCY: "险情排除，现场安全"}
_REPORTABLE_EXTRA = ("1102", "1103")   # noise and water pollution: citizens report those too

_ROWS = (
    # code, kind, 大类 code, 大类 zh, 大类 en, 小类 zh, 小类 en, default priority
    ("0101", COMPONENT, "01", "公用设施", "Public utilities", "井盖破损", "Damaged manhole cover", 2),
    ("0102", COMPONENT, "01", "公用设施", "Public utilities", "路灯故障", "Street light out", 3),
    ("0103", COMPONENT, "01", "公用设施", "Public utilities", "消防栓损坏", "Damaged fire hydrant", 2),
    ("0104", COMPONENT, "01", "公用设施", "Public utilities", "供水管道漏水", "Water main leak", 2),
    ("0201", COMPONENT, "02", "道路交通", "Roads and traffic", "交通信号灯故障", "Traffic signal fault", 1),
    ("0202", COMPONENT, "02", "道路交通", "Roads and traffic", "交通标志损坏", "Damaged traffic sign", 3),
    ("0203", COMPONENT, "02", "道路交通", "Roads and traffic", "护栏损坏", "Damaged guardrail", 3),
    ("0204", COMPONENT, "02", "道路交通", "Roads and traffic", "公交站亭损坏", "Damaged bus shelter", 4),
    ("0301", COMPONENT, "03", "市容环境", "City appearance", "垃圾箱损坏", "Damaged litter bin", 4),
    ("0302", COMPONENT, "03", "市容环境", "City appearance", "公厕设施损坏", "Public toilet out of order", 3),
    ("0401", COMPONENT, "04", "园林绿化", "Parks and greenery", "行道树倒伏", "Fallen street tree", 2),
    ("0402", COMPONENT, "04", "园林绿化", "Parks and greenery", "绿地损坏", "Damaged green space", 4),
    ("0501", EVENT, "05", "市容环境", "City appearance", "暴露垃圾", "Exposed rubbish", 3),
    ("0502", EVENT, "05", "市容环境", "City appearance", "道路不洁", "Dirty road", 4),
    ("0503", EVENT, "05", "市容环境", "City appearance", "积水", "Waterlogging", 2),
    ("0601", EVENT, "06", "宣传广告", "Advertising", "违规张贴小广告", "Illegal flyposting", 4),
    ("0602", EVENT, "06", "宣传广告", "Advertising", "户外广告牌破损", "Damaged billboard", 3),
    ("0701", EVENT, "07", "施工管理", "Construction", "施工扰民", "Construction noise", 3),
    ("0702", EVENT, "07", "施工管理", "Construction", "渣土撒漏", "Spilled construction waste", 3),
    ("0801", EVENT, "08", "街面秩序", "Street order", "占道经营", "Street vending on the roadway", 4),
    ("0802", EVENT, "08", "街面秩序", "Street order", "违章停车", "Illegal parking", 3),
    ("0803", EVENT, "08", "街面秩序", "Street order", "共享单车乱停放", "Misparked shared bikes", 4),
    ("0901", EVENT, "09", "突发事件", "Sudden events", "路面塌陷", "Road collapse", 1),
    ("0902", EVENT, "09", "突发事件", "Sudden events", "燃气泄漏", "Gas leak", 1),
    ("0999", EVENT, "99", "其他", "Other", "其他问题", "Other problem", 3),
    ("1001", TRAFFIC, "10", "交通运行", "Traffic", "严重拥堵", "Severe congestion", 2),
    ("1002", TRAFFIC, "10", "交通运行", "Traffic", "交通事故", "Traffic accident", 1),
    ("1101", ENVIRONMENT, "11", "生态环境", "Environment", "空气质量超标", "Air quality exceedance", 2),
    ("1102", ENVIRONMENT, "11", "生态环境", "Environment", "噪声污染", "Noise pollution", 3),
    ("1103", ENVIRONMENT, "11", "生态环境", "Environment", "水体污染", "Water pollution", 2),
    ("1201", EMERGENCY, "12", "应急管理", "Emergency", "气象灾害预警", "Severe weather warning", 1),
    ("1202", EMERGENCY, "12", "应急管理", "Emergency", "火灾", "Fire", 1),
    ("1203", EMERGENCY, "12", "应急管理", "Emergency", "地质灾害", "Geological hazard", 1),
)


def demo_categories() -> tuple[Category, ...]:
    return tuple(
        Category(code, kind, group_zh, group_en, name_zh, name_en, priority, group_code=group,
                 reportable=kind in (COMPONENT, EVENT) or code in _REPORTABLE_EXTRA,
                 limits=_LIMITS[kind], standard_open=_OPEN[kind], standard_close=_CLOSE[kind])
        for code, kind, group, group_zh, group_en, name_zh, name_en, priority in _ROWS)


DEMO_CATEGORIES: tuple[Category, ...] = demo_categories()
BY_CODE = {c.code: c for c in DEMO_CATEGORIES}   # read-only lookup of the demo package's taxonomy
