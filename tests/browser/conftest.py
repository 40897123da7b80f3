"""Headless Chromium (the system's, driven by Playwright) against a really started CityOps."""
from __future__ import annotations

import os
import shutil
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from dashboard.config import Settings
from tests.conftest import REQUIRE_SERVICES

SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = os.environ.get("CITYOPS_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message + "; install Debian's chromium and chromium-driver")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, request):
    """new_page(width, height) → a page; on failure every page opened is saved as a screenshot."""
    contexts = []

    def make(width: int = 1920, height: int = 1080, bypass_csp: bool = True):
        # Playwright evaluates a wait_for_function *expression* with eval() inside the page, which the
        # app's Content-Security-Policy forbids; tests bypass it, except the test of the policy itself
        # (tests/browser/test_security_headers.py), which waits with functions only.
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                      bypass_csp=bypass_csp)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        return page

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for n, context in enumerate(contexts):
        if failed:
            SCREENSHOTS.mkdir(exist_ok=True)
            for m, page in enumerate(context.pages):
                page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-{n}-{m}.png"))
        context.close()


@pytest.fixture(scope="module")
def live_city(tmp_path_factory):
    """CityOps as `cityops run` starts it: demo city feeds, connectors, ingest, push relay, web."""
    from dashboard.runtime import Runtime
    settings = replace(Settings(), data_dir=str(tmp_path_factory.mktemp("cityops")), port=free_port(),
                       push_port=free_port(), demo_speed=20.0, poll_seconds=1.0, seed=7,
                       demo_workforce=False)   # the tests' incidents move only when the tests move them
    runtime = Runtime(settings, web=True, push=True, connectors=True, demo=True).start()
    yield runtime
    runtime.stop()
