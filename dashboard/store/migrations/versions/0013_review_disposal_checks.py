"""review figures: first-fixed time and inspectors' checks in incident_facts and its day roll-ups (issues 16, 18)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 18:40:00

The new columns are filled by the next refresh: facts built before this revision carry no version
(dashboard.store.evaluation.FACTS_VERSION), so the refresh rebuilds them, and the roll-ups with them,
from the incidents, their history and the verification tasks.
"""
from alembic import op
import sqlalchemy as sa
from dashboard.store.schema import TS

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('incident_facts', sa.Column('fixed_at', TS, nullable=True))
    op.add_column('incident_facts', sa.Column('verify_count', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('incident_facts', sa.Column('verify_failed', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('incident_facts', sa.Column('verify_seconds', sa.Float(), nullable=False, server_default='0'))
    op.create_index(op.f('ix_incident_facts_fixed_at'), 'incident_facts', ['fixed_at'], unique=False)
    op.add_column('incident_day_rollups', sa.Column('verified', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('incident_day_rollups', sa.Column('verify_failed', sa.Integer(), nullable=False,
                                                    server_default='0'))
    op.add_column('incident_day_rollups', sa.Column('verify_sum', sa.Float(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('incident_day_rollups') as batch:
        batch.drop_column('verify_sum')
        batch.drop_column('verify_failed')
        batch.drop_column('verified')
    op.drop_index(op.f('ix_incident_facts_fixed_at'), table_name='incident_facts')
    with op.batch_alter_table('incident_facts') as batch:
        batch.drop_column('verify_seconds')
        batch.drop_column('verify_failed')
        batch.drop_column('verify_count')
        batch.drop_column('fixed_at')
