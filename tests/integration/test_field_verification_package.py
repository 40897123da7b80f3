"""categories.csv's needs_verification through the store (SQLite and PostgreSQL): imported (a change of it
is a changed category in the plan and the history), exported byte-identical after export → import →
export, and the close step of such a category refused until an inspector's check passed; the setting
field_verify_categories adds categories on top of the package."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import replace

import pytest

from dashboard.bus import MemoryBus
from dashboard.citypkg.read import read_package
from dashboard.citypkg.starter import write_starter
from dashboard.config import Settings
from dashboard.domain.identity import Identity
from dashboard.services import city_import, intake
from dashboard.services.container import Services
from dashboard.services.field_actions import needs_verification
from dashboard.services.incident_actions import ActionError, perform
from dashboard.store import reference
from tests.integration.test_city_import import export_import_export, files

DISPATCHER = Identity("wang", "dispatcher")
OPERATOR = Identity("op-cgj", "operator", department="cgj")
CHECKED, UNCHECKED, NOT_SAID = "0101", "0102", "0103"    # 上水井盖 yes, 污水井盖 no, 雨水井盖 empty


def set_column(pkg, values: dict[str, str], version: str):
    text = (pkg / "categories.csv").read_text(encoding="utf-8")
    data = list(csv.reader(io.StringIO(text)))
    if "needs_verification" not in data[0]:
        data[0].append("needs_verification")
        for line in data[1:]:
            line.append("")
    for line in data[1:]:
        line[-1] = values.get(line[0], line[-1])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(data)
    (pkg / "categories.csv").write_text(out.getvalue(), encoding="utf-8")
    toml = (pkg / "city.toml").read_text(encoding="utf-8")
    (pkg / "city.toml").write_text(re.sub(r'(?m)^version = ".*"$', f'version = "{version}"', toml), encoding="utf-8")


def do_import(store, pkg):
    package = read_package(pkg)
    assert package.ok, [str(p) for p in package.problems]
    plan = city_import.plan(store, package)
    return plan, city_import.commit(store, plan, actor="test")


def services_for(store, tmp_path, **settings) -> Services:
    with store.connect() as conn:
        city = reference.load_city(conn)
    return Services(replace(Settings(), data_dir=str(tmp_path), demo=False, **settings), store, MemoryBus(), city)


@pytest.fixture
def imported(store, tmp_path):
    pkg = tmp_path / "mycity"
    write_starter(pkg)
    set_column(pkg, {CHECKED: "yes", UNCHECKED: "no"}, "0.2")
    do_import(store, pkg)
    return store, pkg


def test_a_change_of_needs_verification_is_a_changed_category_in_the_plan_and_history(imported, tmp_path):
    store, pkg = imported
    set_column(pkg, {UNCHECKED: "yes"}, "0.3")
    plan, import_id = do_import(store, pkg)
    assert plan.summary()["categories"] == {"added": 0, "changed": 1, "retired": 0}
    assert import_id is not None
    latest = city_import.history(store)[0]
    assert latest["package_version"] == "0.3" and latest["summary"]["categories"]["changed"] == 1
    assert needs_verification(services_for(store, tmp_path), UNCHECKED)


def test_export_import_export_keeps_the_column_byte_identical(imported, tmp_path):
    store, _ = imported
    first, second = export_import_export(store, tmp_path)
    assert files(first) == files(second)
    header, *lines = list(csv.reader(io.StringIO((first / "categories.csv").read_text(encoding="utf-8"))))
    said = {line[0]: line[header.index("needs_verification")] for line in lines}
    assert (said[CHECKED], said[UNCHECKED], said[NOT_SAID]) == ("yes", "no", "")


def fixed_case(s, category):
    intake.ensure_routing_rules(s)
    inc = intake.record_manual(s, DISPATCHER, {"category": category, "title": "井盖", "lat": 32.04, "lon": 118.78})
    inc = perform(s, DISPATCHER, inc["id"], "verify", inc["version"])
    inc = perform(s, DISPATCHER, inc["id"], "dispatch", inc["version"], params={"department": "cgj"})
    inc = perform(s, OPERATOR, inc["id"], "accept", inc["version"])
    return perform(s, OPERATOR, inc["id"], "report_fixed", inc["version"], params={"note": "replaced"})


def test_close_needs_a_passed_check_where_the_package_says_so(imported, tmp_path):
    store, _ = imported
    s = services_for(store, tmp_path)
    inc = fixed_case(s, CHECKED)
    with pytest.raises(ActionError, match="request a verification first"):
        perform(s, DISPATCHER, inc["id"], "close", inc["version"])
    for category in (UNCHECKED, NOT_SAID):
        inc = fixed_case(s, category)
        assert perform(s, DISPATCHER, inc["id"], "close", inc["version"])["status"] == "closed"


def test_the_setting_adds_categories_on_top_of_the_package(imported, tmp_path):
    store, _ = imported
    plain = services_for(store, tmp_path)
    assert [needs_verification(plain, c) for c in (CHECKED, UNCHECKED, NOT_SAID)] == [True, False, False]
    more = services_for(store, tmp_path, field_verify_categories="0102,0103")
    assert [needs_verification(more, c) for c in (CHECKED, UNCHECKED, NOT_SAID)] == [True, True, True]
    group = services_for(store, tmp_path, field_verify_categories="01")     # a 大类 code
    assert needs_verification(group, NOT_SAID)
    inc = fixed_case(more, UNCHECKED)
    with pytest.raises(ActionError, match="request a verification first"):
        perform(more, DISPATCHER, inc["id"], "close", inc["version"])
