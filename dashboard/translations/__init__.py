"""The translation catalog, one module per screen so that pages can grow their strings apart.
Each module has STRINGS: key → (zh-CN, en); a key defined twice is an error. (`reasons` is not keyed:
it translates the core's refusal reasons, see dashboard/reasons.py.)"""
from __future__ import annotations

import importlib
import pkgutil

CATALOG: dict[str, tuple[str, str]] = {}

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "reasons"):
    for _key, _pair in importlib.import_module(f"{__name__}.{_module}").STRINGS.items():
        if _key in CATALOG:
            raise RuntimeError(f"translation key {_key!r} is defined twice (second time in {_module})")
        CATALOG[_key] = _pair
