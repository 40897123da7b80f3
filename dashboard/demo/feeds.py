"""The demo city's feed servers, all on 127.0.0.1 with OS-chosen ports: Open311, the traffic speed
WebSocket, GTFS-realtime, SensorThings and CAP, over the deterministic simulations.

    feeds = DemoFeeds(build_city(7), seed=7, speed=1.0, scenario="storm")
    endpoints = feeds.start()        # DemoEndpoints(open311_url=…, …)
    …
    feeds.stop()

Run `python -m dashboard.demo.feeds --seed 7 --scenario storm` to serve them by themselves.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from dashboard.domain.city import City

from .servers.cap import CapService
from .servers.gtfs_rt import GtfsRtService
from .servers.http import FeedHTTPServer
from .servers.open311 import Open311Service
from .servers.sensorthings import SensorThingsService
from .servers.traffic_ws import TrafficStreamServer
from .simulation import AirModel, AlertStream, BusFleet, ObservationLog, ReportStream, SpeedModel
from .simulation.clock import utcnow

SCENARIOS = ("", "storm", "pollution", "rush-hour")


@dataclass(frozen=True)
class DemoEndpoints:
    open311_url: str          # …/open311/v2
    traffic_ws_url: str       # ws://127.0.0.1:P/speeds
    gtfs_rt_url: str          # …/gtfs-rt/vehicle-positions.pb
    sensorthings_url: str     # …/sta/v1.1
    cap_url: str              # …/cap/alerts.atom
    # with a broker (the mqtt_url setting) the demo's devices publish there; what the connectors then read:
    mqtt_sensorthings_datastreams: str = ""
    mqtt_topics: str = ""


class DemoFeeds:
    def __init__(self, city: City, seed: int, speed: float = 1.0, scenario: str = "",
                 clock: Callable[[], datetime] | None = None, mqtt_url: str = ""):
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown demo scenario {scenario!r}; choose one of: storm, pollution, rush-hour")
        if not speed > 0:
            raise ValueError(f"demo speed must be positive, not {speed!r}")
        self.city, self.seed, self.speed, self.scenario = city, seed, float(speed), scenario
        self.clock = clock or utcnow
        self._http: FeedHTTPServer | None = None
        self._ws: TrafficStreamServer | None = None
        self.endpoints: DemoEndpoints | None = None
        self.mqtt_url = mqtt_url
        self._devices = None   # the device publisher, with a broker only

    def start(self) -> DemoEndpoints:
        if self.endpoints is not None:
            return self.endpoints
        city, seed, speed, scenario = self.city, self.seed, self.speed, self.scenario
        start = self.clock()
        air = AirModel(city, seed, scenario, start, speed)
        self._http = FeedHTTPServer({
            "/open311/v2": Open311Service(ReportStream(city, seed, start, speed, scenario), self.clock),
            "/gtfs-rt": GtfsRtService(BusFleet(city, seed), self.clock),
            "/sta/v1.1": SensorThingsService(city, ObservationLog(air, start, speed), self.clock),
            "/cap": CapService(AlertStream(city, seed, start, speed, scenario), self.clock),
        })
        self._ws = TrafficStreamServer(SpeedModel(city, seed, scenario), self.clock, interval=max(1.0, 5.0 / speed))
        try:
            base = self._http.start()
            ws_url = self._ws.start()
        except Exception:
            self.stop()
            raise
        datastreams = topics = ""
        if self.mqtt_url:   # devices push over MQTT only where a broker is configured (the demo needs none)
            from .servers.mqtt_devices import DevicePublisher
            from .simulation.devices import DeviceFleet
            self._devices = DevicePublisher(DeviceFleet(city, seed, scenario, speed), self.mqtt_url, self.clock, seed,
                                            interval=max(5.0, 60.0 / speed))
            self._devices.start()
            datastreams, topics = self._devices.mapping_settings()
        self.endpoints = DemoEndpoints(
            open311_url=f"{base}/open311/v2",
            traffic_ws_url=ws_url,
            gtfs_rt_url=f"{base}/gtfs-rt/vehicle-positions.pb",
            sensorthings_url=f"{base}/sta/v1.1",
            cap_url=f"{base}/cap/alerts.atom",
            mqtt_sensorthings_datastreams=datastreams,
            mqtt_topics=topics,
        )
        return self.endpoints

    def stop(self) -> None:
        for server in (self._devices, self._ws, self._http):
            if server is not None:
                server.stop()
        self._ws = self._http = self._devices = None
        self.endpoints = None

    def __enter__(self) -> DemoEndpoints:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    import argparse
    import time

    from .city import build_city

    parser = argparse.ArgumentParser(description="Serve the demo city's feeds on 127.0.0.1.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--scenario", default="", choices=SCENARIOS)
    args = parser.parse_args(argv)
    with DemoFeeds(build_city(args.seed), args.seed, args.speed, args.scenario) as endpoints:
        for name, url in vars(endpoints).items():
            print(f"{name:18} {url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
