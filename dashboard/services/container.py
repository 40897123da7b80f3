"""The services one process holds: settings, store, bus, cache, and the city in force.

The city is reference data a `cityops city import` may change while the center runs: every process
(web workers, relay, ingest, the wall) notices a new city version in the store's meta (one small
read at most every `CITY_CHECK_SECONDS`) and swaps in the new City at once — one attribute holding
an immutable (version, City) pair, so a reader sees either the old city or the new, never a mix."""
from __future__ import annotations

import logging
import threading
import time as _time
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from dashboard.bus import Bus, open_bus
from dashboard.config import Settings
from dashboard.domain.city import City, RoadSegment, Station
from dashboard.store import Store, open_store

from .cache import SharedCache

log = logging.getLogger(__name__)

CITY_CHECK_SECONDS = 2.0


class Services:
    def __init__(self, settings: Settings, store: Store, bus: Bus, city: City,
                 cache: SharedCache | None = None) -> None:
        self.settings = settings
        self.store = store
        self.bus = bus
        self.cache = cache if cache is not None else SharedCache.from_url(settings.cache_url)
        self._city_state: tuple[int | None, City] = (self._stored_version(), city)
        self._checked_at = _time.monotonic()
        self._reload_lock = threading.Lock()

    # -- the city in force ------------------------------------------------------------------
    def _stored_version(self) -> int | None:
        from dashboard.store import reference
        try:
            with self.store.read() as conn:
                return reference.city_version(conn)
        except Exception as exc:   # noqa: BLE001 - the store away: keep the city we have
            log.debug("city version not readable: %s", exc)
            return None

    @property
    def city(self) -> City:
        if _time.monotonic() - self._checked_at >= CITY_CHECK_SECONDS:
            self.refresh_city()
        return self._city_state[1]

    @city.setter
    def city(self, city: City) -> None:
        self._city_state = (self._city_state[0], city)

    @property
    def city_version(self) -> int | None:
        return self._city_state[0]

    def refresh_city(self) -> bool:
        """Load the city again when the store holds a newer version; True when it changed."""
        if not self._reload_lock.acquire(blocking=False):
            return False   # another thread is loading it
        try:
            self._checked_at = _time.monotonic()
            version = self._stored_version()
            if version is None or version == self._city_state[0]:
                return False
            from dashboard.store import reference
            with self.store.read() as conn:
                city = reference.load_city(conn)
                version = reference.city_version(conn)
            self._city_state = (version, city)
            log.info("city reloaded: %s %s (version %s)", city.name_en, city.version, version)
            return True
        except LookupError:
            return False
        finally:
            self._reload_lock.release()

    @property
    def segments_by_id(self) -> dict[str, RoadSegment]:
        return self.city.segments_by_id

    @property
    def stations_by_id(self) -> dict[str, Station]:
        return self.city.stations_by_id

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self._city_state[1].timezone or self.settings.timezone)

    def day_start(self, now: datetime) -> datetime:
        """Midnight of the city's today, in UTC."""
        local = now.astimezone(self.tz)
        return datetime.combine(local.date(), time(0), self.tz).astimezone(timezone.utc)

    def close(self) -> None:
        self.bus.close()
        self.store.close()


def build_services(settings: Settings, city: City | None = None, upgrade: bool = True) -> Services:
    """Open the store (migrating it), the bus, and the city: given, or the demo city (its package,
    imported through the same door as any city's), or the one the store holds."""
    from dashboard.store import reference

    store = open_store(settings.effective_database_url)
    if upgrade:
        store.upgrade()
    if city is None and settings.demo:
        from dashboard.demo.package import ensure_demo_city
        ensure_demo_city(store, settings)
    if city is not None:
        with store.begin() as conn:
            reference.save_city(conn, city)
    else:
        with store.connect() as conn:
            city = reference.load_city(conn)
    return Services(settings, store, open_bus(settings.bus_url), city)
