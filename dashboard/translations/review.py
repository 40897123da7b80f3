"""The leaders' review page (综合评价) and its take-away report."""

# key → (zh-CN, en)
STRINGS: dict[str, tuple[str, str]] = {
    "rev.title": ("综合评价", "Review"),
    "rev.subtitle": ("各部门履职情况、趋势、热点与案件明细", "How departments deliver, trends, hot spots and the incidents behind them"),

    # period picker
    "rev.period": ("统计周期", "Period"),
    "rev.period.this_week": ("本周", "This week"),
    "rev.period.last_week": ("上周", "Last week"),
    "rev.period.this_month": ("本月", "This month"),
    "rev.period.last_month": ("上月", "Last month"),
    "rev.period.custom": ("自定义", "Custom"),
    "rev.period.range": ("{first} 至 {last}", "{first} to {last}"),
    "rev.period.compare": ("对比 {first} 至 {last}", "Compared with {first} to {last}"),
    "rev.period.range_to_date": ("{first} 至 {last} {time}（截至目前）", "{first} to {last} {time} (to date)"),
    "rev.period.compare_to_date": ("对比上期同期 {first} 至 {last} {time}", "Compared with the same span before: {first} to {last} {time}"),
    "rev.period.apply": ("查看", "Show"),

    # figures
    "rev.fig.due": ("应结案件", "Due"),
    "rev.fig.closure_rate": ("结案率", "Closure rate"),
    "rev.fig.on_time_rate": ("按期结案率", "On-time closure"),
    "rev.fig.disposal_rate": ("处置率", "Disposal rate"),
    "rev.fig.rework_rate": ("返工率", "Rework rate"),
    "rev.fig.return_rate": ("退回率", "Return rate"),
    "rev.fig.verify_fail_rate": ("核查不通过率", "Checks failed"),
    "rev.fig.verify_mean": ("平均核查时长", "Mean time to verify"),
    "rev.fig.accept_mean": ("平均受理时长", "Mean time to accept"),
    "rev.fig.accept_p90": ("受理时长 P90", "Time to accept, 90th pct"),
    "rev.fig.close_mean": ("平均结案时长", "Mean time to close"),
    "rev.fig.close_p90": ("结案时长 P90", "Time to close, 90th pct"),
    "rev.fig.overdue": ("超期案件", "Overdue"),
    "rev.fig.supervised": ("督办案件", "Under supervision"),
    "rev.fig.open_overdue": ("往期超期未结", "Still overdue from before"),
    "rev.backlog.note": ("另有 {n} 件案件在本周期之前已超期、至今未结案，最久超期 {age}。",
                         "{n} more incidents were already overdue before this period and are still open; the longest by {age}."),
    "rev.backlog.none": ("本周期之前超期的案件均已结案。", "Nothing overdue from before this period is still open."),

    # definitions (tap a figure)
    "rev.def.due": ("截止时间落在本周期内的案件，扣除经批准挂起（暂停计时）的案件。当前流程尚无挂起操作，挂起数为 0。",
                    "Incidents whose deadline falls in the period, less those suspended with approval. The workflow has no suspend action yet, so none are suspended."),
    "rev.def.closure_rate": ("已结案 ÷ 应结案件。结案后被重新打开、尚未再次结案的案件不算已结案。",
                             "Closed ÷ due. An incident reopened after closure and not closed again does not count as closed."),
    "rev.def.on_time_rate": ("在截止时间前（含）结案 ÷ 应结案件。", "Closed by the deadline ÷ due."),
    "rev.def.disposal_rate": ("在截止时间前（含）首次反馈处置完毕的 ÷ 应处置数。应处置：已派遣的案件中，在本周期内"
                              "且在此刻之前到期的——截止前已反馈处置完毕的按首次反馈时间计，其余按截止时间计。"
                              "截止时间未到、尚未处置的案件（如昨天刚派遣的）不计入，因此进行中的周期与上期同期可比。",
                              "First reported fixed by the deadline ÷ due for disposal. Due for disposal: dispatched "
                              "incidents that fell due in the period and before now — when first reported fixed, if by "
                              "the deadline, otherwise at the deadline. A case whose deadline has not come and that is "
                              "not fixed yet (one dispatched yesterday, say) is not counted, so a period still running "
                              "compares like with like with the same span before."),
    "rev.def.rework_rate": ("本周期派遣且已反馈处置的案件中，被退回返工或结案后重新打开的 ÷ 已反馈处置数。",
                            "Of incidents dispatched in the period and reported fixed: sent back for rework or reopened ÷ reported fixed."),
    "rev.def.return_rate": ("本周期派遣的案件中，被部门以非本部门职责退回的 ÷ 派遣数。",
                            "Of incidents dispatched in the period: returned as not the department's ÷ dispatched."),
    "rev.def.verify_fail_rate": ("本周期派遣的案件中，巡查员现场核查未通过的 ÷ 已出结果的核查数（每次核查计一次，"
                                 "尚未出结果的不计）。",
                                 "Of incidents dispatched in the period: inspectors' on-site checks (核查) that failed ÷ "
                                 "checks with a result (each check counts once; checks still open are left out)."),
    "rev.def.verify_mean": ("本周期派遣的案件中，从调度员要求核查到巡查员给出结果的平均时长（每次已出结果的核查计一次）。",
                            "Of incidents dispatched in the period: mean time from the dispatcher asking for a check "
                            "to the inspector's result (each check with a result counts once)."),
    "rev.def.accept_mean": ("本周期派遣的案件从首次派遣到首次受理的平均时长。",
                            "Mean time from first dispatch to first acceptance, for incidents dispatched in the period."),
    "rev.def.accept_p90": ("同上时长的第 90 百分位数（连续插值）：九成案件在此时间内受理。",
                           "90th percentile (interpolated) of the same times: nine in ten were accepted within it."),
    "rev.def.close_mean": ("应结案件中已结案者从立案到结案的平均时长。",
                           "Mean time from creation to closure, for due incidents that are closed."),
    "rev.def.close_p90": ("同上时长的第 90 百分位数（连续插值）。", "90th percentile (interpolated) of the same times."),
    "rev.def.overdue": ("应结案件中已过截止时间而未按期结案的（仍未结案或逾期结案）。按截止时间所在周期统计，"
                        "因此与运行总览和大屏上的“超期在办”（此刻所有未结案且已超期的案件）不同。",
                        "Due incidents past their deadline and not closed by it (still open, or closed late). Counted by "
                        "the period the deadline falls in, so it differs from “Open, overdue” on the operations "
                        "screen and the wall (every open incident past its deadline, now)."),
    "rev.def.open_overdue": ("截止时间在本周期开始之前、至今仍未结案的案件。它们不属于本周期的应结案件，但仍然超期，在此单独列出。",
                             "Incidents whose deadline passed before this period began and that are still open. They are not due in this period, yet still overdue, so they are listed here."),
    "rev.def.supervised": ("应结案件中被督办的。", "Due incidents flagged for supervision."),
    "rev.def.grades": ("颜色：绿 达标，黄 需关注，红 未达标（达标线由管理员设定）。",
                       "Colours: green on target, amber watch, red off target (targets set by the administrator)."),
    "rev.def.show_incidents": ("查看相关案件", "Show the incidents"),
    "rev.def.close": ("关闭", "Close"),

    # league and drill-down
    "rev.league": ("部门排名", "League table"),
    "rev.breakdown.department": ("按部门", "By department"),
    "rev.breakdown.category": ("按类别", "By category"),
    "rev.breakdown.district": ("按区域", "By district"),
    "rev.col.rank": ("名次", "Rank"),
    "rev.col.name": ("名称", "Name"),
    "rev.col.change": ("较上期", "vs previous"),
    "rev.rank.up": ("上升 {n} 位", "up {n}"),
    "rev.rank.down": ("下降 {n} 位", "down {n}"),
    "rev.rank.same": ("持平", "same"),
    "rev.rank.new": ("新上榜", "new"),
    "rev.crumb.city": ("全市", "Whole city"),
    "rev.drill.hint": ("点按一行查看其明细", "Tap a row to drill down"),
    "rev.none": ("本周期无数据", "Nothing in this period"),

    # incidents behind a figure
    "rev.inc.title": ("{figure}：相关案件", "{figure}: the incidents behind it"),
    "rev.inc.count": ("共 {total} 件，显示前 {shown} 件", "{total} incidents, showing the first {shown}"),
    "rev.inc.count.one": ("共 1 件", "1 incident"),
    "rev.inc.count.all": ("共 {total} 件", "{total} incidents"),
    "rev.inc.code": ("编号", "Code"),
    "rev.inc.title_col": ("标题", "Title"),
    "rev.inc.status": ("状态", "Status"),
    "rev.inc.department": ("部门", "Department"),
    "rev.inc.deadline": ("截止时间", "Deadline"),
    "rev.inc.closed": ("结案时间", "Closed"),
    "rev.inc.open": ("在派遣台打开", "Open in Dispatch"),
    "rev.inc.history": ("查看处置过程", "Show its history"),
    "rev.inc.history_of": ("{code} 的处置过程", "History of {code}"),
    "rev.inc.overdue_by": ("超期", "Overdue by"),

    # trends, hot spots, environment
    "rev.trend.daily": ("每日新增与结案", "Incidents in and closed per day"),
    "rev.trend.in": ("新增", "In"),
    "rev.trend.closed": ("结案", "Closed"),
    "rev.trend.weekly": ("每周按期结案率", "On-time closure rate per week"),
    "rev.heat": ("案件热点", "Hot spots"),
    "rev.heat.all": ("全部类别", "All categories"),
    "rev.heat.count": ("{n} 件", "{n}"),
    "rev.env": ("环境与交通", "Environment and traffic"),
    "rev.env.aqi_days": ("空气质量天数", "Days by air quality"),
    "rev.env.no_aqi": ("本周期无空气质量数据", "No air readings in this period"),
    "rev.env.worst_hours": ("最拥堵时段", "Worst congestion hours"),
    "rev.env.no_traffic": ("本周期无路况数据", "No traffic readings in this period"),
    "rev.env.hour": ("{h}:00–{h2}:00", "{h}:00–{h2}:00"),
    "rev.env.worst_day": ("污染最重：{day}，AQI {aqi}", "Worst air: {day}, AQI {aqi}"),

    # replay
    "rev.replay": ("回放", "Replay"),
    "rev.replay.hint": ("拖动时间轴，查看当时的运行态势", "Drag the time line to see the picture as it was"),
    "rev.replay.open": ("在办", "Open"),
    "rev.replay.overdue": ("超期", "Overdue"),
    "rev.replay.alerts": ("预警", "Alerts"),
    "rev.replay.max_aqi": ("最高 AQI", "Highest AQI"),
    "rev.replay.congested": ("拥堵路段", "Congested segments"),

    # take-away
    "rev.export": ("导出", "Take away"),
    "rev.export.pdf": ("PDF 报告", "PDF report"),
    "rev.export.csv": ("CSV 表格", "CSV table"),
    "rev.export.xlsx": ("Excel 表格", "Excel workbook"),
    "rev.report.title": ("{city}城市运行综合评价报告", "{city} city operations review"),
    "rev.report.generated": ("生成于 {time}", "Generated {time}"),
    "rev.report.key_figures": ("关键指标", "Key figures"),
    "rev.report.figure": ("指标", "Figure"),
    "rev.report.value": ("本期", "This period"),
    "rev.report.before": ("上期", "Previous"),
    "rev.report.charts": ("趋势", "Trends"),
    "rev.report.hot_spots": ("热点区域（前 10）", "Hot spots (top 10)"),
    "rev.report.cell": ("位置", "Where"),
    "rev.report.worst_overdue": ("超期最久的案件", "Longest overdue incidents"),
    "rev.report.none": ("无", "None"),
    "rev.report.scope": ("范围", "Covers"),
    "rev.csv.scope": ("范围", "Covers"),
    "rev.csv.hours": (" (小时)", " (hours)"),
    "rev.place.near": ("近{road}", "near {road}"),
    "rev.place.unnamed": ("市区外围", "Outskirts"),
    "rev.unit.h": ("{n} 小时", "{n} h"),
    "rev.unit.d": ("{n} 天", "{n} d"),
    "rev.unit.min": ("{n} 分钟", "{n} min"),
}
