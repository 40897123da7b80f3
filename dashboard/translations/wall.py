"""Strings of the video wall ("/wall")."""

# key → (zh-CN, en)
STRINGS: dict[str, tuple[str, str]] = {
    "wall.title": ("城市运行态势", "City at a glance"),
    "wall.map.label": ("城市运行态势地图", "City map"),

    # scenes
    "wall.scene.overview": ("城市总览", "City overview"),
    "wall.scene.traffic": ("交通运行", "Traffic"),
    "wall.scene.environment": ("生态环境", "Environment"),
    "wall.scene.emergency": ("应急管理", "Emergency"),
    "wall.scene.dispatch": ("案件处置", "Dispatch performance"),

    # key figures the operations page does not have
    "wall.fig.on_time": ("按期结案率", "Closed on time"),
    "wall.fig.avg_close": ("平均结案用时", "Avg. time to close"),
    "wall.fig.ci": ("城市拥堵指数", "Congestion index"),       # the tiles are narrow: short English
    "wall.fig.aqi": ("城市空气质量指数", "City AQI"),
    "wall.fig.primary": ("首要污染物", "Primary"),
    "wall.fig.window": ("近7日 {n} 件", "last 7 days, {n} closed"),
    "wall.fig.window_none": ("近7日无结案", "none closed in 7 days"),
    "wall.unit.hours": ("小时", "h"),
    "wall.unit.minutes": ("分钟", "min"),
    "wall.unit.days": ("天", "d"),

    # panels
    "wall.trend.hourly": ("今日每小时新增案件", "New incidents per hour today"),
    "wall.trend.ci": ("城市拥堵指数 · 近2小时", "City congestion index · last 2 h"),
    "wall.trend.aqi": ("城市AQI · 近2小时", "City AQI · last 2 h"),
    "wall.trend.collecting": ("数据积累中", "collecting"),
    "wall.trend.this_hour": ("本小时", "this hour"),
    "wall.roads.title": ("拥堵路段", "Most congested roads"),
    "wall.stations.title": ("空气质量较差站点", "Worst air quality"),
    "wall.alerts.title": ("生效预警", "Active alerts"),
    "wall.alerts.none": ("当前无生效预警", "No active alerts"),
    "wall.urgent.title": ("特急、紧急案件", "Urgent incidents"),
    "wall.urgent.none": ("当前无特急、紧急案件", "No urgent incidents"),
    "wall.status.title": ("在办案件状态", "Open incidents by status"),
    "wall.list.none": ("暂无数据", "No data"),
    "wall.ticker.title": ("最新动态", "Newest events"),
    "wall.feeds.title": ("数据源", "Feeds"),
    "wall.lag.seconds": ("{n}秒前", "{n} s ago"),
    "wall.lag.minutes": ("{n}分钟前", "{n} min ago"),
    "wall.lag.hours": ("{n}小时前", "{n} h ago"),
    "wall.lag.never": ("从未成功", "never reached"),

    # the severe event highlighted over the rotation
    "wall.spot.alert": ("重大预警", "Severe alert"),
    "wall.spot.incident": ("特急案件", "Urgent incident"),

    # the live connection, said discreetly
    "wall.live.polling": ("实时通道中断，定时刷新中", "Live channel lost, refreshing periodically"),
}
