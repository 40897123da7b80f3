"""Callbacks, one module per page (plus the shared header). Each module has `register(app)`, so
every app (several may live in one process, e.g. in tests) gets its own callbacks."""
from __future__ import annotations


def register_all(app) -> None:
    from . import header, operations
    header.register(app)
    operations.register(app)
