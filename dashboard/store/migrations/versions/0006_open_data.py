"""open data: Open311 contact details, webhooks and their delivery queue

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 19:00:00
"""
from alembic import op
import sqlalchemy as sa
from dashboard.store.schema import JSON, TS

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table('open311_contacts',
    sa.Column('incident_id', sa.BigInteger(), nullable=False),
    sa.Column('client', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=True),
    sa.Column('last_name', sa.String(length=100), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('device_id', sa.String(length=200), nullable=True),
    sa.Column('account_id', sa.String(length=200), nullable=True),
    sa.Column('received_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_open311_contacts_incident_id_incidents')),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_open311_contacts'))
    )
    op.create_table('webhooks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('secret', sa.String(length=200), nullable=False),
    sa.Column('events', JSON, nullable=False),
    sa.Column('filters', JSON, nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('deleted_at', TS, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhooks'))
    )
    op.create_table('webhook_deliveries',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('webhook_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=64), nullable=False),
    sa.Column('event_key', sa.String(length=200), nullable=False),
    sa.Column('payload', JSON, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', TS, nullable=False),
    sa.Column('locked_until', TS, nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('log', JSON, nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('delivered_at', TS, nullable=True),
    sa.ForeignKeyConstraint(['webhook_id'], ['webhooks.id'], name=op.f('fk_webhook_deliveries_webhook_id_webhooks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('webhook_id', 'event_key', name=op.f('uq_webhook_deliveries_webhook_id_event_key'))
    )
    op.create_index(op.f('ix_webhook_deliveries_status_next_attempt_at'), 'webhook_deliveries',
                    ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_webhook_deliveries_webhook_id_created_at'), 'webhook_deliveries',
                    ['webhook_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_webhook_deliveries_webhook_id_created_at'), table_name='webhook_deliveries')
    op.drop_index(op.f('ix_webhook_deliveries_status_next_attempt_at'), table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_table('webhooks')
    op.drop_table('open311_contacts')
