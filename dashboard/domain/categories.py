"""The category taxonomy: 数字城管 部件 (components) and 事件 (events) classes, after the
national city-management standard's major classes, plus traffic, environment and emergency.

A category code is a string ("0101" stays "0101"); it is also the Open311 service_code.
"""
from __future__ import annotations

from dataclasses import dataclass

COMPONENT = "component"      # 部件
EVENT = "event"              # 事件
TRAFFIC = "traffic"
ENVIRONMENT = "environment"
EMERGENCY = "emergency"
DOMAINS = (COMPONENT, EVENT, TRAFFIC, ENVIRONMENT, EMERGENCY)


@dataclass(frozen=True)
class Category:
    code: str
    domain: str
    group_zh: str
    group_en: str
    name_zh: str
    name_en: str
    default_priority: int = 3   # 1 urgent … 4 low

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en


_C = Category
CATEGORIES: tuple[Category, ...] = (
    # 部件 · 公用设施
    _C("0101", COMPONENT, "公用设施", "Public utilities", "井盖破损", "Damaged manhole cover", 2),
    _C("0102", COMPONENT, "公用设施", "Public utilities", "路灯故障", "Street light out", 3),
    _C("0103", COMPONENT, "公用设施", "Public utilities", "消防栓损坏", "Damaged fire hydrant", 2),
    _C("0104", COMPONENT, "公用设施", "Public utilities", "供水管道漏水", "Water main leak", 2),
    # 部件 · 道路交通
    _C("0201", COMPONENT, "道路交通", "Roads and traffic", "交通信号灯故障", "Traffic signal fault", 1),
    _C("0202", COMPONENT, "道路交通", "Roads and traffic", "交通标志损坏", "Damaged traffic sign", 3),
    _C("0203", COMPONENT, "道路交通", "Roads and traffic", "护栏损坏", "Damaged guardrail", 3),
    _C("0204", COMPONENT, "道路交通", "Roads and traffic", "公交站亭损坏", "Damaged bus shelter", 4),
    # 部件 · 市容环境
    _C("0301", COMPONENT, "市容环境", "City appearance", "垃圾箱损坏", "Damaged litter bin", 4),
    _C("0302", COMPONENT, "市容环境", "City appearance", "公厕设施损坏", "Public toilet out of order", 3),
    # 部件 · 园林绿化
    _C("0401", COMPONENT, "园林绿化", "Parks and greenery", "行道树倒伏", "Fallen street tree", 2),
    _C("0402", COMPONENT, "园林绿化", "Parks and greenery", "绿地损坏", "Damaged green space", 4),
    # 事件 · 市容环境
    _C("0501", EVENT, "市容环境", "City appearance", "暴露垃圾", "Exposed rubbish", 3),
    _C("0502", EVENT, "市容环境", "City appearance", "道路不洁", "Dirty road", 4),
    _C("0503", EVENT, "市容环境", "City appearance", "积水", "Waterlogging", 2),
    # 事件 · 宣传广告
    _C("0601", EVENT, "宣传广告", "Advertising", "违规张贴小广告", "Illegal flyposting", 4),
    _C("0602", EVENT, "宣传广告", "Advertising", "户外广告牌破损", "Damaged billboard", 3),
    # 事件 · 施工管理
    _C("0701", EVENT, "施工管理", "Construction", "施工扰民", "Construction noise", 3),
    _C("0702", EVENT, "施工管理", "Construction", "渣土撒漏", "Spilled construction waste", 3),
    # 事件 · 街面秩序
    _C("0801", EVENT, "街面秩序", "Street order", "占道经营", "Street vending on the roadway", 4),
    _C("0802", EVENT, "街面秩序", "Street order", "违章停车", "Illegal parking", 3),
    _C("0803", EVENT, "街面秩序", "Street order", "共享单车乱停放", "Misparked shared bikes", 4),
    # 事件 · 突发事件
    _C("0901", EVENT, "突发事件", "Sudden events", "路面塌陷", "Road collapse", 1),
    _C("0902", EVENT, "突发事件", "Sudden events", "燃气泄漏", "Gas leak", 1),
    _C("0999", EVENT, "其他", "Other", "其他问题", "Other problem", 3),
    # traffic
    _C("1001", TRAFFIC, "交通运行", "Traffic", "严重拥堵", "Severe congestion", 2),
    _C("1002", TRAFFIC, "交通运行", "Traffic", "交通事故", "Traffic accident", 1),
    # environment
    _C("1101", ENVIRONMENT, "生态环境", "Environment", "空气质量超标", "Air quality exceedance", 2),
    _C("1102", ENVIRONMENT, "生态环境", "Environment", "噪声污染", "Noise pollution", 3),
    _C("1103", ENVIRONMENT, "生态环境", "Environment", "水体污染", "Water pollution", 2),
    # emergency
    _C("1201", EMERGENCY, "应急管理", "Emergency", "气象灾害预警", "Severe weather warning", 1),
    _C("1202", EMERGENCY, "应急管理", "Emergency", "火灾", "Fire", 1),
    _C("1203", EMERGENCY, "应急管理", "Emergency", "地质灾害", "Geological hazard", 1),
)

BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}

# Categories the feed rules create incidents in.
CONGESTION = "1001"
AIR_EXCEEDANCE = "1101"
SEVERE_WEATHER = "1201"
WATERLOGGING = "0503"
OTHER = "0999"


def category(code: str) -> Category:
    try:
        return BY_CODE[str(code)]
    except KeyError:
        raise KeyError(f"unknown category code {code!r}") from None
