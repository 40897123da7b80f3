"""Deterministic generators of the demo city's live content. Given the seed, the start time and the
clock, they produce the same reports, speeds, vehicle positions, readings and alerts; no IO."""
from .air import AirModel, ObservationLog
from .alerts import AlertMessage, AlertStream
from .reports import ReportStream, ServiceRequest
from .traffic import SpeedModel
from .vehicles import BusFleet, VehicleState

__all__ = ["AirModel", "ObservationLog", "AlertMessage", "AlertStream", "ReportStream", "ServiceRequest",
           "SpeedModel", "BusFleet", "VehicleState"]
