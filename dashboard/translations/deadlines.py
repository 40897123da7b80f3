"""Deadlines and the working calendar (issue 14): the admins' notice that the calendar runs out, the
deadline's basis on the dispatch page."""
STRINGS = {
    "dl.notice.ends": ("工作日历 {date} 到期", "Calendar ends {date}"),
    "dl.notice.unknown": ("{year} 年节假日未知", "{year} holidays unknown"),
    "dl.notice.ends_long": ("工作日历只到 {date}（还有 {days} 天）：之后的处置时限将暂按周一至周五计算（暂定）。"
                            "请在城市包日历中补充 {year} 年的节假日和调休，或升级 chinese-calendar。",
                            "The working calendar ends on {date} ({days} days left): later deadlines will count "
                            "Monday to Friday (provisional). Add {year}'s holidays and make-up working days to the "
                            "city package's calendar, or upgrade chinese-calendar."),
    "dl.notice.unknown_long": ("工作日历不含 {year} 年的节假日：处置时限暂按周一至周五计算（暂定）。"
                               "请在城市包日历中补充 {year} 年的节假日和调休，或升级 chinese-calendar。",
                               "The working calendar has no holidays for {year}: deadlines count Monday to Friday "
                               "(provisional). Add {year}'s holidays and make-up working days to the city "
                               "package's calendar, or upgrade chinese-calendar."),
    "dl.provisional": ("暂定", "provisional"),
    "dl.provisional.title": ("该年节假日未知，时限按周一至周五暂定", "The year's holidays are not known: the deadline "
                             "counts Monday to Friday for now"),
    "dl.basis": ("时限依据", "Deadline basis"),
}
