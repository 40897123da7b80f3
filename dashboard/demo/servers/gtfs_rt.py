"""GTFS-realtime VehiclePositions feed (protobuf FeedMessage, full dataset) of the demo's buses."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from google.transit import gtfs_realtime_pb2

from ..simulation.vehicles import BusFleet
from .http import Request, Response


def feed_message(fleet: BusFleet, now: datetime) -> gtfs_realtime_pb2.FeedMessage:
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    feed.header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    feed.header.timestamp = int(now.timestamp())
    for v in fleet.positions(now):
        entity = feed.entity.add()
        entity.id = v.vehicle_id
        vp = entity.vehicle
        vp.trip.trip_id = v.trip_id
        vp.trip.route_id = v.route_id
        vp.trip.direction_id = v.direction_id
        vp.vehicle.id = v.vehicle_id
        vp.vehicle.label = v.label
        vp.position.latitude = v.lat
        vp.position.longitude = v.lon
        vp.position.bearing = v.bearing
        vp.position.speed = v.speed_ms
        vp.timestamp = v.timestamp
        vp.current_status = gtfs_realtime_pb2.VehiclePosition.IN_TRANSIT_TO
    return feed


class GtfsRtService:
    def __init__(self, fleet: BusFleet, clock: Callable[[], datetime]):
        self.fleet = fleet
        self.clock = clock

    def __call__(self, req: Request) -> Response:
        if req.path != "/vehicle-positions.pb":
            return Response(404, b"not found\n", "text/plain; charset=utf-8")
        return Response(200, feed_message(self.fleet, self.clock()).SerializeToString(), "application/x-protobuf")
