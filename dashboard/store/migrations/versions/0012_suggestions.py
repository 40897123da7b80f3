"""dispatch suggestions: models, predictions (issue 21)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 15:20:00
"""
from alembic import op
import sqlalchemy as sa
from dashboard.store.schema import JSON, TS

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table('suggest_models',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('trained_at', TS, nullable=False),
    sa.Column('trained_on', sa.Integer(), nullable=False),
    sa.Column('algorithm', sa.String(length=200), nullable=False),
    sa.Column('metrics', JSON, nullable=False),
    sa.Column('thresholds', JSON, nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('model', sa.LargeBinary(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_suggest_models'))
    )
    op.create_table('suggest_settings',
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('auto_dispatch', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('target_precision', sa.Float(), server_default=sa.text('0.99'), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('category', name=op.f('pk_suggest_settings'))
    )
    op.create_table('suggest_department_map',
    sa.Column('old_code', sa.String(length=64), nullable=False),
    sa.Column('new_code', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('old_code', name=op.f('pk_suggest_department_map'))
    )
    op.create_table('suggest_predictions',
    sa.Column('incident_id', BIG_ID, nullable=False),
    sa.Column('model_version', sa.Integer(), nullable=False),
    sa.Column('computed_at', TS, nullable=False),
    sa.Column('suggestion', JSON, nullable=False),
    sa.Column('auto_dispatched', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_suggest_predictions_incident_id_incidents')),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_suggest_predictions'))
    )
    op.create_index('ix_incidents_category_lat', 'incidents', ['category', 'lat'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_incidents_category_lat', table_name='incidents')
    op.drop_table('suggest_predictions')
    op.drop_table('suggest_department_map')
    op.drop_table('suggest_settings')
    op.drop_table('suggest_models')
