"""Connectors: one module per source system, each a pure `parse` plus a thin IO shell on the
shared base (connectors.base). build_connectors() makes the ones the settings name."""
from __future__ import annotations

from typing import Any

from .base import Connector

KNOWN = ("open311", "traffic", "gtfs_rt", "sensorthings", "cap")
_URL_SETTING = {"open311": "open311_url", "traffic": "traffic_ws_url", "gtfs_rt": "gtfs_rt_url",
                "sensorthings": "sensorthings_url", "cap": "cap_url"}


def build_connectors(settings: Any, endpoints: Any = None) -> list[Connector]:
    """The connectors named in settings.connectors (comma-separated), in that order. Each reads the
    URL from its setting, or from `endpoints` (the demo city's DemoEndpoints) when that is empty.
    Raises ValueError for an unknown name or a connector without a URL."""
    from .cap import CapConnector
    from .gtfs_rt import GtfsRtConnector
    from .open311 import Open311Connector
    from .sensorthings import SensorThingsConnector
    from .traffic import TrafficConnector

    names = [n.strip() for n in (settings.connectors or "").split(",") if n.strip()]
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
        else:
            out.append(CapConnector(url, **polling))
    return out


def _url(settings: Any, endpoints: Any, name: str) -> str:
    attr = _URL_SETTING[name]
    url = getattr(settings, attr, "") or (getattr(endpoints, attr, "") if endpoints is not None else "")
    if not url:
        raise ValueError(f"connector {name} has no URL: set CITYOPS_{attr.upper()} (or run the demo city)")
    return url
