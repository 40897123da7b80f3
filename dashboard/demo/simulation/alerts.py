"""CAP alert messages: occasional ordinary warnings, and the storm and pollution scenarios' severe
ones; Update and Cancel messages reference the earlier messages of their thread.
Deterministic for a seed and a start time."""
from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dashboard.domain.city import City

from . import alert_texts as T
from .clock import ceil_second, local

ORDINARY_MEAN_GAP_S = 2400.0
STORM_CYCLE = (     # (seconds into the cycle at speed 1, action, event, colour)
    (0, "issue", "rainstorm", "橙色"), (240, "update", "rainstorm", "红色"),
    (360, "issue", "typhoon", "橙色"), (720, "update", "typhoon", "红色"),
    (2100, "cancel", "rainstorm", ""), (2400, "update", "typhoon", "橙色"),
    (2640, "cancel", "typhoon", ""),
)
STORM_CYCLE_S = 2700
MAX_KEPT = 300


@dataclass(frozen=True)
class Area:
    desc_zh: str
    desc_en: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()     # closed rings of (lon, lat)
    circle: tuple[float, float, float] | None = None               # (lat, lon, radius km)


@dataclass(frozen=True)
class AlertMessage:
    identifier: str
    sender: str
    sent: datetime
    msg_type: str                                   # Alert, Update, Cancel
    references: tuple[tuple[str, str, datetime], ...]
    event: str                                      # key in alert_texts.EVENTS
    colour: str                                     # 蓝色 黄色 橙色 红色
    severity: str
    urgency: str
    certainty: str
    headline_zh: str
    headline_en: str
    effective: datetime
    expires: datetime
    area: Area

    @property
    def texts(self) -> tuple:
        return T.EVENTS[self.event]

    @property
    def issuer(self) -> tuple[str, str]:
        return T.ENV_ISSUER if self.texts[2] == "Env" else T.ISSUER


@dataclass
class _Thread:
    event: str
    colour: str
    area: Area
    expires: datetime
    messages: list[AlertMessage] = field(default_factory=list)


class AlertStream:
    def __init__(self, city: City, seed: int, start: datetime, speed: float = 1.0, scenario: str = ""):
        self.city = city
        self.speed = max(speed, 0.01)
        self._rng = random.Random(f"cap:{seed}:{scenario}")
        self._count = 0
        self._order = 0
        self._queue: list[tuple[datetime, int, tuple]] = []
        self._threads: dict[str, _Thread] = {}      # by event key for scenario threads, else by id
        self.messages: list[AlertMessage] = []
        self._push(start - timedelta(minutes=30), ("ordinary", 3 * 3600 / self.speed))
        if scenario == "storm":
            self._push(start + timedelta(seconds=3), ("storm",))
        if scenario == "pollution":
            self._push(start + timedelta(seconds=60 / self.speed), ("issue", "pollution", "橙色", 86400, "pollution"))
            self._push(start + timedelta(seconds=600 / self.speed), ("update", "pollution", "红色"))
        self.advance(start)

    def _push(self, when: datetime, action: tuple) -> None:
        self._order += 1
        heapq.heappush(self._queue, (ceil_second(when), self._order, action))

    def _s(self, seconds: float) -> timedelta:
        return timedelta(seconds=seconds / self.speed)

    def advance(self, now: datetime) -> None:
        while self._queue and self._queue[0][0] <= now:
            when, _, action = heapq.heappop(self._queue)
            getattr(self, "_do_" + action[0])(when, *action[1:])
        del self.messages[:-MAX_KEPT]
        for key in [k for k, t in self._threads.items() if t.expires < now - timedelta(hours=6)]:
            del self._threads[key]      # long expired: nothing will update or cancel it any more

    # --- actions -------------------------------------------------------------------------------
    def _do_ordinary(self, when: datetime, duration_s: float | None = None) -> None:
        rng = self._rng
        event, colour = rng.choice(T.ORDINARY)
        duration = timedelta(seconds=duration_s) if duration_s else self._s(rng.uniform(1800, 5400))
        key = f"ordinary-{self._order}"
        self._do_issue(when, event, colour, duration.total_seconds(), key)
        if rng.random() < 0.35:
            self._push(when + duration * 0.4, ("update", key, colour))
        if rng.random() < 0.5:
            self._push(when + duration * 0.85, ("cancel", key))
        self._push(when + self._s(rng.expovariate(1 / ORDINARY_MEAN_GAP_S)), ("ordinary",))

    def _do_storm(self, when: datetime) -> None:
        for offset, action, event, colour in STORM_CYCLE:
            args = (action, event, colour, 3600 / self.speed, event) if action == "issue" else (
                (action, event, colour) if action == "update" else (action, event))
            self._push(when + self._s(offset), args)
        self._push(when + self._s(STORM_CYCLE_S), ("storm",))

    def _do_issue(self, when: datetime, event: str, colour: str, duration_s: float, key: str) -> None:
        area = self._city_area() if event in ("rainstorm", "typhoon", "pollution") else self._some_area(event)
        thread = _Thread(event, colour, area, when + timedelta(seconds=duration_s))
        self._threads[key] = thread
        self._emit(when, thread, "Alert", "发布", "issued")

    def _do_update(self, when: datetime, key: str, colour: str) -> None:
        thread = self._threads.get(key)
        if thread is None or thread.expires <= when:
            return
        verb = ("升级为", "upgraded") if _rank(colour) > _rank(thread.colour) else (
            ("降级为", "downgraded") if _rank(colour) < _rank(thread.colour) else ("继续发布", "renewed"))
        thread.colour = colour
        thread.expires = max(thread.expires, when + self._s(1800))
        self._emit(when, thread, "Update", *verb)

    def _do_cancel(self, when: datetime, key: str) -> None:
        thread = self._threads.pop(key, None)
        if thread is None or thread.expires <= when:
            return
        thread.expires = when
        self._emit(when, thread, "Cancel", "解除", "lifted")

    # --- helpers -------------------------------------------------------------------------------
    def _emit(self, when: datetime, thread: _Thread, msg_type: str, verb_zh: str, verb_en: str) -> None:
        self._count += 1
        colour_en, severity, urgency = T.COLOURS[thread.colour]
        ev = T.EVENTS[thread.event]
        issuer = T.ENV_ISSUER if ev[2] == "Env" else T.ISSUER
        t = local(when)
        message = AlertMessage(
            identifier=f"LHQX{t:%Y%m%d%H%M%S}{self._count:04d}",
            sender=T.SENDER, sent=when.replace(microsecond=0), msg_type=msg_type,
            references=tuple((m.sender, m.identifier, m.sent) for m in thread.messages),
            event=thread.event, colour=thread.colour, severity=severity,
            urgency="Past" if msg_type == "Cancel" else urgency,
            certainty="Observed" if severity in ("Severe", "Extreme") else "Likely",
            headline_zh=f"{issuer[0]}{t:%Y年%m月%d日%H时%M分}{verb_zh}{ev[0]}{thread.colour}预警信号",
            headline_en=f"{issuer[1]} {verb_en} the {colour_en} {ev[1].lower()} warning at {t:%H:%M}",
            effective=when.replace(microsecond=0), expires=thread.expires.replace(microsecond=0), area=thread.area)
        thread.messages.append(message)
        self.messages.append(message)

    def _city_area(self) -> Area:
        rings = tuple(tuple(tuple(p) for p in d.geometry["coordinates"][0]) for d in self.city.districts)
        return Area(f"{self.city.name_zh}全市", f"All of {self.city.name_en}", rings)

    def _some_area(self, event: str) -> Area:
        rng = self._rng
        if event == "lightning" and self.city.stations:
            st = rng.choice(self.city.stations)
            district = next(d for d in self.city.districts if d.code == st.district)
            return Area(f"{self.city.name_zh}{district.name_zh}及周边", f"{district.name_en} and around",
                        circle=(st.lat, st.lon, round(rng.uniform(5, 8), 1)))
        chosen = sorted(rng.sample(range(len(self.city.districts)), rng.randint(1, 3)))
        ds = [self.city.districts[k] for k in chosen]
        return Area(self.city.name_zh + "、".join(d.name_zh for d in ds),
                    ", ".join(d.name_en for d in ds) + f" district{'s' if len(ds) > 1 else ''} of {self.city.name_en}",
                    tuple(tuple(tuple(p) for p in d.geometry["coordinates"][0]) for d in ds))


def _rank(colour: str) -> int:
    return list(T.COLOURS).index(colour)
