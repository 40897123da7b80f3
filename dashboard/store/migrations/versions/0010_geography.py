"""geography: unit grid cells, base-map archives, area codes (issue 15)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 15:20:00
"""
from alembic import op
import sqlalchemy as sa
from dashboard.store.schema import JSON, TS

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('grid_cells',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('geometry', JSON, nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_grid_cells'))
    )
    op.create_table('area_codes',
    sa.Column('scheme', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('scheme', 'value', 'district', name=op.f('pk_area_codes'))
    )
    op.create_table('basemaps',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('archive', sa.String(length=16), nullable=False),
    sa.Column('tile_format', sa.String(length=8), nullable=False),
    sa.Column('min_zoom', sa.Integer(), nullable=False),
    sa.Column('max_zoom', sa.Integer(), nullable=False),
    sa.Column('bounds', JSON, nullable=False),
    sa.Column('attribution', sa.Text(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('added_at', TS, nullable=False),
    sa.Column('added_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_basemaps'))
    )
    op.create_table('geo_meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', JSON, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_geo_meta'))
    )
    with op.batch_alter_table('incidents') as batch:
        batch.add_column(sa.Column('grid_cell', sa.String(length=32), nullable=True))
        batch.create_index(batch.f('ix_incidents_grid_cell_status'), ['grid_cell', 'status'], unique=False)
    with op.batch_alter_table('incident_facts') as batch:
        batch.add_column(sa.Column('grid_cell', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('incident_facts') as batch:
        batch.drop_column('grid_cell')
    with op.batch_alter_table('incidents') as batch:
        batch.drop_index(batch.f('ix_incidents_grid_cell_status'))
        batch.drop_column('grid_cell')
    op.drop_table('geo_meta')
    op.drop_table('basemaps')
    op.drop_table('area_codes')
    op.drop_table('grid_cells')
