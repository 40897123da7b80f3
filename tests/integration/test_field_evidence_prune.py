"""`cityops evidence prune` on SQLite and PostgreSQL: it lists (dry run, the default) and with --commit
removes the photos no case refers to — their rows with the thumbnails, and their files — the files no row
names (an upload whose transaction rolled back) and half-written uploads; it never touches a photo a case
refers to, anything younger than the grace period, a file an upload of the same photo just used, or a
file that is not one of ours."""
import argparse
import os
from datetime import datetime, timedelta, timezone

import pytest

from dashboard import cli_field
from dashboard.domain.identity import Identity
from dashboard.services import evidence, field, intake
from dashboard.store import field as field_store
from tests.support import photos as P

ADMIN = Identity("root", "admin", via="cli")
INSPECTOR = Identity("insp-w", "inspector")
HERE = (32.05, 118.75)
HOURS_AGO = datetime.now(timezone.utc) - timedelta(hours=3)


@pytest.fixture
def s(services):
    from dashboard.services.auth import AuthService
    intake.ensure_routing_rules(services)
    AuthService(services).add_user(ADMIN, INSPECTOR.username, "inspector", None, "correct horse battery")
    field.set_beat(services, ADMIN, INSPECTOR.username, ["D1"], [])
    return services


def received(s, label: str):
    return evidence.receive(s, P.jpeg(*HERE, label=label), f"{label}.jpg")


def age(path, when=HOURS_AGO):
    os.utime(path, (when.timestamp(), when.timestamp()))


def orphan_row(s, label: str):
    """A photo whose case is gone (as after retention): its row, thumbnail and file, three hours old."""
    r = received(s, label)
    with s.store.begin() as conn:
        sha = evidence.keep(s, conn, r, HOURS_AGO)
    evidence.Thumbnails(s).submit(sha).result(timeout=30)
    age(evidence.blob_path(s, sha))
    return sha


def rows(s) -> set[str]:
    with s.store.read() as conn:
        return set(conn.exec_driver_sql("SELECT sha256 FROM evidence_blobs").scalars())


def test_prune_lists_then_removes_only_what_no_case_refers_to(s):
    report = field.report(s, INSPECTOR, {"category": "0101", "lat": HERE[0], "lon": HERE[1], "description": "x"},
                          [received(s, "linked")])
    linked = report["evidence"][0]
    with s.store.read() as conn:
        linked_sha = field_store.evidence(conn, linked["id"])["sha256"]
    age(evidence.blob_path(s, linked_sha))
    gone_case = orphan_row(s, "case pruned")
    fresh_row = received(s, "fresh row")               # unreferenced too, but stored a moment ago
    with s.store.begin() as conn:
        fresh_sha = evidence.keep(s, conn, fresh_row, datetime.now(timezone.utc))
    rolled_back = received(s, "rolled back")           # the file was written, its transaction never committed
    age(evidence.blob_path(s, rolled_back.photo.sha256))
    in_flight = received(s, "in flight")               # written a moment ago: its row is about to commit
    incoming = evidence.blob_path(s, gone_case).parent / ".incoming-abc123"
    incoming.write_bytes(b"half a photo")
    age(incoming)
    foreign = evidence.blob_path(s, gone_case).parent / "notes.txt"
    foreign.write_text("not ours")
    age(foreign)

    plan = evidence.prune_unlinked(s)                  # a dry run: nothing changes
    assert not plan.done
    assert [r["sha256"] for r in plan.rows] == [gone_case]
    assert plan.files == [evidence.blob_path(s, rolled_back.photo.sha256)] and plan.leftovers == [incoming]
    assert plan.bytes == (plan.rows[0]["size_bytes"] + len(rolled_back.photo.data) + len(b"half a photo"))
    assert gone_case in rows(s) and evidence.blob_path(s, gone_case).exists() and incoming.exists()

    done = evidence.prune_unlinked(s, commit=True)
    assert done.done and [r["sha256"] for r in done.rows] == [gone_case]
    assert rows(s) == {linked_sha, fresh_sha}          # the thumbnail went with its row
    for gone in (evidence.blob_path(s, gone_case), evidence.blob_path(s, rolled_back.photo.sha256), incoming):
        assert not gone.exists()
    for kept in (evidence.blob_path(s, linked_sha), evidence.blob_path(s, fresh_sha),
                 evidence.blob_path(s, in_flight.photo.sha256), foreign):
        assert kept.exists()
    assert evidence.file_for(s, ADMIN, linked["id"])[2] == linked_sha
    assert not evidence.prune_unlinked(s, commit=True).rows    # nothing left to do


def test_a_photo_uploaded_again_is_not_pruned_under_the_upload(s):
    """The same photo, orphaned long ago, arrives again: `receive` marks its file in use, so prune leaves
    the file (and its row) for the transaction about to link it."""
    sha = orphan_row(s, "again")
    again = received(s, "again")                       # the same bytes: the file is touched, not rewritten
    assert again.photo.sha256 == sha
    done = evidence.prune_unlinked(s, commit=True)
    assert done.rows == [] and done.files == []
    assert sha in rows(s) and evidence.blob_path(s, sha).exists()


def test_a_file_in_use_goes_back_when_the_prune_finds_it_touched(s):
    """`_remove_if_stale` moves a file aside before removing it; touched meanwhile, it goes back."""
    r = received(s, "touched")
    path = evidence.blob_path(s, r.photo.sha256)
    cut = (datetime.now(timezone.utc) - timedelta(minutes=5)).timestamp()
    assert evidence._remove_if_stale(path, cut) is False and path.exists()
    age(path)
    assert evidence._remove_if_stale(path, cut) is True and not path.exists()
    assert not list(path.parent.glob(".pruning-*"))


def test_the_command_is_a_dry_run_unless_committed(s, monkeypatch, capsys):
    sha = orphan_row(s, "command")
    monkeypatch.setattr(s, "close", lambda: None)      # the fixture closes it
    monkeypatch.setattr(cli_field, "_services", lambda args: s)

    def run(*flags):
        args = argparse.Namespace(grace_minutes=60.0, dry_run="--dry-run" in flags, commit="--commit" in flags)
        assert cli_field.cmd_evidence(args) == 0
        return capsys.readouterr().out

    out = run()
    assert f"would remove: photo {sha}" in out and "nothing changed: run with --commit" in out
    assert run("--dry-run") == out and sha in rows(s)
    out = run("--commit")
    assert f"removed: photo {sha}" in out and sha not in rows(s)
    assert "0 item(s)" in run()


def test_grace_is_measured_from_the_last_use(s):
    sha = orphan_row(s, "grace")
    recent = datetime.now(timezone.utc) - timedelta(minutes=30)
    age(evidence.blob_path(s, sha), recent)
    assert evidence.prune_unlinked(s, grace=timedelta(hours=1)).rows == []
    assert [r["sha256"] for r in evidence.prune_unlinked(s, grace=timedelta(minutes=10)).rows] == [sha]
