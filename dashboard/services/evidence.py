"""Photo evidence of a case: received (checked by dashboard.services.photos), stored by content
(sha256) in the data directory — and in the database too when it is PostgreSQL, so that every web host
can serve every photo — linked to the case at a stage, flagged for the dispatcher when it was taken far
from the case or before the case was reported, and served only to people who may see the case.

Thumbnails are made by a worker thread after the upload (`Thumbnails`), never on the request.
"""
from __future__ import annotations

import logging
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from dashboard.domain import workflow
from dashboard.domain.geo import haversine_m
from dashboard.domain.identity import Identity
from dashboard.store import field as field_store, incidents as incident_store

from . import photos
from .container import Services

log = logging.getLogger(__name__)

STAGES = ("report", "before", "after", "verify", "citizen", "desk")
# Who may add photos at which stage (staff may add any).
STAGES_BY_ROLE = {workflow.INSPECTOR: ("report", "verify"), workflow.OPERATOR: ("before", "after")}
SEE_ALL = frozenset({workflow.ADMIN, workflow.DISPATCHER, workflow.LEADER})
REPORT_GRACE = timedelta(minutes=5)    # a phone's clock may be a little behind the server's


class EvidenceError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Received:
    """A checked photo and the name it came with; stored by `keep` before it is linked to a case."""
    photo: photos.Photo
    name: str | None


def receive(services: Services, data: bytes, name: str | None = None) -> Received:
    s = services.settings
    try:
        photo = photos.inspect(data, s.evidence_max_bytes, s.evidence_max_pixels, services.tz)
    except photos.PhotoRefused as exc:
        label = f"{(name or 'photo')[:80]}: " if name else ""
        raise EvidenceError(exc.status, f"{label}{exc}") from None
    _write_file(services, photo)   # before any transaction: the store's write lock is held for rows only
    return Received(photo, (name or "")[:200] or None)


def _write_file(services: Services, photo: photos.Photo) -> None:
    path = blob_path(services, photo.sha256)
    try:
        # there already (the same content): its time says "in use now", so `prune` leaves it alone
        os.utime(path)
        return
    except FileNotFoundError:
        pass
    except OSError:   # there, but its time cannot be set (a read-only copy): it is kept as it is
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(photo.data)
    os.replace(tmp, path)


def keep(services: Services, conn, received: Received, now: datetime) -> str:
    """Store the file (once per content; `receive` wrote it already) and its row; returns its sha256."""
    photo = received.photo
    _write_file(services, photo)
    shared = photo.data if services.store.dialect == "postgresql" else None
    field_store.add_blob(conn, photo.sha256, photo.mime, len(photo.data), photo.width, photo.height, now, shared)
    return photo.sha256


def link(services: Services, conn, incident: dict, received: Received, stage: str, who: Identity,
         now: datetime) -> dict:
    """Keep the photo and attach it to the case at `stage`, with its flags; returns the evidence row."""
    if stage not in STAGES:
        raise EvidenceError(422, f"stage must be one of {', '.join(STAGES)}")
    sha = keep(services, conn, received, now)
    photo = received.photo
    flags, distance = flags_for(services, incident, photo, stage)
    evidence_id = field_store.link(
        conn, incident_id=incident["id"], sha256=sha, stage=stage, uploaded_by=who.username,
        uploaded_role=who.role, uploaded_at=now, taken_at=photo.taken_at, lat=photo.lat, lon=photo.lon,
        distance_m=distance, flags=flags, original_name=received.name)
    return field_store.evidence(conn, evidence_id)


def attach_citizen_photo(services: Services, case_code: str, received: Received) -> dict | None:
    """The photo an Open311 client posted with a request, on the case it created."""
    from dashboard.domain.identity import Identity as _Identity
    from dashboard.store import utcnow
    with services.store.begin() as conn:
        found = field_store.incident_id_by_code(conn, case_code)
        incident = incident_store.get(conn, found) if found is not None else None
        if incident is None:
            return None
        row = link(services, conn, incident, received, "citizen", _Identity("open311", "citizen", via="open311"),
                   utcnow())
    return row


def add_to_case(services: Services, who: Identity, incident_id: int, received: list[Received], stage: str,
                remote_addr: str | None = None) -> list[dict]:
    """Photos added to a case outside an action (a crew's 'before', an extra from the desk), audited."""
    from dashboard.store import audit, utcnow
    now = utcnow()
    with services.store.begin() as conn:
        incident = check_may_see(services, conn, who, incident_id)
        rows = [link(services, conn, incident, r, stage, who, now) for r in received]
        audit.append(conn, at=now, actor=who.username, actor_role=who.role, remote_addr=remote_addr,
                     action="incident_evidence", target_type="incident", target_id=incident_id,
                     after={"evidence": [r["id"] for r in rows], "stage": stage})
    return [view(r) for r in rows]


def flags_for(services: Services, incident: dict, photo: photos.Photo, stage: str) -> tuple[list[str], float | None]:
    flags: list[str] = []
    distance = None
    if photo.lat is not None and incident.get("lat") is not None:
        distance = round(haversine_m((photo.lon, photo.lat), (incident["lon"], incident["lat"])), 1)
        if distance > services.settings.evidence_far_m:
            flags.append("far")
    elif photo.lat is None:
        flags.append("no_position")
    if photo.taken_at is None:
        flags.append("no_time")
    elif stage not in ("report", "citizen") and photo.taken_at < incident["reported_at"] - REPORT_GRACE:
        flags.append("before_report")
    return flags, distance


def blob_path(services: Services, sha256: str) -> Path:
    return Path(services.settings.data_dir) / "evidence" / sha256[:2] / sha256[2:4] / f"{sha256}.img"


# -- who may see ------------------------------------------------------------------------------
def may_see(services: Services, conn, who: Identity, incident: dict) -> bool:
    if who.role in SEE_ALL:
        return True
    if who.role == workflow.OPERATOR:
        return bool(who.department) and incident.get("department") == who.department
    if who.role == workflow.INSPECTOR:
        if incident.get("source") == "inspector" and str(incident.get("source_ref", "")).startswith(f"{who.username}:"):
            return True
        if field_store.open_task(conn, incident["id"], who.username) is not None:
            return True
        beat = field_store.beat(conn, who.username)
        return incident.get("district") in beat["district"] or incident.get("grid_cell") in beat["grid"]
    return False


def check_may_see(services: Services, conn, who: Identity, incident_id: int) -> dict:
    incident = incident_store.get(conn, incident_id)
    if incident is None or not may_see(services, conn, who, incident):
        # the same answer for a case that is not there and one the person may not see
        raise EvidenceError(404, f"no incident {incident_id} that you may see")
    return incident


def list_for(services: Services, who: Identity, incident_id: int) -> list[dict]:
    with services.store.read() as conn:
        check_may_see(services, conn, who, incident_id)
        return [view(r) for r in field_store.evidence_of(conn, incident_id)]


def view(row: dict) -> dict[str, Any]:
    """What screens get of an evidence row: no GPS of the photo, only its distance from the case."""
    return {"id": row["id"], "incident_id": row["incident_id"], "stage": row["stage"],
            "uploaded_by": row["uploaded_by"], "uploaded_role": row["uploaded_role"],
            "uploaded_at": row["uploaded_at"].isoformat(), "taken_at": row["taken_at"].isoformat() if row["taken_at"] else None,
            "distance_m": row["distance_m"], "flags": list(row["flags"] or []), "width": row["width"],
            "height": row["height"], "url": f"/api/v1/evidence/{row['id']}",
            "thumb_url": f"/api/v1/evidence/{row['id']}/thumb"}


def file_for(services: Services, who: Identity, evidence_id: int, thumb: bool = False) -> tuple[bytes, str, str]:
    """(bytes, mime, sha256) of one photo, for a person who may see its case."""
    with services.store.read() as conn:
        row = field_store.evidence(conn, evidence_id)
        if row is None:
            raise EvidenceError(404, f"no photo {evidence_id}")
        check_may_see(services, conn, who, row["incident_id"])
        sha = row["sha256"]
        if thumb:
            small = field_store.blob(conn, sha, "thumb")
            if small and small.get("thumb"):
                return bytes(small["thumb"]), "image/jpeg", sha + "-t"
        path = blob_path(services, sha)
        if path.exists():
            return path.read_bytes(), row["mime"], sha
        stored = field_store.blob(conn, sha, "data")
    if not stored or not stored.get("data"):
        raise EvidenceError(404, f"photo {evidence_id} is not on this host and not in the store")
    data = bytes(stored["data"])
    try:   # keep a copy here for the next time
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError:
        pass
    return data, row["mime"], sha


# -- thumbnails, off the request path -----------------------------------------------------------
def _low_priority() -> None:
    """The thumbnail thread takes the processor only when the requests leave it idle (Linux: per thread)."""
    import threading
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass


class Thumbnails:
    """One worker thread per web process that makes the thumbnails of newly stored photos."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cityops-thumbs", initializer=_low_priority)

    def submit(self, sha256: str):
        return self._pool.submit(self._make, sha256)

    def submit_evidence(self, evidence_ids: list[int]) -> None:
        """The thumbnails of these evidence rows' photos (looked up by the worker, off the request)."""
        if evidence_ids:
            self._pool.submit(self._make_for, list(evidence_ids))

    def _make_for(self, evidence_ids: list[int]) -> None:
        with self.services.store.read() as conn:
            shas = {row["sha256"] for row in (field_store.evidence(conn, i) for i in evidence_ids) if row}
        for sha in sorted(shas):
            self._make(sha)

    def _make(self, sha256: str) -> None:
        try:
            with self.services.store.read() as conn:
                if field_store.has_thumb(conn, sha256):
                    return
                path = blob_path(self.services, sha256)
                data = path.read_bytes() if path.exists() else bytes((field_store.blob(conn, sha256) or {}).get("data") or b"")
            if not data:
                return
            small = photos.thumbnail(data, self.services.settings.evidence_thumb_px)
            with self.services.store.begin() as conn:
                field_store.set_thumb(conn, sha256, small)
        except Exception as exc:   # noqa: BLE001 - the photo is served; the dispatcher sees it is damaged
            log.warning("photo %s cannot be decoded: %s", sha256[:12], exc)
            try:
                with self.services.store.begin() as conn:
                    field_store.flag(conn, sha256, "damaged")
            except Exception:   # noqa: BLE001
                log.exception("photo %s: flag not recorded", sha256[:12])

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


# -- the desk ---------------------------------------------------------------------------------
BEFORE_STAGES = ("report", "citizen", "before", "desk")
AFTER_STAGES = ("after", "verify")


def for_desk(services: Services, who: Identity, incident: dict) -> dict[str, Any]:
    """Before and after photos of a case side by side, and its check (核查) — what the dispatcher
    looks at when verifying and closing. Empty for a case without photos or check."""
    from .field_actions import needs_verification
    try:
        items = list_for(services, who, incident["id"])
    except EvidenceError:
        items = []
    check = (incident.get("details") or {}).get("verification")
    return {"before": [e for e in items if e["stage"] in BEFORE_STAGES],
            "after": [e for e in items if e["stage"] in AFTER_STAGES],
            "verification": check, "required": needs_verification(services, incident["category"])}


# -- photos no case refers to any more -----------------------------------------------------------
PRUNE_GRACE = timedelta(hours=1)
_INCOMING = ".incoming-"     # a file being written (`_write_file`); one left over is a crash's
_ASIDE = ".pruning-"


@dataclass
class Pruned:
    """What `prune_unlinked` removed (or, in a dry run, would remove)."""
    rows: list[dict]           # evidence_blobs rows no case refers to (with their thumbnails): sha256, size_bytes
    files: list[Path]          # photo files with no row at all (an upload whose transaction rolled back)
    leftovers: list[Path]      # half-written files of an interrupted upload
    done: bool                 # False: a dry run
    bytes: int = 0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _older(path: Path, cut: float) -> bool:
    """The file is there and was last written or used before `cut` (a missing file is not old)."""
    try:
        return path.stat().st_mtime < cut
    except FileNotFoundError:
        return False


def _remove_if_stale(path: Path, cut: float) -> bool:
    """Remove a photo file unless an upload of the same photo has just used it. It is first moved
    aside, so an upload arriving meanwhile writes it anew (it finds none); an upload that touched it
    just before (`_write_file`) left a recent time on it: then it goes back — content-addressed, so
    whatever is at its name by then has the same bytes."""
    aside = path.with_name(_ASIDE + path.name)
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return False
    if aside.stat().st_mtime >= cut:
        os.replace(aside, path)
        return False
    aside.unlink(missing_ok=True)
    return True


def _photo_files(root: Path):
    """(kind, sha256, path) of each file under data_dir/evidence: "photo", "incoming" (a half-written
    upload) or "aside" (a photo `_remove_if_stale` moved aside when it was interrupted)."""
    if not root.is_dir():
        return
    for top in sorted(os.scandir(root), key=lambda e: e.name):
        if not top.is_dir():
            continue
        for sub in sorted(os.scandir(top.path), key=lambda e: e.name):
            if not sub.is_dir():
                continue
            for entry in sorted(os.scandir(sub.path), key=lambda e: e.name):
                name = entry.name
                if name.startswith(_INCOMING):
                    yield "incoming", None, Path(entry.path)
                elif name.startswith(_ASIDE):
                    yield "aside", None, Path(entry.path)
                elif len(name) == 68 and name.endswith(".img") and all(c in "0123456789abcdef" for c in name[:64]):
                    yield "photo", name[:64], Path(entry.path)
                # anything else is not ours: left alone


def prune_unlinked(services: Services, grace: timedelta = PRUNE_GRACE, commit: bool = False,
                   batch: int = 500) -> Pruned:
    """Photos no case refers to any more — their cases pruned by retention, or sent with an upload whose
    transaction rolled back — and the files of interrupted uploads. Nothing younger than `grace` is
    touched: an upload in flight writes (or touches) its file before its row commits. A dry run unless
    `commit`. Rows go first, each deleted only if still unreferenced in that statement; a file only
    after its row is gone (or when it never had one)."""
    from dashboard.store import utcnow
    now = utcnow()
    cut = now - grace
    cut_ts = cut.timestamp()
    with services.store.read() as conn:
        rows = [r for r in field_store.unlinked_blobs(conn, cut)
                if not blob_path(services, r["sha256"]).exists() or _older(blob_path(services, r["sha256"]), cut_ts)]
    row_shas = {r["sha256"] for r in rows}
    files, leftovers, pending = [], [], []

    def sort_out(chunk: list[tuple[str, Path]]) -> None:
        with services.store.read() as conn:
            known = field_store.blobs_among(conn, [sha for sha, _ in chunk])
        files.extend(p for sha, p in chunk if sha not in known and sha not in row_shas)

    for kind, sha, path in _photo_files(Path(services.settings.data_dir) / "evidence"):
        if kind == "aside":   # back to its name (same bytes whatever is there): the next run judges it
            if commit:
                os.replace(path, path.with_name(path.name[len(_ASIDE):]))
            continue
        if not _older(path, cut_ts):
            continue
        if kind == "incoming":
            leftovers.append(path)
            continue
        pending.append((sha, path))
        if len(pending) >= batch:
            sort_out(pending)
            pending = []
    if pending:
        sort_out(pending)
    sizes = {p: _size(p) for p in files + leftovers}

    def pruned(rows, files, leftovers, done):
        return Pruned(rows, files, leftovers, done,
                      sum(r["size_bytes"] for r in rows) + sum(sizes[p] for p in files + leftovers))
    if not commit:
        return pruned(rows, files, leftovers, done=False)

    gone_rows = []
    for r in rows:
        try:
            with services.store.begin() as conn:
                deleted = field_store.delete_unlinked_blob(conn, r["sha256"])
        except sa.exc.IntegrityError:   # PostgreSQL: a case links it this moment (uncommitted then)
            deleted = False
        if deleted:
            gone_rows.append(r)
            _remove_if_stale(blob_path(services, r["sha256"]), cut_ts)
    gone_files = [p for p in files if _remove_if_stale(p, cut_ts)]
    gone_leftovers = [p for p in leftovers if _older(p, cut_ts) and _unlink(p)]
    return pruned(gone_rows, gone_files, gone_leftovers, done=True)


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
