"""Connectors: one module per source system, each a pure `parse` plus a thin IO shell on the
shared base (connectors.base). build_connectors() makes the ones the settings name."""
from __future__ import annotations

from typing import Any

from .base import Connector

KNOWN = ("open311", "traffic", "gtfs_rt", "sensorthings", "cap",
         "gtfs_rt_trip_updates", "gtfs_rt_alerts", "datex2", "openaq", "eido", "mqtt_sta", "mqtt_devices")
_URL_SETTING = {"open311": "open311_url", "traffic": "traffic_ws_url", "gtfs_rt": "gtfs_rt_url",
                "sensorthings": "sensorthings_url", "cap": "cap_url",
                "gtfs_rt_trip_updates": "gtfs_rt_trip_updates_url", "gtfs_rt_alerts": "gtfs_rt_alerts_url",
                "datex2": "datex2_url", "openaq": "openaq_url", "eido": "eido_url",
                "mqtt_sta": "mqtt_url", "mqtt_devices": "mqtt_url"}
# what, besides its URL, an optional connector needs before it joins by itself
_ALSO_NEEDS = {"mqtt_sta": "mqtt_sensorthings_datastreams", "mqtt_devices": "mqtt_topics"}


# the `connectors` setting's default; with it, the optional connectors whose URL is set join in
DEFAULT_SELECTION = ("open311", "traffic", "gtfs_rt", "sensorthings", "cap")
OPTIONAL = ("gtfs_rt_trip_updates", "gtfs_rt_alerts", "datex2", "openaq", "eido", "mqtt_sta", "mqtt_devices")


def build_connectors(settings: Any, endpoints: Any = None) -> list[Connector]:
    """The connectors named in settings.connectors (comma-separated), in that order. Each reads the
    URL from its setting, or from `endpoints` (the demo city's DemoEndpoints) when that is empty.
    When settings.connectors is left at its default, every optional connector (OPTIONAL) whose URL
    setting is set is added: setting CITYOPS_DATEX2_URL is enough to start it; an explicit list
    (e.g. `cityops ingest --connector open311`) is taken as it is.
    Raises ValueError for an unknown name or a connector without a URL."""
    from .cap import CapConnector
    from .datex2 import Datex2Connector
    from .eido import EidoConnector
    from .gtfs_rt import GtfsRtConnector
    from .openaq import OpenAQConnector, parse_locations_setting
    from .open311 import Open311Connector
    from .sensorthings import SensorThingsConnector
    from .traffic import TrafficConnector

    names = [n.strip() for n in (settings.connectors or "").split(",") if n.strip()]
    if tuple(names) == DEFAULT_SELECTION:
        names += [n for n in OPTIONAL if getattr(settings, _URL_SETTING[n], "")
                  and (n not in _ALSO_NEEDS or getattr(settings, _ALSO_NEEDS[n], ""))]
    unknown = [n for n in names if n not in KNOWN]
    if unknown:
        raise ValueError(f"unknown connector(s) {', '.join(unknown)}; known: {', '.join(KNOWN)}")
    common = {"timeout": float(settings.http_timeout)}
    polling = {**common, "poll_seconds": float(settings.poll_seconds)}
    out: list[Connector] = []
    for name in dict.fromkeys(names):   # each once, in the order given
        url = _url(settings, endpoints, name)
        if name == "open311":
            out.append(Open311Connector(url, api_key=settings.open311_api_key, **polling))
        elif name == "traffic":
            out.append(TrafficConnector(url, **common))
        elif name == "gtfs_rt":
            out.append(GtfsRtConnector(url, **polling))
        elif name == "sensorthings":
            out.append(SensorThingsConnector(url, **polling))
        elif name == "cap":
            out.append(CapConnector(url, max_messages=int(getattr(settings, "cap_max_messages", 200)), **polling))
        elif name in ("gtfs_rt_trip_updates", "gtfs_rt_alerts"):   # one GTFS-rt feed each, named apart
            out.append(GtfsRtConnector(url, name=name, **polling))
        elif name == "datex2":
            out.append(Datex2Connector(url, username=settings.datex2_username, password=settings.datex2_password,
                                       max_bytes=int(float(getattr(settings, "datex2_max_mb", 512)) * 1_000_000),
                                       **common, poll_seconds=_poll(settings, "datex2")))
        elif name == "openaq":
            out.append(OpenAQConnector(url, parse_locations_setting(settings.openaq_locations),
                                       api_key=settings.openaq_api_key, **common,
                                       poll_seconds=_poll(settings, "openaq")))
        elif name == "mqtt_sta":
            from .mqtt_sta import SensorThingsMqttConnector, parse_devices_setting
            out.append(SensorThingsMqttConnector(url, parse_devices_setting(settings.mqtt_sensorthings_datastreams),
                                                 client_id=settings.mqtt_client_id, **common))
        elif name == "mqtt_devices":
            from .mqtt_devices import MqttDevicesConnector, parse_mappings
            out.append(MqttDevicesConnector(url, parse_mappings(settings.mqtt_topics),
                                            client_id=settings.mqtt_client_id, **common))
        else:
            out.append(EidoConnector(url, token=settings.eido_token, username=settings.eido_username,
                                     password=settings.eido_password, **common, poll_seconds=_poll(settings, "eido")))
    return out


def _poll(settings: Any, name: str) -> float:
    """The source's own poll interval, or the common one when it has none (0)."""
    own = float(getattr(settings, f"{name}_poll_seconds", 0) or 0)
    return own if own > 0 else float(settings.poll_seconds)


def _url(settings: Any, endpoints: Any, name: str) -> str:
    attr = _URL_SETTING[name]
    url = getattr(settings, attr, "") or (getattr(endpoints, attr, "") if endpoints is not None else "")
    if not url:
        raise ValueError(f"connector {name} has no URL: set CITYOPS_{attr.upper()} (or run the demo city)")
    return url
