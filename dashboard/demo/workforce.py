"""The demo city's people at work: its dispatchers verify, dispatch, supervise and close, its
department operators accept, return and report fixed — through the real action commands
(dashboard.services.incident_actions.perform), so every rule, audit entry and publication applies.

Paced by the demo speed (at speed 1 in real minutes: verified after a quarter of an hour, accepted
minutes after dispatch, fixed tens of minutes to hours later). Reports younger than `hold_minutes`
(demo minutes) are left for the people at the screens, so the dispatch queue is never empty, and the
backlog written by dashboard.demo.history is left alone. A 409/422 means a person acted meanwhile:
the incident is skipped and looked at again on the next round.
"""
from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from dashboard.domain import workflow
from dashboard.domain.identity import Identity
from dashboard.services.incident_actions import ActionError, perform
from dashboard.store import as_utc, schema as t

from .history import FIX_NOTES, REJECT_REASONS, RETURN_REASONS, REWORK_REASONS, SOURCE_REF_PREFIX

log = logging.getLogger(__name__)

DISPATCHERS = (Identity("dispatcher", workflow.DISPATCHER, display_name="调度员 王敏"),
               Identity("dispatcher2", workflow.DISPATCHER, display_name="调度员 李强"))
HOLD_MINUTES = 15.0          # demo minutes a report waits for a person before the workforce takes it
REJECT_SHARE = 0.03
RETURN_SHARE = 0.05
REWORK_SHARE = 0.08
LATE_SHARE = 0.10
MAX_ACTIONS_PER_ROUND = 100
# demo minutes after the last change before the next step, by status: (median, spread factor)
PACE = {workflow.VERIFIED: (4.0, 2.0), workflow.RETURNED: (15.0, 2.0), workflow.DISPATCHED: (12.0, 2.5),
        workflow.ACCEPTED: (60.0, 3.0), workflow.FIXED: (10.0, 2.0)}


def operator(department: str) -> Identity:
    """The department's operator, named as AuthService.ensure_demo_users names them."""
    return Identity(f"op-{department.lower()}", workflow.OPERATOR, department=department)


class DemoWorkforce:
    def __init__(self, services, speed: float = 1.0, seed: int = 7, hold_minutes: float = HOLD_MINUTES,
                 interval: float | None = None) -> None:
        self.services, self.speed, self.seed, self.hold_minutes = services, max(float(speed), 0.01), seed, hold_minutes
        self.interval = interval if interval is not None else min(5.0, max(0.5, 15.0 / self.speed))
        self.done: dict[str, int] = {}
        self.skipped = 0

    # -- the thread ---------------------------------------------------------------------------
    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name="demo-workforce", daemon=True)
        thread.start()
        return thread

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            try:
                self.work(stop=stop)
            except Exception:    # a store hiccup: the next round tries again
                log.exception("demo workforce: a round failed")

    # -- one round ----------------------------------------------------------------------------
    def demo_minutes(self, since: datetime, now: datetime) -> float:
        return (now - since).total_seconds() * self.speed / 60.0

    def _rng(self, incident: dict) -> random.Random:
        return random.Random(f"workforce:{self.seed}:{incident['id']}:{incident['version']}")

    def candidates(self, limit: int = 2000) -> list[dict]:
        i = t.incidents.c
        q = (sa.select(i.id, i.version, i.status, i.department, i.deadline, i.category, i.priority, i.district,
                       i.created_at, i.updated_at, i.supervised, i.rework_count)
             .where(i.status.in_(workflow.OPEN_STATUSES), ~i.source_ref.startswith(SOURCE_REF_PREFIX))
             .order_by(i.updated_at).limit(limit))
        with self.services.store.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
        for r in rows:
            for k in ("deadline", "created_at", "updated_at"):
                r[k] = as_utc(r[k])
        return rows

    def work(self, now: datetime | None = None, stop: threading.Event | None = None) -> int:
        """Take each open incident one step if its time has come; returns the actions done."""
        done = 0
        for incident in self.candidates():
            if done >= MAX_ACTIONS_PER_ROUND or (stop is not None and stop.is_set()):
                break
            step = self.next_step(incident, now or datetime.now(timezone.utc))
            if step and self._act(incident, *step):
                done += 1
        return done

    def next_step(self, inc: dict, now: datetime) -> tuple | None:
        """(identity, action, reason, params) due now for this incident, or None."""
        rng = self._rng(inc)
        status, dept = inc["status"], inc["department"]
        dispatcher = DISPATCHERS[inc["id"] % 2]
        overdue = inc["deadline"] is not None and inc["deadline"] < now
        if status == workflow.REPORTED:
            if self.demo_minutes(inc["created_at"], now) < self.hold_minutes * rng.uniform(1.0, 1.6):
                return None
            if rng.random() < REJECT_SHARE:
                return dispatcher, "reject", rng.choice(REJECT_REASONS), {}
            return dispatcher, "verify", None, {}
        if overdue and not inc["supervised"] and status in (workflow.DISPATCHED, workflow.ACCEPTED, workflow.RETURNED):
            return dispatcher, "supervise", None, {}
        median, spread = PACE[status]
        if status == workflow.ACCEPTED and inc["deadline"] is not None:
            # most are fixed well within the deadline; some only after it (overdue exists)
            late = random.Random(f"workforce-late:{self.seed}:{inc['id']}").random() < LATE_SHARE
            if late and inc["deadline"] - now < timedelta(hours=2):
                if not overdue:
                    return None
                median = 30.0
        wait = median * rng.uniform(1.0 / spread, spread)
        if self.demo_minutes(inc["updated_at"], now) < wait:
            return None
        if status == workflow.VERIFIED:
            return dispatcher, "dispatch", None, self._dispatch_params(inc, rng)
        if status == workflow.RETURNED:
            return dispatcher, "dispatch", None, self._redispatch_params(inc)
        if status == workflow.DISPATCHED:
            if rng.random() < RETURN_SHARE:
                return operator(dept), "return", rng.choice(RETURN_REASONS), {}
            return operator(dept), "accept", None, {}
        if status == workflow.ACCEPTED:
            return operator(dept), "report_fixed", None, {"note": rng.choice(FIX_NOTES)}
        if status == workflow.FIXED:
            if inc["rework_count"] == 0 and rng.random() < REWORK_SHARE:
                return dispatcher, "rework", rng.choice(REWORK_REASONS), {}
            return dispatcher, "close", None, {}
        return None

    def _dispatch_params(self, inc: dict, rng: random.Random) -> dict:
        """The routing rule chooses the department; a late one gets a deadline the demo reaches, so it
        really goes overdue before it is fixed (the computed ones are hours or days of real time)."""
        late = random.Random(f"workforce-late:{self.seed}:{inc['id']}").random() < LATE_SHARE
        if not late:
            return {}
        minutes = rng.uniform(20, 60) / self.speed      # from the real clock: the action is stamped with it
        return {"deadline": (datetime.now(timezone.utc) + timedelta(minutes=minutes)).isoformat()}

    def _redispatch_params(self, inc: dict) -> dict:
        """After a return: another department that answers for the category there, if there is one."""
        others = [d.code for d in self.services.city.departments
                  if d.code != inc["department"] and d.answers_for(inc["category"], inc["district"])]
        return {"department": others[inc["id"] % len(others)]} if others else {"department": inc["department"]}

    def _act(self, inc: dict, who: Identity, action: str, reason: str | None, params: dict) -> bool:
        try:
            perform(self.services, who, inc["id"], action, inc["version"], reason=reason, params=params)
        except ActionError as exc:
            # 409/422: a person acted meanwhile (or the rule no longer fits); 403/404/503: leave it be
            self.skipped += 1
            log.debug("demo workforce: %s of incident %s skipped: %s %s", action, inc["id"], exc.status, exc.message)
            return False
        self.done[action] = self.done.get(action, 0) + 1
        return True
