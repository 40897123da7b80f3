"""evaluation: incident_facts for the leaders' review, index on incidents.updated_at

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:00:00
"""
from alembic import op
import sqlalchemy as sa
from dashboard.store.schema import TS

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table('incident_facts',
    sa.Column('incident_id', ID, nullable=False),
    sa.Column('department', sa.String(length=32), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('deadline', TS, nullable=True),
    sa.Column('dispatched_at', TS, nullable=True),
    sa.Column('accepted_at', TS, nullable=True),
    sa.Column('fixed_count', sa.Integer(), nullable=False),
    sa.Column('rework_count', sa.Integer(), nullable=False),
    sa.Column('return_count', sa.Integer(), nullable=False),
    sa.Column('closed_at', TS, nullable=True),
    sa.Column('accept_seconds', sa.Float(), nullable=True),
    sa.Column('close_seconds', sa.Float(), nullable=True),
    sa.Column('accept_bucket', sa.SmallInteger(), nullable=True),
    sa.Column('close_bucket', sa.SmallInteger(), nullable=True),
    sa.Column('created_day', sa.Integer(), nullable=True),
    sa.Column('closed_day', sa.Integer(), nullable=True),
    sa.Column('deadline_day', sa.Integer(), nullable=True),
    sa.Column('supervised', sa.Boolean(), nullable=False),
    sa.Column('suspended', sa.Boolean(), nullable=False),
    sa.Column('source_updated_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_incident_facts'))
    )
    op.create_index(op.f('ix_incident_facts_deadline'), 'incident_facts', ['deadline'], unique=False)
    op.create_index(op.f('ix_incident_facts_dispatched_at'), 'incident_facts', ['dispatched_at'], unique=False)
    op.create_index(op.f('ix_incident_facts_created_day'), 'incident_facts', ['created_day'], unique=False)
    op.create_index(op.f('ix_incident_facts_closed_day'), 'incident_facts', ['closed_day'], unique=False)
    op.create_index('ix_incidents_updated_at', 'incidents', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_incidents_updated_at', table_name='incidents')
    op.drop_index(op.f('ix_incident_facts_closed_day'), table_name='incident_facts')
    op.drop_index(op.f('ix_incident_facts_created_day'), table_name='incident_facts')
    op.drop_index(op.f('ix_incident_facts_dispatched_at'), table_name='incident_facts')
    op.drop_index(op.f('ix_incident_facts_deadline'), table_name='incident_facts')
    op.drop_table('incident_facts')
