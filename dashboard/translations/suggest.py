"""Strings of the dispatch suggestions (智能派单) in the dispatch detail."""

# key → (zh-CN, en)
STRINGS: dict[str, tuple[str, str]] = {
    "sug.title": ("智能派单建议", "Suggested by CityOps"),
    "sug.model": ("模型 v{v}", "model v{v}"),
    "sug.categories": ("类别", "Category"),
    "sug.departments": ("责任部门", "Department"),
    "sug.confidence": ("置信度 {p}", "confidence {p}"),
    "sug.rule": ("派遣规则：{text}", "Routing rule: {text}"),
    "sug.similar": ("相似的已结案件", "Similar closed cases"),
    "sug.similar_item": ("#{id} · {department} · 相似度 {s}", "#{id} · {department} · similarity {s}"),
    "sug.duplicates": ("内容相似的在办案件（可合并）", "Open cases that read alike (merge?)"),
    "sug.duplicate_item": ("{code} · 相距 {m} 米 · 文字相似度 {s}", "{code} · {m} m away · text similarity {s}"),
    "sug.auto": ("已由系统自动派遣（置信度达到该类别的阈值）",
                 "Dispatched by CityOps itself (confidence above the category's threshold)"),
    "sug.pending": ("建议生成中……", "Suggestion on its way…"),
}
