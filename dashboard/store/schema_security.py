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

# Audit retention (issue 20): entries older than the policy are archived (DATA_DIR/audit-archive) and
# then pruned. Each pruned batch leaves an anchor: the id and chain hash of the last entry it removed, so
# that the chain still verifies from there (`cityops audit verify`; with `--archive DIR` end to end).
# Append-only like the log itself.
audit_anchor = sa.Table(
    "audit_anchor", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("through_id", sa.BigInteger, nullable=False),     # the last pruned audit entry
    sa.Column("hash", sa.String(64), nullable=False),           # its hash in the chain
    sa.Column("entries", sa.Integer, nullable=False),           # how many this batch pruned
    sa.Column("pruned_at", TS, nullable=False),
    sa.Column("archive", sa.String(400), nullable=False),       # the archive file(s) holding them
)

# SQLite: the append-only triggers let a DELETE of audit_log / audit_chain through only while this table
# holds its one row, and only up to `through_id`; the pruning transaction adds the row and removes it again
# before it commits, so no other transaction ever sees it. (PostgreSQL: a transaction-local setting,
# `cityops.audit_prune`, checked by the trigger function instead; the table stays empty there.)
audit_prune_gate = sa.Table(
    "audit_prune_gate", metadata,
    sa.Column("slot", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("through_id", sa.BigInteger, nullable=False),
    sa.CheckConstraint("slot = 1", name="ck_audit_prune_gate_one_row"),
)
