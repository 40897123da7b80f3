"""The tables. Migrations (store/migrations) are the source of truth for existing databases;
this module describes the head revision for queries and for autogenerate."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(sa.types.TypeDecorator):
    """An instant, stored as UTC on both stores. SQLite keeps no offset: an aware value is converted
    to UTC before it is written or compared (a naive one is taken as UTC), and comes back aware."""
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        from datetime import datetime, timezone
        if isinstance(value, datetime):
            value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        from datetime import datetime, timezone
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


TS = UtcDateTime()

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

districts = sa.Table(
    "districts", metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("name_zh", sa.String(100), nullable=False),
    sa.Column("name_en", sa.String(100), nullable=False),
    sa.Column("geometry", JSON, nullable=False),
    sa.Column("retired", sa.Boolean, nullable=False, default=False),   # kept for history (issue 14)
)

departments = sa.Table(
    "departments", metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("name_zh", sa.String(100), nullable=False),
    sa.Column("name_en", sa.String(100), nullable=False),
    sa.Column("categories", JSON, nullable=False),
    sa.Column("districts", JSON, nullable=False),
    sa.Column("level", sa.String(8), nullable=False, default=""),      # 市级 / 区级 (issue 14)
    sa.Column("contact", sa.String(200), nullable=False, default=""),
    sa.Column("retired", sa.Boolean, nullable=False, default=False),
)

road_segments = sa.Table(
    "road_segments", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name_zh", sa.String(100), nullable=False),
    sa.Column("name_en", sa.String(100), nullable=False),
    sa.Column("district", sa.String(32), nullable=False, index=True),
    sa.Column("free_flow_kmh", sa.Float, nullable=False),
    sa.Column("geometry", JSON, nullable=False),
)

stations = sa.Table(
    "stations", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name_zh", sa.String(100), nullable=False),
    sa.Column("name_en", sa.String(100), nullable=False),
    sa.Column("district", sa.String(32), nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
)

# PostgreSQL: partitioned (migration 0009) — LIST (kind) into `events_readings` (segment_speed, air_reading,
# vehicle_position), itself RANGE (observed_at) by UTC day (`events_rd_YYYYMMDD`, made ahead and dropped by
# retention, plus `events_readings_default`), and `events_records` (every other kind). A partitioned table's
# keys must hold its partition columns, so there the primary key is (id, kind, observed_at) and the unique
# key of a version adds observed_at (fixed by the source: replays still collide). SQLite: one plain table,
# keys as written below. dashboard.store.retention makes and drops the day partitions.
events = sa.Table(
    "events", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("source_id", sa.String(200), nullable=False),
    sa.Column("observed_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("received_at", TS, nullable=False),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("payload", JSON, nullable=False),
    # One row per version of a record: replays are ignored, newer versions are kept.
    sa.UniqueConstraint("source", "kind", "source_id", "updated_at"),
    sa.Index(None, "kind", "observed_at"),
    sa.Index(None, "received_at"),
    postgresql_partition_by="LIST (kind)",
)

segment_state = sa.Table(
    "segment_state", metadata,
    sa.Column("segment_id", sa.String(32), primary_key=True),
    sa.Column("speed_kmh", sa.Float),
    sa.Column("flow_vph", sa.Integer),
    sa.Column("ci", sa.Float),
    sa.Column("level", sa.String(16)),
    sa.Column("observed_at", TS, nullable=False),
    sa.Column("slow_since", TS),
)

station_state = sa.Table(
    "station_state", metadata,
    sa.Column("station_id", sa.String(32), primary_key=True),
    sa.Column("readings", JSON, nullable=False),      # {pollutant: {"value": v, "at": iso}}
    sa.Column("aqi", sa.Integer),
    sa.Column("level", sa.String(16)),
    sa.Column("primary_pollutants", JSON, nullable=False),
    sa.Column("observed_at", TS, nullable=False),
)

vehicles = sa.Table(
    "vehicles", metadata,
    sa.Column("vehicle_id", sa.String(64), primary_key=True),
    sa.Column("route_id", sa.String(64)),
    sa.Column("trip_id", sa.String(64)),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("bearing", sa.Float),
    sa.Column("speed_kmh", sa.Float),
    sa.Column("observed_at", TS, nullable=False),
)

alerts = sa.Table(
    "alerts", metadata,
    sa.Column("identifier", sa.String(200), primary_key=True),
    sa.Column("sender", sa.String(200)),
    sa.Column("sent", TS, nullable=False),
    sa.Column("msg_type", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),   # active / cancelled / superseded
    sa.Column("event", sa.String(200)),
    sa.Column("severity", sa.String(16)),
    sa.Column("urgency", sa.String(16)),
    sa.Column("certainty", sa.String(16)),
    sa.Column("headline_zh", sa.Text),
    sa.Column("headline_en", sa.Text),
    sa.Column("area_desc", sa.Text),
    sa.Column("geometry", JSON),
    sa.Column("effective", TS),
    sa.Column("expires", TS),
    sa.Column("payload", JSON, nullable=False),
    sa.Index(None, "status", "expires"),
)

incidents = sa.Table(
    "incidents", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(32), unique=True),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("priority", sa.SmallInteger, nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("district", sa.String(32)),
    sa.Column("department", sa.String(32)),
    sa.Column("deadline", TS),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("address", sa.String(300)),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("source_ref", sa.String(200), nullable=False),
    sa.Column("dedupe_key", sa.String(200)),       # rules: one open incident per key
    sa.Column("reporter_name", sa.String(100)),
    sa.Column("reporter_phone", sa.String(40)),
    sa.Column("reported_at", TS, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("closed_at", TS),
    sa.Column("rework_count", sa.Integer, nullable=False, default=0),
    sa.Column("supervised", sa.Boolean, nullable=False, default=False),
    sa.Column("merged_into", sa.BigInteger),
    sa.Column("details", JSON, nullable=False),
    sa.Column("grid_cell", sa.String(32)),         # the unit-grid cell (单元网格) it lies in (issue 15)
    sa.UniqueConstraint("source", "source_ref"),
    sa.Index(None, "status", "created_at"),
    sa.Index(None, "department", "status"),
    sa.Index(None, "district", "status"),
    sa.Index(None, "category", "status"),
    sa.Index(None, "deadline"),
    sa.Index(None, "closed_at"),
    sa.Index(None, "dedupe_key", "status"),
    sa.Index(None, "grid_cell", "status"),
    sa.Index(None, "category", "lat"),            # duplicates by place and text (issue 21, migration 0012)
)

incident_history = sa.Table(
    "incident_history", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),     # the incident's version after this action
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("from_status", sa.String(16)),
    sa.Column("to_status", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("actor_role", sa.String(32), nullable=False),
    sa.Column("at", TS, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("details", JSON, nullable=False),
    sa.UniqueConstraint("incident_id", "version"),
    sa.Index(None, "at"),
)

dead_letters = sa.Table(
    "dead_letters", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("connector", sa.String(64), nullable=False),
    sa.Column("received_at", TS, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Index(None, "connector", "received_at"),
)

checkpoints = sa.Table(
    "checkpoints", metadata,
    sa.Column("connector", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

feed_health = sa.Table(
    "feed_health", metadata,
    sa.Column("connector", sa.String(64), primary_key=True),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("last_success", TS),
    sa.Column("last_failure", TS),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, default=0),
    sa.Column("events_total", sa.BigInteger, nullable=False, default=0),
    sa.Column("dead_letters_total", sa.BigInteger, nullable=False, default=0),
    sa.Column("updated_at", TS, nullable=False),
)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("department", sa.String(32)),
    sa.Column("display_name", sa.String(100)),
    sa.Column("password_hash", sa.String(300), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),       # api (acts as a user) / kiosk (the wall, read-only)
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),   # sha256 of the secret
    sa.Column("prefix", sa.String(16), nullable=False),    # shown in listings to tell tokens apart
    sa.Column("created_at", TS, nullable=False),
    sa.Column("revoked_at", TS),
    sa.Column("last_used_at", TS),
)

sign_in_failures = sa.Table(
    "sign_in_failures", metadata,
    sa.Column("key", sa.String(200), primary_key=True),     # "user:<name>" or "ip:<address>"
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure", TS, nullable=False),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("at", TS, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("actor_role", sa.String(32), nullable=False),
    sa.Column("remote_addr", sa.String(64)),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target_type", sa.String(32)),
    sa.Column("target_id", sa.String(100)),
    sa.Column("before", JSON),
    sa.Column("after", JSON),
    sa.Column("reason", sa.Text),
    sa.Index(None, "at"),
    sa.Index(None, "actor", "at"),
    sa.Index(None, "target_type", "target_id"),
)

routing_rules = sa.Table(
    "routing_rules", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("category", sa.String(40), nullable=False),   # a category code, or "kind:大类" when is_group
    sa.Column("district", sa.String(32)),               # NULL: the whole city
    sa.Column("department", sa.String(32), nullable=False),
    sa.Column("auto_dispatch", sa.Boolean, nullable=False, default=False),
    sa.Column("is_group", sa.Boolean, nullable=False, default=False),  # category holds a 大类 key (issue 14)
    sa.Column("updated_at", TS, nullable=False),
    sa.UniqueConstraint("category", "district"),
)

meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),   # e.g. "city"
    sa.Column("value", JSON, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

# -- open data (revision 0006): Open311 contact details kept apart, webhooks and their delivery queue --
open311_contacts = sa.Table(
    "open311_contacts", metadata,
    sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), primary_key=True),
    sa.Column("client", sa.String(100), nullable=False),     # name of the API key that posted it
    sa.Column("email", sa.String(200)),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)),
    sa.Column("phone", sa.String(40)),
    sa.Column("device_id", sa.String(200)),
    sa.Column("account_id", sa.String(200)),
    sa.Column("received_at", TS, nullable=False),
)

webhooks = sa.Table(
    "webhooks", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("url", sa.String(1000), nullable=False),
    sa.Column("secret", sa.String(200), nullable=False),     # signs deliveries (HMAC-SHA256); never shown again
    sa.Column("events", JSON, nullable=False),               # ["incident.dispatch", …]; ["*"] for all
    sa.Column("filters", JSON, nullable=False),              # {"department": [...], "category": [...], "district": [...]}
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("deleted_at", TS),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("webhook_id", sa.Integer, sa.ForeignKey("webhooks.id"), nullable=False),
    sa.Column("event", sa.String(64), nullable=False),
    sa.Column("event_key", sa.String(200), nullable=False),  # one delivery per webhook and event, whoever enqueues
    sa.Column("payload", JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),      # pending / delivered / failed / cancelled
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", TS, nullable=False),
    sa.Column("locked_until", TS),                           # a worker is sending it
    sa.Column("last_status_code", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("log", JSON, nullable=False),                  # [{"at", "status_code", "error", "ms"}] per attempt
    sa.Column("created_at", TS, nullable=False),
    sa.Column("delivered_at", TS),
    sa.UniqueConstraint("webhook_id", "event_key"),
    sa.Index(None, "status", "next_attempt_at"),
    sa.Index(None, "webhook_id", "created_at"),
)

# Evaluation (revision 0005): one narrow row per incident with what the review figures need, kept
# up to date incrementally from incidents.updated_at (dashboard/store/evaluation.refresh_facts), so
# figures over a year of a large city aggregate a narrow table instead of joining the history.
incident_facts = sa.Table(
    "incident_facts", metadata,
    sa.Column("incident_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("department", sa.String(32)),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("district", sa.String(32)),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("deadline", TS),
    sa.Column("dispatched_at", TS),        # first dispatch
    sa.Column("accepted_at", TS),          # first acceptance
    sa.Column("fixed_count", sa.Integer, nullable=False, default=0),
    sa.Column("rework_count", sa.Integer, nullable=False, default=0),
    sa.Column("return_count", sa.Integer, nullable=False, default=0),
    sa.Column("closed_at", TS),            # only while closed
    sa.Column("accept_seconds", sa.Float),   # first dispatch → first acceptance
    sa.Column("close_seconds", sa.Float),    # created → closed, only while closed
    sa.Column("accept_bucket", sa.SmallInteger),   # log-histogram buckets of the two (PostgreSQL only)
    sa.Column("close_bucket", sa.SmallInteger),
    # the city's calendar days (days since 1970-01-01 at the city's UTC offset), for per-day trends
    sa.Column("created_day", sa.Integer),
    sa.Column("closed_day", sa.Integer),
    sa.Column("deadline_day", sa.Integer),
    sa.Column("supervised", sa.Boolean, nullable=False, default=False),
    sa.Column("suspended", sa.Boolean, nullable=False, default=False),
    sa.Column("source_updated_at", TS, nullable=False),
    sa.Column("grid_cell", sa.String(32)),   # the unit-grid cell (issue 15)
    # revision 0013: first reported fixed (the disposal rate, issue 16); the inspectors' checks (核查) with a
    # result, how many failed and their request → result times added up (issue 18)
    sa.Column("fixed_at", TS),
    sa.Column("verify_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("verify_failed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("verify_seconds", sa.Float, nullable=False, server_default="0"),
    sa.Index(None, "deadline"),
    sa.Index(None, "dispatched_at"),
    sa.Index(None, "fixed_at"),
    sa.Index(None, "created_day"),
    sa.Index(None, "closed_day"),
)
sa.Index("ix_incidents_updated_at", incidents.c.updated_at)

# Tables of later revisions live in modules of their own, one per concern.
from . import schema_city, schema_security, schema_retention, schema_geo, schema_field, schema_suggest  # noqa: E402,F401
