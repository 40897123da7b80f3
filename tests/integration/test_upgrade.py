"""Stores written by earlier releases migrate to head with nothing lost, on SQLite and on PostgreSQL.

Fixtures (tests/fixtures/stores/): `release-0006.sqlite3`, written by the release before retention and
roll-ups with that release's own code (make_release_store.py says how). The PostgreSQL store of the same
release is built here from it: the schema of revision 0006 on PostgreSQL, the rows copied over."""
from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.config import Settings
from dashboard.store import migrate, open_store
from tests.conftest import PG_URL, need_server

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "stores"
RELEASES = {"0006": FIXTURES / "release-0006.sqlite3"}


def snapshot(engine, tables: list[str] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table (but the migration bookkeeping), values made comparable across dialects."""
    out = {}
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        names = tables or [n for n in insp.get_table_names() if n != "alembic_version"]
        for name in names:
            cols = [c["name"] for c in insp.get_columns(name)]
            rows = conn.execute(sa.text(f'SELECT {", ".join(cols)} FROM "{name}"')).all()
            out[name] = sorted((tuple(_norm(v) for v in r) for r in rows), key=repr)
    return out


def _norm(v):
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).isoformat()
    if isinstance(v, str):
        if v[:1] in "{[":
            try:
                return json.dumps(json.loads(v), sort_keys=True)
            except ValueError:
                return v
        if len(v) >= 19 and v[4] == "-" and v[10] == " " and v[13] == ":":   # SQLite's timestamps
            try:
                return _norm(datetime.fromisoformat(v))
            except ValueError:
                return v
        return v
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True)
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float) and v.is_integer():
        return v
    return v


def _same(before: dict, after_engine, rev: str) -> None:
    """Every row of the old release is still there, with the values it had (in the columns it had)."""
    with after_engine.connect() as conn:
        insp = sa.inspect(conn)
        for name, rows in before.items():
            assert name in insp.get_table_names(), f"{name} is gone after migrating from {rev}"
            old_cols = _columns[name]
            got = conn.execute(sa.text(f'SELECT {", ".join(old_cols)} FROM "{name}"')).all()
            got = sorted((tuple(_norm(v) for v in r) for r in got), key=repr)
            assert len(got) == len(rows), f"{name}: {len(rows)} rows before, {len(got)} after"
            assert got == rows, f"{name}: values changed migrating from {rev}"


_columns: dict[str, list[str]] = {}


def _old_state(engine) -> dict:
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        for name in insp.get_table_names():
            _columns[name] = [c["name"] for c in insp.get_columns(name)]
    return snapshot(engine)


def _copy_sqlite_to_pg(src: Path, target) -> None:
    """The rows of a SQLite store into the same revision's empty schema on PostgreSQL."""
    source = sa.create_engine(f"sqlite:///{src}")
    meta = sa.MetaData()
    meta.reflect(target)
    order = [t for t in meta.sorted_tables if t.name != "alembic_version"]
    with source.connect() as s, target.begin() as d:
        for table in order:
            rows = [dict(r._mapping) for r in s.execute(sa.text(f'SELECT * FROM "{table.name}"'))]
            if not rows:
                continue
            for r in rows:
                for c in table.columns:
                    v = r.get(c.name)
                    if v is None:
                        continue
                    if isinstance(c.type, sa.DateTime) and isinstance(v, str):
                        r[c.name] = datetime.fromisoformat(v).replace(tzinfo=timezone.utc)
                    elif isinstance(c.type, sa.Boolean):
                        r[c.name] = bool(v)
                    elif isinstance(c.type, (sa.JSON,)) or c.type.__class__.__name__ in ("JSONB", "JSON"):
                        r[c.name] = json.loads(v) if isinstance(v, str) else v
            d.execute(table.insert(), rows)
            if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                d.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                  f"(SELECT max(id) FROM \"{table.name}\"))"))
    source.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def release_store(request, tmp_path):
    """(store at the release's revision holding its rows, revision)."""
    rev = "0006"
    fixture = RELEASES[rev]
    if request.param == "sqlite":
        path = tmp_path / "cityops.sqlite3"
        shutil.copyfile(fixture, path)
        store = open_store(f"sqlite:///{path}")
        yield store, rev
        store.close()
        return
    need_server("PostgreSQL", "127.0.0.1", 5432)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    store = open_store(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        migrate.upgrade(store.engine, rev)
        _copy_sqlite_to_pg(fixture, store.engine)
        yield store, rev
    finally:
        store.close()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def test_a_release_store_migrates_to_head_with_nothing_lost(release_store, tmp_path):
    store, rev = release_store
    assert migrate.current_revision(store.engine) == rev
    before = _old_state(store.engine)
    assert len(before["incidents"]) > 100 and len(before["events"]) > 100 and before["audit_log"]
    store.upgrade()
    from dashboard.store.backup import pending_revisions
    current, head, steps = pending_revisions(store)
    assert current == head and not steps
    _same(before, store.engine, rev)

    # the migrated store works: new events go in (PostgreSQL: the partitioned table), replays still
    # collide, roll-ups are built from the old raw readings, the review reads its figures
    from dashboard.domain.events import SEGMENT_SPEED, Event
    from dashboard.services import evaluation
    from dashboard.services.container import Services
    from dashboard.services.retention import Policy, run_round
    from dashboard.store import feeds, reference
    from dashboard.bus import MemoryBus
    now = datetime.now(timezone.utc)
    with store.begin() as conn:
        new = feeds.insert_events(conn, [Event("traffic", SEGMENT_SPEED, "after-upgrade", now,
                                               {"segment_id": "x", "speed_kmh": 1.0})], now)
        again = feeds.insert_events(conn, [Event("traffic", SEGMENT_SPEED, "after-upgrade", now,
                                                 {"segment_id": "x", "speed_kmh": 1.0})], now)
    assert len(new) == 1 and again == []
    run_round(store, Policy(3650, 0, 0, 0, 0, 0, 500), now, "hj633-2026")
    from dashboard.store import schema_retention as rt
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.sum(rt.reading_rollups.c.n))
                            .where(rt.reading_rollups.c.grain == 3600)).scalar() >= 72 * 2 + 108
        city = reference.load_city(conn)
    services = Services(replace(Settings(), data_dir=str(tmp_path), demo=False), store, MemoryBus(), city)
    from dashboard.domain.identity import Identity
    query = evaluation.ReviewQuery("custom", datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date())
    figures = evaluation.figures(services, Identity("boss", "leader"), query, "en",
                                 now=datetime(2026, 11, 30, tzinfo=timezone.utc))
    assert figures["totals"]["due"] is not None


def test_db_upgrade_says_what_it_does_and_backs_up_first(tmp_path, capsys):
    from argparse import Namespace
    from dashboard.cli_keep import after_upgrade, before_upgrade
    from dashboard.store import retention
    from dashboard.store.backup import read_manifest
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(RELEASES["0006"], data / "cityops.sqlite3")
    settings = replace(Settings(), data_dir=str(data), demo=False)
    args = Namespace(no_backup=False, backup_file=None, dry_run=True)
    assert before_upgrade(settings, args) is False
    said = capsys.readouterr().out
    assert "from revision 0006 to" in said and "0009" in said and "VACUUM" in said
    assert not (data / "backups").exists()
    args.dry_run = False
    assert before_upgrade(settings, args) is True
    backups = list((data / "backups").glob("*.tar"))
    assert len(backups) == 1 and read_manifest(backups[0])["revision"] == "0006"
    store = open_store(settings.effective_database_url)
    try:
        store.upgrade()
        after_upgrade(store)
        assert retention.auto_vacuum_mode(store) == 2
    finally:
        store.close()
    assert "nothing to migrate" in (before_upgrade(settings, args) and capsys.readouterr().out)
    # told not to: no backup
    shutil.copyfile(RELEASES["0006"], data / "cityops.sqlite3")
    for extra in ("-wal", "-shm"):
        (data / f"cityops.sqlite3{extra}").unlink(missing_ok=True)
    assert before_upgrade(settings, Namespace(no_backup=True, backup_file=None, dry_run=False))
    assert len(list((data / "backups").glob("*.tar"))) == 1
