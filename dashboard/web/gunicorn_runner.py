"""`cityops web --workers N`: the web app under gunicorn, started from the CLI's own settings."""
from __future__ import annotations

from gunicorn.app.base import BaseApplication

from dashboard.config import Settings


class _CityOpsGunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # called in each worker after the fork: its own engine, bus and cache
        from .wsgi import create_wsgi_app
        return create_wsgi_app(self.settings)


def serve(settings: Settings, workers: int, threads: int = 4) -> int:
    import os
    import shutil
    import tempfile

    from dashboard.services.container import build_services
    # /metrics sums every worker's figures through files here (prometheus_client's multiprocess mode);
    # it must be set before the workers import prometheus_client.
    metrics_dir = tempfile.mkdtemp(prefix="cityops-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    services = build_services(settings, upgrade=True)   # migrate once, before the workers start
    services.close()
    options = {"bind": f"{settings.host}:{settings.port}", "workers": max(1, workers),
               "worker_class": "gthread" if threads > 1 else "sync", "threads": threads,
               "timeout": 60, "graceful_timeout": 20, "accesslog": None, "errorlog": "-",
               "loglevel": "warning"}
    options["child_exit"] = _worker_exited
    try:
        _CityOpsGunicorn(settings, options).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _worker_exited(_server, worker) -> None:
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
