"""Push: bus messages to browsers over WebSocket (see relay.py)."""
from .relay import PushRelay

__all__ = ["PushRelay"]
