"""Dispatch suggestions and the city package, and the admin's per-category setting (issue 21):
a department renamed or merged through `cityops city import` (the `replaces` column of
departments.csv) keeps what the model learned under the old code, without retraining; a failure of
that step never undoes the import; the setting of dispatching by itself per category, as the admin
screen reads and changes it."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dashboard.bus import MemoryBus
from dashboard.citypkg.read import read_package
from dashboard.cli import main
from dashboard.config import Settings
from dashboard.demo.history import backfill
from dashboard.demo.package import write_demo_package
from dashboard.domain import workflow
from dashboard.domain.identity import Identity
from dashboard.services import suggest as svc
from dashboard.services.container import Services
from dashboard.store import open_store, reference, schema as t, suggest as suggest_store
from dashboard.store.schema_suggest import suggest_models
from tests.integration.test_city_import import rows as csv_rows, write_rows as write_csv_rows

NOW = datetime.now(timezone.utc).replace(microsecond=0)
RENAMED = {"cg-d01": "cg-nantang"}          # a rename
MERGED = {"lighting": "cg-d02"}             # a merge: street lighting goes to the district's bureau


def _services(store, data) -> Services:
    with store.connect() as conn:
        city = reference.load_city(conn)
    return Services(replace(Settings(), data_dir=str(data), demo=False), store, MemoryBus(), city)


def _renamed_package(source, target, mapping: dict[str, str]):
    """The package with each old department renamed or merged into its new code, saying so."""
    import shutil
    shutil.copytree(source, target)
    departments = csv_rows(target / "departments.csv")
    header = departments[0] + ["replaces"]
    codes = {r[0] for r in departments[1:]}
    out = [header]
    for r in departments[1:]:
        code = r[0]
        if code in mapping and mapping[code] in codes:
            continue                                               # merged: the old row goes
        olds = [old for old, new in mapping.items() if new == code]
        if code in mapping:                                        # renamed: same row, new code
            r = [mapping[code]] + r[1:]
            olds = [code]
        out.append(r + [";".join(olds)])
    write_csv_rows(target / "departments.csv", out)
    routing = csv_rows(target / "routing.csv")
    col = routing[0].index("department")
    write_csv_rows(target / "routing.csv", [routing[0]] + [r[:col] + [mapping.get(r[col], r[col])] + r[col + 1:]
                                                         for r in routing[1:]])
    return target


def _open_incidents(store, departments) -> dict[int, str]:
    i = t.incidents.c
    with store.connect() as conn:
        return {r.id: r.department for r in conn.execute(sa.select(i.id, i.department).where(
            i.department.in_(list(departments)), i.status.in_(sorted(workflow.OPEN_STATUSES))))}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The demo city imported from its package through `cityops city import`, 30 days of its past, a
    model trained on it."""
    root = tmp_path_factory.mktemp("suggest-admin")
    data = root / "data"
    data.mkdir()
    package = write_demo_package(root / "demo")
    store = open_store(f"sqlite:///{data / 'cityops.sqlite3'}")
    store.upgrade()
    assert main(["city", "import", str(package), "--commit", "--data-dir", str(data)]) == 0
    services = _services(store, data)
    assert backfill(services, days=30, now=NOW) > 1000
    version = svc.train(services)
    yield root, data, store, services, version
    store.close()


def _top1(services, model, cases, department_map) -> float:
    with services.store.connect() as conn:
        rule_for, _ = svc._rule_lookup(services, conn, department_map)
    return svc.evaluate_model(model, cases, rule_for, department_map)["department"]["top1"]


def _audit(store, action):
    with store.connect() as conn:
        return conn.execute(sa.select(t.audit_log).where(t.audit_log.c.action == action)
                            .order_by(t.audit_log.c.id)).all()


def test_a_rename_and_a_merge_through_city_import_keep_the_suggestions(trained, capsys):
    root, data, store, services, version = trained
    mapping = RENAMED | MERGED
    _, model = svc.current_model(services)
    with store.connect() as conn:
        cases = svc.load_cases(services, conn, since=NOW - timedelta(days=8))
        models_before = conn.execute(sa.select(sa.func.count()).select_from(suggest_models)).scalar_one()
    before = _top1(services, model, cases, {})
    still_open = _open_incidents(store, mapping)
    assert still_open                               # the demo's recent past: the import carries them over
    package = _renamed_package(root / "demo", root / "renamed", mapping)
    from dashboard.store import auth as auth_store
    with store.begin() as conn:   # the renamed department's operator, and one of another department
        auth_store.add_user(conn, "op-renamed", workflow.OPERATOR, "cg-d01", "x", NOW, "南塘")
        auth_store.add_user(conn, "op-other", workflow.OPERATOR, "cg-d03", "x", NOW, "其他")
    capsys.readouterr()

    assert main(["city", "import", str(package), "--data-dir", str(data)]) == 0      # shown first
    shown = capsys.readouterr().out
    assert "cg-nantang" in shown and "nothing changed" in shown and "open_cases" in shown
    assert "op-renamed: cg-d01 → cg-nantang" in shown and "op-other" not in shown
    with store.connect() as conn:
        assert suggest_store.department_map(conn) == {}                               # the plan writes nothing
    assert main(["city", "import", str(package), "--commit", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "imported (import" in out
    assert "dispatch suggestions: cg-d01 → cg-nantang, lighting → cg-d02" in out

    with store.connect() as conn:
        assert suggest_store.department_map(conn) == mapping
        assert suggest_store.active_version(conn) == version                          # nothing retrained
        assert conn.execute(sa.select(sa.func.count()).select_from(suggest_models)).scalar_one() == models_before
        city = reference.load_city(conn)
    assert {d.code for d in city.retired_departments} >= set(mapping)
    assert _open_incidents(store, mapping) == {}
    assert set(_open_incidents(store, mapping.values())) >= set(still_open)      # same status, new code
    with store.connect() as conn:
        steps = conn.execute(sa.select(t.incident_history).where(
            t.incident_history.c.incident_id == min(still_open)).order_by(t.incident_history.c.version)).all()
    assert steps[-1].action == "reassign" and steps[-1].details["department"] == mapping[still_open[min(still_open)]]
    (entry,) = _audit(store, "suggest_remap")
    assert entry.actor.startswith("cli") and entry.after["cg-d01"] == "cg-nantang" and entry.after["import"]
    with store.connect() as conn:   # its operator works for the new code: the moved cases stay theirs
        assert auth_store.get_user(conn, "op-renamed")["department"] == "cg-nantang"
        assert auth_store.get_user(conn, "op-other")["department"] == "cg-d03"
    (imported,) = _audit(store, "city_import")[-1:]
    assert imported.after["operators_moved"] == {"op-renamed": "cg-nantang"}

    now = _services(store, data)                   # a process that picked the new city up
    after = _top1(now, model, cases, mapping)
    assert after >= before - 0.005, (before, after)
    with store.connect() as conn:
        rows = conn.execute(sa.select(t.incidents).where(t.incidents.c.status == workflow.CLOSED,
                                                         t.incidents.c.department.in_(list(mapping)))
                            .order_by(t.incidents.c.id.desc()).limit(40)).all()
    named = set()
    for row in rows:
        s = svc.suggest(now, dict(row._mapping), "zh-CN")
        assert not {d["code"] for d in s["departments"]} & set(mapping)               # only today's codes
        named.add(s["departments"][0]["code"])
    assert named & {"cg-nantang", "cg-d02"}

    # the same package again: no change, no second mapping
    assert main(["city", "import", str(package), "--commit", "--data-dir", str(data)]) == 0
    assert "no changes" in capsys.readouterr().out
    assert len(_audit(store, "suggest_remap")) == 1
    # the export says it too, and reads back
    assert main(["city", "export", str(root / "out"), "--data-dir", str(data)]) == 0
    exported = {r[0]: r[-1] for r in csv_rows(root / "out" / "departments.csv")}
    assert exported["cg-nantang"] == "cg-d01" and exported["cg-d02"] == "lighting"
    assert read_package(root / "out").ok


def test_a_failed_mapping_never_undoes_the_import_and_is_said_and_audited(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    package = write_demo_package(tmp_path / "demo")
    assert main(["city", "import", str(package), "--commit", "--data-dir", str(data)]) == 0
    renamed = _renamed_package(package, tmp_path / "renamed", RENAMED)

    def broken(*_a, **_k):
        raise RuntimeError("suggestion tables away")
    monkeypatch.setattr(svc, "record_department_map", broken)
    capsys.readouterr()
    assert main(["city", "import", str(renamed), "--commit", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "imported (import 2" in out
    assert "dispatch suggestions NOT updated" in out and "cityops suggest remap cg-d01=cg-nantang" in out
    store = open_store(f"sqlite:///{data / 'cityops.sqlite3'}")
    try:
        with store.connect() as conn:
            assert "cg-nantang" in {d.code for d in reference.load_city(conn).departments}
        (entry,) = _audit(store, "suggest_remap_failed")
        assert entry.after["import"] == 2 and "tables away" in entry.after["error"]
    finally:
        store.close()


@pytest.mark.parametrize("edit, message", [
    (lambda rows: [rows[0] + ["replaces"]] + [r + (["cg-d02"] if r[0] == "cg-d01" else [""]) for r in rows[1:]],
     "replaces cg-d02, which is still in force"),
    (lambda rows: [rows[0] + ["replaces"]] + [r + (["cg-d01"] if r[0] == "cg-d01" else [""]) for r in rows[1:]],
     "replaces itself"),
    (lambda rows: [rows[0] + ["replaces"]] + [r + (["old-x"] if r[0] in ("cg-d01", "cg-d02") else [""]) for r in rows[1:]],
     "old-x is replaced by both cg-d01 and cg-d02"),
])
def test_replaces_is_checked(tmp_path, edit, message):
    package = write_demo_package(tmp_path / "demo")
    write_csv_rows(package / "departments.csv", edit(csv_rows(package / "departments.csv")))
    problems = [str(p) for p in read_package(package).problems.errors]
    assert any(message in p and "departments.csv" in p for p in problems), problems


def test_a_replaced_code_the_city_never_had_is_refused(tmp_path, capsys):
    data = tmp_path / "data"
    package = write_demo_package(tmp_path / "demo")
    assert main(["city", "import", str(package), "--commit", "--data-dir", str(data)]) == 0
    lines = csv_rows(package / "departments.csv")
    write_csv_rows(package / "departments.csv", [lines[0] + ["replaces"]] + [r + (["cg-d99"] if r[0] == "cg-d01" else [""])
                                                                           for r in lines[1:]])
    capsys.readouterr()
    main(["city", "import", str(package), "--commit", "--data-dir", str(data)])
    assert "replaces cg-d99, which this city never had" in capsys.readouterr().out


# -- the admin's setting of dispatching by itself ------------------------------------------------------------
ADMIN = Identity("boss", workflow.ADMIN)


def test_the_admin_sees_what_the_model_measured_per_category(trained):
    _, _, store, services, version = trained
    overview = svc.auto_dispatch_overview(services, ADMIN, lang="en")
    assert overview["model"]["version"] == version and overview["target"] == 0.99
    assert overview["targets"] == (0.95, 0.99, 0.995)
    rows = {r["code"]: r for r in overview["rows"]}
    assert "0102" in rows and rows["0102"]["name"] != "0102"
    measured = [r for r in rows.values() if r["held_out"]]
    assert measured and all(0 <= r["coverage"] <= 1 for r in measured)
    for r in measured:        # what the screen says is what dispatching by itself will use
        _, model = svc.current_model(services)
        assert r["threshold"] == model.threshold(r["code"], 0.99)
        if r["precision"] is not None and r["held_out"] >= 60:
            assert r["precision"] >= 0.9
    looser = {r["code"]: r for r in svc.auto_dispatch_overview(services, ADMIN, 0.95)["rows"]}
    assert sum(r["coverage"] or 0 for r in looser.values()) >= sum(r["coverage"] or 0 for r in measured)


def test_switching_a_category_is_stored_and_audited_as_the_admins(trained):
    _, _, store, services, _ = trained
    change = svc.change_auto_dispatch(services, ADMIN, 0.99, "0102", True)
    assert {k: change[k] for k in ("categories", "enabled", "target")} == {"categories": ["0102"], "enabled": True,
                                                                          "target": 0.99}
    _, model = svc.current_model(services)
    assert change["reachable"] is (model.threshold("0102", 0.99) is not None)   # the screen warns when not
    assert svc.category_settings(services)["0102"]["auto_dispatch"] is True
    (entry,) = [e for e in _audit(store, "suggest_setting") if e.target_id == "0102"]
    assert (entry.actor, entry.actor_role) == ("boss", "admin")
    assert entry.after == {"auto_dispatch": True, "target_precision": 0.99}
    # the same again: nothing written, nothing audited
    assert svc.change_auto_dispatch(services, ADMIN, 0.99, "0102", True)["categories"] == []
    assert len(_audit(store, "suggest_setting")) == 1
    # a new target moves every category that has a setting, each audited
    assert svc.change_auto_dispatch(services, ADMIN, 0.995)["categories"] == ["0102"]
    assert svc.category_settings(services)["0102"]["target_precision"] == 0.995
    assert svc.auto_dispatch_overview(services, ADMIN)["target"] == 0.995
    svc.change_auto_dispatch(services, ADMIN, 0.995, "0102", False)
    assert svc.category_settings(services)["0102"]["auto_dispatch"] is False


@pytest.mark.parametrize("who", [Identity("wang", workflow.DISPATCHER), Identity("li", workflow.LEADER), None])
def test_only_admins_see_or_change_it(trained, who):
    services = trained[3]
    with pytest.raises(svc.SettingRefused):
        svc.auto_dispatch_overview(services, who)
    with pytest.raises(svc.SettingRefused):
        svc.change_auto_dispatch(services, who, 0.99, "0102", True)
    assert "0102" not in svc.category_settings(services) or not svc.category_settings(services)["0102"]["auto_dispatch"]


def test_a_target_the_model_has_no_thresholds_for_is_refused(trained):
    with pytest.raises(ValueError, match="target precision must be one of"):
        svc.change_auto_dispatch(trained[3], ADMIN, 0.9, "0102", True)
