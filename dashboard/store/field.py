"""Queries of field work (issue 18): beats, evidence, verification tasks, idempotency keys."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import incidents
from .schema_field import evidence_blobs, field_beats, idempotency_keys, incident_evidence, verification_tasks


# -- beats ------------------------------------------------------------------------------------
def beat(conn: Connection, username: str) -> dict[str, list[str]]:
    rows = conn.execute(sa.select(field_beats.c.kind, field_beats.c.code).where(field_beats.c.username == username))
    out: dict[str, list[str]] = {"district": [], "grid": []}
    for kind, code in rows:
        out.setdefault(kind, []).append(code)
    return out


def set_beat(conn: Connection, username: str, districts: list[str], cells: list[str]) -> None:
    conn.execute(field_beats.delete().where(field_beats.c.username == username))
    rows = [{"username": username, "kind": "district", "code": c} for c in districts]
    rows += [{"username": username, "kind": "grid", "code": c} for c in cells]
    if rows:
        conn.execute(field_beats.insert(), rows)


def inspectors_covering(conn: Connection, district: str | None, cell: str | None) -> list[str]:
    cond = sa.or_(sa.and_(field_beats.c.kind == "district", field_beats.c.code == (district or "")),
                  sa.and_(field_beats.c.kind == "grid", field_beats.c.code == (cell or "")))
    return sorted({r[0] for r in conn.execute(sa.select(field_beats.c.username).where(cond))})


# -- evidence ---------------------------------------------------------------------------------
def blob_exists(conn: Connection, sha256: str) -> bool:
    return conn.execute(sa.select(evidence_blobs.c.sha256).where(evidence_blobs.c.sha256 == sha256)).first() is not None


def add_blob(conn: Connection, sha256: str, mime: str, size: int, width: int, height: int, now: datetime,
             data: bytes | None) -> None:
    if blob_exists(conn, sha256):
        return
    conn.execute(evidence_blobs.insert().values(sha256=sha256, mime=mime, size_bytes=size, width=width, height=height,
                                                created_at=now, data=data))


def blob(conn: Connection, sha256: str, column: str = "data") -> dict | None:
    cols = [evidence_blobs.c.sha256, evidence_blobs.c.mime, evidence_blobs.c.size_bytes]
    if column:
        cols.append(evidence_blobs.c[column])
    row = conn.execute(sa.select(*cols).where(evidence_blobs.c.sha256 == sha256)).mappings().first()
    return dict(row) if row else None


def set_thumb(conn: Connection, sha256: str, thumb: bytes) -> None:
    conn.execute(evidence_blobs.update().where(evidence_blobs.c.sha256 == sha256).values(thumb=thumb))


def has_thumb(conn: Connection, sha256: str) -> bool:
    return conn.execute(sa.select(evidence_blobs.c.thumb.is_not(None)).where(evidence_blobs.c.sha256 == sha256)).scalar() or False


def link(conn: Connection, **values: Any) -> int:
    return conn.execute(incident_evidence.insert().values(**values).returning(incident_evidence.c.id)).scalar_one()


_EVIDENCE_COLS = [c for c in incident_evidence.c] + [evidence_blobs.c.width, evidence_blobs.c.height,
                                                     evidence_blobs.c.mime]


def evidence_of(conn: Connection, incident_id: int) -> list[dict]:
    q = (sa.select(*_EVIDENCE_COLS).join(evidence_blobs, evidence_blobs.c.sha256 == incident_evidence.c.sha256)
         .where(incident_evidence.c.incident_id == incident_id).order_by(incident_evidence.c.id))
    return [dict(r) for r in conn.execute(q).mappings()]


def evidence(conn: Connection, evidence_id: int) -> dict | None:
    q = (sa.select(*_EVIDENCE_COLS).join(evidence_blobs, evidence_blobs.c.sha256 == incident_evidence.c.sha256)
         .where(incident_evidence.c.id == evidence_id))
    row = conn.execute(q).mappings().first()
    return dict(row) if row else None


# -- verification tasks -----------------------------------------------------------------------
def open_task(conn: Connection, incident_id: int, inspector: str | None = None) -> dict | None:
    q = sa.select(verification_tasks).where(verification_tasks.c.incident_id == incident_id,
                                            verification_tasks.c.done_at.is_(None))
    if inspector:
        q = q.where(verification_tasks.c.inspector == inspector)
    row = conn.execute(q.order_by(verification_tasks.c.id.desc())).mappings().first()
    return dict(row) if row else None


def add_task(conn: Connection, **values: Any) -> int:
    return conn.execute(verification_tasks.insert().values(**values).returning(verification_tasks.c.id)).scalar_one()


def finish_task(conn: Connection, task_id: int, result: str, note: str | None, now: datetime) -> None:
    conn.execute(verification_tasks.update().where(verification_tasks.c.id == task_id)
                 .values(result=result, note=note, done_at=now))


def open_task_counts(conn: Connection, names: list[str]) -> dict[str, int]:
    q = (sa.select(verification_tasks.c.inspector, sa.func.count())
         .where(verification_tasks.c.inspector.in_(names), verification_tasks.c.done_at.is_(None))
         .group_by(verification_tasks.c.inspector))
    return {name: n for name, n in conn.execute(q)}


def tasks_of(conn: Connection, inspector: str | None, limit: int = 200) -> list[dict]:
    """The inspector's tasks (None: every inspector's open ones), open first, with their incident."""
    q = (sa.select(verification_tasks.c.id.label("task_id"), verification_tasks.c.requested_at,
                   verification_tasks.c.done_at, verification_tasks.c.result, verification_tasks.c.inspector, incidents)
         .join(incidents, incidents.c.id == verification_tasks.c.incident_id)
         .where(verification_tasks.c.inspector == inspector if inspector is not None
                else verification_tasks.c.done_at.is_(None))
         .order_by(verification_tasks.c.done_at.is_not(None), verification_tasks.c.requested_at.desc()).limit(limit))
    return [dict(r) for r in conn.execute(q).mappings()]


def verification_figures(conn: Connection, since: datetime, until: datetime) -> list[dict]:
    """Per department: checks requested, passed, failed, and the time from request to result."""
    t = verification_tasks
    q = (sa.select(t.c.department, t.c.requested_at, t.c.done_at, t.c.result)
         .where(t.c.requested_at >= since, t.c.requested_at < until))
    return [dict(r) for r in conn.execute(q).mappings()]


def incident_id_by_code(conn: Connection, code: str) -> int | None:
    return conn.execute(sa.select(incidents.c.id).where(incidents.c.code == code)).scalar()


# -- incidents a field person sees --------------------------------------------------------------
def reports_by(conn: Connection, username: str | None, limit: int = 100) -> list[dict]:
    """An inspector's reports, newest first (None: every inspector's)."""
    q = sa.select(incidents).where(incidents.c.source == "inspector")
    if username is not None:
        q = q.where(incidents.c.source_ref.startswith(f"{username}:", autoescape=True))
    q = q.order_by(incidents.c.id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(q).mappings()]


def department_tasks(conn: Connection, department: str, statuses: tuple[str, ...], limit: int = 300) -> list[dict]:
    q = (sa.select(incidents).where(incidents.c.department == department, incidents.c.status.in_(statuses))
         .order_by(incidents.c.priority, incidents.c.deadline).limit(limit))
    return [dict(r) for r in conn.execute(q).mappings()]


# -- idempotency keys -------------------------------------------------------------------------
IN_PROGRESS = 0


def claim_key(conn: Connection, key: str, username: str, now: datetime) -> dict | None:
    """None when the key is new (now claimed); otherwise the row kept for it."""
    row = conn.execute(sa.select(idempotency_keys).where(idempotency_keys.c.key == key)).mappings().first()
    if row is not None:
        return dict(row)
    conn.execute(idempotency_keys.insert().values(key=key, username=username, created_at=now,
                                                  status_code=IN_PROGRESS, response={}))
    return None


def settle_key(conn: Connection, key: str, status: int, response: dict) -> None:
    conn.execute(idempotency_keys.update().where(idempotency_keys.c.key == key)
                 .values(status_code=status, response=response))


def release_key(conn: Connection, key: str) -> None:
    conn.execute(idempotency_keys.delete().where(idempotency_keys.c.key == key,
                                                 idempotency_keys.c.status_code == IN_PROGRESS))


def _unlinked():
    linked = sa.select(incident_evidence.c.sha256).where(incident_evidence.c.sha256 == evidence_blobs.c.sha256)
    return ~linked.exists()


def unlinked_blobs(conn: Connection, before: datetime) -> list[dict]:
    """Photos stored before `before` that no case refers to: sha256 and size_bytes, by sha256."""
    q = (sa.select(evidence_blobs.c.sha256, evidence_blobs.c.size_bytes)
         .where(_unlinked(), evidence_blobs.c.created_at < before).order_by(evidence_blobs.c.sha256))
    return [dict(r) for r in conn.execute(q).mappings()]


def delete_unlinked_blob(conn: Connection, sha256: str) -> bool:
    """Delete the photo's row unless a case refers to it (checked in the same statement); True when gone."""
    return conn.execute(evidence_blobs.delete().where(evidence_blobs.c.sha256 == sha256, _unlinked())).rowcount == 1


def blobs_among(conn: Connection, shas: list[str]) -> set[str]:
    """Which of these photos have a row."""
    q = sa.select(evidence_blobs.c.sha256).where(evidence_blobs.c.sha256.in_(shas))
    return set(conn.execute(q).scalars()) if shas else set()


def flag(conn: Connection, sha256: str, name: str) -> None:
    """Add a flag to every link of a photo (e.g. "damaged", found by the thumbnail worker)."""
    rows = conn.execute(sa.select(incident_evidence.c.id, incident_evidence.c.flags)
                        .where(incident_evidence.c.sha256 == sha256)).all()
    for evidence_id, flags in rows:
        if name not in (flags or []):
            conn.execute(incident_evidence.update().where(incident_evidence.c.id == evidence_id)
                         .values(flags=[*(flags or []), name]))
