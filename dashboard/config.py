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
    calendar_warn_days: int = _doc(60, "Admins are warned (header notice, /healthz) this many days before the "
                                       "working calendar's last known year runs out (deadlines then count plain "
                                       "weekdays and are marked provisional).")
    tile_url: str = _doc("", "Optional XYZ or WMTS ({z}/{x}/{y}) tile URL of the city's own tile service, a key "
                             "in it if the service wants one; a tile archive added with `cityops basemap add` wins; "
                             "empty (and no archive): the base map drawn from the districts.")
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
                           "gtfs_rt_alerts, datex2, openaq, eido, mqtt_sta, mqtt_devices (each needs its URL setting).")
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
    datex2_max_mb: float = _doc(512.0, "Largest DATEX II publication read (MB, unzipped; also the most downloaded). "
                                       "Read streaming: memory does not grow with the size.")
    cap_max_messages: int = _doc(200, "Most CAP messages the cap connector fetches per poll of its index "
                                      "(unchanged ones are not fetched again).")
    mqtt_url: str = _doc("", "MQTT broker of the city's devices, mqtt://[user:password@]host:1883 (mqtts:// for "
                             "TLS); empty: no device connectors (the demo then publishes no devices).")
    mqtt_client_id: str = _doc("cityops-ingest", "MQTT client id (with a persistent session, QoS 1 messages wait "
                                                 "at the broker while CityOps is away); one per ingest process.")
    mqtt_sensorthings_datastreams: str = _doc(
        "", "SensorThings MQTT: Datastream ids to subscribe to (v1.1/Datastreams(ID)/Observations), "
            "comma-separated as ID=DEVICE_KIND[@LAT,LON][:NAME], e.g. 42=street_light@32.05,118.78:路灯 0012; "
            "device kinds: street_light, manhole_cover, underpass_water, bridge, tunnel (connector mqtt_sta).")
    mqtt_topics: str = _doc(
        "", "Plain MQTT topics and their JSON mapping, as JSON: [{\"topic\": \"city/lights/+/state\", "
            "\"kind\": \"street_light\", \"device\": \"$.id\", \"state\": \"$.status\", \"value\": \"$.level\", "
            "\"time\": \"$.ts\", \"lat\": \"$.lat\", \"lon\": \"$.lon\"}] — values are JSON paths into the "
            "message, or {topic[N]} for a topic level (connector mqtt_devices).")
    device_water_alarm_m: float = _doc(0.15, "Water depth (m) at an underpass gauge from which it is a fault "
                                              "(an incident until it falls back below).")
    device_tilt_alarm_deg: float = _doc(5.0, "Manhole cover tilt (degrees) from which it is a fault.")
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
    secure_cookies: bool = _doc(False, "Send cookies only over HTTPS. Also on by itself for a request that came over "
                                       "HTTPS (directly, or X-Forwarded-Proto from a trusted proxy).")
    session_max_hours: float = _doc(12.0, "A signed-in session ends this many hours after sign-in however it is used "
                                          "(absolute lifetime; the idle limit is session_idle_minutes).")
    trusted_proxies: str = _doc("", "Addresses or networks (CIDR, comma-separated) of the load balancers in front "
                                    "of the web servers: only from them is X-Forwarded-For/-Proto believed. Empty: "
                                    "the client is the address the connection comes from.")
    metrics_token: str = _doc("", "Bearer token that may read /metrics from anywhere (Authorization: Bearer …).")
    metrics_networks: str = _doc("127.0.0.0/8,::1/128", "Networks (CIDR, comma-separated) that may read /metrics "
                                                        "without the token; empty: only with the token.")
    webhook_allowed_hosts: str = _doc("", "Host names or networks (CIDR) on loopback, link-local or private "
                                          "addresses that webhooks may deliver to (e.g. wo.water.internal,10.2.0.0/16); "
                                          "every other internal address is refused.")
    max_request_bytes: int = _doc(1_000_000, "Largest request body accepted (bytes); larger ones get 413.")
    push_allowed_origins: str = _doc("", "Origins (scheme://host[:port], comma-separated) whose pages may open the "
                                         "push relay, besides pages of the relay's own host name.")
    push_recheck_seconds: float = _doc(5.0, "How often the push relay re-checks each open socket's session or kiosk "
                                            "link (a revoked one is closed).")
    log_format: str = _doc("text", "text or json.")
    review_thresholds: str = _doc(
        REVIEW_THRESHOLDS,
        "Review page grades as figure:green/amber (rates 0-1, times in seconds): higher-is-better figures are "
        "green at or above the first number, amber at or above the second; lower-is-better ones at or below.")
    webhooks_worker: bool = _doc(True, "Send webhook deliveries from `run`, `web` and `ingest` processes "
                                       "(turn off where a separate `cityops webhooks run` does it).")
    retention_readings_days: int = _doc(14, "Raw readings (segment speeds, air readings, vehicle positions) are kept "
                                            "this many whole days (UTC), then pruned; their 5-minute and hourly "
                                            "roll-ups stay.")
    retention_rollups_5m_days: int = _doc(400, "5-minute roll-ups are kept this many days; 0: for ever.")
    retention_rollups_hourly_days: int = _doc(0, "Hourly roll-ups and hourly AQI are kept this many days; 0: for ever.")
    retention_records_days: int = _doc(0, "Other feed records (case reports, alerts, trip updates) and dead letters "
                                          "are kept this many days; 0: for ever.")
    retention_incidents_days: int = _doc(0, "Closed, rejected and merged incidents with their history are kept this "
                                            "many days after they ended; 0: for ever.")
    retention_audit_days: int = _doc(0, "The audit log is kept this many days; 0: for ever. Never less than "
                                        "retention_audit_min_days.")
    retention_audit_min_days: int = _doc(1095, "The least the audit log is kept, whatever retention_audit_days says.")
    retention_worker: bool = _doc(True, "Roll up and prune from `run` and `ingest` processes (a thread, in small "
                                        "batches; turn off where another process does it).")
    retention_interval_seconds: float = _doc(60.0, "How often the retention worker rolls up and prunes.")
    retention_batch_rows: int = _doc(5000, "Rows the retention worker deletes per transaction.")
    suggest_worker: bool = _doc(True, "Dispatch suggestions from `run` and `ingest` processes: a thread suggests a "
                                      "category and department for each new report (and dispatches it by itself "
                                      "where a category allows it) and retrains on schedule; off the request path.")
    suggest_interval_seconds: float = _doc(5.0, "How often the suggestion worker looks for new reports.")
    suggest_train_hours: float = _doc(24.0, "Retrain the suggestion model from the closed cases this often (hours); "
                                            "0: only by `cityops suggest train`.")
    suggest_min_cases: int = _doc(200, "Closed cases needed before a suggestion model is trained on schedule.")
    suggest_first_train_minutes: float = _doc(10.0, "With no model yet, the first scheduled training waits this "
                                                    "long after start (training runs in a low-priority process).")
    # field work and photo evidence (issue 18)
    evidence_max_bytes: int = _doc(20_000_000, "Largest photo accepted as evidence (bytes); the upload routes accept "
                                               "bodies this large, every other route keeps max_request_bytes.")
    evidence_max_pixels: int = _doc(50_000_000, "Most pixels a photo may have (width × height); more is refused, and "
                                                "far more is refused unread as a decompression bomb.")
    evidence_far_m: float = _doc(200.0, "A photo whose EXIF position is farther than this from the case (metres) is "
                                        "flagged to the dispatcher.")
    evidence_thumb_px: int = _doc(320, "Longest side of the thumbnails shown on the desk and the phone pages.")
    evidence_upload_slots: int = _doc(1, "Photo uploads one web process reads and checks at the same time; more "
                                          "wait their turn, so uploads never crowd out the dispatchers' actions "
                                          "(raise it with the processor cores a web process has to itself).")
    field_verify_categories: str = _doc("", "Categories whose close needs an inspector's pass (核查) first, besides "
                                            "those categories.csv marks needs_verification: category codes or 大类 "
                                            "group codes, comma-separated; * for all; empty for none.")

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
