"""routing rules

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:37:25.583023
"""
from alembic import op
import sqlalchemy as sa
from dashboard.store.schema import JSON, TS


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('routing_rules',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=True),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('auto_dispatch', sa.Boolean(), nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rules')),
    sa.UniqueConstraint('category', 'district', name=op.f('uq_routing_rules_category_district'))
    )


def downgrade() -> None:
    op.drop_table('routing_rules')
