"""The category taxonomy's shape: 数字城管 部件 (components) and 事件 (events) classes, plus traffic,
environment and emergency. Which categories a city has is data (its city package), not code.

A category code is a string ("0101" stays "0101"; 4-digit GB/T 30428.2 codes and 5-digit codes both
work, no length is assumed); it is also the Open311 service_code.
"""
from __future__ import annotations

from dataclasses import dataclass

COMPONENT = "component"      # 部件
EVENT = "event"              # 事件
TRAFFIC = "traffic"
ENVIRONMENT = "environment"
EMERGENCY = "emergency"
DOMAINS = (COMPONENT, EVENT, TRAFFIC, ENVIRONMENT, EMERGENCY)
KINDS = DOMAINS

# How a package writes a kind, and every way it may be written.
KIND_WORDS = {COMPONENT: "部件", EVENT: "事件", TRAFFIC: "traffic", ENVIRONMENT: "environment", EMERGENCY: "emergency"}
_KIND_READ = {**{v: k for k, v in KIND_WORDS.items()}, **{k: k for k in DOMAINS},
              "交通": TRAFFIC, "环境": ENVIRONMENT, "应急": EMERGENCY}

PRIORITIES = (1, 2, 3, 4)    # 1 特急 … 4 一般


def parse_kind(text: str) -> str | None:
    return _KIND_READ.get(str(text).strip().lower()) or _KIND_READ.get(str(text).strip())


@dataclass(frozen=True)
class Category:
    code: str
    domain: str                 # the kind: COMPONENT, EVENT, TRAFFIC, ENVIRONMENT, EMERGENCY
    group_zh: str               # 大类
    group_en: str
    name_zh: str                # 小类
    name_en: str
    default_priority: int = 3   # 1 urgent … 4 low
    group_code: str = ""
    reportable: bool = False    # citizens may report it through Open311
    limits: tuple[str, ...] = ()   # 处置时限 per priority P1..P4 as TimeLimit text ("2h", "4wh", "3wd")
    standard_open: str = ""     # 立案标准
    standard_close: str = ""    # 结案标准
    retired: bool = False       # readable in history and evaluation; not for new cases
    needs_verification: bool | None = None   # a passed 核查 before close; None: the package does not say

    @property
    def kind(self) -> str:
        return self.domain

    @property
    def group_key(self) -> str:
        """What a routing rule names for the whole 大类: "kind:group_code"."""
        return f"{self.domain}:{self.group_code or self.group_zh}"

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en

    def group(self, lang: str) -> str:
        return self.group_zh if lang.startswith("zh") else self.group_en

    def limit(self, priority: int) -> str | None:
        """The 处置时限 text for a priority, or None when the category sets none."""
        if 1 <= priority <= len(self.limits):
            return self.limits[priority - 1] or None
        return None
