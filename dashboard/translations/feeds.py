"""The Feeds page (数据接入): feed health cards and the dead letters."""

# key → (zh-CN, en)
STRINGS: dict[str, tuple[str, str]] = {
    "feeds.title": ("数据接入", "Feeds"),
    "feeds.subtitle": ("各数据源的接入状态与无法入库的消息", "How each source system is feeding in, and what could not be stored"),
    "feeds.summary.ok": ("全部数据源正常", "All feeds OK"),
    "feeds.summary.problems": ("{n} 个数据源需要关注", "Feeds needing attention: {n}"),
    "feeds.summary.none": ("尚无数据源上报", "No feed has reported yet"),
    "feeds.cards": ("数据源状态", "Feed health"),

    # one card per connector
    "feeds.last_success": ("上次成功", "Last success"),
    "feeds.never": ("从未成功", "Never"),
    "feeds.lag": ("延迟", "Lag"),
    "feeds.events": ("已接收事件", "Events ingested"),
    "feeds.dead_letters": ("死信", "Dead letters"),
    "feeds.failures": ("连续失败", "Failures in a row"),
    "feeds.error": ("最近错误", "Last error"),
    "feeds.error.none": ("无", "None"),
    "feeds.error.earlier": ("上次失败于 {time}，之后已恢复", "Last failed at {time}, recovered since"),
    "feeds.hint.ok": ("数据按时到达", "Data arriving on time"),
    "feeds.hint.degraded": ("最近一次请求失败，正在重试", "The last request failed; retrying"),
    "feeds.hint.stale": ("超过 {limit} 没有新数据", "No fresh data for more than {limit}"),
    "feeds.hint.down": ("连续失败，已放缓重试", "Failing again and again; retrying gently"),

    # relative times and durations (client-side)
    "feeds.ago.now": ("刚刚", "just now"),
    "feeds.ago.s": ("{n} 秒前", "{n} s ago"),
    "feeds.ago.m": ("{n} 分钟前", "{n} min ago"),
    "feeds.ago.h": ("{n} 小时前", "{n} h ago"),
    "feeds.ago.d": ("{n} 天前", "{n} d ago"),
    "feeds.dur.s": ("{n} 秒", "{n} s"),
    "feeds.dur.m": ("{n} 分钟", "{n} min"),
    "feeds.dur.h": ("{n} 小时", "{n} h"),
    "feeds.dur.d": ("{n} 天", "{n} d"),

    # dead letters
    "feeds.dl.title": ("死信", "Dead letters"),
    "feeds.dl.explain": ("无法解析或校验未通过的消息，已连同原因保存，其余数据照常入库",
                         "Messages that could not be parsed or were invalid, kept with the reason; the rest went in"),
    "feeds.dl.connector": ("数据源", "Feed"),
    "feeds.dl.all": ("全部数据源", "All feeds"),
    "feeds.dl.time": ("接收时间", "Received"),
    "feeds.dl.reason": ("原因", "Reason"),
    "feeds.dl.payload": ("原始报文", "Raw payload"),
    "feeds.dl.count": ("最新 {shown} 条，共 {total} 条", "Newest {shown} of {total}"),
    "feeds.dl.empty": ("没有死信", "No dead letters"),
    "feeds.loading": ("正在加载…", "Loading…"),
    "feeds.dl.admin_only": ("原始报文仅管理员可见", "The raw payload is shown to administrators only"),
    "feeds.dl.pick": ("在左侧选择一条死信查看详情", "Select a dead letter to see it in full"),
    "feeds.dl.detail": ("死信详情", "Dead letter"),
    "feeds.dl.size": ("共 {n} 个字符", "{n} characters"),
    "feeds.dl.gone": ("这条死信已不存在", "This dead letter no longer exists"),
}
