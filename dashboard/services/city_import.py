"""Importing a city package: what would change (added / changed / retired per kind, with examples),
and, committed, the change in one transaction with its audit entry and import record; every running
process then picks the new city up (services.container checks the city version).

History keeps its meaning: a district, department or category the package no longer has is kept as
a retired row (past incidents keep codes and names; evaluation of past periods does not move); a
department with open incidents is not removed — the import refuses and names them. A department
renamed or merged (`replaces` in departments.csv) carries its history into the new code: its open
incidents move to the new code in the import's transaction (each with a history entry), and the
dispatch suggestions map the old code to the new one right after the commit, without retraining."""
from __future__ import annotations

import getpass
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dashboard.citypkg.read import Package
from dashboard.domain import workflow
from dashboard.domain.city import City
from dashboard.store import Store, audit, reference, schema as t, schema_city as c, utcnow

log = logging.getLogger(__name__)

KINDS = ("city", "districts", "departments", "categories", "routing", "segments", "stations", "source_ids", "calendar")
EXAMPLES = 3


@dataclass
class KindChange:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)     # kept as retired rows, or removed (segments, rules …)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.retired)

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "changed": len(self.changed), "retired": len(self.retired)}


@dataclass
class ImportPlan:
    package: Package
    city: City | None                 # what the store will hold (retired rows carried over)
    changes: dict[str, KindChange]
    refusals: list[str]               # why it cannot be applied (besides the package's own errors)
    first: bool                       # the store holds no city yet
    notes: list[str] = field(default_factory=list)   # what the commit did besides (or failed to do)

    @property
    def renames(self) -> dict[str, str]:
        """Departments renamed or merged, as the package says: old code → new code."""
        return {} if self.city is None else _renames(self.city)

    @property
    def empty(self) -> bool:
        return all(k.empty for k in self.changes.values())

    @property
    def can_commit(self) -> bool:
        return self.city is not None and not self.refusals and not self.package.problems.errors

    def summary(self) -> dict[str, dict[str, int]]:
        return {k: v.counts() for k, v in self.changes.items() if not v.empty}

    def lines(self) -> list[str]:
        out = []
        for kind in KINDS + tuple(k for k in self.changes if k not in KINDS):   # + the geography's kinds (#15)
            ch = self.changes.get(kind)
            if ch is None or ch.empty:
                continue
            parts = []
            for word, items in (("added", ch.added), ("changed", ch.changed), ("retired", ch.retired)):
                if items:
                    more = f", … {len(items) - EXAMPLES} more" if len(items) > EXAMPLES else ""
                    parts.append(f"{len(items)} {word} ({', '.join(items[:EXAMPLES])}{more})")
            out.append(f"  {kind:12} " + "; ".join(parts))
        return out


def _renames(city: City) -> dict[str, str]:
    return {old: d.code for d in city.departments + city.retired_departments for old in d.replaces}


def _records(city: City | None) -> dict[str, dict[str, Any]]:
    """Comparable records per kind: key → value."""
    if city is None:
        return {k: {} for k in KINDS}
    return {
        "city": {"city": (city.name_zh, city.name_en, tuple(city.center), city.timezone, city.default_language,
                          city.version, tuple(city.calendar.working_periods), tuple(sorted(city.rule_categories)),
                          tuple((r.id, r.short_name, str(r.geometry)) for r in city.routes))},
        "districts": {d.code: (d.name_zh, d.name_en, str(d.geometry), d.retired)
                      for d in city.districts + city.retired_districts},
        "departments": {d.code: (d.name_zh, d.name_en, d.districts, d.level, d.contact, d.replaces, d.retired)
                        for d in city.departments + city.retired_departments},
        "categories": {x.code: x for x in city.categories},
        "routing": {f"{r.category}@{r.district or '*'}": (r.department, r.auto_dispatch) for r in city.routing},
        "segments": {s.id: s for s in city.segments},
        "stations": {s.id: s for s in city.stations},
        "source_ids": {f"{s.source}/{s.source_id}": s for s in city.source_ids},
        "calendar": {str(y.year): y for y in city.calendar.years},
    }


def _is_retired(kind: str, value: Any) -> bool:
    if kind == "categories":
        return value.retired
    return kind in ("districts", "departments") and value[-1] is True


def diff(old: City | None, new: City) -> dict[str, KindChange]:
    before, after = _records(old), _records(new)
    out = {}
    for kind in KINDS:
        ch = KindChange()
        a, b = before[kind], after[kind]
        for key in sorted(b):
            if key not in a:
                ch.added.append(key)
            elif a[key] != b[key]:
                (ch.retired if _is_retired(kind, b[key]) and not _is_retired(kind, a[key]) else ch.changed).append(key)
        ch.retired += [key for key in sorted(a) if key not in b]
        out[kind] = ch
    return out


def _carry_retired(old: City | None, new: City) -> City:
    """What the package leaves out but history may name stays, retired."""
    if old is None:
        return new
    new_districts = {d.code for d in new.districts + new.retired_districts}
    new_departments = {d.code for d in new.departments + new.retired_departments}
    new_categories = {x.code for x in new.categories}
    return replace(
        new,
        retired_districts=new.retired_districts + tuple(
            replace(d, retired=True) for d in old.districts + old.retired_districts if d.code not in new_districts),
        retired_departments=new.retired_departments + tuple(
            replace(d, retired=True) for d in old.departments + old.retired_departments
            if d.code not in new_departments),
        categories=new.categories + tuple(replace(x, retired=True) for x in old.categories if x.code not in new_categories))


def open_incidents_of(conn, departments: list[str]) -> dict[str, list[str]]:
    if not departments:
        return {}
    i = t.incidents.c
    rows = conn.execute(sa.select(i.department, i.code, i.id).where(
        i.department.in_(departments), i.status.in_(sorted(workflow.OPEN_STATUSES))).order_by(i.department, i.id))
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r.department, []).append(r.code or str(r.id))
    return out


def operators_of(conn, renames: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Operators of departments that are renamed or merged: username → (old, new)."""
    if not renames:
        return {}
    u = t.users.c
    return {r.username: (r.department, renames[r.department]) for r in conn.execute(
        sa.select(u.username, u.department).where(u.role == workflow.OPERATOR, u.department.in_(sorted(renames))))}


def plan(store: Store, package: Package) -> ImportPlan:
    """What importing `package` would change; changes nothing."""
    with store.connect() as conn:
        old = reference.load_city(conn) if reference.has_city(conn) else None
        if package.city is None:
            return ImportPlan(package, None, {}, [], old is None)
        merged = _carry_retired(old, package.city)
        refusals = []
        carried: dict[str, list[str]] = {}
        if old is not None:
            active_new = {d.code for d in merged.departments}
            leaving = [d.code for d in old.departments if d.code not in active_new]
            renames = _renames(merged)
            for dept, codes in open_incidents_of(conn, leaving).items():
                if renames.get(dept) in active_new:   # renamed or merged: its open cases go with it
                    carried[f"{dept} → {renames[dept]}"] = codes
                    continue
                more = f" … and {len(codes) - 10} more" if len(codes) > 10 else ""
                refusals.append(f"department {dept} still has {len(codes)} open incident(s): {', '.join(codes[:10])}{more}"
                                " — reassign them first (or keep the department in departments.csv)")
            known = {d.code for d in old.departments + old.retired_departments + merged.departments}
            for d in merged.departments + merged.retired_departments:
                unknown = [code for code in d.replaces if code not in known]
                if unknown:
                    refusals.append(f"department {d.code} replaces {', '.join(unknown)}, which this city never had"
                                    " — check the codes in the replaces column of departments.csv")
        changes = diff(old, merged)
        if carried:
            changes["open_cases"] = KindChange(changed=[f"{k}: {len(v)}" for k, v in sorted(carried.items())])
        if old is not None:
            staff = operators_of(conn, {o: n for o, n in _renames(merged).items()
                                        if o in leaving and n in active_new})
            if staff:
                changes["operators"] = KindChange(changed=[f"{name}: {o} → {n}" for name, (o, n) in sorted(staff.items())])
        from dashboard.geo.package import changes as geo_changes   # the unit grid, area codes (#15)
        for kind, (added, changed, removed) in geo_changes(conn, package.geography).items():
            changes[kind] = KindChange(added, changed, removed)
    return ImportPlan(package, merged, changes, refusals, old is None)


def commit(store: Store, import_plan: ImportPlan, actor: str | None = None, now: datetime | None = None,
           bus=None) -> int | None:
    """Apply the plan in one transaction; the import's id, or None when nothing changes."""
    if not import_plan.can_commit:
        raise ValueError("the package cannot be imported: " + "; ".join(
            import_plan.refusals + [str(p) for p in import_plan.package.problems.errors]))
    if import_plan.empty:
        return None
    now = now or utcnow()
    actor = actor or _whoami()
    city = import_plan.city
    with store.begin() as conn:
        # the check again, inside the transaction: an incident may have been dispatched meanwhile
        old_active = {d.code for d in reference.load_city(conn).departments} if reference.has_city(conn) else set()
        active = {d.code for d in city.departments}
        leaving = sorted(old_active - active)
        carried = {o: n for o, n in import_plan.renames.items() if o in leaving and n in active}
        moved = _carry_open_incidents(conn, carried, actor, now)
        operators = _carry_operators(conn, carried, now)
        still_open = open_incidents_of(conn, leaving)
        if still_open:
            raise ValueError("; ".join(f"department {d} still has open incidents: {', '.join(v[:10])}"
                                       for d, v in still_open.items()))
        reference.save_city(conn, city)
        from dashboard.geo.package import save as save_geography
        save_geography(conn, import_plan.package.geography, now)   # the unit grid, area codes (#15)
        summary = import_plan.summary()
        import_id = conn.execute(c.city_imports.insert().values(
            at=now, actor=actor, package_version=city.version, checksum=import_plan.package.checksum,
            summary=summary).returning(c.city_imports.c.id)).scalar_one()
        audit.append(conn, at=now, actor=actor, actor_role="admin", action="city_import", target_type="city",
                     target_id=city.version or "-", after={"import": import_id, "version": city.version,
                                                          "checksum": import_plan.package.checksum,
                                                          "changes": summary}
                     | ({"open_cases_moved": moved} if moved else {})
                     | ({"operators_moved": operators} if operators else {}))
    _carry_suggestions(store, import_plan, actor, import_id)
    if bus is not None:
        try:   # a hint; every process also notices the new city version by itself
            bus.publish("city.changed", {"import": import_id, "version": city.version})
        except Exception as exc:   # noqa: BLE001 - the import is committed whatever the bus says
            log.warning("city.changed not published: %s", exc)
    return import_id


def _carry_open_incidents(conn, renames: dict[str, str], actor: str, now: datetime) -> dict[str, int]:
    """The open incidents of renamed or merged departments go to the new code, status unchanged, each
    with a `reassign` history entry saying why. Returns old → new: how many moved."""
    if not renames:
        return {}
    from dashboard.store import incidents as incident_store
    i = t.incidents.c
    moved: dict[str, int] = {}
    rows = conn.execute(sa.select(i.id, i.version, i.status, i.department).where(
        i.department.in_(sorted(renames)), i.status.in_(sorted(workflow.OPEN_STATUSES))).order_by(i.id)).all()
    for r in rows:
        new = renames[r.department]
        version = incident_store.update(conn, r.id, r.version, {"department": new, "updated_at": now})
        incident_store.add_history(conn, r.id, version, "reassign", r.status, r.status, actor, "admin", now,
                                   "city import: department renamed or merged",
                                   {"department": new, "from_department": r.department, "by_city_import": True})
        moved[f"{r.department} → {new}"] = moved.get(f"{r.department} → {new}", 0) + 1
    return moved


def _carry_operators(conn, renames: dict[str, str], now: datetime) -> dict[str, str]:
    """The operators of a renamed or merged department work for the new code from their next request
    on (the session reads the user row each time), so the cases that moved with it stay theirs.
    Returns username → new department."""
    if not renames:
        return {}
    u = t.users.c
    rows = conn.execute(sa.select(u.username, u.department).where(
        u.role == workflow.OPERATOR, u.department.in_(sorted(renames))).order_by(u.username)).all()
    for r in rows:
        conn.execute(t.users.update().where(u.username == r.username).values(department=renames[r.department],
                                                                             updated_at=now))
    return {r.username: renames[r.department] for r in rows}


def _carry_suggestions(store: Store, import_plan: ImportPlan, actor: str, import_id: int) -> None:
    """Renamed or merged departments: the suggestions name the new codes with what they learned
    under the old ones. After the commit, on its own: a failure here never undoes the import; it is
    said in the import's notes and audited."""
    if not import_plan.renames:
        return
    from . import suggest
    try:
        pending = suggest.pending_department_map(store, import_plan.renames)
        if pending:
            suggest.record_department_map(store, pending, actor, import_id)
            import_plan.notes.append("dispatch suggestions: " + ", ".join(f"{o} → {n}" for o, n in sorted(pending.items()))
                                     + " (learned history carried over; no retraining)")
    except Exception as exc:   # noqa: BLE001 - the city is imported whatever happens to the suggestions
        log.warning("import %s: departments not mapped for suggestions: %s", import_id, exc)
        import_plan.notes.append(f"dispatch suggestions NOT updated for the renamed departments ({exc}); the city is "
                                 "imported — run `cityops suggest remap " + " ".join(
                                     f"{o}={n}" for o, n in sorted(import_plan.renames.items())) + "`")
        try:
            with store.begin() as conn:
                audit.append(conn, at=utcnow(), actor=actor, actor_role="admin", action="suggest_remap_failed",
                             target_type="departments", target_id=",".join(sorted(import_plan.renames))[:100],
                             after={"import": import_id, "mapping": import_plan.renames, "error": str(exc)[:500]})
        except Exception as again:   # noqa: BLE001 - the store is away: the log and the output say it
            log.warning("import %s: the failed mapping could not be audited: %s", import_id, again)


def _whoami() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:   # noqa: BLE001
        return "cli"


def history(store: Store, limit: int = 50) -> list[dict]:
    """The imports, newest first."""
    with store.connect() as conn:
        rows = conn.execute(sa.select(c.city_imports).order_by(c.city_imports.c.id.desc()).limit(limit))
        return [{"id": r.id, "at": reference_utc(r.at), "actor": r.actor, "package_version": r.package_version,
                 "checksum": r.checksum, "summary": r.summary} for r in rows]


def reference_utc(value):
    from dashboard.store import as_utc
    return as_utc(value)
