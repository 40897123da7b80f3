"""Warning signals (预警信号) the demo's observatory issues: Chinese colour levels map to CAP severity
(蓝 Minor, 黄 Moderate, 橙 Severe, 红 Extreme)."""
from __future__ import annotations

COLOURS = {"蓝色": ("blue", "Minor", "Future"), "黄色": ("yellow", "Moderate", "Expected"),
           "橙色": ("orange", "Severe", "Immediate"), "红色": ("red", "Extreme", "Immediate")}

# key: (event_zh, event_en, CAP category, description_zh, description_en, instruction_zh, instruction_en)
EVENTS = {
    "gale": ("大风", "Gale", "Met",
             "预计未来24小时内，我市将出现平均风力6级以上、阵风8级以上大风。",
             "Mean winds of force 6 or more, gusts of force 8, are expected within 24 hours.",
             "加固围板、棚架、广告牌等易被风吹动的搭建物；行人尽量少骑自行车，不要在广告牌、临时搭建物下逗留。",
             "Secure hoardings, scaffolds and billboards; avoid cycling and keep away from temporary structures."),
    "fog": ("大雾", "Dense fog", "Met",
            "预计未来12小时内，我市部分地区将出现能见度小于500米的浓雾。",
            "Dense fog with visibility under 500 m is expected in parts of the city within 12 hours.",
            "驾驶人员注意雾的变化，小心驾驶；机场、高速公路、轮渡码头注意交通安全。",
            "Drivers take care as the fog changes; airports, expressways and ferries watch traffic safety."),
    "heat": ("高温", "Heat", "Met",
             "预计连续三天日最高气温将在35℃以上。",
             "Maximum temperatures of 35 °C or more are expected for three days.",
             "午后尽量减少户外活动；对老、弱、病、幼人群提供防暑降温指导。",
             "Limit outdoor activity in the afternoon; look after the elderly, the sick and children."),
    "lightning": ("雷电", "Lightning", "Met",
                  "6小时内可能发生雷电活动，可能会造成雷电灾害事故。",
                  "Thunderstorms with lightning are likely within 6 hours.",
                  "人员应当留在室内，并关好门窗；户外人员应当躲入有防雷设施的建筑物或者汽车内。",
                  "Stay indoors with doors and windows shut; people outside shelter in protected buildings or cars."),
    "haze": ("霾", "Haze", "Met",
             "预计未来24小时内可能出现能见度小于3000米的霾，PM2.5浓度较高。",
             "Haze with visibility under 3000 m and high PM2.5 is likely within 24 hours.",
             "减少户外活动，呼吸道疾病患者尽量避免外出。",
             "Reduce outdoor activity; people with respiratory illness should stay indoors."),
    "rainstorm": ("暴雨", "Rainstorm", "Met",
                  "预计未来3小时内，我市大部分地区将出现50毫米以上降水，局部地区可能出现城市内涝。",
                  "More than 50 mm of rain is expected within 3 hours over most of the city; local flooding is likely.",
                  "政府及相关部门按照职责做好防暴雨应急工作；切断有危险的室外电源，暂停户外作业；"
                  "驾驶人员注意道路积水和交通阻断，确保安全。",
                  "Authorities take rainstorm emergency measures; cut dangerous outdoor power and stop outdoor work; "
                  "drivers beware of flooded roads."),
    "typhoon": ("台风", "Typhoon", "Met",
                "受台风影响，预计未来24小时内我市平均风力可达10级以上，并伴有强降雨。",
                "Under the typhoon, mean winds of force 10 or more with heavy rain are expected within 24 hours.",
                "停止集会、停课、停业（除特殊行业）；人员应当尽可能待在防风安全的地方，不要随意外出。",
                "Stop gatherings, classes and business (except essential services); stay in wind-safe places."),
    "pollution": ("重污染天气", "Heavy air pollution", "Env",
                  "受不利气象条件影响，预计未来48小时我市将出现重度污染天气，AQI日均值将超过200。",
                  "Unfavourable weather will bring heavy air pollution for 48 hours; the daily AQI will exceed 200.",
                  "儿童、老年人和心脏病、肺病患者应停留在室内；一般人群减少户外运动；建议采取公交出行。",
                  "Children, the elderly and people with heart or lung disease stay indoors; others reduce outdoor "
                  "exercise and take public transport."),
}

ORDINARY = (("gale", "蓝色"), ("fog", "黄色"), ("heat", "黄色"), ("lightning", "黄色"), ("haze", "黄色"),
            ("gale", "黄色"))
ISSUER = ("澜海市气象台", "Lanhai Meteorological Observatory")
ENV_ISSUER = ("澜海市生态环境局", "Lanhai Ecology and Environment Bureau")
SENDER = "warning@qx.lanhai.example"
