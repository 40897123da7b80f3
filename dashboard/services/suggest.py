"""Dispatch suggestions (智能派单): train on the city's closed cases, suggest a category and a department
for a new report with the reason, dispatch by itself where a category allows it and the model is
confident enough, carry renamed or merged departments, and find duplicates by text as well as place.

The model never stands in the way of intake: suggestions are computed by a worker thread after the
report is stored (`SuggestWorker`), a screen only reads what was computed (or computes it at once when
the model is already loaded in this process), and any failure — no model, a failed training, a model
whose bytes do not match their digest — leaves intake and dispatch working as without it.
Duplicates by text are in `suggest_duplicates`, the worker in `suggest_worker` (both re-exported here).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from dashboard.domain import routing, workflow
from dashboard.domain.identity import SYSTEM_IDENTITY
from dashboard.store import audit, incidents as incident_store, routing as routing_store, suggest as store, utcnow
from dashboard.suggest import metrics
from dashboard.suggest.features import Case, case_from_incident
from dashboard.suggest.model import ALGORITHM, TARGETS, SuggestModel, fit, resolve

from .container import Services
from .suggest_duplicates import _group, duplicate_marks, text_duplicates  # noqa: F401 (the service's API)

log = logging.getLogger(__name__)
DEFAULT_TARGET = 0.99


# -- the model in this process ---------------------------------------------------------------------------
@dataclass
class _Loaded:
    version: int | None = None
    model: SuggestModel | None = None
    failed: int | None = None            # a version that did not load: not tried again
    checked_at: float = 0.0
    rules: list | None = None
    rules_at: float = 0.0
    department_map: dict | None = None
    map_at: float = 0.0


def _holder(services: Services) -> _Loaded:
    """The model loaded in this process, kept on the process's Services (not a module global)."""
    holder = services.__dict__.get("_suggest_model")
    if holder is None:
        holder = services.__dict__.setdefault("_suggest_model", _Loaded())
    return holder


def current_model(services: Services, recheck_s: float = 30.0) -> tuple[int | None, SuggestModel | None]:
    """The active model (loaded once per version); (None, None) when there is none or it is corrupt."""
    holder = _holder(services)
    if holder.model is not None and time.monotonic() - holder.checked_at < recheck_s:
        return holder.version, holder.model
    try:
        with services.store.connect() as conn:
            version = store.active_version(conn)
            holder.checked_at = time.monotonic()
            if version is None:
                holder.version, holder.model = None, None
                return None, None
            if version == holder.version and holder.model is not None:
                return version, holder.model
            if version == holder.failed:
                return None, None
            blob = store.load_model_bytes(conn, version)
        model = SuggestModel.from_bytes(blob)
    except Exception as exc:     # corrupt bytes, an unreadable pickle, the store away: no suggestions
        log.warning("suggestion model not loaded: %s", exc)
        holder.failed = locals().get("version")
        holder.model = None
        return None, None
    holder.version, holder.model, holder.failed = version, model, None
    return version, model


def loaded_model(services: Services) -> tuple[int | None, SuggestModel | None]:
    """The model already in memory (never loads: for the request path)."""
    holder = _holder(services)
    return holder.version, holder.model


# -- the city's rules, departments and categories -----------------------------------------------------------
RULES_TTL_S = 30.0     # routing rules and department renames are re-read this often for suggestions


def _rules(services: Services, conn) -> list:
    city_rules = getattr(services.city, "routing", None)
    if city_rules:
        return list(city_rules)
    holder = _holder(services)
    if holder.rules is None or time.monotonic() - holder.rules_at > RULES_TTL_S:
        holder.rules, holder.rules_at = routing_store.rules(conn), time.monotonic()
    return holder.rules


def forget_cached(services: Services) -> None:
    """Read the routing rules and department renames afresh on the next suggestion."""
    holder = _holder(services)
    holder.rules, holder.department_map = None, None


def _department_map(services: Services, conn) -> dict[str, str]:
    holder = _holder(services)
    if holder.department_map is None or time.monotonic() - holder.map_at > RULES_TTL_S:
        holder.department_map, holder.map_at = store.department_map(conn), time.monotonic()
    return holder.department_map


def category_name(services: Services, code: str, lang: str = "zh-CN") -> str:
    find = getattr(services.city, "find_category", None)
    cat = find(code) if find else None
    if cat is None:
        try:
            from dashboard.domain.categories import BY_CODE
            cat = BY_CODE.get(code)
        except ImportError:
            cat = None
    return cat.name(lang) if cat else code


def department_name(services: Services, code: str, lang: str = "zh-CN") -> str:
    dept = next((d for d in services.city.departments if d.code == code), None)
    return dept.name(lang) if dept else code


def _rule_lookup(services: Services, conn, department_map: dict[str, str]):
    """`rule_for(category, district)` in the model's own department codes (renames/merges mapped back),
    and `rule_of(category, district)` → the rule in force (for the reason shown)."""
    rules = _rules(services, conn)
    back: dict[str, list[str]] = {}
    for old in department_map:
        back.setdefault(resolve(old, department_map), []).append(old)

    def rule_of(category: str, district: str | None):
        try:
            return routing.suggest(rules, category, district, group=_group(services, category))
        except TypeError:
            return routing.suggest(rules, category, district)

    def rule_for(category: str, district: str | None) -> list[str]:
        rule = rule_of(category, district)
        if rule is None:
            return []
        return sorted(set(back.get(rule.department, []) + [rule.department]))
    return rule_for, rule_of


# -- training and evaluation -------------------------------------------------------------------------------
def load_cases(services: Services, conn, before: datetime | None = None, since: datetime | None = None) -> list[Case]:
    tz = services.tz
    return [case_from_incident(row, tz, filed=row["filed"], category=row["category"],
                               department=row["final_department"], returned=row["returned"])
            for row in store.closed_cases(conn, before=before, since=since) if row["final_department"]]


def train(services: Services, before: datetime | None = None, say: Callable[[str], None] | None = None,
          activate: bool = True, **fit_options) -> int:
    """Learn from every closed case (reported before `before`), store the model; returns its version.
    Raises ValueError when there is too little to learn from (nothing is stored then)."""
    say = say or (lambda _m: None)
    t0 = time.perf_counter()
    with services.store.connect() as conn:
        cases = load_cases(services, conn, before=before)
        rule_for, _ = _rule_lookup(services, conn, store.department_map(conn))
    say(f"{len(cases)} closed cases read ({time.perf_counter() - t0:.1f} s)")
    model = fit(cases, rule_for, log=say, **fit_options)
    figures = {k: v for k, v in model.thresholds.items()}
    blob = model.to_bytes()
    with services.store.begin() as conn:
        version = store.save_model(conn, blob, trained_at=utcnow(), trained_on=model.trained_on,
                                   algorithm=ALGORITHM, metrics={"holdout": figures, "cases": len(cases),
                                                                 "seconds": round(time.perf_counter() - t0, 1)},
                                   thresholds=model.thresholds, activate=activate)
        audit.append(conn, at=utcnow(), actor="system", actor_role=workflow.SYSTEM, action="suggest_train",
                     target_type="suggest_model", target_id=version,
                     after={"trained_on": model.trained_on, "size_bytes": len(blob)})
    say(f"model version {version} stored ({len(blob) / 1e6:.1f} MB before compression, "
        f"{time.perf_counter() - t0:.1f} s in all)")
    return version


def month_bounds(month: str, tz) -> tuple[datetime, datetime]:
    try:
        year, mon = (int(x) for x in month.split("-"))
        start = datetime(year, mon, 1, tzinfo=tz)
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, not {month!r}") from None
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def evaluate_month(services: Services, month: str, say: Callable[[str], None] | None = None) -> dict:
    """Train on everything reported before the month, test on the month's closed cases."""
    start, end = month_bounds(month, services.tz)
    with services.store.connect() as conn:
        train_cases = load_cases(services, conn, before=start)
        test_cases = load_cases(services, conn, before=end, since=start)
        department_map = store.department_map(conn)
        rule_for, _ = _rule_lookup(services, conn, department_map)
    if not test_cases:
        raise ValueError(f"no closed cases reported in {month}")
    (say or (lambda _m: None))(f"training on {len(train_cases)} closed cases before {month}, "
                               f"testing on {len(test_cases)} of {month}")
    model = fit(train_cases, rule_for, log=say)
    return evaluate_model(model, test_cases, rule_for, department_map)


def evaluate_model(model: SuggestModel, cases: list[Case], rule_for, department_map: dict[str, str] | None = None) -> dict:
    department_map = department_map or {}
    predictions = model.predict(cases, rule_for, department_map)
    if department_map:   # the month's labels in today's codes
        cases = [Case(**{**c.__dict__, "department": resolve(c.department, department_map)}) for c in cases]
    return metrics.evaluate(model, cases, predictions)


# -- departments renamed or merged ---------------------------------------------------------------------------
def remap_departments(services: Services, mapping: dict[str, str], actor: str = "system") -> dict[str, str]:
    """Record departments renamed or merged in the city package (old code → new code), so suggestions
    name the new codes from now on, with what was learned under the old ones, without retraining.
    Returns the whole mapping in force."""
    current = record_department_map(services.store, mapping, actor)
    forget_cached(services)
    return current


def record_department_map(db, mapping: dict[str, str], actor: str = "system", import_id: int | None = None) -> dict[str, str]:
    """`remap_departments` on a store alone (a city import has no Services; other processes read the
    mapping afresh within RULES_TTL_S). Audited as `actor`'s; returns the whole mapping in force."""
    mapping = {str(k): str(v) for k, v in mapping.items() if k and v}
    role = workflow.SYSTEM if actor == "system" else workflow.ADMIN
    with db.begin() as conn:
        store.put_department_map(conn, mapping, utcnow())
        current = store.department_map(conn)
        audit.append(conn, at=utcnow(), actor=actor, actor_role=role, action="suggest_remap",
                     target_type="departments", target_id=",".join(sorted(mapping))[:100],
                     after=mapping | ({"import": import_id} if import_id is not None else {}))
    return current


def pending_department_map(db, wanted: dict[str, str]) -> dict[str, str]:
    """The pairs of `wanted` (old → new) the suggestions do not map that way yet."""
    with db.connect() as conn:
        current = store.department_map(conn)
    return {old: new for old, new in wanted.items() if current.get(old) != new}


# -- suggesting ------------------------------------------------------------------------------------------------
def suggest(services: Services, report: dict, lang: str = "zh-CN", model: SuggestModel | None = None,
            version: int | None = None, conn=None) -> dict | None:
    """Top three categories and departments with calibrated confidence and the reason (similar closed
    cases, the routing rule) for a report (an incident row or its fields). None without a model."""
    if model is None:
        version, model = current_model(services)
        if model is None:
            return None
    if conn is None:
        with services.store.connect() as own:
            return suggest(services, report, lang, model, version, own)
    department_map = _department_map(services, conn)
    rule_for, rule_of = _rule_lookup(services, conn, department_map)
    case = case_from_incident(report, services.tz)
    text = model.text_rows([case])
    p = model.predict([case], rule_for, department_map, text=text)[0]
    top_category = p["categories"][0][0]
    rule = rule_of(top_category, case.district)
    try:
        rule_text = routing.explain(rule, top_category, case.district, lang)
    except AttributeError:      # routing without explain()
        rule_text = f"{rule.department}" if rule else ""
    similar = [s | {"department": resolve(s["department"], department_map)} for s in model.similar(case, top_category, text=text)]
    return {
        "model_version": version,
        "categories": [{"code": c, "name": category_name(services, c, lang), "p": round(pr, 4)} for c, pr in p["categories"]],
        "departments": [{"code": d, "name": department_name(services, d, lang), "p": round(pr, 4)} for d, pr in p["departments"]],
        "confidence": round(p["confidence"], 4),
        "rule": {"department": rule.department if rule else None, "text": rule_text},
        "similar": similar,
    }


def stored_suggestion(services: Services, incident: dict, lang: str = "zh-CN") -> dict | None:
    """What the dispatch detail shows: the suggestion the worker computed, or — only when the model is
    already loaded here — one computed now (about a millisecond). Never loads or trains anything."""
    try:
        with services.store.connect() as conn:
            row = store.prediction(conn, incident["id"])
            if row is not None:
                return row["suggestion"] | {"auto_dispatched": row["auto_dispatched"]}
            version, model = loaded_model(services)
            if model is None or incident.get("status") not in (workflow.REPORTED, workflow.VERIFIED, workflow.RETURNED):
                return None
            return suggest(services, incident, lang, model, version, conn)
    except Exception as exc:     # a suggestion is a help, never a reason for the detail to fail
        log.warning("suggestion for incident %s not shown: %s", incident.get("id"), exc)
        return None


# -- per-category settings and dispatching by itself -----------------------------------------------------------
def category_settings(services: Services) -> dict[str, dict]:
    with services.store.connect() as conn:
        return store.settings(conn)


def set_auto_dispatch(services: Services, category: str, enabled: bool, target_precision: float = DEFAULT_TARGET,
                      by: str = "admin") -> None:
    if not 0.5 <= target_precision < 1.0:
        raise ValueError("target precision must be between 0.5 and 1 (e.g. 0.99)")
    with services.store.begin() as conn:
        store.put_setting(conn, category, enabled, target_precision, by, utcnow())
        audit.append(conn, at=utcnow(), actor=by, actor_role=workflow.ADMIN, action="suggest_setting",
                     target_type="category", target_id=category,
                     after={"auto_dispatch": enabled, "target_precision": target_precision})


# -- the admin's screen: which categories CityOps may dispatch by itself ------------------------------------------
SETTINGS_PAGE = "/admin/suggestions"


class SettingRefused(PermissionError):
    """Only admins see and change which categories are dispatched by themselves."""


def _admin_only(identity) -> None:
    from dashboard.domain import permissions
    role = getattr(identity, "role", None)
    if not permissions.may_open_page(role, SETTINGS_PAGE):
        raise SettingRefused(f"a {role or 'visitor'} may not change dispatching by itself")


def _categories_served(services: Services, settings: dict[str, dict]) -> list[str]:
    """Categories a department answers for, and any with a setting (a category since retired)."""
    return sorted({c for d in services.city.departments for c in d.categories} | set(settings))


def current_target(settings: dict[str, dict]) -> float:
    """The target precision in force: the one most settings name (they are changed together)."""
    targets = [round(v["target_precision"], 4) for v in settings.values()]
    return max(set(targets), key=targets.count) if targets else DEFAULT_TARGET


def auto_dispatch_overview(services: Services, identity, target: float | None = None, lang: str = "zh-CN") -> dict:
    """What the admin's screen shows: per category, whether CityOps dispatches it by itself, and what
    the active model measured on its held-out cases at `target` (the target in force by default):
    the threshold, the share of the category's suggestions at or above it (coverage) and how many of
    those were right (precision)."""
    _admin_only(identity)
    with services.store.connect() as conn:
        settings = store.settings(conn)
        version = store.active_version(conn)
        info = store.model_info(conn, version) if version is not None else None
    target = float(target) if target else current_target(settings)
    entry = ((info or {}).get("thresholds") or {}).get(f"{target:g}") or {}
    figures, by_category = entry.get("figures") or {}, entry.get("by_category") or {}
    rows = []
    for code in _categories_served(services, settings):
        setting = settings.get(code) or {}
        measured = figures.get(code) or {}
        threshold = by_category.get(code, entry.get("global")) if entry else None
        rows.append({"code": code, "name": category_name(services, code, lang),
                     "auto_dispatch": bool(setting.get("auto_dispatch")),
                     "target_precision": setting.get("target_precision"),
                     "threshold": threshold, "held_out": measured.get("n", 0),
                     "coverage": measured.get("coverage"), "precision": measured.get("precision"),
                     "updated_by": setting.get("updated_by"), "updated_at": setting.get("updated_at")})
    model = None if info is None else {"version": info["version"], "trained_at": info["trained_at"],
                                       "trained_on": info["trained_on"]}
    return {"model": model, "target": target, "targets": TARGETS, "rows": rows}


def change_auto_dispatch(services: Services, identity, target: float, category: str | None = None,
                         enabled: bool | None = None, lang: str = "zh-CN") -> dict:
    """The admin switches one category on or off (at `target`), or — no category — moves the target
    precision of every category that has a setting. Each change audited as the admin's. Returns what
    was changed: {"categories": [...], "enabled": …, "target": …, "name": the category's name, and
    "reachable": whether the active model has a threshold for it at the target (switched on)}."""
    _admin_only(identity)
    target = float(target)
    if target not in TARGETS:
        raise ValueError(f"target precision must be one of {', '.join(f'{t:g}' for t in TARGETS)}")
    with services.store.connect() as conn:
        settings = store.settings(conn)
    if category is not None:
        if category not in _categories_served(services, settings):
            raise ValueError(f"no category {category!r}")
        now = settings.get(category) or {"auto_dispatch": False, "target_precision": target}
        same = now["auto_dispatch"] == bool(enabled) and round(now["target_precision"], 4) == target
        changes = {} if same else {category: bool(enabled)}      # nothing written, nothing audited
    else:
        changes = {code: v["auto_dispatch"] for code, v in settings.items() if round(v["target_precision"], 4) != target}
    for code, on in changes.items():
        set_auto_dispatch(services, code, on, target, by=identity.username)
    out = {"categories": sorted(changes), "enabled": enabled, "target": target,
           "name": category_name(services, category, lang) if category else ""}
    if category is not None and enabled:   # switched on where nothing would go by itself: the screen says so
        with services.store.connect() as conn:
            version = store.active_version(conn)
            info = store.model_info(conn, version) if version is not None else None
        entry = ((info or {}).get("thresholds") or {}).get(f"{target:g}") or {}
        out["reachable"] = bool(entry) and entry.get("by_category", {}).get(category, entry.get("global")) is not None
    return out


def auto_decision(model: SuggestModel, suggestion: dict, setting: dict | None) -> tuple[bool, float | None]:
    """(dispatch by itself?, the threshold) for a suggestion under its category's setting."""
    if not setting or not setting.get("auto_dispatch"):
        return False, None
    category = suggestion["categories"][0]["code"]
    threshold = model.threshold(category, float(setting.get("target_precision", DEFAULT_TARGET)))
    if threshold is None:
        return False, None
    return suggestion["confidence"] >= threshold, threshold


def _dispatch_by_itself(services: Services, incident: dict, suggestion: dict, threshold: float) -> bool:
    """Verify (with the suggested category) and dispatch as the system; marked and audited as such."""
    from .incident_actions import ActionError, perform
    category = suggestion["categories"][0]["code"]
    department = suggestion["departments"][0]["code"]
    mark = {"suggested_by_model": suggestion["model_version"], "confidence": suggestion["confidence"],
            "threshold": round(threshold, 4)}
    now = utcnow()
    with services.store.begin() as conn:
        current = incident_store.get(conn, incident["id"])
        if current is None or current["status"] != workflow.REPORTED or current["version"] != incident["version"]:
            return False     # a person acted meanwhile
        values: dict[str, Any] = {"status": workflow.VERIFIED, "updated_at": now}
        if category != current["category"]:
            values["category"] = category
        version = incident_store.update(conn, current["id"], current["version"], values)
        incident_store.add_history(conn, current["id"], version, "verify", workflow.REPORTED, workflow.VERIFIED,
                                   SYSTEM_IDENTITY.username, SYSTEM_IDENTITY.role, now, None,
                                   mark | ({"category": category} if "category" in values else {}))
        audit.append(conn, at=now, actor=SYSTEM_IDENTITY.username, actor_role=SYSTEM_IDENTITY.role,
                     action="incident_verify", target_type="incident", target_id=current["id"],
                     before={"status": workflow.REPORTED, "category": current["category"]},
                     after={"status": workflow.VERIFIED, "category": category, "details": mark})
    try:
        perform(services, SYSTEM_IDENTITY, incident["id"], "dispatch", version,
                params={"department": department, "auto_dispatched": True, **mark})
    except ActionError as exc:     # e.g. the department is gone: it waits for a dispatcher, verified
        log.warning("incident %s: dispatching by itself refused: %s", incident["id"], exc.message)
        return False
    return True


def process_new_reports(services: Services, limit: int = 200) -> dict[str, int]:
    """Suggest for every new report without a suggestion; dispatch by itself where allowed."""
    done = {"suggested": 0, "auto_dispatched": 0}
    version, model = current_model(services)
    if model is None:
        return done
    with services.store.connect() as conn:
        reports = store.unsuggested_reports(conn, utcnow() - timedelta(days=2), limit)
        settings = store.settings(conn)
    for inc in reports:
        with services.store.connect() as conn:
            suggestion = suggest(services, inc, services.settings.lang, model, version, conn)
            suggestion["duplicates"] = text_duplicates(services, inc, conn)
        go, threshold = auto_decision(model, suggestion, settings.get(suggestion["categories"][0]["code"]))
        if go and (inc.get("details") or {}).get("likely_duplicates"):
            go = False       # a likely duplicate waits for a person, as with the routing rules
        if go and suggestion["duplicates"]:
            go = False
        auto = bool(go) and _dispatch_by_itself(services, inc, suggestion, threshold)
        with services.store.begin() as conn:
            store.put_prediction(conn, inc["id"], version, suggestion, utcnow(), auto)
        done["suggested"] += 1
        done["auto_dispatched"] += int(auto)
    return done


# -- for the dispatch detail -------------------------------------------------------------------------------
SHOWN_TO = (workflow.DISPATCHER, workflow.ADMIN)


def suggestion_for_view(services: Services, identity, view: dict, lang: str = "zh-CN") -> dict | None:
    """The suggestion a dispatcher sees beside an incident (None for other roles, or none yet). Text
    duplicates the detail already shows by place are left out (one merge button per incident)."""
    if getattr(identity, "role", None) not in SHOWN_TO:
        return None
    suggestion = stored_suggestion(services, view, lang)
    if not suggestion:
        return None
    shown = {int(d["id"]) for d in (view.get("details") or {}).get("likely_duplicates") or [] if d.get("id") is not None}
    duplicates = [d for d in suggestion.get("duplicates") or [] if d["id"] not in shown and d["id"] != view.get("id")]
    return suggestion | {"duplicates": duplicates, **_in_language(services, suggestion, view, lang)}


def _in_language(services: Services, suggestion: dict, view: dict, lang: str) -> dict:
    """Names and the rule's sentence in the viewer's language (stored ones are in the worker's)."""
    out = {"categories": [c | {"name": category_name(services, c["code"], lang)} for c in suggestion.get("categories") or []],
           "departments": [d | {"name": department_name(services, d["code"], lang)} for d in suggestion.get("departments") or []]}
    if out["categories"]:
        try:
            with services.store.connect() as conn:
                rule = _rule_lookup(services, conn, {})[1](out["categories"][0]["code"], view.get("district"))
            out["rule"] = {"department": rule.department if rule else None,
                           "text": routing.explain(rule, out["categories"][0]["code"], view.get("district"), lang)}
        except Exception:     # an older routing module: keep the stored sentence
            pass
    return out


def __getattr__(name: str):
    """`SuggestWorker` lives in suggest_worker (which imports this module); reached from here too."""
    if name == "SuggestWorker":
        from .suggest_worker import SuggestWorker
        return SuggestWorker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
