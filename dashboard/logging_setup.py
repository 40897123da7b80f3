"""Logs: readable text by default, one JSON object per line in production (log_format = json)."""
from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone

QUIET = ("werkzeug", "websockets", "alembic", "urllib3")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(), "level": record.levelname,
                 "logger": record.name, "msg": record.getMessage(), "pid": os.getpid(), "thread": record.threadName}
        for key in ("connector", "request_id", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(settings, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
