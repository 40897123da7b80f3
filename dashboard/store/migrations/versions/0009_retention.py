"""retention and roll-ups: events by day, 5-minute/hourly roll-ups, incident day facts (issue 20)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 15:20:00
"""
from datetime import date, datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa

from dashboard.store.schema import JSON

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

READING_KINDS = ("segment_speed", "air_reading", "vehicle_position")
# Day partitions made for existing readings at most this far back (older ones go to the default partition,
# whence pruning deletes them).
MAX_BACKFILL_DAYS = 400
DAYS_AHEAD = 3


def upgrade() -> None:
    op.create_table(
        'reading_rollups',
        sa.Column('grain', sa.Integer(), nullable=False),
        sa.Column('subject_kind', sa.String(16), nullable=False),
        sa.Column('subject', sa.String(64), nullable=False),
        sa.Column('metric', sa.String(16), nullable=False),
        sa.Column('bucket', sa.BigInteger(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('total', sa.Float(), nullable=False),
        sa.Column('min', sa.Float(), nullable=True),
        sa.Column('max', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('grain', 'subject_kind', 'subject', 'metric', 'bucket', name='pk_reading_rollups'))
    op.create_index('ix_reading_rollups_grain_kind_bucket', 'reading_rollups', ['grain', 'subject_kind', 'bucket'])
    op.create_table(
        'aqi_hourly',
        sa.Column('station_id', sa.String(64), nullable=False),
        sa.Column('hour', sa.BigInteger(), nullable=False),
        sa.Column('standard', sa.String(32), nullable=False),
        sa.Column('aqi', sa.Integer(), nullable=True),
        sa.Column('level', sa.String(24), nullable=True),
        sa.Column('primary_pollutants', JSON, nullable=False),
        sa.Column('concentrations', JSON, nullable=False),
        sa.PrimaryKeyConstraint('station_id', 'hour', name='pk_aqi_hourly'))
    op.create_index('ix_aqi_hourly_hour', 'aqi_hourly', ['hour'])
    counts = [sa.Column(c, sa.Integer(), nullable=False) for c in (
        'n', 'suspended', 'closed', 'on_time', 'late', 'supervised', 'fixed', 'reworked', 'returned', 'accepted')]
    op.create_table(
        'incident_day_rollups',
        sa.Column('basis', sa.String(8), nullable=False),
        sa.Column('day', sa.Integer(), nullable=False),
        sa.Column('dim', sa.String(16), nullable=False),
        sa.Column('value', sa.String(32), nullable=False),
        *counts,
        sa.Column('accept_sum', sa.Float(), nullable=False),
        sa.Column('close_sum', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('basis', 'day', 'dim', 'value', name='pk_incident_day_rollups'))
    op.create_table(
        'incident_day_buckets',
        sa.Column('measure', sa.String(8), nullable=False),
        sa.Column('day', sa.Integer(), nullable=False),
        sa.Column('bucket', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('measure', 'day', 'bucket', name='pk_incident_day_buckets'))
    if op.get_bind().dialect.name == 'postgresql':
        _partition_events()


def _partition_events() -> None:
    """events → LIST (kind): events_readings (RANGE by day of observed_at) and events_records (the rest).
    The rows of the old table are copied over; its id sequence goes on."""
    bind = op.get_bind()
    kinds = ", ".join(f"'{k}'" for k in READING_KINDS)
    op.execute("ALTER TABLE events RENAME TO events_unpartitioned")
    for old in ("pk_events", "uq_events_source_kind_source_id_updated_at"):
        op.execute(f"ALTER TABLE events_unpartitioned RENAME CONSTRAINT {old} TO {old}_old")
    for old in ("ix_events_kind_observed_at", "ix_events_received_at"):
        op.execute(f"ALTER INDEX IF EXISTS {old} RENAME TO {old}_old")
    op.execute("""
        CREATE TABLE events (
            id BIGINT NOT NULL DEFAULT nextval('events_id_seq'::regclass),
            source VARCHAR(64) NOT NULL,
            kind VARCHAR(32) NOT NULL,
            source_id VARCHAR(200) NOT NULL,
            observed_at TIMESTAMP WITH TIME ZONE NOT NULL,
            updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
            received_at TIMESTAMP WITH TIME ZONE NOT NULL,
            lat FLOAT,
            lon FLOAT,
            payload JSONB NOT NULL,
            CONSTRAINT pk_events PRIMARY KEY (id, kind, observed_at),
            CONSTRAINT uq_events_source_kind_source_id_updated_at UNIQUE (source, kind, source_id, updated_at, observed_at)
        ) PARTITION BY LIST (kind)""")
    op.execute(f"CREATE TABLE events_readings PARTITION OF events FOR VALUES IN ({kinds}) "
               "PARTITION BY RANGE (observed_at)")
    op.execute("CREATE TABLE events_readings_default PARTITION OF events_readings DEFAULT")
    op.execute("CREATE TABLE events_records PARTITION OF events DEFAULT")
    op.execute("CREATE INDEX ix_events_kind_observed_at ON events (kind, observed_at)")
    op.execute("CREATE INDEX ix_events_received_at ON events (received_at)")
    today = datetime.now(timezone.utc).date()
    first = bind.execute(sa.text(f"SELECT min(observed_at) FROM events_unpartitioned WHERE kind IN ({kinds})")).scalar()
    start = max(first.astimezone(timezone.utc).date(), today - timedelta(days=MAX_BACKFILL_DAYS)) if first else today
    day = start
    while day <= today + timedelta(days=DAYS_AHEAD):
        op.execute(_day_partition_sql(day))
        day += timedelta(days=1)
    op.execute("INSERT INTO events SELECT id, source, kind, source_id, observed_at, updated_at, received_at, "
               "lat, lon, payload FROM events_unpartitioned")
    op.execute("ALTER SEQUENCE events_id_seq OWNED BY events.id")
    op.execute("DROP TABLE events_unpartitioned")


def _day_partition_sql(day: date) -> str:
    nxt = day + timedelta(days=1)
    return (f"CREATE TABLE IF NOT EXISTS events_rd_{day:%Y%m%d} PARTITION OF events_readings "
            f"FOR VALUES FROM ('{day.isoformat()} 00:00:00+00') TO ('{nxt.isoformat()} 00:00:00+00')")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE events RENAME TO events_partitioned")
        op.execute("ALTER TABLE events_partitioned RENAME CONSTRAINT pk_events TO pk_events_p")
        op.execute("ALTER TABLE events_partitioned RENAME CONSTRAINT uq_events_source_kind_source_id_updated_at "
                   "TO uq_events_p")
        op.execute("ALTER INDEX ix_events_kind_observed_at RENAME TO ix_events_p_kind")
        op.execute("ALTER INDEX ix_events_received_at RENAME TO ix_events_p_received")
        op.execute("""CREATE TABLE events (LIKE events_partitioned INCLUDING DEFAULTS,
            CONSTRAINT pk_events PRIMARY KEY (id),
            CONSTRAINT uq_events_source_kind_source_id_updated_at UNIQUE (source, kind, source_id, updated_at))""")
        op.execute("INSERT INTO events SELECT * FROM events_partitioned ON CONFLICT DO NOTHING")
        op.execute("ALTER SEQUENCE events_id_seq OWNED BY events.id")
        op.execute("DROP TABLE events_partitioned CASCADE")
        op.execute("CREATE INDEX ix_events_kind_observed_at ON events (kind, observed_at)")
        op.execute("CREATE INDEX ix_events_received_at ON events (received_at)")
    for name in ('incident_day_buckets', 'incident_day_rollups', 'aqi_hourly', 'reading_rollups'):
        op.drop_table(name)
