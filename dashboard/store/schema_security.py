"""Tables of hardening (issue 17). Part of the head schema: `schema` imports this module."""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401

from .schema import JSON, TS, metadata  # noqa: F401

# Signed-in browser sessions, kept on the server so that they can be ended there: at sign-out, when
# the user is disabled, their password reset or their role changed. The cookie carries only a random
# id; the row holds its SHA-256, so a copy of the database opens no session.
sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),          # the role signed in with: a change ends it
    sa.Column("csrf", sa.String(64), nullable=False),          # this session's CSRF token (new at each sign-in)
    sa.Column("created_at", TS, nullable=False),
    sa.Column("seen_at", TS, nullable=False),                  # touched at most once a minute
    sa.Column("expires_at", TS, nullable=False),               # absolute lifetime, whatever the use
    sa.Column("revoked_at", TS),
    sa.Column("revoked_reason", sa.String(32)),
    sa.Column("remote_addr", sa.String(64)),
    sa.Index(None, "username", "revoked_at"),
    sa.Index(None, "expires_at"),
)

# The audit log's hash chain: one row per audit entry, each hash over the entry and the hash before
# it. Kept beside audit_log (append-only there), so that a copy of the database edited afterwards
# shows where: `cityops audit verify`.
audit_chain = sa.Table(
    "audit_chain", metadata,
    sa.Column("audit_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)
