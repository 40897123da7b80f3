"""city package: categories, deadlines, calendar, routing, source-id mappings, import history (issue 14)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 15:20:00
"""
from alembic import op
import sqlalchemy as sa
from dashboard.store.schema import JSON, TS

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('categories',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('group_code', sa.String(length=16), nullable=False),
    sa.Column('group_zh', sa.String(length=100), nullable=False),
    sa.Column('group_en', sa.String(length=100), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('default_priority', sa.SmallInteger(), nullable=False),
    sa.Column('reportable', sa.Boolean(), nullable=False),
    sa.Column('limits', JSON, nullable=False),
    sa.Column('standard_open', sa.Text(), nullable=False),
    sa.Column('standard_close', sa.Text(), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_categories'))
    )
    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('holidays', JSON, nullable=False),
    sa.Column('workdays', JSON, nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years'))
    )
    op.create_table('source_ids',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('source', 'source_id', name=op.f('pk_source_ids'))
    )
    op.create_table('city_imports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', TS, nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('package_version', sa.String(length=100), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('summary', JSON, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_imports'))
    )
    op.create_table('password_change_due',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('since', TS, nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('ticket_hash', sa.String(length=64), nullable=True),
    sa.Column('ticket_expires', TS, nullable=True),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_password_change_due'))
    )
    with op.batch_alter_table('districts') as batch:
        batch.add_column(sa.Column('retired', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('departments') as batch:
        batch.add_column(sa.Column('level', sa.String(length=8), nullable=False, server_default=''))
        batch.add_column(sa.Column('contact', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('retired', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('routing_rules') as batch:
        batch.add_column(sa.Column('is_group', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.alter_column('category', existing_type=sa.String(length=16), type_=sa.String(length=40),
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('routing_rules') as batch:
        batch.alter_column('category', existing_type=sa.String(length=40), type_=sa.String(length=16),
                           existing_nullable=False)
        batch.drop_column('is_group')
    with op.batch_alter_table('departments') as batch:
        batch.drop_column('retired')
        batch.drop_column('contact')
        batch.drop_column('level')
    with op.batch_alter_table('districts') as batch:
        batch.drop_column('retired')
    op.drop_table('password_change_due')
    op.drop_table('city_imports')
    op.drop_table('source_ids')
    op.drop_table('calendar_years')
    op.drop_table('categories')
