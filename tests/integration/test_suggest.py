"""Dispatch suggestions (智能派单) on a store: labels from the department that finally closed a case,
training and suggesting, departments renamed or merged, dispatching by itself only above the
threshold (marked and audited as the system's), duplicates by text, and intake that never waits for
or fails because of the model."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dashboard.demo.city import build_city
from dashboard.demo.history import backfill
from dashboard.demo.simulation.citizen_texts import describe
from dashboard.domain import workflow
from dashboard.domain.identity import SYSTEM_IDENTITY, Identity
from dashboard.domain.incidents import IncidentDraft
from dashboard.services import intake, suggest as svc
from dashboard.services.container import Services
from dashboard.services.incident_actions import perform
from dashboard.store import open_store, schema as t, suggest as suggest_store, utcnow
from dashboard.store.schema_suggest import suggest_models
from tests.conftest import services_on

NOW = datetime.now(timezone.utc).replace(microsecond=0)
DISPATCHER = Identity("dispatcher", workflow.DISPATCHER)


def _operator(dept: str) -> Identity:
    return Identity(f"op-{dept}", workflow.OPERATOR, department=dept)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A SQLite store with 45 days of the demo city's past and a model trained on it."""
    path = tmp_path_factory.mktemp("suggest")
    store = open_store(f"sqlite:///{path / 'demo.sqlite3'}")
    store.upgrade()
    services = services_on(store, build_city(7), path)
    intake.ensure_routing_rules(services)
    assert backfill(services, days=45, now=NOW) > 2000
    version = svc.train(services)
    yield services, version
    store.close()


def _report(services, text: str, category: str, lon: float, lat: float, district: str, n: int = 0) -> dict:
    draft = IncidentDraft(category=category, title=f"{svc.category_name(services, category)} · {district}",
                          source="open311", source_ref=f"test-{n}-{random.random()}", description=text,
                          lat=lat, lon=lon, district=district, reported_at=utcnow(),
                          details={"service_code": category})
    with services.store.begin() as conn:
        row, _ = intake.create(services, conn, draft, SYSTEM_IDENTITY, utcnow())
    return row


def _demo_reports(services, count: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    city = services.city
    rows = []
    for n in range(count):
        seg = rng.choice(city.segments)
        lon, lat = seg.geometry["coordinates"][0]
        code = rng.choice(["0102", "0501", "0802", "0801", "0601", "0301", "0803", "0701"])
        road = seg.name_zh.split("（")[0]
        rows.append(_report(services, describe(rng, code, f"{road}{rng.randint(1, 300)}号附近", road), code,
                            lon + rng.uniform(-0.02, 0.02), lat + rng.uniform(-0.02, 0.02), seg.district, n))
    return rows


# -- labels -----------------------------------------------------------------------------------------------
def test_labels_come_from_the_department_that_finally_closed_the_case(store, small_city, tmp_path):
    services = services_on(store, small_city, tmp_path)
    row = _report(services, "路面积水很深", "0503", 118.75, 32.05, "D1")
    v = perform(services, DISPATCHER, row["id"], "verify", row["version"])["version"]
    v = perform(services, DISPATCHER, row["id"], "dispatch", v, params={"department": "JT"})["version"]
    v = perform(services, _operator("JT"), row["id"], "return", v, reason="属地不符")["version"]
    v = perform(services, DISPATCHER, row["id"], "dispatch", v, params={"department": "CG"})["version"]
    v = perform(services, _operator("CG"), row["id"], "accept", v)["version"]
    v = perform(services, _operator("CG"), row["id"], "report_fixed", v, params={"note": "已处理"})["version"]
    perform(services, DISPATCHER, row["id"], "close", v)
    with store.connect() as conn:
        (case,) = svc.load_cases(services, conn)
    assert case.department == "CG" and case.returned and case.category == "0503"


def test_the_demo_past_teaches_returns_and_miscategorised_reports(demo):
    services, _ = demo
    with services.store.connect() as conn:
        cases = svc.load_cases(services, conn)
    returned = [c for c in cases if c.returned]
    assert len(returned) > 0.02 * len(cases)
    # the label is the last dispatch's department, not the first (returned cases changed hands)
    h = t.incident_history.c
    with services.store.connect() as conn:
        firsts = {r.incident_id: r.details["department"] for r in conn.execute(
            sa.select(h.incident_id, h.details).where(h.action == "dispatch").order_by(h.version.desc()))}
    assert all(c.department != firsts[c.id] for c in returned)
    assert sum(1 for c in cases if c.filed and c.filed != c.category) > 0.05 * len(cases)
    assert len({c.text for c in cases}) > 0.9 * len(cases)        # phrasing varies: not a few templates


# -- the model ------------------------------------------------------------------------------------------------
def test_a_trained_model_suggests_with_reasons(demo):
    services, version = demo
    report = _demo_reports(services, 1, seed=5)[0]
    s = svc.suggest(services, report, "zh-CN")
    assert s["model_version"] == version
    assert len(s["categories"]) == 3 and len(s["departments"]) == 3
    assert abs(sum(c["p"] for c in s["categories"])) <= 1.0001
    assert s["categories"][0]["p"] >= s["categories"][1]["p"] >= s["categories"][2]["p"]
    assert s["rule"]["department"] and s["rule"]["text"]
    assert s["similar"] and all(x["category"] == s["categories"][0]["code"] for x in s["similar"])


def test_a_department_renamed_or_merged_keeps_accuracy(demo):
    services, version = demo
    _, model = svc.current_model(services)
    with services.store.connect() as conn:
        cases = svc.load_cases(services, conn, since=NOW - timedelta(days=10))
        rule_for, _ = svc._rule_lookup(services, conn, {})
    before = svc.evaluate_model(model, cases, rule_for)["department"]["top1"]
    mapping = {"cg-d01": "cg-nantang", "lighting": "cg-d02", "transport": "traffic-police"}   # a rename, two merges
    r = t.routing_rules.c
    with services.store.connect() as conn:
        saved = [dict(x._mapping) for x in conn.execute(sa.select(t.routing_rules))]
    try:
        with services.store.begin() as conn:          # as the city import rewrites the rules
            for old, new in mapping.items():
                conn.execute(t.routing_rules.update().where(r.department == old).values(department=new))
        current = svc.remap_departments(services, mapping)
        assert current == mapping
        with services.store.connect() as conn:
            rule_for_now, _ = svc._rule_lookup(services, conn, current)
        figures = svc.evaluate_model(model, cases, rule_for_now, current)
        assert figures["department"]["top1"] >= before - 0.002
        s = svc.suggest(services, _demo_reports(services, 1, seed=9)[0], "zh-CN")
        assert not {d["code"] for d in s["departments"]} & set(mapping)       # only today's codes
    finally:
        with services.store.begin() as conn:
            conn.execute(sa.delete(t.routing_rules))
            conn.execute(t.routing_rules.insert(), saved)
            conn.execute(sa.delete(t.metadata.tables["suggest_department_map"]))
        svc.forget_cached(services)


# -- dispatching by itself ------------------------------------------------------------------------------------
def test_nothing_is_dispatched_by_itself_below_the_threshold(demo):
    services, version = demo
    _, model = svc.current_model(services)
    rows = _demo_reports(services, 40, seed=11)
    categories = sorted({c for d in services.city.departments for c in d.categories})
    for code in categories:
        svc.set_auto_dispatch(services, code, True, 0.99, by="test")
    try:
        done = svc.process_new_reports(services)
    finally:
        for code in categories:
            svc.set_auto_dispatch(services, code, False, 0.99, by="test")
    assert done["suggested"] >= 40
    auto = 0
    with services.store.connect() as conn:
        for row in rows:
            p = suggest_store.prediction(conn, row["id"])
            s = p["suggestion"]
            threshold = model.threshold(s["categories"][0]["code"], 0.99)
            inc = conn.execute(sa.select(t.incidents).where(t.incidents.c.id == row["id"])).one()
            if p["auto_dispatched"]:
                auto += 1
                assert threshold is not None and s["confidence"] >= threshold
                assert inc.status == workflow.DISPATCHED and inc.department == s["departments"][0]["code"]
                steps = conn.execute(sa.select(t.incident_history).where(
                    t.incident_history.c.incident_id == row["id"]).order_by(t.incident_history.c.version)).all()
                assert [(x.action, x.actor) for x in steps[-2:]] == [("verify", "system"), ("dispatch", "system")]
                assert steps[-1].details["auto_dispatched"] is True
                assert steps[-1].details["suggested_by_model"] == version
                audited = conn.execute(sa.select(t.audit_log.c.actor).where(
                    t.audit_log.c.target_id == str(row["id"]), t.audit_log.c.action == "incident_dispatch")).all()
                assert [a.actor for a in audited] == ["system"]
            else:
                assert inc.status == workflow.REPORTED
                assert threshold is None or s["confidence"] < threshold or s["duplicates"] \
                    or (inc.details or {}).get("likely_duplicates")
    assert auto > 0


def test_auto_decision_respects_setting_and_threshold(demo):
    _, model = svc.current_model(demo[0])
    code = next(c for c, v in model.thresholds["0.99"]["by_category"].items() if v is not None)
    th = model.threshold(code, 0.99)
    s = {"categories": [{"code": code, "p": 1.0}], "confidence": th}
    assert svc.auto_decision(model, s, {"auto_dispatch": True, "target_precision": 0.99}) == (True, th)
    below = s | {"confidence": th - 1e-6}
    assert svc.auto_decision(model, below, {"auto_dispatch": True, "target_precision": 0.99})[0] is False
    assert svc.auto_decision(model, s, {"auto_dispatch": False, "target_precision": 0.99})[0] is False
    assert svc.auto_decision(model, s, None)[0] is False


# -- duplicates by text ----------------------------------------------------------------------------------------
def test_duplicates_by_text_within_place_and_time(demo):
    services, _ = demo
    seg = services.city.segments[3]
    lon, lat = seg.geometry["coordinates"][0]
    a = _report(services, "小区门口路灯不亮已经好几天了，晚上很黑", "0102", lon, lat, seg.district, 1)
    b = _report(services, "路灯不亮好几天了，晚上黑乎乎的", "0102", lon + 0.0003, lat, seg.district, 2)
    far = _report(services, "路灯不亮好几天了，晚上黑乎乎的", "0102", lon + 0.01, lat, seg.district, 3)
    other = _report(services, "垃圾箱被撞翻了", "0301", lon, lat + 0.0002, seg.district, 4)
    found = svc.text_duplicates(services, b)
    ids = [f["id"] for f in found]
    assert a["id"] in ids and far["id"] not in ids and other["id"] not in ids
    marks = svc.duplicate_marks(services, [a, b, far, other])
    assert b["id"] in [m["id"] for m in marks[a["id"]]] and far["id"] not in marks


# -- the model never blocks intake ------------------------------------------------------------------------------
def _intake_and_dispatch_work(services) -> None:
    row = _report(services, "井盖破损，行人容易踩空", "0101", 118.75, 32.05, "D1")
    assert row["status"] == workflow.REPORTED
    svc.process_new_reports(services)          # nothing to do, nothing fails
    v = perform(services, DISPATCHER, row["id"], "verify", row["version"])["version"]
    assert perform(services, DISPATCHER, row["id"], "dispatch", v, params={"department": "CG"})["status"] == "dispatched"
    assert svc.suggestion_for_view(services, DISPATCHER, row) is None


def test_without_a_model_intake_and_dispatch_work(store, small_city, tmp_path):
    services = services_on(store, small_city, tmp_path)
    assert svc.current_model(services) == (None, None)
    _intake_and_dispatch_work(services)


def test_a_failed_training_changes_nothing(store, small_city, tmp_path, monkeypatch):
    services = services_on(store, small_city, tmp_path, suggest_min_cases=0)
    with pytest.raises(ValueError):
        svc.train(services)                   # too few closed cases: nothing stored
    with store.connect() as conn:
        assert suggest_store.models(conn) == []

    def broken(*_a, **_k):
        raise MemoryError("out of memory")
    monkeypatch.setattr(svc, "fit", broken)
    svc.SuggestWorker(services, child_process=False, first_delay=timedelta(0)).round()   # logs, carries on
    _intake_and_dispatch_work(services)


@pytest.mark.parametrize("damage", ["bytes", "pickle"])
def test_a_corrupt_model_is_not_loaded(demo, tmp_path, damage):
    services, _ = demo
    import hashlib
    import zlib
    path = tmp_path / "copy.sqlite3"
    import sqlite3
    source, target = sqlite3.connect(services.store.engine.url.database), sqlite3.connect(path)
    source.backup(target)        # a copy of the demo store, so the other tests keep their model
    source.close(), target.close()
    store = open_store(f"sqlite:///{path}")
    try:
        copy = Services(services.settings, store, services.bus, services.city)
        with store.begin() as conn:
            version = suggest_store.active_version(conn)
            if damage == "bytes":       # flipped on disk: the digest no longer matches
                conn.execute(suggest_models.update().where(suggest_models.c.version == version)
                             .values(model=b"\x00garbage"))
            else:                       # digest matches, but the content is not a model
                packed = zlib.compress(b"not a pickle")
                conn.execute(suggest_models.update().where(suggest_models.c.version == version)
                             .values(model=packed, sha256=hashlib.sha256(packed).hexdigest()))
        assert svc.current_model(copy) == (None, None)
        seg = copy.city.segments[0]
        lon, lat = seg.geometry["coordinates"][0]
        row = _report(copy, "路灯不亮", "0102", lon, lat, seg.district)
        assert svc.process_new_reports(copy) == {"suggested": 0, "auto_dispatched": 0}
        v = perform(copy, DISPATCHER, row["id"], "verify", row["version"])["version"]
        assert perform(copy, DISPATCHER, row["id"], "dispatch", v)["status"] == "dispatched"   # by the rule, as today
    finally:
        store.close()


def test_models_are_versioned_in_the_store(store, small_city, tmp_path):
    """Save, list and load back on both SQLite and PostgreSQL; the digest is checked."""
    with store.begin() as conn:
        v1 = suggest_store.save_model(conn, b"one", trained_at=utcnow(), trained_on=1, algorithm="x", metrics={},
                                      thresholds={})
        v2 = suggest_store.save_model(conn, b"two" * 1000, trained_at=utcnow(), trained_on=2, algorithm="x",
                                      metrics={"a": 1}, thresholds={"0.99": {"global": 0.9}})
    with store.connect() as conn:
        assert (v1, v2) == (1, 2) and suggest_store.active_version(conn) == 2
        assert suggest_store.load_model_bytes(conn, 2) == b"two" * 1000
        assert [m["version"] for m in suggest_store.models(conn)] == [2, 1]


def test_the_command_line(tmp_path, capsys):
    from dashboard.cli import main
    d = ["--data-dir", str(tmp_path)]
    assert main(["suggest", "train", *d]) == 2                       # nothing closed yet: says so
    assert "too few closed cases" in capsys.readouterr().err
    assert main(["suggest", "auto", "0102", "0301", "--precision", "0.995", *d]) == 0
    assert main(["suggest", "remap", "old-dept=new-dept", *d]) == 0
    out = capsys.readouterr().out
    assert "0102, 0301" in out and "old-dept → new-dept" in out
    assert main(["suggest", "models", *d]) == 0
    assert main(["suggest", "evaluate", "--month", "2026-13", *d]) == 2


def test_the_worker_trains_on_schedule_in_a_process_of_its_own(demo, tmp_path):
    """A copy of the demo store with no model: the worker's first round starts a training process
    (only after the first delay), the next rounds wait for it, and the model appears."""
    import sqlite3
    services, _ = demo
    path = tmp_path / "copy.sqlite3"
    source, target = sqlite3.connect(services.store.engine.url.database), sqlite3.connect(path)
    source.backup(target)
    source.close(), target.close()
    from dashboard.config import Settings
    from dataclasses import replace as with_
    settings = with_(Settings(), data_dir=str(tmp_path), demo=False, database_url=f"sqlite:///{path}")
    store = open_store(settings.database_url)
    try:
        with store.begin() as conn:
            conn.execute(sa.delete(t.metadata.tables["suggest_predictions"]))
            conn.execute(sa.delete(suggest_models))
        copy = Services(settings, store, services.bus, services.city)
        waiting = svc.SuggestWorker(copy)                        # first delay: 10 minutes
        waiting.round()
        assert waiting._child is None
        worker = svc.SuggestWorker(copy, first_delay=timedelta(0))
        worker.round()
        assert worker._child is not None
        worker._child.join(300)
        assert worker._child.exitcode == 0
        worker.round()
        with store.connect() as conn:
            assert suggest_store.active_version(conn) == 1
    finally:
        store.close()


# -- the dispatch queue's duplicate marks (issue 16 item 9, issue 21) -------------------------------------------
def _queue_report(services, title: str, text: str, lon: float, lat: float, category: str = "0101") -> dict:
    draft = IncidentDraft(category=category, title=title, source="manual", source_ref=f"q-{random.random()}",
                          description=text, lat=lat, lon=lon, district="D1", reported_at=utcnow(), details={})
    with services.store.begin() as conn:
        row, _ = intake.create(services, conn, draft, DISPATCHER, utcnow())
    return row


def _queue(services, tag: str) -> dict[int, dict]:
    from dashboard.services import incident_queries
    filters = incident_queries.parse_filters({"q": tag, "limit": 500, "order": "urgent"})
    return {i["id"]: i for i in incident_queries.list_incidents(services, DISPATCHER, filters, duplicates=True)["items"]}


def test_the_queue_marks_both_members_of_a_pair_and_pairs_by_text(services):
    from layouts.dispatch_rows import city_names, grid_row, held_version, row_index, transaction
    lon, lat = 118.72, 32.02
    older = _queue_report(services, "井盖 甲 qa", "人行道上井盖缺了一块", lon, lat)
    names = city_names(services.city, "zh-CN")
    held = row_index([grid_row(v, "zh-CN", names) for v in _queue(services, "qa").values()])
    newer = _queue_report(services, "井盖 乙 qa", "有车压过去声音很大", lon + 0.0002, lat)   # 19 m: by place
    assert (newer["details"] or {}).get("likely_duplicates")                                # the newer names the older
    # the older one's mark reaches the grid although its version did not move
    tx, index = transaction(held, [grid_row(v, "zh-CN", names) for v in _queue(services, "qa").values()])
    assert [r["id"] for r in tx["update"]] == [older["id"]] and [r["id"] for r in tx["add"]] == [newer["id"]]
    assert held_version(index, older["id"]) == older["version"]
    said = _queue_report(services, "井盖 丙 qa", "小区门口井盖松动了，车一过就哐哐响，晚上吵得睡不着", lon, lat + 0.01)
    again = _queue_report(services, "井盖 丁 qa", "小区门口井盖松动，车一过哐哐响，晚上睡不着", lon + 0.0011, lat + 0.01)
    alone = _queue_report(services, "井盖 戊 qa", "路边的雨水篦子被偷了", lon + 0.05, lat)
    marks = {i: v.get("queue_duplicates") for i, v in _queue(services, "qa").items()}
    assert marks[older["id"]] == [{"id": newer["id"], "code": newer["code"], "by": "place"}]   # the older too
    assert marks[newer["id"]] == [{"id": older["id"], "code": older["code"], "by": "place"}]
    assert [(m["id"], m["by"]) for m in marks[said["id"]]] == [(again["id"], "text")]          # 104 m: by text only
    assert [(m["id"], m["by"]) for m in marks[again["id"]]] == [(said["id"], "text")]
    assert marks[alone["id"]] is None

    # the older is marked even when the newer is not in the page (another filter)
    assert _queue(services, older["code"])[older["id"]]["queue_duplicates"][0]["id"] == newer["id"]
    # in the grid, in both languages, with the other case's number
    names = city_names(services.city, "en")
    rows = {i: grid_row(v, "en", names) for i, v in _queue(services, "qa").items()}
    assert rows[older["id"]]["dup_label"] == f"[likely duplicate of {newer['code'][-6:]}]"
    assert rows[said["id"]]["dup_label"] == f"[similar text to {again['code'][-6:]}]"
    zh = grid_row(_queue(services, "qa")[said["id"]], "zh-CN", city_names(services.city, "zh-CN"))
    assert zh["dup_label"] == f"〔内容相似 {again['code'][-6:]}〕"
    # a case no longer waiting for a decision is not marked
    perform(services, DISPATCHER, newer["id"], "reject", newer["version"], reason="重复")
    assert _queue(services, "qa")[older["id"]].get("queue_duplicates") is None


def test_marking_a_page_costs_the_same_queries_however_many_rows(services):
    lon, lat = 118.72, 32.06
    for n in range(4):
        _queue_report(services, f"井盖 qb{n}", "井盖缺失，行人容易踩空", lon + n * 0.0001, lat)

    def queries(limit: int) -> int:
        from dashboard.services import incident_queries
        seen = []
        listen = lambda *args: seen.append(1)   # noqa: E731
        sa.event.listen(services.store.engine, "before_cursor_execute", listen)
        try:
            filters = incident_queries.parse_filters({"q": "qb", "limit": limit, "order": "urgent"})
            items = incident_queries.list_incidents(services, DISPATCHER, filters, duplicates=True)["items"]
        finally:
            sa.event.remove(services.store.engine, "before_cursor_execute", listen)
        assert len(items) == limit and all(i.get("queue_duplicates") for i in items)
        return len(seen)

    assert queries(2) == queries(4)
