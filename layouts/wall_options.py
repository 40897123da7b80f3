"""What the settings and the wall's URL say about the wall: its scenes and their dwell, the grid of
screens it is made of, how long a severe event is highlighted, push or plain polling. Pure; a bad
value falls back to the setting (a wall nobody touches must still come up)."""
from __future__ import annotations

import re
from dataclasses import dataclass

SCENES = ("overview", "traffic", "environment", "emergency", "dispatch")
DWELL_RANGE = (3.0, 3600.0)        # seconds; 3 s is for tests and rehearsals
SPOTLIGHT_RANGE = (3.0, 600.0)
MAX_SCREENS = 8                    # per side of the grid
PLAIN_POLL_SECONDS = 5.0           # ?live=poll: the plain polling wall the benchmark compares with
GRID = re.compile(r"^\s*(\d+)\s*[x×X*]\s*(\d+)\s*$")


@dataclass(frozen=True)
class WallOptions:
    scenes: tuple[str, ...]
    dwell_seconds: float
    spotlight_seconds: float
    grid: tuple[int, int]          # (columns, rows) of screens; (1, 1) is one screen
    heartbeat_seconds: float       # feed health and build id re-read this often
    poll_seconds: float            # snapshot reloads while the relay is down (always, with ?live=poll)
    live: str                      # "push" (relay, the default) or "poll" (a reload every 5 s)

    def as_client(self) -> dict:
        return {"scenes": list(self.scenes), "dwell": self.dwell_seconds, "spotlight": self.spotlight_seconds,
                "grid": list(self.grid), "heartbeat": self.heartbeat_seconds, "poll": self.poll_seconds,
                "live": self.live}


def parse_scenes(value: str | None) -> tuple[str, ...]:
    names = [n.strip().lower() for n in (value or "").split(",")]
    return tuple(dict.fromkeys(n for n in names if n in SCENES))


def parse_grid(value: str | None) -> tuple[int, int] | None:
    match = GRID.match(value or "")
    if not match:
        return None
    cols, rows = int(match.group(1)), int(match.group(2))
    return (cols, rows) if 1 <= cols <= MAX_SCREENS and 1 <= rows <= MAX_SCREENS else None


def _seconds(value, fallback: float, bounds: tuple[float, float]) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float(fallback)
    if seconds != seconds:   # NaN
        seconds = float(fallback)
    return min(max(seconds, bounds[0]), bounds[1])


def wall_options(settings, scenes: str | None = None, dwell: str | None = None, grid: str | None = None,
                 live: str | None = None) -> WallOptions:
    chosen = parse_scenes(scenes) or parse_scenes(settings.wall_scenes) or SCENES
    plain_poll = (live or "").lower() == "poll"
    slow = _seconds(settings.wall_poll_seconds, 15.0, (2.0, 600.0))
    return WallOptions(
        scenes=chosen,
        dwell_seconds=_seconds(dwell if dwell is not None else settings.wall_dwell_seconds,
                               settings.wall_dwell_seconds, DWELL_RANGE),
        spotlight_seconds=_seconds(settings.wall_spotlight_seconds, 25.0, SPOTLIGHT_RANGE),
        grid=parse_grid(grid) or parse_grid(settings.wall_grid) or (1, 1),
        heartbeat_seconds=slow,
        poll_seconds=PLAIN_POLL_SECONDS if plain_poll else slow,
        live="poll" if plain_poll else "push",
    )
