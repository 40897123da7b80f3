"""Strings shared by every screen: chrome, sign-in, statuses, categories, levels."""

# key → (zh-CN, en)
STRINGS: dict[str, tuple[str, str]] = {
    # application chrome
    "app.title": ("城市运行管理中心", "City Operations Center"),
    "app.short": ("CityOps", "CityOps"),
    "nav.operations": ("运行总览", "Operations"),
    "nav.dispatch": ("案件派遣", "Dispatch"),
    "nav.review": ("考核评价", "Review"),
    "nav.wall": ("大屏", "Video wall"),
    "nav.feeds": ("数据接入", "Feeds"),
    "nav.audit": ("审计日志", "Audit log"),
    "nav.label": ("主导航", "Main navigation"),
    "lang.zh-CN": ("中文", "中文"),
    "lang.en": ("English", "English"),
    "lang.switch": ("English", "中文"),
    "lang.label": ("语言", "Language"),
    "clock.label": ("城市时间", "City time"),
    "user.signed_in_as": ("当前用户", "Signed in as"),
    "logout.link": ("退出", "Sign out"),
    "logout.submit": ("退出登录", "Sign out"),
    "page.not_found": ("页面不存在", "Page not found"),
    "page.not_found.back": ("返回运行总览", "Back to operations"),
    "role.admin": ("管理员", "Administrator"),
    "role.dispatcher": ("调度员", "Dispatcher"),
    "role.operator": ("部门处置员", "Department operator"),
    "role.leader": ("领导", "Leader"),
    "role.wall": ("大屏", "Video wall"),

    # sign-in (server-rendered form)
    "login.title": ("登录", "Sign in"),
    "login.subtitle": ("请使用您的账号登录", "Sign in with your account"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("用户名或密码错误", "Wrong username or password"),
    "login.throttled": ("尝试次数过多，请 {seconds} 秒后再试", "Too many attempts; try again in {seconds} s"),
    "login.expired": ("登录已超时，请重新登录", "Your session has ended; please sign in again"),

    # operations page: map and layers
    "ops.title": ("运行总览", "Operations"),
    "ops.map.label": ("城市运行地图", "City operations map"),
    "ops.layer.districts": ("行政区划", "Districts"),
    "ops.layer.segments": ("道路拥堵", "Road congestion"),
    "ops.layer.stations": ("空气质量站点", "Air quality stations"),
    "ops.layer.incidents": ("在办案件", "Open incidents"),
    "ops.layer.alerts": ("预警信息", "Emergency alerts"),
    "ops.legend.title": ("图例", "Legend"),
    "ops.legend.congestion": ("路况", "Traffic"),
    "ops.legend.aqi": ("空气质量", "Air quality"),
    "ops.legend.priority": ("案件等级", "Incident priority"),
    "ops.legend.alert": ("预警", "Alerts"),
    "ops.nodata": ("暂无数据", "No data"),

    # operations page: key figures
    "ops.figures": ("关键指标", "Key figures"),
    "ops.fig.open": ("在办案件", "Open incidents"),
    "ops.fig.new_today": ("今日新增", "New today"),
    "ops.fig.overdue": ("超期案件", "Overdue"),
    "ops.fig.closed_today": ("今日结案", "Closed today"),
    "ops.fig.ci": ("城市拥堵指数", "City congestion index"),
    "ops.fig.aqi": ("城市空气质量指数", "City AQI"),
    "ops.fig.alerts": ("生效预警", "Active alerts"),
    "ops.fig.primary": ("首要污染物", "Primary pollutant"),
    "ops.fig.primary_none": ("无", "none"),

    # operations page: events, feeds, live status
    "ops.events": ("最新动态", "Newest events"),
    "ops.events.empty": ("暂无动态", "Nothing yet"),
    "ops.feeds": ("数据源", "Feeds"),
    "live.connecting": ("正在连接实时更新…", "Connecting live updates…"),
    "live.live": ("实时", "Live"),
    "live.paused": ("实时更新已暂停，正在重连…", "Live updates paused, reconnecting…"),
    "live.reloading": ("正在重新加载…", "Reloading…"),

    # event kinds and sources
    "event.kind.incident": ("案件", "Incident"),
    "event.kind.alert": ("预警", "Alert"),
    "event.kind.congestion": ("拥堵", "Congestion"),
    "event.kind.air": ("空气", "Air"),
    "event.kind.other": ("动态", "Event"),
    "source.open311": ("城管热线", "City hotline"),
    "source.traffic": ("交通", "Traffic"),
    "source.gtfs_rt": ("公交", "Buses"),
    "source.sensorthings": ("环境监测", "Environment"),
    "source.cap": ("应急预警", "Emergency alerts"),
    "source.manual": ("人工录入", "Entered by hand"),
    "source.rules": ("规则", "Rules"),

    # feed health
    "feed.state.ok": ("正常", "OK"),
    "feed.state.degraded": ("异常", "Degraded"),
    "feed.state.stale": ("数据陈旧", "Stale"),
    "feed.state.down": ("中断", "Down"),

    # incident statuses (dashboard.domain.workflow)
    "status.reported": ("信息收集", "Reported"),
    "status.verified": ("案卷建立", "Verified"),
    "status.rejected": ("不予立案", "Rejected"),
    "status.dispatched": ("任务派遣", "Dispatched"),
    "status.accepted": ("任务处理", "In progress"),
    "status.returned": ("退回", "Returned"),
    "status.fixed": ("处理反馈", "Reported fixed"),
    "status.closed": ("核查结案", "Closed"),
    "status.merged": ("已合并", "Merged"),
    "incident.overdue": ("已超期", "Overdue"),

    # priorities
    "priority.1": ("特急", "P1 urgent"),
    "priority.2": ("紧急", "P2 high"),
    "priority.3": ("一般", "P3 normal"),
    "priority.4": ("较低", "P4 low"),

    # congestion levels (dashboard.domain.congestion)
    "congestion.free": ("畅通", "Free flow"),
    "congestion.light": ("基本畅通", "Mostly free"),
    "congestion.moderate": ("轻度拥堵", "Light congestion"),
    "congestion.heavy": ("中度拥堵", "Moderate congestion"),
    "congestion.severe": ("严重拥堵", "Severe congestion"),
    "congestion.unknown": ("无数据", "No data"),

    # AQI levels (dashboard.domain.aqi)
    "aqi.excellent": ("优", "Excellent"),
    "aqi.good": ("良", "Good"),
    "aqi.light": ("轻度污染", "Lightly polluted"),
    "aqi.moderate": ("中度污染", "Moderately polluted"),
    "aqi.heavy": ("重度污染", "Heavily polluted"),
    "aqi.severe": ("严重污染", "Severely polluted"),
    "aqi.epa_good": ("良好", "Good"),
    "aqi.epa_moderate": ("中等", "Moderate"),
    "aqi.epa_usg": ("对敏感人群不健康", "Unhealthy for sensitive groups"),
    "aqi.epa_unhealthy": ("不健康", "Unhealthy"),
    "aqi.epa_very_unhealthy": ("非常不健康", "Very unhealthy"),
    "aqi.epa_hazardous": ("危险", "Hazardous"),
    "aqi.unknown": ("无数据", "No data"),

    # pollutants
    "pollutant.pm25": ("PM2.5", "PM2.5"),
    "pollutant.pm10": ("PM10", "PM10"),
    "pollutant.o3": ("臭氧", "O₃"),
    "pollutant.no2": ("二氧化氮", "NO₂"),
    "pollutant.so2": ("二氧化硫", "SO₂"),
    "pollutant.co": ("一氧化碳", "CO"),

    # CAP alert severities
    "severity.Extreme": ("特别严重", "Extreme"),
    "severity.Severe": ("严重", "Severe"),
    "severity.Moderate": ("较重", "Moderate"),
    "severity.Minor": ("一般", "Minor"),
    "severity.Unknown": ("未知", "Unknown"),

    # units and small words
    "unit.kmh": ("公里/小时", "km/h"),
    "word.speed": ("车速", "Speed"),
    "word.index": ("指数", "Index"),
    "word.updated": ("更新于", "Updated"),
    "word.expires": ("失效时间", "Expires"),
    "word.deadline": ("处置时限", "Deadline"),
    "word.department": ("责任部门", "Department"),
}
