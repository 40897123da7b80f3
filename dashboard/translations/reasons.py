"""The reasons the core gives when it refuses something (dashboard/services/incident_actions.py,
incident_queries.py, domain/workflow.py), in Chinese. The core writes them in English, for the API
and the logs; screens show them through dashboard.reasons.localize_reason. Placeholders are named as
in the English text; a value quoted there ('water') arrives without its quotes. Values that are
roles, actions or statuses are shown by their names on screen."""
from __future__ import annotations

# English template → Chinese template
REASONS: dict[str, str] = {
    "the database did not answer, so this action may not have been recorded; reload the incident and try "
    "again (a repeat is refused if it was)": "数据库未响应，此操作可能未被记录；请刷新案件后重试（若已记录，重复操作会被拒绝）",
    "unknown action {action}; known actions: {known}": "未知操作 {action}；可用操作：{known}",
    "version must be the integer version of the incident you acted on": "版本号必须是您所操作案件的整数版本号",
    "no incident {id}": "没有编号为 {id} 的案件",
    "a {role} may not {action} incidents": "{role}无权对案件执行“{action}”",
    "role {role} may not {action}": "{role}无权执行“{action}”",
    "cannot {action} an incident that is {status}; allowed from: {allowed}":
        "案件当前为“{status}”，不能执行“{action}”；仅可从以下状态执行：{allowed}",
    "{action} needs a reason": "“{action}”需要填写原因",
    "this incident belongs to another department": "该案件属于其他部门",
    "choose a department": "请选择处置部门",
    "unknown department {code}": "未知部门 {code}",
    "deadline {given} is not an ISO 8601 date and time": "处置时限 {given} 不是有效的日期时间（ISO 8601）",
    "the deadline must be in the future": "处置时限必须晚于当前时间",
    "priority must be 1, 2, 3 or 4, not {value}": "优先级必须为 1、2、3 或 4，而不是 {value}",
    "{key} is required": "{key} 为必填项",
    "unknown category {category}": "未知案件类别 {category}",
    "merge needs 'into': the id of the incident to merge into": "合并需要指定目标案件",
    "an incident cannot be merged into itself": "案件不能合并到自身",
    "no incident {into} to merge into": "没有可合并的目标案件 {into}",
    "incident {into} is {status}; merge into an open incident": "案件 {into} 为“{status}”，请合并到未结案件",
    "the incident is with that department already": "案件已在该部门",
    "evidence_url must be an http(s) link": "佐证链接必须是 http(s) 地址",
    "the incident is under supervision already": "案件已在督办中",
    "the incident is P{priority} already": "案件优先级已是 P{priority}",
    "a {role} may not read incidents": "{role}无权查看案件",
    "limit and offset must be integers": "limit 和 offset 必须是整数",
    "cannot order by {order}": "不能按 {order} 排序",
}
