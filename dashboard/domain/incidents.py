"""Incidents (cases, 案件) and the drafts that feed rules and reports produce."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class IncidentDraft:
    """What a rule or a report proposes; the ingest service turns it into a stored incident."""

    category: str
    title: str
    source: str                     # connector or "manual"
    source_ref: str                 # the event's source_id, or a rule key
    priority: int = 3
    description: str = ""
    lat: float | None = None
    lon: float | None = None
    district: str | None = None
    address: str | None = None
    reported_at: datetime | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


PRIORITIES = (1, 2, 3, 4)   # P1 urgent … P4 low
