"""hardening: server-side sessions, audit hash chain and refusals (issue 17)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 15:20:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('csrf', sa.String(length=64), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('seen_at', TS, nullable=False),
        sa.Column('expires_at', TS, nullable=False),
        sa.Column('revoked_at', TS, nullable=True),
        sa.Column('revoked_reason', sa.String(length=32), nullable=True),
        sa.Column('remote_addr', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_sessions')),
    )
    op.create_index(op.f('ix_sessions_username_revoked_at'), 'sessions', ['username', 'revoked_at'])
    op.create_index(op.f('ix_sessions_expires_at'), 'sessions', ['expires_at'])
    op.create_table(
        'audit_chain',
        sa.Column('audit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False,
                  nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('audit_id', name=op.f('pk_audit_chain')),
    )
    _chain_existing()
    _make_chain_append_only()


def _chain_existing() -> None:
    """Entries written before this revision join the chain in id order."""
    from dashboard.store import audit_chain
    conn = op.get_bind()
    log = sa.table('audit_log', *(sa.column(n) for n in audit_chain.FIELDS))
    chain = sa.table('audit_chain', sa.column('audit_id'), sa.column('prev_hash'), sa.column('hash'))
    import json
    prev, last = audit_chain.GENESIS, -1
    while True:
        rows = conn.execute(sa.select(log).where(log.c.id > last).order_by(log.c.id).limit(5000)).all()
        if not rows:
            break
        links = []
        for r in rows:
            entry = dict(r._mapping)
            for key in ('before', 'after'):   # plain SQL hands JSON back as text on SQLite
                if isinstance(entry[key], str):
                    entry[key] = json.loads(entry[key])
            digest = audit_chain.link(prev, entry)
            links.append({'audit_id': entry['id'], 'prev_hash': prev, 'hash': digest})
            prev = digest
        conn.execute(chain.insert(), links)
        last = rows[-1].id


def _make_chain_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE TRIGGER audit_chain_no_update BEFORE UPDATE OR DELETE ON audit_chain
                      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""")
        op.execute("""CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
                      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""")
    else:
        op.execute("""CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
                      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""")
        op.execute("""CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
                      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_chain_no_update ON audit_chain")
        op.execute("DROP TRIGGER IF EXISTS audit_chain_no_truncate ON audit_chain")
    op.drop_table('audit_chain')
    op.drop_index(op.f('ix_sessions_expires_at'), table_name='sessions')
    op.drop_index(op.f('ix_sessions_username_revoked_at'), table_name='sessions')
    op.drop_table('sessions')
