"""Fixtures of the integration tests."""
from __future__ import annotations

import pytest

from feed_checks import Running   # tests/integration is not a package: pytest puts it on sys.path


@pytest.fixture
def run():
    """run(connector, services): the connector's run loop in a thread into the real ingest service;
    every loop still running is stopped at the end of the test."""
    started: list[Running] = []

    def start(connector, services) -> Running:
        started.append(Running(connector, services))
        return started[-1]
    yield start
    for r in started:
        if r.thread.is_alive():
            r.stop()
