"""Audit retention (issue 20) on both stores: entries past the policy are archived, then pruned through the
one path the append-only guard allows; the day before the cut goes, the day after stays; the archive holds
exactly what was deleted; the chain verifies from the anchor, and archive + store end to end; a plain
DELETE is still refused; an edited archive line is named."""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dashboard.domain import aqi
from dashboard.services.retention import Policy, RetentionWorker, run_round
from dashboard.store import audit, audit_archive, audit_chain, audit_prune, schema as t, schema_security as ts
from dashboard.store import retention as prune

NOW = datetime(2026, 12, 5, 10, 7, tzinfo=timezone.utc)
DAYS = 30
CUT = prune.day_cut(NOW, DAYS)


def policy(**kw) -> Policy:
    base = dict(readings_days=14, rollups_5m_days=0, rollups_hourly_days=0, records_days=0, incidents_days=0,
                audit_days=DAYS, batch=500)
    base.update(kw)
    return Policy(**base)


def write(store, times: list[datetime]) -> list[int]:
    ids = []
    for n, at in enumerate(times):
        with store.begin() as conn:
            ids.append(audit.append(conn, at=at, actor=f"user{n}", actor_role="admin", action="user.add",
                                    target_type="user", target_id=n, before=None, after={"n": n, "名": "王"},
                                    reason=f"entry {n}"))
    return ids


def rows(store) -> dict[int, dict]:
    with store.connect() as conn:
        return {r.id: dict(r._mapping) for r in conn.execute(sa.select(t.audit_log).order_by(t.audit_log.c.id))}


def links(store) -> dict[int, tuple[str, str]]:
    with store.connect() as conn:
        return {r.audit_id: (r.prev_hash, r.hash) for r in conn.execute(sa.select(ts.audit_chain))}


def archived_lines(directory) -> list[dict]:
    out = []
    for path in sorted(directory.glob("audit-*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            out.extend(json.loads(x) for x in f)
    return out


def test_the_day_before_the_cut_is_archived_and_pruned_the_day_after_stays(store, tmp_path):
    assert CUT == datetime(2026, 11, 5, tzinfo=timezone.utc)
    old = [CUT - timedelta(days=40), CUT - timedelta(days=1), CUT - timedelta(seconds=1),
           CUT - timedelta(microseconds=1)]
    kept = [CUT, CUT + timedelta(seconds=1), CUT + timedelta(days=1), NOW]
    ids = write(store, old + kept)
    before, chain = rows(store), links(store)
    archive = tmp_path / "audit-archive"
    report = run_round(store, policy(), NOW, aqi.DEFAULT, audit_archive=archive)
    assert report.audit_pruned == len(old) and report.audit_problem is None
    left = rows(store)
    assert sorted(left) == ids[len(old):]
    assert all(audit_chain.instant(r["at"]) >= audit_chain.instant(CUT) for r in left.values())
    assert set(links(store)) == set(left)                 # the pruned entries' links went with them
    # the archive holds exactly what was deleted, with its links, in the month files of the entries' times
    lines = archived_lines(archive)
    assert [x["id"] for x in lines] == ids[:len(old)]
    for x in lines:
        was = before[x["id"]]
        assert {k: x[k] for k in audit_chain.FIELDS if k != "at"} == {k: was[k] for k in audit_chain.FIELDS
                                                                       if k != "at"}
        assert x["at"] == audit_chain.instant(was["at"])
        assert (x["prev_hash"], x["hash"]) == chain[x["id"]]
    assert sorted(p.name for p in archive.glob("*.gz")) == ["audit-2026-09.jsonl.gz", "audit-2026-11.jsonl.gz"]
    # the chain verifies from the anchor; archive + store verify end to end; new entries link on
    with store.connect() as conn:
        assert audit_chain.verify(conn) == (len(kept), None)
        anchor = audit_chain.latest_anchor(conn)
        assert (anchor.through_id, anchor.hash) == (ids[len(old) - 1], chain[ids[len(old) - 1]][1])
    write(store, [NOW + timedelta(seconds=5)])
    with store.connect() as conn:
        assert audit_chain.verify(conn) == (len(kept) + 1, None)
        assert audit_archive.verify(conn, archive) == (len(old), len(kept) + 1, None)
    # a second round finds nothing more to prune
    assert run_round(store, policy(), NOW, aqi.DEFAULT, audit_archive=archive).audit_pruned == 0
    assert len(archived_lines(archive)) == len(old)


def test_small_batches_each_leave_an_anchor_and_everything_pruned_links_on(store, tmp_path):
    ids = write(store, [CUT - timedelta(days=3, minutes=-k) for k in range(11)])
    archive = tmp_path / "a"
    assert audit_prune.prune(store, archive, CUT, batch=3) == 11
    with store.connect() as conn:
        anchors = conn.execute(sa.select(ts.audit_anchor).order_by(ts.audit_anchor.c.id)).all()
        assert [a.through_id for a in anchors] == [ids[2], ids[5], ids[8], ids[10]]
        assert [a.entries for a in anchors] == [3, 3, 3, 2]
        assert audit_chain.verify(conn) == (0, None)
    new = write(store, [NOW])                                # the log was empty: it links to the anchor
    assert links(store)[new[0]][0] == anchors[-1].hash
    with store.connect() as conn:
        assert audit_chain.verify(conn) == (1, None)
        assert audit_archive.verify(conn, archive) == (11, 1, None)


def test_a_plain_delete_of_audit_entries_is_still_refused(store, tmp_path):
    ids = write(store, [CUT - timedelta(days=2), CUT - timedelta(days=1), NOW])
    run_round(store, policy(), NOW, aqi.DEFAULT, audit_archive=tmp_path / "a")
    for statement in (f"DELETE FROM audit_log WHERE id = {ids[2]}", f"DELETE FROM audit_chain WHERE audit_id = {ids[2]}",
                      "DELETE FROM audit_log", "DELETE FROM audit_anchor", "UPDATE audit_anchor SET hash = 'x'",
                      f"UPDATE audit_log SET actor = 'x' WHERE id = {ids[2]}"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with store.begin() as conn:
                conn.exec_driver_sql(statement)
    # the pruning path opens only as far as it says: an entry after `through` is still refused
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with store.begin() as conn:
            audit_prune._open_gate(conn, ids[1])
            conn.exec_driver_sql(f"DELETE FROM audit_log WHERE id = {ids[2]}")
    # and once closed again (before the pruning transaction commits) it lets nothing through
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with store.begin() as conn:
            audit_prune._open_gate(conn, ids[2])
            audit_prune._close_gate(conn)
            conn.exec_driver_sql(f"DELETE FROM audit_log WHERE id = {ids[2]}")
    assert sorted(rows(store)) == [ids[2]]


def test_a_tampered_archive_line_is_named(store, tmp_path):
    ids = write(store, [CUT - timedelta(days=1, minutes=10 - k) for k in range(5)] + [NOW])
    archive = tmp_path / "a"
    run_round(store, policy(), NOW, aqi.DEFAULT, audit_archive=archive)
    (path,) = archive.glob("*.gz")
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    edited = [json.loads(x) for x in lines]
    edited[2]["reason"] = "nothing happened"
    path.write_bytes(gzip.compress("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in edited).encode()))
    with store.connect() as conn:
        archived, stored, problem = audit_archive.verify(conn, archive)
        assert audit_chain.verify(conn) == (1, None)         # the store alone cannot tell
    assert archived == 2 and problem.audit_id == ids[2] and problem.where == f"{path.name}:3", problem
    assert "edited" in str(problem)
    # a line taken out: the entry after it names the gap
    path.write_bytes(gzip.compress("".join(x + "\n" for x in lines[:1] + lines[2:]).encode()))
    with store.connect() as conn:
        archived, _, problem = audit_archive.verify(conn, archive)
    assert archived == 1 and problem.audit_id == ids[2] and "missing" in str(problem)
    # the last archived line taken out: the anchor names it
    path.write_bytes(gzip.compress("".join(x + "\n" for x in lines[:-1]).encode()))
    with store.connect() as conn:
        _, _, problem = audit_archive.verify(conn, archive)
    assert problem.audit_id == ids[4] and "not in the archive" in str(problem)


def test_archived_twice_after_a_stop_still_verifies(store, tmp_path):
    """Stopped after archiving, before deleting: the next round archives the same entries again."""
    write(store, [CUT - timedelta(days=1, minutes=10 - k) for k in range(4)] + [NOW])
    archive = tmp_path / "a"
    with store.connect() as conn:
        entries = audit_prune._oldest(conn, None, CUT, 100)
    audit_archive.append(archive, entries[:3])
    assert run_round(store, policy(), NOW, aqi.DEFAULT, audit_archive=archive).audit_pruned == 4
    assert len(archived_lines(archive)) == 7
    with store.connect() as conn:
        assert audit_archive.verify(conn, archive) == (4, 1, None)


def test_a_broken_link_stops_pruning(store, tmp_path):
    ids = write(store, [CUT - timedelta(days=1, minutes=10 - k) for k in range(3)] + [NOW])
    with store.begin() as conn:   # someone edited an old entry (with the guard off)
        if store.dialect == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
            conn.exec_driver_sql(f"UPDATE audit_log SET actor = 'x' WHERE id = {ids[1]}")
            conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql(f"UPDATE audit_log SET actor = 'x' WHERE id = {ids[1]}")
    report = run_round(store, policy(), NOW, aqi.DEFAULT, audit_archive=tmp_path / "a")
    assert report.audit_pruned == 0 and str(ids[1]) in report.audit_problem
    assert len(rows(store)) == 4 and not list((tmp_path / "a").glob("*.gz"))


def test_never_below_the_minimum_and_not_without_an_archive(store, tmp_path):
    from dashboard.config import Settings
    ids = write(store, [CUT - timedelta(days=1), NOW - timedelta(days=2)])
    p = Policy.from_settings(Settings(retention_audit_days=1, retention_audit_min_days=DAYS))
    assert (p.audit_days, p.audit_min_days) == (DAYS, DAYS) and p.audit_cut(NOW) == CUT
    assert policy(audit_days=1, audit_min_days=DAYS).audit_cut(NOW) == CUT   # however the policy is made
    assert policy(audit_days=0).audit_cut(NOW) is None                       # 0: kept for ever
    assert run_round(store, policy(), NOW, aqi.DEFAULT).audit_pruned == 0    # no archive, no pruning
    assert run_round(store, policy(audit_days=1, audit_min_days=DAYS), NOW, aqi.DEFAULT,
                     audit_archive=tmp_path / "a").audit_pruned == 1
    assert sorted(rows(store)) == ids[1:]


def test_the_worker_archives_into_the_data_directory_and_verify_says_so(tmp_path, small_city, capsys):
    from dashboard.cli import main
    from dashboard.store import open_store
    from tests.conftest import services_on
    store = open_store(f"sqlite:///{tmp_path / 'cityops.sqlite3'}")
    store.upgrade()
    services = services_on(store, small_city, tmp_path, retention_audit_days=DAYS, retention_audit_min_days=DAYS)
    write(store, [CUT - timedelta(days=1, minutes=10 - k) for k in range(3)] + [NOW])
    assert RetentionWorker(services).round(now=NOW).audit_pruned == 3
    archive = tmp_path / "audit-archive"
    assert len(archived_lines(archive)) == 3
    store.close()
    assert main(["audit", "verify", "--data-dir", str(tmp_path)]) == 0
    assert "from the last pruned entry" in capsys.readouterr().out
    assert main(["audit", "verify", "--archive", str(archive), "--data-dir", str(tmp_path)]) == 0
    assert "3 archived and 1 stored" in capsys.readouterr().out
    (path,) = archive.glob("*.gz")
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    lines[0] = lines[0].replace('"user0"', '"someone else"')
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    assert main(["audit", "verify", "--archive", str(archive), "--data-dir", str(tmp_path)]) == 1
    assert f"{path.name}:1" in capsys.readouterr().err


def test_pruning_while_entries_are_appended_keeps_one_chain(store, tmp_path):
    import threading
    write(store, [CUT - timedelta(days=2, seconds=-k) for k in range(120)])
    errors: list[BaseException] = []

    def append_new():
        try:
            write(store, [NOW + timedelta(seconds=k) for k in range(60)])
        except BaseException as exc:   # noqa: BLE001 - reported below
            errors.append(exc)
    thread = threading.Thread(target=append_new)
    thread.start()
    archive = tmp_path / "a"
    assert audit_prune.prune(store, archive, CUT, batch=7) == 120
    thread.join(60)
    assert not errors and len(rows(store)) == 60
    with store.connect() as conn:
        assert audit_chain.verify(conn) == (60, None)
        assert audit_archive.verify(conn, archive) == (120, 60, None)


def test_one_pruner_at_a_time(store, tmp_path):
    write(store, [CUT - timedelta(days=1)])
    with audit_prune._one_pruner(store, tmp_path / "a") as alone:
        assert alone
        assert audit_prune.prune(store, tmp_path / "a", CUT) == 0   # another is at it: this one waits its turn
    assert audit_prune.prune(store, tmp_path / "a", CUT) == 1
