"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 13:29:21.803805
"""
from alembic import op
import sqlalchemy as sa
from dashboard.store.schema import JSON, TS

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alerts',
    sa.Column('identifier', sa.String(length=200), nullable=False),
    sa.Column('sender', sa.String(length=200), nullable=True),
    sa.Column('sent', TS, nullable=False),
    sa.Column('msg_type', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('event', sa.String(length=200), nullable=True),
    sa.Column('severity', sa.String(length=16), nullable=True),
    sa.Column('urgency', sa.String(length=16), nullable=True),
    sa.Column('certainty', sa.String(length=16), nullable=True),
    sa.Column('headline_zh', sa.Text(), nullable=True),
    sa.Column('headline_en', sa.Text(), nullable=True),
    sa.Column('area_desc', sa.Text(), nullable=True),
    sa.Column('geometry', JSON, nullable=True),
    sa.Column('effective', TS, nullable=True),
    sa.Column('expires', TS, nullable=True),
    sa.Column('payload', JSON, nullable=False),
    sa.PrimaryKeyConstraint('identifier', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_status_expires'), ['status', 'expires'], unique=False)

    op.create_table('checkpoints',
    sa.Column('connector', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('connector', name=op.f('pk_checkpoints'))
    )
    op.create_table('dead_letters',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('connector', sa.String(length=64), nullable=False),
    sa.Column('received_at', TS, nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dead_letters'))
    )
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dead_letters_connector_received_at'), ['connector', 'received_at'], unique=False)

    op.create_table('departments',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('categories', JSON, nullable=False),
    sa.Column('districts', JSON, nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_departments'))
    )
    op.create_table('districts',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('geometry', JSON, nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_districts'))
    )
    op.create_table('events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('source_id', sa.String(length=200), nullable=False),
    sa.Column('observed_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('received_at', TS, nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('payload', JSON, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('source', 'kind', 'source_id', 'updated_at', name=op.f('uq_events_source_kind_source_id_updated_at'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_kind_observed_at'), ['kind', 'observed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_received_at'), ['received_at'], unique=False)

    op.create_table('feed_health',
    sa.Column('connector', sa.String(length=64), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('last_success', TS, nullable=True),
    sa.Column('last_failure', TS, nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('events_total', sa.BigInteger(), nullable=False),
    sa.Column('dead_letters_total', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('connector', name=op.f('pk_feed_health'))
    )
    op.create_table('incidents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=True),
    sa.Column('department', sa.String(length=32), nullable=True),
    sa.Column('deadline', TS, nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('source_ref', sa.String(length=200), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('reporter_name', sa.String(length=100), nullable=True),
    sa.Column('reporter_phone', sa.String(length=40), nullable=True),
    sa.Column('reported_at', TS, nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('closed_at', TS, nullable=True),
    sa.Column('rework_count', sa.Integer(), nullable=False),
    sa.Column('supervised', sa.Boolean(), nullable=False),
    sa.Column('merged_into', sa.BigInteger(), nullable=True),
    sa.Column('details', JSON, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('code', name=op.f('uq_incidents_code')),
    sa.UniqueConstraint('source', 'source_ref', name=op.f('uq_incidents_source_source_ref'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_category_status'), ['category', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_dedupe_key_status'), ['dedupe_key', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_department_status'), ['department', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_district_status'), ['district', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_status_created_at'), ['status', 'created_at'], unique=False)

    op.create_table('road_segments',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=False),
    sa.Column('free_flow_kmh', sa.Float(), nullable=False),
    sa.Column('geometry', JSON, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_road_segments'))
    )
    with op.batch_alter_table('road_segments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_road_segments_district'), ['district'], unique=False)

    op.create_table('segment_state',
    sa.Column('segment_id', sa.String(length=32), nullable=False),
    sa.Column('speed_kmh', sa.Float(), nullable=True),
    sa.Column('flow_vph', sa.Integer(), nullable=True),
    sa.Column('ci', sa.Float(), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=True),
    sa.Column('observed_at', TS, nullable=False),
    sa.Column('slow_since', TS, nullable=True),
    sa.PrimaryKeyConstraint('segment_id', name=op.f('pk_segment_state'))
    )
    op.create_table('station_state',
    sa.Column('station_id', sa.String(length=32), nullable=False),
    sa.Column('readings', JSON, nullable=False),
    sa.Column('aqi', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=True),
    sa.Column('primary_pollutants', JSON, nullable=False),
    sa.Column('observed_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('station_id', name=op.f('pk_station_state'))
    )
    op.create_table('stations',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stations'))
    )
    op.create_table('vehicles',
    sa.Column('vehicle_id', sa.String(length=64), nullable=False),
    sa.Column('route_id', sa.String(length=64), nullable=True),
    sa.Column('trip_id', sa.String(length=64), nullable=True),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('bearing', sa.Float(), nullable=True),
    sa.Column('speed_kmh', sa.Float(), nullable=True),
    sa.Column('observed_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('vehicle_id', name=op.f('pk_vehicles'))
    )
    op.create_table('incident_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('incident_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('at', TS, nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', JSON, nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_history_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_history')),
    sa.UniqueConstraint('incident_id', 'version', name=op.f('uq_incident_history_incident_id_version'))
    )
    with op.batch_alter_table('incident_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_history_at'), ['at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('incident_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_history_at'))

    op.drop_table('incident_history')
    op.drop_table('vehicles')
    op.drop_table('stations')
    op.drop_table('station_state')
    op.drop_table('segment_state')
    with op.batch_alter_table('road_segments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_road_segments_district'))

    op.drop_table('road_segments')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_status_created_at'))
        batch_op.drop_index(batch_op.f('ix_incidents_district_status'))
        batch_op.drop_index(batch_op.f('ix_incidents_department_status'))
        batch_op.drop_index(batch_op.f('ix_incidents_dedupe_key_status'))
        batch_op.drop_index(batch_op.f('ix_incidents_deadline'))
        batch_op.drop_index(batch_op.f('ix_incidents_closed_at'))
        batch_op.drop_index(batch_op.f('ix_incidents_category_status'))

    op.drop_table('incidents')
    op.drop_table('feed_health')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_received_at'))
        batch_op.drop_index(batch_op.f('ix_events_kind_observed_at'))

    op.drop_table('events')
    op.drop_table('districts')
    op.drop_table('departments')
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dead_letters_connector_received_at'))

    op.drop_table('dead_letters')
    op.drop_table('checkpoints')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_status_expires'))

    op.drop_table('alerts')
