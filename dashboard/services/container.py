"""The services one process holds: settings, store, bus, city (immutable after start-up)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from dashboard.bus import Bus, open_bus
from dashboard.config import Settings
from dashboard.domain.city import City, RoadSegment, Station
from dashboard.store import Store, open_store

from .cache import SharedCache


@dataclass
class Services:
    settings: Settings
    store: Store
    bus: Bus
    city: City
    cache: SharedCache | None = None
    segments_by_id: dict[str, RoadSegment] = field(init=False)
    stations_by_id: dict[str, Station] = field(init=False)

    def __post_init__(self) -> None:
        if self.cache is None:
            self.cache = SharedCache.from_url(self.settings.cache_url)
        self.segments_by_id = {s.id: s for s in self.city.segments}
        self.stations_by_id = {s.id: s for s in self.city.stations}

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def day_start(self, now: datetime) -> datetime:
        """Midnight of the city's today, in UTC."""
        local = now.astimezone(self.tz)
        return datetime.combine(local.date(), time(0), self.tz).astimezone(timezone.utc)

    def close(self) -> None:
        self.bus.close()
        self.store.close()


def build_services(settings: Settings, city: City | None = None, upgrade: bool = True) -> Services:
    """Open the store (migrating it), the bus, and the city: given, or the demo city, or the stored one."""
    from dashboard.store import reference

    store = open_store(settings.effective_database_url)
    if upgrade:
        store.upgrade()
    if city is None and settings.demo:
        from dashboard.demo.city import build_city
        city = build_city(settings.seed)
    if city is not None:
        with store.begin() as conn:
            reference.save_city(conn, city)
    else:
        with store.connect() as conn:
            city = reference.load_city(conn)
    return Services(settings, store, open_bus(settings.bus_url), city)
