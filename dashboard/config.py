"""Settings: every one has a working embedded default. Read from CITYOPS_* environment variables,
optionally from a TOML file (CITYOPS_CONFIG or --config); the environment wins over the file.

This module is the one place settings are documented: `cityops config` prints them all.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .domain.aqi_standards import STANDARDS as AQI_STANDARDS
from .domain.evaluation import DEFAULT_THRESHOLDS as REVIEW_THRESHOLDS


def _doc(default: Any, text: str) -> Any:
    return field(default=default, metadata={"doc": text})


@dataclass(frozen=True)
class Settings:
    data_dir: str = _doc("./cityops-data", "Directory for the SQLite file, demo passwords and checkpoints.")
    database_url: str = _doc("", "SQLAlchemy URL; empty means a SQLite file in data_dir. "
                                 "PostgreSQL: postgresql+psycopg://user@host/db")
    bus_url: str = _doc("memory://", "memory:// (in-process) or redis://host:6379/0 (Redis Streams).")
    cache_url: str = _doc("simple://", "Cache of computed pictures, keyed by data version: simple:// (per process), "
                          "redis://host:6379/1 (shared by every worker and host) or null:// (none).")
    host: str = _doc("127.0.0.1", "Address the web server listens on.")
    port: int = _doc(8050, "Port of the web server.")
    push_port: int = _doc(0, "Port of the push relay (WebSocket); 0 means web port + 1.")
    push_public_url: str = _doc("", "URL browsers use for the push relay; empty means ws://<page host>:<push_port>/.")
    lang: str = _doc("zh-CN", "Default language of the screens: zh-CN or en.")
    timezone: str = _doc("Asia/Shanghai", "The city's time zone (rush hours, 'today', deadlines).")
    tile_url: str = _doc("", "Optional XYZ tile URL of the city's own tile server; empty uses the offline base map.")
    demo: bool = _doc(True, "Start the built-in demo city's feed servers and point connectors at them.")
    seed: int = _doc(7, "Random seed of the demo city (same seed, same city).")
    demo_speed: float = _doc(1.0, "Demo pace: multiplies how often reports, readings and alerts arrive.")
    scenario: str = _doc("", "Demo scenario: storm, pollution or rush-hour; empty for an ordinary day.")
    demo_workforce: bool = _doc(True, "In the demo, let the demo city's dispatchers and department operators work "
                                      "the incidents (through the real actions) after a while, at the demo pace.")
    demo_history_days: int = _doc(60, "In the demo, on an empty store, first write this many days of past incidents "
                                      "with their histories (for the review page and the figures); 0: none.")
    connectors: str = _doc("open311,traffic,gtfs_rt,sensorthings,cap",
                           "Comma-separated connectors that `run` starts. Also known: gtfs_rt_trip_updates, "
                           "gtfs_rt_alerts, datex2, openaq, eido (each needs its URL setting).")
    open311_url: str = _doc("", "Base URL of the Open311 GeoReport v2 server (…/open311/v2); empty: the demo city's.")
    open311_api_key: str = _doc("", "API key for the Open311 server, if it wants one.")
    traffic_ws_url: str = _doc("", "WebSocket URL of the segment-speed stream; empty: the demo city's.")
    gtfs_rt_url: str = _doc("", "URL of the GTFS-realtime VehiclePositions feed; empty: the demo city's.")
    sensorthings_url: str = _doc("", "Base URL of the SensorThings API (…/v1.1); empty: the demo city's.")
    cap_url: str = _doc("", "URL of the CAP alert index (Atom); empty: the demo city's.")
    gtfs_rt_trip_updates_url: str = _doc("", "URL of the GTFS-realtime TripUpdates feed (connector gtfs_rt_trip_updates).")
    gtfs_rt_alerts_url: str = _doc("", "URL of the GTFS-realtime Alerts feed (connector gtfs_rt_alerts).")
    datex2_url: str = _doc("", "URL of a DATEX II MeasuredDataPublication (2.x or 3) pull service (connector datex2).")
    datex2_username: str = _doc("", "HTTP Basic user name for the DATEX II service, if it wants one.")
    datex2_password: str = _doc("", "HTTP Basic password for the DATEX II service.")
    datex2_poll_seconds: float = _doc(0.0, "How often the datex2 connector polls; 0: poll_seconds.")
    openaq_url: str = _doc("", "Base URL of the OpenAQ API v3, e.g. https://api.openaq.org/v3 (connector openaq).")
    openaq_api_key: str = _doc("", "OpenAQ API key (sent as the X-API-Key header).")
    openaq_locations: str = _doc("", "OpenAQ location ids to read, comma-separated; LOCATION=STATION maps one to "
                                     "the city's station id (e.g. 2178=A01,8118=A02).")
    openaq_poll_seconds: float = _doc(60.0, "How often the openaq connector polls (one request per location; "
                                            "OpenAQ limits requests per minute and hour); 0: poll_seconds. Keep it "
                                            "below stale_after_seconds, or the feed shows as stale between polls.")
    eido_url: str = _doc("", "URL answering with NENA EIDO JSON incidents (an EIDO or an array; connector eido).")
    eido_token: str = _doc("", "Bearer token for the EIDO endpoint, if it wants one.")
    eido_username: str = _doc("", "HTTP Basic user name for the EIDO endpoint (instead of a token).")
    eido_password: str = _doc("", "HTTP Basic password for the EIDO endpoint.")
    eido_poll_seconds: float = _doc(0.0, "How often the eido connector polls; 0: poll_seconds.")
    poll_seconds: float = _doc(10.0, "How often polling connectors ask their source.")
    http_timeout: float = _doc(10.0, "Timeout in seconds of every connector network call.")
    stale_after_seconds: float = _doc(120.0, "A source with no success for this long is shown as stale.")
    wall_scenes: str = _doc("overview,traffic,environment,emergency,dispatch",
                            "Scenes the video wall rotates through, in order (?scenes= overrides).")
    wall_dwell_seconds: float = _doc(30.0, "How long the video wall shows each scene (?dwell= overrides).")
    wall_spotlight_seconds: float = _doc(25.0, "How long the video wall highlights a new severe event before "
                                               "its rotation resumes.")
    wall_grid: str = _doc("", "Screens of the video wall as COLUMNSxROWS (e.g. 4x2), so panels end at the "
                              "bezels; empty: one screen (?grid= overrides).")
    wall_poll_seconds: float = _doc(15.0, "How often the video wall re-reads feed health and the app version, "
                                          "and reloads its data while the push relay is unreachable.")
    aqi_standard: str = _doc("hj633-2026", "AQI standard: hj633-2026 (China, current), hj633-2012 or us-epa-2024.")
    secret_key: str = _doc("", "Session signing key; empty: one is generated and kept in data_dir.")
    session_idle_minutes: float = _doc(30.0, "A signed-in session ends after this many idle minutes.")
    secure_cookies: bool = _doc(False, "Send cookies only over HTTPS (turn on behind TLS).")
    log_format: str = _doc("text", "text or json.")
    review_thresholds: str = _doc(
        REVIEW_THRESHOLDS,
        "Review page grades as figure:green/amber (rates 0-1, times in seconds): higher-is-better figures are "
        "green at or above the first number, amber at or above the second; lower-is-better ones at or below.")
    webhooks_worker: bool = _doc(True, "Send webhook deliveries from `run`, `web` and `ingest` processes "
                                       "(turn off where a separate `cityops webhooks run` does it).")

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.data_dir).resolve() / 'cityops.sqlite3'}"

    @property
    def effective_push_port(self) -> int:
        return self.push_port or self.port + 1


def _coerce(value: str, kind: type) -> Any:
    if kind is bool:
        return value.strip().lower() in ("1", "true", "yes", "on")
    if kind is int:
        return int(value)
    if kind is float:
        return float(value)
    return value


def load(path: str | None = None, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults ← TOML file ← CITYOPS_* environment ← explicit overrides (command-line options)."""
    env = dict(os.environ if env is None else env)
    values: dict[str, Any] = {}
    path = path or env.get("CITYOPS_CONFIG")
    types = {f.name: type(f.default) for f in fields(Settings)}
    if path:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        data = data.get("cityops", data)
        unknown = set(data) - set(types)
        if unknown:
            raise ValueError(f"unknown settings in {path}: {', '.join(sorted(unknown))}")
        values.update(data)
    for name, kind in types.items():
        raw = env.get(f"CITYOPS_{name.upper()}")
        if raw is not None:
            try:
                values[name] = _coerce(raw, kind)
            except ValueError:
                raise ValueError(f"CITYOPS_{name.upper()}={raw!r} is not a valid {kind.__name__}") from None
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = replace(Settings(), **values)
    if settings.lang not in ("zh-CN", "en"):
        raise ValueError(f"lang must be zh-CN or en, not {settings.lang!r}")
    if settings.aqi_standard not in AQI_STANDARDS:
        raise ValueError(f"aqi_standard must be one of {', '.join(AQI_STANDARDS)}, not {settings.aqi_standard!r}")
    from .domain.evaluation import parse_thresholds
    parse_thresholds(settings.review_thresholds)   # a bad grade setting fails at start, saying which
    return settings


def describe() -> list[tuple[str, str, str]]:
    """(environment variable, default, meaning) for every setting."""
    return [(f"CITYOPS_{f.name.upper()}", repr(f.default), f.metadata.get("doc", "")) for f in fields(Settings)]
