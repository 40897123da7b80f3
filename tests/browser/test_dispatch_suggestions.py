"""The dispatch suggestion panel (智能派单) in headless Chromium against a really started CityOps: a
model trained on the demo city's past, a new report suggested for by the worker's round, and the
dispatcher sees the top categories and departments with their confidence and the routing rule."""
from __future__ import annotations

import os
from dataclasses import replace

import pytest

from dashboard.config import Settings
from dashboard.domain.identity import SYSTEM_IDENTITY
from dashboard.domain.incidents import IncidentDraft
from dashboard.services import intake, suggest as svc
from dashboard.store import utcnow

from .conftest import free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def city_with_model(tmp_path_factory):
    from dashboard.runtime import Runtime
    settings = replace(Settings(), data_dir=str(tmp_path_factory.mktemp("cityops")), port=free_port(),
                       push_port=free_port(), demo_speed=1.0, seed=7, demo_workforce=False,
                       demo_history_days=30, suggest_worker=False, connectors="")
    runtime = Runtime(settings, web=True, push=True, connectors=True, demo=True).start()
    svc.train(runtime.services)
    yield runtime
    runtime.stop()


def _sign_in(page, runtime, username: str, lang: str) -> None:
    logins = runtime.demo_logins or dict(
        line.rstrip("\n").split("\t") for line in open(runtime.demo_logins_file) if not line.startswith("#"))
    page.goto(f"{runtime.url}login?lang={lang}&next=/dispatch")
    page.fill("#login-username", username)
    page.fill("#login-password", logins[username])
    page.click("#login-submit")
    page.wait_for_url("**/dispatch**")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_dispatcher_sees_suggestions_for_a_new_report(city_with_model, new_page, lang):
    services = city_with_model.services
    seg = services.city.segments[10]
    lon, lat = seg.geometry["coordinates"][0]
    draft = IncidentDraft(category="0102", title=f"路灯故障 · {seg.name_zh}", source="open311",
                          source_ref=f"sug-{lang}", description="小区门口的路灯已经好几天不亮了，晚上黑乎乎的，请尽快处理。",
                          lat=lat, lon=lon, district=seg.district, reported_at=utcnow(),
                          details={"service_code": "0102"})
    with services.store.begin() as conn:
        row, _ = intake.create(services, conn, draft, SYSTEM_IDENTITY, utcnow())
    assert svc.process_new_reports(services)["suggested"] >= 1
    page = new_page(1600, 1000)
    _sign_in(page, city_with_model, "dispatcher", lang)
    page.goto(f"{city_with_model.url}dispatch?incident={row['id']}&lang={lang}")
    panel = page.locator(".disp-suggest")
    panel.wait_for(timeout=15_000)
    text = panel.inner_text()
    assert ("智能派单建议" if lang == "zh-CN" else "Suggested by CityOps") in text
    assert ("路灯" if lang == "zh-CN" else "Street light") in text
    assert "%" in text and page.locator(".disp-suggest .sug-row").count() == 6
    shots = os.environ.get("CITYOPS_SCREENSHOTS")
    if shots:
        page.screenshot(path=os.path.join(shots, f"dispatch-suggestions-{lang}.png"), full_page=True)
