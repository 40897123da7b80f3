"""Importing city packages into the store (SQLite and PostgreSQL): what would change, the committed
change with its audit, idempotence, export → import → export byte-identical, history keeping its
meaning across retire / merge / rename, the refusal to remove a department with open incidents, and
every running process picking the new city up without a restart."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import pytest
import sqlalchemy as sa

from dashboard.bus import MemoryBus
from dashboard.citypkg.read import read_package
from dashboard.citypkg.starter import write_starter
from dashboard.cli import main
from dashboard.config import Settings
from dashboard.demo.package import write_demo_package
from dashboard.domain.identity import Identity
from dashboard.services import city_import, container, evaluation, intake, open311
from dashboard.services.container import Services
from dashboard.services.incident_actions import ActionError, perform
from dashboard.store import open_store, reference, schema as t, schema_city as c

ADMIN = Identity("boss", "admin")
DISPATCHER = Identity("wang", "dispatcher")


def rows(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_rows(path, data):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(data)
    path.write_text(out.getvalue(), encoding="utf-8")


def do_import(store, path, actor="test"):
    package = read_package(path)
    assert package.ok, [str(p) for p in package.problems]
    plan = city_import.plan(store, package)
    return plan, (city_import.commit(store, plan, actor=actor) if plan.can_commit else None)


def services_for(store, tmp_path) -> Services:
    with store.connect() as conn:
        city = reference.load_city(conn)
    return Services(replace(Settings(), data_dir=str(tmp_path), demo=False), store, MemoryBus(), city)


def files(path):
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_first_import_shows_then_applies_audited_and_a_second_changes_nothing(store, tmp_path):
    write_starter(tmp_path / "mycity")
    package = read_package(tmp_path / "mycity")
    plan = city_import.plan(store, package)
    assert plan.first and plan.summary()["categories"] == {"added": 40, "changed": 0, "retired": 0}
    with store.connect() as conn:
        assert not reference.has_city(conn)            # the plan wrote nothing
    import_id = city_import.commit(store, plan, actor="cli:admin")
    assert import_id is not None
    with store.connect() as conn:
        city = reference.load_city(conn)
        entry = conn.execute(sa.select(t.audit_log).where(t.audit_log.c.action == "city_import")).one()
        record = conn.execute(sa.select(c.city_imports)).one()
    assert city.name_zh == "示例市" and city.find_category("01002").name_zh == "暴露垃圾"
    assert entry.actor == "cli:admin" and entry.after["checksum"] == package.checksum and entry.after["version"] == "0.1"
    assert record.package_version == "0.1" and record.checksum == package.checksum
    # the same package again: nothing to do, nothing recorded
    again = city_import.plan(store, read_package(tmp_path / "mycity"))
    assert again.empty and city_import.commit(store, again) is None
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(c.city_imports)).scalar_one() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(t.audit_log)
                            .where(t.audit_log.c.action == "city_import")).scalar_one() == 1
    assert [h["package_version"] for h in city_import.history(store)] == ["0.1"]


def export_import_export(store, tmp_path):
    """The store's city exported (first), imported into a new store and exported again (second)."""
    first, second = tmp_path / "first", tmp_path / "second"
    from dashboard.citypkg.write import write_package
    with store.connect() as conn:
        write_package(reference.load_city(conn), first)
    other = open_store(f"sqlite:///{tmp_path / 'other.sqlite3'}")   # a new store (SQLite, whatever the first)
    other.upgrade()
    try:
        do_import(other, first)
        with other.connect() as conn:
            write_package(reference.load_city(conn), second)
    finally:
        other.close()
    return first, second


def test_export_import_export_is_byte_identical(store, tmp_path):
    original = write_demo_package(tmp_path / "demo")
    do_import(store, original)
    first, second = export_import_export(store, tmp_path)
    assert files(first) == files(second) == files(original)


def test_the_cli_with_options_after_the_subcommand(tmp_path, capsys):
    data = tmp_path / "data"
    assert main(["city", "init", str(tmp_path / "mycity")]) == 0
    assert main(["city", "import", str(tmp_path / "mycity"), "--data-dir", str(data)]) == 0
    assert "nothing changed: add --commit" in capsys.readouterr().out
    assert main(["city", "import", str(tmp_path / "mycity"), "--commit", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "categories   40 added" in out and "imported (import 1" in out
    assert main(["city", "import", str(tmp_path / "mycity"), "--commit", "--data-dir", str(data)]) == 0
    assert "no changes" in capsys.readouterr().out
    assert main(["city", "export", str(tmp_path / "out"), "--data-dir", str(data)]) == 0
    assert read_package(tmp_path / "out").ok


@pytest.fixture
def demo_store(store, tmp_path):
    """The demo city imported from its package, 45 days of its history, one open water case."""
    from dashboard.demo.history import backfill
    pkg = write_demo_package(tmp_path / "demo")
    do_import(store, pkg)
    services = services_for(store, tmp_path)
    backfill(services, 45)
    row = intake.record_manual(services, DISPATCHER, {"category": "0104", "title": "供水管道漏水 · 中山路",
                                                     "lat": 32.05, "lon": 118.80})
    perform(services, DISPATCHER, row["id"], "verify", row["version"])
    row = perform(services, DISPATCHER, row["id"], "dispatch", row["version"] + 1, params={"department": "water"})
    assert row["department"] == "water" and row["status"] == "dispatched"
    return services, pkg, row


def _last_month(services):
    evaluation.refresh(services)
    query = evaluation.ReviewQuery(kind="last_month")
    by_department = evaluation.figures(services, ADMIN, query, "en")
    by_category = evaluation.figures(services, ADMIN, replace(query, filters=(("department", "water"),)), "en")
    strip = lambda f: (f["totals"], [{k: v for k, v in r.items() if k not in ("name", "grades")} for r in f["league"]])  # noqa: E731
    return strip(by_department), strip(by_category)


def _past(store):
    with store.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(
            t.incidents.c.id, t.incidents.c.code, t.incidents.c.category, t.incidents.c.district,
            t.incidents.c.department, t.incidents.c.status, t.incidents.c.title).order_by(t.incidents.c.id))]


def _history(store):
    with store.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.incident_history)).scalar_one()


def test_retire_merge_rename_keep_history_and_last_months_figures(demo_store, tmp_path):
    services, pkg, _ = demo_store
    before_figures, before_incidents, before_history = _last_month(services), _past(services.store), _history(services.store)
    used = {r[2] for r in before_incidents}
    assert {"0204", "0602"} <= used   # history names the categories about to be retired
    # rename a department; retire one category and drop another from the file; merge district D02 into D01
    deps = rows(pkg / "departments.csv")
    for r in deps:
        if r[0] == "water":
            r[1], r[2] = "澜海市水务集团有限公司", "Lanhai Water Group Co."
    write_rows(pkg / "departments.csv", deps)
    cats = rows(pkg / "categories.csv")
    retired_col = cats[0].index("retired")
    for r in cats:
        if r[0] == "0602":
            r[retired_col] = "yes"
    write_rows(pkg / "categories.csv", [r for r in cats if r[0] != "0204"])
    write_rows(pkg / "routing.csv", [r for r in rows(pkg / "routing.csv") if r[0] not in ("0204", "0602") and r[3] != "D02"])
    layer = json.loads((pkg / "districts.geojson").read_text(encoding="utf-8"))
    import shapely
    from shapely.geometry import mapping, shape
    d1 = next(f for f in layer["features"] if f["properties"]["code"] == "D01")
    d2 = next(f for f in layer["features"] if f["properties"]["code"] == "D02")
    merged = shapely.union_all([shape(d1["geometry"]), shape(d2["geometry"])]).buffer(0)
    d1["geometry"] = json.loads(json.dumps(mapping(merged)))
    d2["properties"]["retired"] = True
    (pkg / "districts.geojson").write_text(json.dumps(layer, ensure_ascii=False), encoding="utf-8")
    write_rows(pkg / "stations.csv", [[("D01" if v == "D02" else v) for v in r] for r in rows(pkg / "stations.csv")])
    (pkg / "segments.geojson").write_text((pkg / "segments.geojson").read_text(encoding="utf-8")
                                          .replace('"district":"D02"', '"district":"D01"'), encoding="utf-8")
    toml = (pkg / "city.toml").read_text(encoding="utf-8").replace('version = "demo-7"', 'version = "demo-7.1"')
    (pkg / "city.toml").write_text(toml, encoding="utf-8")

    plan, import_id = do_import(services.store, pkg)
    assert import_id is not None, plan.refusals
    summary = plan.summary()
    assert summary["categories"] == {"added": 0, "changed": 0, "retired": 2}
    assert summary["districts"]["retired"] == 1 and summary["departments"]["changed"] >= 1
    assert services.refresh_city()
    city = services.city
    # history: every past incident, its history and last month's figures unchanged
    assert _past(services.store) == before_incidents and _history(services.store) == before_history
    assert _last_month(services) == before_figures
    # retired rows stay readable (names in history and evaluation) ...
    assert city.find_category("0204").retired and city.find_category("0204").name_zh == "公交站亭损坏"
    assert city.find_category("0602").retired and city.district("D02").retired and city.district("D02").name_zh
    assert "D02" not in {d.code for d in city.districts}
    assert city.department("water").name_en == "Lanhai Water Group Co."
    assert evaluation.group_name(services, "category", "0204", "zh-CN") == "公交站亭损坏"
    # ... but a retired category cannot be chosen for a new case, nor reported by citizens
    with pytest.raises(ActionError, match="retired"):
        intake.record_manual(services, DISPATCHER, {"category": "0204", "title": "站亭", "lat": 32.05, "lon": 118.8})
    assert "0602" not in {s["service_code"] for s in open311.services_list(services)}
    # a point of the old D02 now falls in D01
    from shapely.geometry import shape as to_shape
    inside = to_shape(d2["geometry"]).representative_point()
    assert city.district_at(inside.x, inside.y) == "D01"


def test_a_department_with_open_incidents_cannot_be_removed(demo_store, capsys):
    services, pkg, open_case = demo_store
    write_rows(pkg / "departments.csv", [r for r in rows(pkg / "departments.csv") if r[0] != "water"])
    write_rows(pkg / "routing.csv", [r[:4] + [("ecology" if r[4] == "water" else r[4])] + r[5:]
                                     for r in rows(pkg / "routing.csv")])   # its work goes elsewhere
    package = read_package(pkg)
    assert package.ok, [str(p) for p in package.problems]
    plan = city_import.plan(services.store, package)
    assert not plan.can_commit
    assert any(r.startswith("department water still has") and open_case["code"] in r and "reassign them first" in r
               for r in plan.refusals), plan.refusals
    with pytest.raises(ValueError, match="department water"):
        city_import.commit(services.store, plan)
    with services.store.connect() as conn:
        assert reference.load_city(conn).department("water").retired is False


def test_every_process_picks_up_an_import_without_restart(store, tmp_path, monkeypatch):
    write_starter(tmp_path / "mycity")
    do_import(store, tmp_path / "mycity")
    web, ingest = services_for(store, tmp_path), services_for(store, tmp_path)   # two processes' services
    assert web.city.name_en == "Example City"
    toml = (tmp_path / "mycity" / "city.toml").read_text(encoding="utf-8")
    (tmp_path / "mycity" / "city.toml").write_text(
        toml.replace('name_en = "Example City"', 'name_en = "Example City (2027)"').replace('"0.1"', '"0.2"'),
        encoding="utf-8")
    do_import(store, tmp_path / "mycity")
    monkeypatch.setattr(container, "CITY_CHECK_SECONDS", 0.0)   # the check runs at most every 2 s: now, here
    assert web.city.name_en == "Example City (2027)" and web.city.version == "0.2"
    assert ingest.city.name_en == "Example City (2027)"
    held = web.city
    assert web.refresh_city() is False and web.city is held      # no new version: the same City object


def test_run_without_any_city_says_how_to_import_one(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CITYOPS_DEMO", "false")
    assert main(["db", "upgrade", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "the store holds no city: import the city's package with `cityops city import DIR --commit`" in err


def test_the_demo_city_comes_in_through_the_same_door(tmp_path):
    settings = replace(Settings(), data_dir=str(tmp_path), demo=True)
    services = container.build_services(settings)
    try:
        history = city_import.history(services.store)
        assert [h["actor"] for h in history] == ["demo"] and history[0]["package_version"] == "demo-7"
        assert services.city.find_category("0101").name_zh == "井盖破损"
        assert len(services.city.routing) > 0
    finally:
        services.close()
    again = container.build_services(settings)   # a restart imports nothing new
    try:
        assert len(city_import.history(again.store)) == 1
    finally:
        again.close()


def test_source_system_ids_map_to_the_citys_stations(store, tmp_path):
    pkg = tmp_path / "mycity"
    write_starter(pkg)
    (pkg / "stations.csv").write_text("id,name_zh,name_en,district,lon,lat\nA1,中心站,Centre,320102,118.78,32.04\n",
                                      encoding="utf-8")
    (pkg / "source_ids.csv").write_text("source,source_id,kind,target\nsensorthings,thing-42,station,A1\n",
                                        encoding="utf-8")
    do_import(store, pkg)
    city = services_for(store, tmp_path).city
    assert city.station_for("sensorthings", "thing-42").id == "A1"
    assert city.station_for("sensorthings", "A1").id == "A1" and city.station_for("openaq", "thing-42") is None


def test_routing_from_the_package_dispatches_and_explains(store, tmp_path):
    from dashboard.services.incident_queries import get_incident
    write_starter(tmp_path / "mycity")
    do_import(store, tmp_path / "mycity")
    services = services_for(store, tmp_path)
    urgent = intake.record_manual(services, ADMIN, {"category": "05001", "title": "路面塌陷", "lat": 32.05, "lon": 118.78})
    assert urgent["status"] == "dispatched" and urgent["department"] == "cgj"   # category + district, auto-dispatch
    routine = intake.record_manual(services, ADMIN, {"category": "0101", "title": "井盖缺失", "lat": 32.06, "lon": 118.8})
    view = get_incident(services, ADMIN, routine["id"])
    assert routine["status"] == "reported" and view["suggested_department"] == "cgj"   # the 部件 大类 01 rule
    assert view["routing_why_en"] == "cgj: the city-wide rule for the whole class 01"
    assert view["standard_open"].startswith("部件缺失") and view["standard_close"].startswith("部件修复")


def test_an_import_from_another_process_reaches_this_one(tmp_path, monkeypatch):
    import subprocess
    import sys
    write_starter(tmp_path / "mycity")
    store = open_store(f"sqlite:///{tmp_path / 'data' / 'cityops.sqlite3'}")
    store.upgrade()
    try:
        do_import(store, tmp_path / "mycity")
        running = services_for(store, tmp_path)
        assert running.city.version == "0.1"
        toml = (tmp_path / "mycity" / "city.toml").read_text(encoding="utf-8")
        (tmp_path / "mycity" / "city.toml").write_text(toml.replace('"0.1"', '"0.2"'), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "dashboard.cli", "city", "import", str(tmp_path / "mycity"),
                               "--commit", "--data-dir", str(tmp_path / "data")],
                              capture_output=True, text=True, timeout=120, env={**__import__("os").environ,
                                                                                 "CITYOPS_DEMO": "false"})
        assert done.returncode == 0, done.stderr
        monkeypatch.setattr(container, "CITY_CHECK_SECONDS", 0.0)
        assert running.city.version == "0.2"
    finally:
        store.close()
