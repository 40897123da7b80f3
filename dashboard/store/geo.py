"""Geography in the store: unit-grid cells, other codes districts answer to, base-map archives, and
the geography's version (issue 15)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as t  # noqa: F401 (loads the head schema, schema_geo included)
from . import schema_geo as g
from .schema import incidents


# -- version: processes rebuild their indexes when it moves ---------------------------------------------
def version(conn: Connection) -> int:
    value = conn.execute(sa.select(g.geo_meta.c.value).where(g.geo_meta.c.key == "version")).scalar()
    return int(value or 0)


def bump_version(conn: Connection, now: datetime) -> int:
    new = version(conn) + 1
    conn.execute(g.geo_meta.delete().where(g.geo_meta.c.key == "version"))
    conn.execute(g.geo_meta.insert().values(key="version", value=new, updated_at=now))
    return new


# -- unit grid ---------------------------------------------------------------------------------------
def put_grid_cells(conn: Connection, cells: list[dict], now: datetime) -> None:
    """Replace the grid: [{"code", "district", "name", "geometry"}] (reference data is not history:
    incidents keep the cell code they were given)."""
    conn.execute(g.grid_cells.delete())
    if cells:
        conn.execute(g.grid_cells.insert(), [{"code": c["code"], "district": c.get("district"),
                                              "name": c.get("name") or "", "geometry": c["geometry"]} for c in cells])
    bump_version(conn, now)


def grid_cells(conn: Connection) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.select(g.grid_cells).order_by(g.grid_cells.c.code))]


def count_grid_cells(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(g.grid_cells)).scalar() or 0)


def set_incident_cell(conn: Connection, incident_id: int, cell: str | None) -> None:
    conn.execute(sa.update(incidents).where(incidents.c.id == incident_id).values(grid_cell=cell))


# -- area codes ----------------------------------------------------------------------------------------
def put_area_codes(conn: Connection, rows: list[dict], now: datetime) -> None:
    conn.execute(g.area_codes.delete())
    if rows:
        conn.execute(g.area_codes.insert(), [{"scheme": r["scheme"], "value": r["value"], "district": r["district"]}
                                             for r in rows])
    bump_version(conn, now)


def area_codes(conn: Connection) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.select(g.area_codes))]


# -- base maps ------------------------------------------------------------------------------------------
def put_basemap(conn: Connection, row: dict, activate: bool = True) -> None:
    conn.execute(g.basemaps.delete().where(g.basemaps.c.name == row["name"]))
    if activate:
        conn.execute(sa.update(g.basemaps).values(active=False))
    conn.execute(g.basemaps.insert().values(**(row | {"active": activate})))


def basemaps(conn: Connection) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.select(g.basemaps).order_by(g.basemaps.c.added_at))]


def basemap(conn: Connection, name: str) -> dict | None:
    r = conn.execute(sa.select(g.basemaps).where(g.basemaps.c.name == name)).first()
    return dict(r._mapping) if r else None


def active_basemap(conn: Connection) -> dict | None:
    r = conn.execute(sa.select(g.basemaps).where(g.basemaps.c.active.is_(True))).first()
    return dict(r._mapping) if r else None


def activate_basemap(conn: Connection, name: str | None) -> bool:
    """Make `name` the base map in force (None: none, the drawn base map). False if unknown."""
    if name is not None and basemap(conn, name) is None:
        return False
    conn.execute(sa.update(g.basemaps).values(active=False))
    if name is not None:
        conn.execute(sa.update(g.basemaps).where(g.basemaps.c.name == name).values(active=True))
    return True


def remove_basemap(conn: Connection, name: str) -> bool:
    return conn.execute(g.basemaps.delete().where(g.basemaps.c.name == name)).rowcount > 0


def cell_counts(conn: Connection, start: datetime, end: datetime, category: str | None = None,
                department_scope: str | None = None) -> list[dict]:
    """Incidents created in [start, end) per grid cell (hot spots by cell), most first."""
    i = incidents.c
    q = (sa.select(i.grid_cell, sa.func.count().label("n"))
         .where(i.created_at >= start, i.created_at < end, i.grid_cell.is_not(None), i.status != "merged"))
    if category:
        q = q.where(i.category == category)
    if department_scope:
        q = q.where(i.department == department_scope)
    q = q.group_by(i.grid_cell).order_by(sa.desc("n"), i.grid_cell)
    return [{"code": r.grid_cell, "n": int(r.n)} for r in conn.execute(q)]
