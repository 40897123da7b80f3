"""A case as model input: its words (title and description) and its circumstances (district, grid
cell, source, hour, weekday, the category the reporter chose). Pure functions over plain dicts."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

CELL_DEG = 0.005          # about 500 m: the place cell when the case carries no unit-grid cell
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Case:
    """One case as the model sees it. `category`/`department` are labels (None for a new report)."""
    id: int
    text: str
    district: str | None
    cell: str | None
    source: str
    hour: int
    weekday: int
    filed: str | None                 # the category the report came in with (the reporter's choice)
    reported_at: datetime | None = None
    category: str | None = None
    department: str | None = None
    returned: bool = False
    grid: str | None = None           # the unit-grid cell (单元网格), when the city has a grid


def text_of(title: str | None, description: str | None) -> str:
    return _SPACE.sub(" ", f"{title or ''} {description or ''}").strip()[:1000]


def cell_of(lat: float | None, lon: float | None) -> str | None:
    """A square of about 500 m: the same for old and new cases whatever grid the city has."""
    if lat is None or lon is None:
        return None
    return f"{int(lat // CELL_DEG)}_{int(lon // CELL_DEG)}"


def case_from_incident(row: dict, tz: ZoneInfo, filed: str | None = None, category: str | None = None,
                       department: str | None = None, returned: bool = False) -> Case:
    """`row`: an incident (or a new report's fields: title, description, district, lat, lon, source,
    reported_at, details, category)."""
    at = row.get("reported_at") or row.get("created_at")
    if isinstance(at, str):       # a view as the screens get it (ISO text)
        try:
            at = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            at = None
    local = at.astimezone(tz) if at else None
    details = row.get("details") or {}
    if filed is None:
        filed = details.get("service_code") or row.get("category")
    return Case(id=int(row.get("id") or 0), text=text_of(row.get("title"), row.get("description")),
                district=row.get("district"), cell=cell_of(row.get("lat"), row.get("lon")),
                grid=row.get("grid_cell") or details.get("grid_cell"),
                source=row.get("source") or "", hour=local.hour if local else -1,
                weekday=local.weekday() if local else -1, filed=str(filed) if filed else None,
                reported_at=at, category=category, department=department, returned=returned)


def meta_tokens(case: Case) -> list[str]:
    """The circumstances as tokens (each a column of the model)."""
    tokens = [f"s:{case.source}", f"h:{case.hour // 3}", f"w:{int(case.weekday >= 5)}"]
    if case.district:
        tokens.append(f"d:{case.district}")
    if case.cell:
        tokens.append(f"g:{case.cell}")
    if case.grid:
        tokens.append(f"u:{case.grid}")
    if case.filed:
        tokens.append(f"f:{case.filed}")
        if case.district:
            tokens.append(f"fd:{case.filed}:{case.district}")
    return tokens


def department_tokens(case: Case, category: str, rule_departments: list[str]) -> list[str]:
    """What the department model adds for one candidate category: the category, the category in this
    district and in this cell, and what the routing rule says (several when departments were merged)."""
    tokens = [f"c:{category}"]
    if case.district:
        tokens.append(f"cd:{category}:{case.district}")
    if case.cell:
        tokens.append(f"cg:{category}:{case.cell}")
    tokens += [f"r:{d}" for d in rule_departments] or ["r:-"]
    tokens += [f"cr:{category}:{d}" for d in rule_departments]
    return tokens
