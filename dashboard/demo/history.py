"""The demo city's past: on first start, the last weeks of incidents with their whole history
(report → verify → dispatch → accept → fixed → close, with returns, reworks, supervision, some late,
a few rejected, the newest still open), so the leaders' review and the dispatch figures have
something to show from the first minute.

Written in bulk straight into `incidents` and `incident_history` (as the benchmarks fill a store):
thousands of incidents through the action service would take minutes. Deterministic for a seed and a
`now`. Only the demo calls it, only on an empty incidents table.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from dashboard.domain import workflow
from dashboard.demo.taxonomy import BY_CODE
from dashboard.domain.city import City
from dashboard.services.deadline_rules import DETAILS_KEY, deadline_for
from dashboard.store import schema as t

from . import names
from .departments import responsible
from .ownership import owner as true_owner
from .simulation import citizen_texts as citizen, report_texts as texts

SOURCE_REF_PREFIX = "history-"   # the workforce leaves these alone: the backlog stays a backlog
PER_DAY = 70                     # reports a day on average (weekends fewer)
REJECT_SHARE = 0.03
RETURN_SHARE = 0.05              # the live workforce's share; the past returns what was sent to the wrong place
MISDISPATCH_SHARE = 0.03         # the first dispatch went to a department that is not the owner
KNOWS_OWNER_SHARE = 0.45         # where the rule is wrong, the dispatcher knows the owner from the start
REWORK_SHARE = 0.08
LATE_SHARE = 0.12
HOT_SPOTS = 8
HOT_SPOT_SHARE = 0.3
STUCK_SHARE = 0.015              # older cases still open (hard ones, the backlog)
RETURN_REASONS = ("不属于本部门职责范围，请改派。", "现场核实为其他单位管养设施。", "权属不清，经核实不属我单位管养。",
                  "属地不符，请派至属地单位。")
REWORK_REASONS = ("复核发现问题未彻底解决，请返工。", "现场照片与描述不符，请重新处置。")
REJECT_REASONS = ("信息不实，现场未发现问题。", "重复反映，已有案件在办。", "不属于城市管理范围。")
FIX_NOTES = ("已现场处置完毕。", "已维修更换，恢复正常。", "已清理完毕。", "已整改到位。")
PROGRESS_TEXTS = ("工作人员已到达现场。", "材料已备齐，正在施工。", "已联系产权单位协同处理。")


@dataclass
class Timeline:
    """One incident's actions: (action, to status or None for no change, actor, role, at, reason, details)."""
    steps: list[tuple] = field(default_factory=list)

    def add(self, action: str, to: str | None, actor: str, role: str, at: datetime,
            reason: str | None = None, details: dict | None = None) -> None:
        self.steps.append((action, to, actor, role, at, reason, details or {}))

    def ordered(self, now: datetime) -> list[tuple]:
        """The actions done by `now` in time order, each as (action, from, to, actor, role, at, reason,
        details)."""
        out, status = [], None
        for action, to, actor, role, at, reason, details in sorted(self.steps, key=lambda s: s[4]):
            if at > now:
                break
            to = to or status
            out.append((action, status, to, actor, role, at, reason, details))
            status = to
        return out


def _operator(department: str) -> str:
    return f"op-{department.lower()}"     # as AuthService.ensure_demo_users names them


class _Places:
    """Points a few dozen metres off the city's roads, inside a district; a share of them around a few
    trouble spots (a night market, a construction site…), so the review's hot-spot map has hot spots."""

    def __init__(self, city: City, rng: random.Random) -> None:
        self.city, self.rng = city, rng
        self.segments = [s for s in city.segments if len(s.geometry["coordinates"]) >= 2]
        self.weights = [len(s.geometry["coordinates"]) for s in self.segments]
        self.district_names = {d.code: d.name_zh for d in city.districts}
        self.hot_spots = [self._on_road() for _ in range(HOT_SPOTS)]

    def pick(self) -> tuple[float, float, str, str]:
        rng = self.rng
        if rng.random() < HOT_SPOT_SHARE:
            lon0, lat0, _, road = rng.choice(self.hot_spots)
            for _ in range(10):
                lon, lat = lon0 + rng.gauss(0, 0.0025), lat0 + rng.gauss(0, 0.0025)
                district = self.city.district_at(lon, lat)
                if district:
                    return lon, lat, district, road
        return self._on_road()

    def _on_road(self) -> tuple[float, float, str, str]:
        rng = self.rng
        for _ in range(30):
            seg = rng.choices(self.segments, self.weights)[0]
            coords = seg.geometry["coordinates"]
            k = rng.randrange(len(coords) - 1)
            (x0, y0), (x1, y1), f = coords[k], coords[k + 1], rng.random()
            lon = x0 + (x1 - x0) * f + rng.uniform(-0.0006, 0.0006)
            lat = y0 + (y1 - y0) * f + rng.uniform(-0.0006, 0.0006)
            district = self.city.district_at(lon, lat)
            if district:
                return lon, lat, district, seg.name_zh.split("（")[0]
        lon, lat = self.city.center
        return lon, lat, self.city.district_at(lon, lat) or self.city.districts[0].code, ""


def _minutes(rng: random.Random, median: float, spread: float = 0.6) -> timedelta:
    return timedelta(minutes=median * math.exp(rng.gauss(0, spread)))


def _timeline(rng: random.Random, city: City, tz: ZoneInfo, code: str, priority: int, district: str,
              created: datetime, filed: str | None = None, owner: str | None = None) -> tuple[Timeline, dict]:
    """The incident's whole life (possibly beyond now: the caller cuts it there) and its end values.
    `filed`: the category the citizen chose (the dispatcher corrects it on verifying); `owner`: the
    department that really answers for it (where it is not the routing rule's, the case may go to the
    rule's department first and come back)."""
    line, end = Timeline(), {"department": None, "deadline": None, "closed_at": None, "supervised": False,
                             "rework_count": 0}
    dispatcher = rng.choice(("dispatcher", "dispatcher2"))
    line.add("report", workflow.REPORTED, "system", workflow.SYSTEM, created, details={"source": "open311"})
    at = created + _minutes(rng, 12 if priority > 1 else 4)
    if rng.random() < REJECT_SHARE:
        line.add("reject", workflow.REJECTED, dispatcher, workflow.DISPATCHER, at, rng.choice(REJECT_REASONS))
        end["closed_at"] = at
        return line, end
    line.add("verify", workflow.VERIFIED, dispatcher, workflow.DISPATCHER, at,
             details={"category": code} if filed and filed != code else None)
    dept = responsible(city.departments, code, district)
    rule_department = dept.code if dept else city.departments[0].code
    final = owner or rule_department
    if final != rule_department and rng.random() < KNOWS_OWNER_SHARE:
        department = final
    elif final == rule_department and rng.random() < MISDISPATCH_SHARE:
        department = rng.choice([d.code for d in city.departments if d.code != final])
    else:
        department = rule_department
    at += _minutes(rng, 6, 0.5)
    deadline = deadline_for(city, code, priority, at, tz).at
    end.update(department=department, deadline=deadline)
    line.add("dispatch", workflow.DISPATCHED, dispatcher, workflow.DISPATCHER, at,
             details={"department": department, "deadline": deadline.isoformat(),
                      **({"routed_by_rule": True} if department == rule_department else {})})
    if department != final:     # not theirs: returned, and sent to the owner
        at += _minutes(rng, 45)
        line.add("return", workflow.RETURNED, _operator(department), workflow.OPERATOR, at, rng.choice(RETURN_REASONS))
        department = final
        at += _minutes(rng, 20)
        deadline = deadline_for(city, code, priority, at, tz).at
        end.update(department=department, deadline=deadline)
        line.add("dispatch", workflow.DISPATCHED, dispatcher, workflow.DISPATCHER, at,
                 details={"department": department, "deadline": deadline.isoformat()})
    operator = _operator(department)
    at += _minutes(rng, 25 if priority > 1 else 8)
    line.add("accept", workflow.ACCEPTED, operator, workflow.OPERATOR, at)
    late = rng.random() < LATE_SHARE
    if late:
        fixed_at = max(deadline, at) + timedelta(hours=rng.uniform(1, 60))
    else:
        room = min(max(deadline, at + timedelta(minutes=30)) - at, timedelta(days=4))
        fixed_at = at + room * rng.uniform(0.05, 0.7)
    if late and rng.random() < 0.6:     # the dispatcher flags it for supervision once it is overdue
        supervised_at = deadline + timedelta(hours=rng.uniform(0.5, 6))
        line.add("supervise", None, dispatcher, workflow.DISPATCHER, supervised_at)
        fixed_at = max(fixed_at, supervised_at + _minutes(rng, 120))
    if rng.random() < 0.3:
        line.add("progress", None, operator, workflow.OPERATOR, at + (fixed_at - at) / 2,
                 details={"text": rng.choice(PROGRESS_TEXTS)})
    line.add("report_fixed", workflow.FIXED, operator, workflow.OPERATOR, fixed_at,
             details={"note": rng.choice(FIX_NOTES)})
    at = fixed_at + _minutes(rng, 40)
    if rng.random() < REWORK_SHARE:
        line.add("rework", workflow.ACCEPTED, dispatcher, workflow.DISPATCHER, at, rng.choice(REWORK_REASONS))
        end["rework_count"] = 1
        at += _minutes(rng, 180)
        line.add("report_fixed", workflow.FIXED, operator, workflow.OPERATOR, at, details={"note": rng.choice(FIX_NOTES)})
        at += _minutes(rng, 40)
    line.add("close", workflow.CLOSED, dispatcher, workflow.DISPATCHER, at, details={"on_time": at <= deadline})
    end["closed_at"] = at
    return line, end


def _cut(line: Timeline, end: dict, now: datetime, stuck: bool) -> list[tuple]:
    """The steps that happened by `now` (a stuck case stops after its acceptance)."""
    steps = line.ordered(now)
    if stuck:
        upto = next((k for k, s in enumerate(steps) if s[0] == "accept"), None)
        if upto is not None:
            steps = [s for s in steps[:upto + 1]] + [s for s in steps[upto + 1:] if s[0] in ("supervise", "progress")]
    if not steps or steps[-1][2] not in (workflow.CLOSED, workflow.REJECTED):
        end["closed_at"] = None
    dispatches = [s for s in steps if s[0] == "dispatch"]
    if dispatches:
        last = dispatches[-1][7]
        end.update(department=last["department"], deadline=datetime.fromisoformat(last["deadline"]))
    else:
        end.update(department=None, deadline=None)
    end["supervised"] = any(s[0] == "supervise" for s in steps)
    end["rework_count"] = sum(1 for s in steps if s[0] == "rework")
    return steps


def _created_times(rng: random.Random, days: int, now: datetime, tz: ZoneInfo) -> list[datetime]:
    """Report times over the last `days` days: fewer at weekends and at night."""
    times = []
    today = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        mean = PER_DAY * (0.65 if day.weekday() >= 5 else 1.0) * rng.uniform(0.8, 1.2)
        for _ in range(max(0, round(rng.gauss(mean, math.sqrt(mean))))):
            hour = rng.choices(range(24), weights=[1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 8, 9, 10, 10, 9, 8,
                                                    7, 6, 5, 4, 3, 2])[0]
            at = day + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
            if at < now - timedelta(minutes=30):
                times.append(at.astimezone(timezone.utc).replace(microsecond=0))
    return sorted(times)


def build_history(city: City, seed: int, now: datetime, tz: ZoneInfo, days: int = 60,
                  first_id: int = 1) -> tuple[list[dict], list[dict]]:
    """(incident rows, history rows) of the last `days` days. Pure: nothing is written."""
    rng = random.Random(f"history:{seed}")
    places = _Places(city, rng)
    weights = {c: w for c, w in texts.ORDINARY_WEIGHTS.items() if c in BY_CODE}
    codes, cum = list(weights), list(weights.values())
    incidents, history = [], []
    for n, created in enumerate(_created_times(rng, days, now, tz)):
        incident_id = first_id + n
        code = rng.choices(codes, cum)[0]
        filed = citizen.filed_category(rng, code, set(codes))
        priority = BY_CODE[code].default_priority
        lon, lat, district, road = places.pick()
        place = f"{places.district_names.get(district, '')}{road}{rng.randint(1, 399)}号附近"
        description = citizen.describe(rng, code, place, road)
        owner = true_owner(city.departments, code, district, road, description)
        line, end = _timeline(rng, city, tz, code, priority, district, created, filed, owner.code if owner else None)
        stuck = created < now - timedelta(days=3) and rng.random() < STUCK_SHARE
        steps = _cut(line, end, now, stuck)
        anonymous = rng.random() < 0.3
        ref = f"{SOURCE_REF_PREFIX}{seed}-{n + 1:05d}"
        details = {"service_code": filed, "service_name": BY_CODE[filed].name_zh, "media_url": None}
        dispatches = [s for s in steps if s[0] == "dispatch"]
        if dispatches:   # as the dispatch command keeps it (reprioritize recomputes the deadline from it)
            details["dispatched_at"] = dispatches[-1][5].isoformat()
            details[DETAILS_KEY] = deadline_for(city, code, priority, dispatches[-1][5], tz).record()
        incidents.append({
            "id": incident_id, "code": f"{created.strftime('%Y%m%d')}{incident_id:06d}", "category": code,
            "priority": priority, "title": f"{BY_CODE[filed].name_zh} · {place}",
            "description": description, "status": steps[-1][2],
            "version": len(steps), "district": district, "department": end["department"],
            "deadline": end["deadline"], "lat": lat, "lon": lon, "address": place, "source": "open311",
            "source_ref": ref, "dedupe_key": None,
            "reporter_name": None if anonymous else rng.choice(names.SURNAMES) + rng.choice(("先生", "女士")),
            "reporter_phone": None if anonymous else f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
            "reported_at": created, "created_at": created, "updated_at": steps[-1][5],
            "closed_at": end["closed_at"], "rework_count": end["rework_count"], "supervised": end["supervised"],
            "merged_into": None, "details": details})
        for version, (action, from_, to, actor, role, at, reason, extra) in enumerate(steps, start=1):
            if action == "report":
                extra = {"source": "open311", "source_ref": ref}
            history.append({"incident_id": incident_id, "version": version, "action": action, "from_status": from_,
                            "to_status": to, "actor": actor, "actor_role": role, "at": at, "reason": reason,
                            "details": extra})
    return incidents, history


def backfill(services, days: int = 60, now: datetime | None = None, batch: int = 2000) -> int:
    """Write the demo's history into an empty store; returns the incidents written (0: not empty)."""
    now = now or datetime.now(timezone.utc)
    with services.store.connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(t.incidents)).scalar_one():
            return 0
    incidents, history = build_history(services.city, services.settings.seed, now, services.tz, days)
    with services.store.begin() as conn:
        for k in range(0, len(incidents), batch):
            conn.execute(t.incidents.insert(), incidents[k:k + batch])
        for k in range(0, len(history), batch * 5):
            conn.execute(t.incident_history.insert(), history[k:k + batch * 5])
        if services.store.dialect == "postgresql" and incidents:
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('incidents', 'id'), (SELECT max(id) FROM incidents))")
    return len(incidents)
