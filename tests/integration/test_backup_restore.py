"""`cityops backup` while incidents and readings keep coming, `cityops restore` into an empty store: the
same incidents, history and audit (counts and checksums), the evidence files too; a non-empty store is
refused unless forced. SQLite (online backup API) and PostgreSQL (pg_dump in the counts' snapshot)."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from tests.conftest import PG_URL
from dashboard.domain.events import SEGMENT_SPEED, Event
from dashboard.domain.identity import Identity
from dashboard.domain.incidents import IncidentDraft
from dashboard.services import intake
from dashboard.services.ingest import IngestService
from dashboard.store import backup as bk
from dashboard.store import open_store

SYSTEM = Identity("system", "system")


def report(services, ref: str):
    draft = IncidentDraft(category="0101", title="井盖缺失", source="test", source_ref=ref, priority=2,
                          lat=32.05, lon=118.75, district=services.city.district_at(118.75, 32.05))
    with services.store.begin() as conn:
        row, _ = intake.create(services, conn, draft, SYSTEM, datetime.now(timezone.utc))
    return row


class Load:
    """Reports and readings arriving from two threads until stopped."""

    def __init__(self, services) -> None:
        self.services = services
        self.stop = threading.Event()
        self.reports = 0
        self.errors: list[BaseException] = []
        self.ingest = IngestService(services)
        self.threads = [threading.Thread(target=self._reports), threading.Thread(target=self._readings)]

    def __enter__(self):
        for th in self.threads:
            th.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for th in self.threads:
            th.join(30)
        assert not self.errors

    def _reports(self):
        try:
            while not self.stop.is_set():
                report(self.services, f"load-{uuid.uuid4().hex[:10]}")
                self.reports += 1
                time.sleep(0.01)
        except BaseException as exc:   # noqa: BLE001
            self.errors.append(exc)

    def _readings(self):
        try:
            k = 0
            while not self.stop.is_set():
                now = datetime.now(timezone.utc)
                self.ingest.ingest("traffic", [Event("traffic", SEGMENT_SPEED, f"S1@{k}-{j}", now,
                                                     {"segment_id": "S1", "speed_kmh": 30.0}) for j in range(20)])
                k += 1
                time.sleep(0.01)
        except BaseException as exc:   # noqa: BLE001
            self.errors.append(exc)


def _seed(services, tmp_path, n=30):
    for k in range(n):
        report(services, f"seed-{k}")
    evidence = tmp_path / "evidence" / "2026" / "12"
    evidence.mkdir(parents=True)
    (evidence / "before.jpg").write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 20)
    (evidence / "after.jpg").write_bytes(b"\xff\xd8\xff after")
    archive = tmp_path / "audit-archive"   # what the retention round archived before pruning the audit log
    archive.mkdir()
    (archive / "audit-2025-01.jsonl.gz").write_bytes(b"\x1f\x8b archived entries")
    (archive / ".prune.lock").write_bytes(b"")


@pytest.fixture
def empty_target(store, tmp_path):
    """An empty store of the same kind as `store`, and its data directory."""
    data = tmp_path / "restored"
    data.mkdir()
    if store.dialect == "sqlite":
        target = open_store(f"sqlite:///{data / 'cityops.sqlite3'}")
        yield target, data
        target.close()
        return
    name = f"r20_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    with store.connect() as conn:
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    target = open_store(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield target, data
    finally:
        target.close()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_backup_under_load_then_restore_gives_the_same(services, tmp_path, empty_target):
    _seed(services, tmp_path)
    file = tmp_path / "backups" / "b.tar"
    with Load(services) as load:
        while load.reports < 3:   # the load is on before the backup starts
            time.sleep(0.01)
        result = bk.backup(services.store, tmp_path, file)
        during = load.reports
    assert during > 3
    m = bk.read_manifest(file)
    assert m["evidence_files"] == 2 and m["audit_archive_files"] == 1 and m["dialect"] == services.store.dialect
    counts = m["counts"]
    assert counts["incidents"]["rows"] >= 30 and counts["incident_history"]["rows"] >= 30
    assert counts["audit_log"]["rows"] >= 30
    assert result.manifest == m
    # the running store went on: it has more now than the backup holds
    with services.store.connect() as conn:
        assert bk.summary(conn)["incidents"]["rows"] > counts["incidents"]["rows"]

    target, data = empty_target
    out = bk.restore(target, data, file)
    assert out["counts"] == counts
    assert (data / "evidence" / "2026" / "12" / "before.jpg").read_bytes() == \
        (tmp_path / "evidence" / "2026" / "12" / "before.jpg").read_bytes()
    assert (data / "audit-archive" / "audit-2025-01.jsonl.gz").read_bytes() == b"\x1f\x8b archived entries"
    assert not (data / "audit-archive" / ".prune.lock").exists()   # the pruner's lock is not content
    # the restored store is a store: migrations find it at its revision and it takes new incidents
    from dashboard.store import migrate
    assert migrate.current_revision(target.engine) == m["revision"]

    # a non-empty store is refused, unless forced
    with pytest.raises(bk.BackupError, match="not empty"):
        bk.restore(target, data, file)
    again = bk.restore(target, data, file, force=True)
    assert again["counts"] == counts


def test_the_commands_print_the_same_counts(sqlite_store, small_city, tmp_path, capsys):
    """`cityops backup` and `cityops restore` on the embedded store, through the command line."""
    from tests.conftest import services_on
    from dashboard.cli import main
    data = tmp_path / "live"
    data.mkdir()
    live = open_store(f"sqlite:///{data / 'cityops.sqlite3'}")
    live.upgrade()
    services = services_on(live, small_city, data)
    _seed(services, data, n=5)
    live.close()
    file = tmp_path / "b.tar"
    assert main(["backup", str(file), "--data-dir", str(data)]) == 0
    printed_backup = capsys.readouterr().out
    fresh = tmp_path / "fresh"
    assert main(["restore", str(file), "--data-dir", str(fresh)]) == 0
    printed_restore = capsys.readouterr().out

    def lines(text):
        return [line.strip() for line in text.splitlines() if "sha256" in line]
    assert len(lines(printed_backup)) == 3 and lines(printed_backup) == lines(printed_restore)
    assert "the same as in the backup" in printed_restore
    assert main(["restore", str(file), "--data-dir", str(fresh)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["restore", str(file), "--data-dir", str(fresh), "--force"]) == 0
