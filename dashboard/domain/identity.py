"""Who is acting: a signed-in user, an API token's user, the wall kiosk, or the system."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    username: str
    role: str
    department: str | None = None
    display_name: str | None = None
    via: str = "session"          # session / token / kiosk / cli / system

    @property
    def label(self) -> str:
        return self.display_name or self.username


SYSTEM_IDENTITY = Identity("system", "system", via="system")
