"""Tables of field work (issue 18). Part of the head schema: `schema` imports this module.

- field_beats: an inspector's beat (巡查责任区), by district or by unit-grid cell.
- evidence_blobs: photo files by the sha256 of what is served (EXIF removed). The bytes are kept in
  the data directory (evidence/ab/cd/<sha256>.jpg) and, on PostgreSQL, in `data` too, so every web host
  can serve them; `thumb` is made by a worker thread after the upload.
- incident_evidence: which photo belongs to which case, at which stage (report / before / after /
  verify / citizen), who took it, when and where (read from EXIF before it was removed), and the
  flags the dispatcher sees (far from the case, taken before the report).
- verification_tasks: 核查 tasks the center gives inspectors, and their result.
- idempotency_keys: one row per action a phone sent (its own key), so a repeat after a lost answer
  gets the first answer instead of doing it twice.
"""
from __future__ import annotations

import sqlalchemy as sa

from .schema import JSON, TS, metadata

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")

field_beats = sa.Table(
    "field_beats", metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(8), primary_key=True),        # district | grid
    sa.Column("code", sa.String(32), primary_key=True),
)

evidence_blobs = sa.Table(
    "evidence_blobs", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("mime", sa.String(32), nullable=False),
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("data", sa.LargeBinary),                        # PostgreSQL: the file, shared by every host
    sa.Column("thumb", sa.LargeBinary),                       # a small JPEG, made off the request path
)

incident_evidence = sa.Table(
    "incident_evidence", metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), nullable=False),
    sa.Column("sha256", sa.String(64), sa.ForeignKey("evidence_blobs.sha256"), nullable=False),
    sa.Column("stage", sa.String(16), nullable=False),        # report / before / after / verify / citizen
    sa.Column("uploaded_by", sa.String(100), nullable=False),
    sa.Column("uploaded_role", sa.String(32), nullable=False),
    sa.Column("uploaded_at", TS, nullable=False),
    sa.Column("taken_at", TS),                                # EXIF DateTimeOriginal (+ offset when given)
    sa.Column("lat", sa.Float),                               # EXIF GPS
    sa.Column("lon", sa.Float),
    sa.Column("distance_m", sa.Float),                        # from the case's position
    sa.Column("flags", JSON, nullable=False),                 # ["far", "before_report", "no_position"]
    sa.Column("original_name", sa.String(200)),
    sa.Index(None, "incident_id", "uploaded_at"),
)

verification_tasks = sa.Table(
    "verification_tasks", metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), nullable=False),
    sa.Column("inspector", sa.String(64), nullable=False),
    sa.Column("department", sa.String(32)),                   # whose fix is checked (for the evaluation)
    sa.Column("requested_by", sa.String(100), nullable=False),
    sa.Column("requested_at", TS, nullable=False),
    sa.Column("done_at", TS),
    sa.Column("result", sa.String(8)),                        # pass | fail | None while open
    sa.Column("note", sa.Text),
    sa.Index(None, "inspector", "done_at"),
    sa.Index(None, "incident_id"),
)

idempotency_keys = sa.Table(
    "idempotency_keys", metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response", JSON, nullable=False),
    sa.Index(None, "created_at"),
)
