"""Callbacks, one module per page (plus the shared header). Each module has `register(app)`, so
every app (several may live in one process, e.g. in tests) gets its own callbacks. Modules are
found by name: a new page's callbacks module registers itself by existing."""
from __future__ import annotations

import importlib
import pkgutil


def register_all(app) -> None:
    for name in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
        module = importlib.import_module(f"{__name__}.{name}")
        if hasattr(module, "register"):
            module.register(app)
