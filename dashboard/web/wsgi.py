"""The web app as a WSGI application for gunicorn (several workers, several hosts).

    gunicorn -w 4 -k gthread --threads 4 'dashboard.web.wsgi:create_wsgi_app()'

Each worker builds its own services after the fork (no shared connections) and reads the city from
the store; settings come from CITYOPS_* as everywhere else.
"""
from __future__ import annotations

from dataclasses import replace

from dashboard import config


def create_wsgi_app(settings: config.Settings | None = None, upgrade: bool = False):
    from dashboard.logging_setup import setup_logging
    from dashboard.services.container import build_services
    from dashboard.web.app import create_app

    settings = replace(settings or config.load(), demo=False)
    setup_logging(settings)
    app = create_app(build_services(settings, upgrade=upgrade))
    # A first request through the app registers Dash's component libraries before real traffic
    # arrives (threaded workers otherwise answer the first burst with "dash is not a registered library").
    with app.server.test_client() as client:
        client.get("/login")
    return app.server
