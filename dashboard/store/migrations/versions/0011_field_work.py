"""field work: inspectors, beats, evidence files, idempotency keys (issue 18)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 15:20:00
"""
from alembic import op
import sqlalchemy as sa
from dashboard.store.schema import JSON, TS

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table('field_beats',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('username', 'kind', 'code', name=op.f('pk_field_beats'))
    )
    op.create_table('evidence_blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime', sa.String(length=32), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('thumb', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_evidence_blobs'))
    )
    op.create_table('incident_evidence',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('incident_id', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('uploaded_by', sa.String(length=100), nullable=False),
    sa.Column('uploaded_role', sa.String(length=32), nullable=False),
    sa.Column('uploaded_at', TS, nullable=False),
    sa.Column('taken_at', TS, nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('flags', JSON, nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_evidence_incident_id_incidents')),
    sa.ForeignKeyConstraint(['sha256'], ['evidence_blobs.sha256'], name=op.f('fk_incident_evidence_sha256_evidence_blobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_evidence'))
    )
    op.create_index(op.f('ix_incident_evidence_incident_id_uploaded_at'), 'incident_evidence',
                    ['incident_id', 'uploaded_at'], unique=False)
    op.create_table('verification_tasks',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('incident_id', sa.BigInteger(), nullable=False),
    sa.Column('inspector', sa.String(length=64), nullable=False),
    sa.Column('department', sa.String(length=32), nullable=True),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('requested_at', TS, nullable=False),
    sa.Column('done_at', TS, nullable=True),
    sa.Column('result', sa.String(length=8), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_verification_tasks_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_tasks'))
    )
    op.create_index(op.f('ix_verification_tasks_inspector_done_at'), 'verification_tasks', ['inspector', 'done_at'],
                    unique=False)
    op.create_index(op.f('ix_verification_tasks_incident_id'), 'verification_tasks', ['incident_id'], unique=False)
    op.create_table('idempotency_keys',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', JSON, nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_idempotency_keys'))
    )
    op.create_index(op.f('ix_idempotency_keys_created_at'), 'idempotency_keys', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_idempotency_keys_created_at'), table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
    op.drop_index(op.f('ix_verification_tasks_incident_id'), table_name='verification_tasks')
    op.drop_index(op.f('ix_verification_tasks_inspector_done_at'), table_name='verification_tasks')
    op.drop_table('verification_tasks')
    op.drop_index(op.f('ix_incident_evidence_incident_id_uploaded_at'), table_name='incident_evidence')
    op.drop_table('incident_evidence')
    op.drop_table('evidence_blobs')
    op.drop_table('field_beats')
