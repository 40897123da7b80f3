"""Shared fixtures. PostgreSQL and Redis tests use the real servers (127.0.0.1:5432 and :6379);
without them they skip and say so, unless CITYOPS_REQUIRE_SERVICES=1 (as .ci/run sets), where a
missing server fails the run."""
from __future__ import annotations

import os
import socket
import uuid
from contextlib import contextmanager
from dataclasses import replace

import pytest
import sqlalchemy as sa

from dashboard.bus import MemoryBus
from dashboard.config import Settings
from dashboard.demo.taxonomy import DEMO_CATEGORIES
from dashboard.domain.city import City, Department, District, RoadSegment, Station
from dashboard.services.container import Services
from dashboard.store import open_store

PG_URL = os.environ.get("CITYOPS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CITYOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("CITYOPS_REQUIRE_SERVICES") == "1"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_server(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (CITYOPS_REQUIRE_SERVICES=1: a missing server fails the run)")
    pytest.skip(message + "; start it to run this test")


def _square(x0: float, y0: float, size: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size],
                                                [x0, y0 + size], [x0, y0]]]}


@pytest.fixture(scope="session")
def small_city() -> City:
    """Two districts side by side, three segments, two stations, two departments."""
    west, east = _square(118.70, 32.00, 0.1), _square(118.80, 32.00, 0.1)
    return City(
        name_zh="测试市", name_en="Testville", center=(118.80, 32.05),
        districts=(District("D1", "西区", "West", west), District("D2", "东区", "East", east)),
        departments=(
            Department("CG", "城管局", "City Management Bureau", ("0101", "0501", "0503", "0999", "1201")),
            Department("JT", "交通局", "Transport Bureau", ("1001", "1002", "0201")),
            Department("HB", "环保局", "Environment Bureau", ("1101",)),
        ),
        segments=(
            RoadSegment("S1", "西路一段", "West Rd 1", "D1", 60.0,
                        {"type": "LineString", "coordinates": [[118.71, 32.01], [118.75, 32.01]]}),
            RoadSegment("S2", "东路一段", "East Rd 1", "D2", 50.0,
                        {"type": "LineString", "coordinates": [[118.81, 32.01], [118.85, 32.01]]}),
            RoadSegment("S3", "东路二段", "East Rd 2", "D2", 40.0,
                        {"type": "LineString", "coordinates": [[118.85, 32.01], [118.89, 32.01]]}),
        ),
        stations=(Station("A1", "西站", "West station", "D1", 118.75, 32.05),
                  Station("A2", "东站", "East station", "D2", 118.85, 32.05)),
        categories=DEMO_CATEGORIES,   # the taxonomy is city data: the demo package's
    )


@pytest.fixture
def sqlite_store(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    store.upgrade()
    yield store
    store.close()


_MIGRATED: dict[str, str] = {}   # this test process's one copy of a migrated schema, as SQL


def _migrated_schema_sql() -> str | None:
    """The head schema as SQL (pg_dump of a schema migrated once, its name left as __SCHEMA__): making
    each test's schema from it takes a tenth of the time of running every migration again. None when
    pg_dump cannot make it (then each test migrates)."""
    if "sql" not in _MIGRATED:
        import shutil
        import subprocess
        sql = None
        template = f"tmpl_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(PG_URL)
        try:
            with admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{template}"'))
            store = open_store(PG_URL, connect_args={"options": f"-csearch_path={template}"})
            store.upgrade()
            store.close()
            if shutil.which("pg_dump"):
                url = sa.engine.make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)
                done = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", "--inserts", f"--schema={template}",
                                       f"--dbname={url}"], capture_output=True, text=True, timeout=120)
                if done.returncode == 0 and template in done.stdout:
                    # psql's own commands (\restrict …) are not SQL
                    sql = "\n".join(line for line in done.stdout.replace(template, "__SCHEMA__").splitlines()
                                    if not line.startswith("\\"))
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{template}" CASCADE'))
            admin.dispose()
        _MIGRATED["sql"] = sql
    return _MIGRATED["sql"]


@contextmanager
def pg_schema_store():
    """A store in a PostgreSQL schema of its own, at the head revision; dropped afterwards."""
    need_server("PostgreSQL", "127.0.0.1", 5432)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    sql = _migrated_schema_sql()
    if sql is None:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    else:
        import psycopg
        url = sa.engine.make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url) as raw:   # a connection of its own: the script changes its search_path
            raw.execute(sql.replace("__SCHEMA__", schema))
    store = open_store(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    store.upgrade()   # already at head: says so and changes nothing
    try:
        yield store
    finally:
        store.close()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_store():
    with pg_schema_store() as store:
        yield store


def services_on(store, city: City, data_dir, **settings) -> Services:
    """Services over `store` holding `city`, on the in-process bus, the demo off."""
    from dashboard.store import reference
    with store.begin() as conn:
        reference.save_city(conn, city)
    return Services(replace(Settings(), data_dir=str(data_dir), demo=False, **settings), store, MemoryBus(), city)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request):
    """The same test on the embedded SQLite store and on the real PostgreSQL server."""
    return request.getfixturevalue("sqlite_store" if request.param == "sqlite" else "pg_store")


@pytest.fixture
def services(store, small_city, tmp_path) -> Services:
    return services_on(store, small_city, tmp_path)
