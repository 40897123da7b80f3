"""Tables of retention and roll-ups (issue 20). Part of the head schema: `schema` imports this module.

- `reading_rollups`: raw readings summarised per 5 minutes and per hour, per road segment (speed, flow)
  and per air station (each pollutant): count, sum, min, max (mean = sum / count). Kept for years; the
  raw `events` rows they summarise are pruned after the retention window.
- `aqi_hourly`: each station's AQI of each hour, from the hour's mean concentrations, as the standard
  in force defines the hourly (real-time) AQI.
- `incident_day_rollups` / `incident_day_buckets`: per-day roll-ups of `incident_facts` for the review
  figures, kept exact as incidents change (dashboard.store.incident_rollups).

On PostgreSQL the migration also makes `events` a partitioned table: LIST by kind, with the raw readings
(segment speeds, air readings, vehicle positions) in `events_readings`, RANGE-partitioned by day of
`observed_at` (`events_rd_YYYYMMDD`, plus a default partition), and every other kind in `events_records`.
The unique key of a record version then includes `observed_at` (a partitioned table's unique keys must
hold its partition columns); a version's `observed_at` is fixed by its source, so replays still collide.
"""
from __future__ import annotations

import sqlalchemy as sa

from .schema import JSON, TS, metadata

reading_rollups = sa.Table(
    "reading_rollups", metadata,
    sa.Column("grain", sa.Integer, primary_key=True),           # seconds: 300 or 3600
    sa.Column("subject_kind", sa.String(16), primary_key=True),  # segment / station
    sa.Column("subject", sa.String(64), primary_key=True),       # segment or station id
    sa.Column("metric", sa.String(16), primary_key=True),        # speed_kmh, flow_vph, pm25, …
    sa.Column("bucket", sa.BigInteger, primary_key=True),        # start, seconds since 1970-01-01 UTC
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("total", sa.Float, nullable=False),
    sa.Column("min", sa.Float),
    sa.Column("max", sa.Float),
    sa.Index("ix_reading_rollups_grain_kind_bucket", "grain", "subject_kind", "bucket"),
)

aqi_hourly = sa.Table(
    "aqi_hourly", metadata,
    sa.Column("station_id", sa.String(64), primary_key=True),
    sa.Column("hour", sa.BigInteger, primary_key=True),          # start, seconds since 1970-01-01 UTC
    sa.Column("standard", sa.String(32), nullable=False),
    sa.Column("aqi", sa.Integer),
    sa.Column("level", sa.String(24)),
    sa.Column("primary_pollutants", JSON, nullable=False),
    sa.Column("concentrations", JSON, nullable=False),           # the hour's means it was computed from
    sa.Index("ix_aqi_hourly_hour", "hour"),
)

# basis: "due" (by the deadline's day), "disp" (first dispatch's day), "in" (created), "out" (closed),
# "fix" (the day the case fell due for disposal: first fixed by the deadline, else the deadline; n = due
# for disposal, fixed = disposed on time; revision 0013);
# dim: department / category / district, value "" for none. Counts of the review's cohorts.
incident_day_rollups = sa.Table(
    "incident_day_rollups", metadata,
    sa.Column("basis", sa.String(8), primary_key=True),
    sa.Column("day", sa.Integer, primary_key=True),              # the city's days since 1970-01-01
    sa.Column("dim", sa.String(16), primary_key=True),
    sa.Column("value", sa.String(32), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),                  # due / dispatched / created / closed
    sa.Column("suspended", sa.Integer, nullable=False),
    sa.Column("closed", sa.Integer, nullable=False),
    sa.Column("on_time", sa.Integer, nullable=False),
    sa.Column("late", sa.Integer, nullable=False),               # not closed by the deadline
    sa.Column("supervised", sa.Integer, nullable=False),
    sa.Column("fixed", sa.Integer, nullable=False),
    sa.Column("reworked", sa.Integer, nullable=False),
    sa.Column("returned", sa.Integer, nullable=False),
    sa.Column("accepted", sa.Integer, nullable=False),
    sa.Column("accept_sum", sa.Float, nullable=False),
    sa.Column("close_sum", sa.Float, nullable=False),
    # the inspectors' checks (核查) of the incidents dispatched that day (revision 0013)
    sa.Column("verified", sa.Integer, nullable=False, server_default="0"),      # checks with a result
    sa.Column("verify_failed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("verify_sum", sa.Float, nullable=False, server_default="0"),      # request → result, seconds
)

# log-histograms of the two durations per day, for the city-wide 90th percentiles
incident_day_buckets = sa.Table(
    "incident_day_buckets", metadata,
    sa.Column("measure", sa.String(8), primary_key=True),        # accept (by dispatch day) / close (by deadline day)
    sa.Column("day", sa.Integer, primary_key=True),
    sa.Column("bucket", sa.Integer, primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)

_ = TS   # timestamps of these tables are epoch seconds or day numbers (integers compare alike everywhere)
