"""The demo city as a city package, imported through the same door as any city's
(`dashboard.services.city_import`): generated from its seed, written to a package, read, checked and
imported when the store does not hold it yet."""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from dashboard.citypkg.read import read_package
from dashboard.citypkg.write import write_package
from dashboard.config import Settings
from dashboard.store import Store

from .city import build_city

log = logging.getLogger(__name__)


def write_demo_package(path: str | Path, seed: int = 7) -> Path:
    """The demo city 澜海市's package, in `path`."""
    write_package(build_city(seed), path)
    return Path(path)


def ensure_demo_city(store: Store, settings: Settings) -> int | None:
    """Import the demo city's package (nothing happens when the store holds it already)."""
    from dashboard.services import city_import
    with tempfile.TemporaryDirectory(prefix="cityops-demo-city-") as tmp:
        package = read_package(write_demo_package(tmp, settings.seed))
        if package.problems.errors:
            raise RuntimeError("the demo city's package does not validate: "
                               + "; ".join(str(p) for p in package.problems.errors))
        plan = city_import.plan(store, package)
        if plan.empty:
            return None
        if not plan.can_commit:
            raise RuntimeError("the demo city cannot be imported: " + "; ".join(plan.refusals))
        import_id = city_import.commit(store, plan, actor="demo")
        log.info("demo city imported (import %s): %s", import_id, plan.summary())
        return import_id
