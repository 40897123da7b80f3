"""Tables of the city package (issue 14). Part of the head schema: `schema` imports this module.

The city's reference data beyond districts, departments, segments and stations (schema.py): the
部件/事件 taxonomy with its standards and 处置时限, the working calendar's years, the source systems'
ids of segments and stations, and the history of imports."""
from __future__ import annotations

import sqlalchemy as sa

from .schema import JSON, TS, metadata

categories = sa.Table(
    "categories", metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),          # component / event / traffic / environment / emergency
    sa.Column("group_code", sa.String(16), nullable=False),    # 大类
    sa.Column("group_zh", sa.String(100), nullable=False),
    sa.Column("group_en", sa.String(100), nullable=False),
    sa.Column("name_zh", sa.String(100), nullable=False),      # 小类
    sa.Column("name_en", sa.String(100), nullable=False),
    sa.Column("default_priority", sa.SmallInteger, nullable=False),
    sa.Column("reportable", sa.Boolean, nullable=False),       # citizens may report it through Open311
    sa.Column("limits", JSON, nullable=False),                 # {"1": "2h", "2": "4wh", ...} 处置时限 per priority
    sa.Column("standard_open", sa.Text, nullable=False),       # 立案标准
    sa.Column("standard_close", sa.Text, nullable=False),      # 结案标准
    sa.Column("retired", sa.Boolean, nullable=False),          # kept for history; not for new cases
)

calendar_years = sa.Table(
    "calendar_years", metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("status", sa.String(16), nullable=False),        # official / estimated
    sa.Column("source", sa.Text, nullable=False),              # the notice it comes from
    sa.Column("holidays", JSON, nullable=False),               # [["2026-01-01", "元旦"], ...]
    sa.Column("workdays", JSON, nullable=False),               # 调休 working weekend days
)

source_ids = sa.Table(
    "source_ids", metadata,
    sa.Column("source", sa.String(64), primary_key=True),      # the source system ("sensorthings", "datex2", ...)
    sa.Column("source_id", sa.String(200), primary_key=True),  # its own id
    sa.Column("kind", sa.String(16), nullable=False),          # segment / station
    sa.Column("target", sa.String(32), nullable=False),        # the city's segment or station id
)

city_imports = sa.Table(
    "city_imports", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", TS, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("package_version", sa.String(100), nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("summary", JSON, nullable=False),                # {kind: {"added": n, "changed": n, "retired": n}}
)

# Users the package brought in (users.csv) with a temporary password: until they set their own at
# their first sign-in, signing in leads only to the password page. `ticket_hash`: the SHA-256 of the
# one-time ticket the sign-in hands to that page (short-lived; the password page needs it).
password_change_due = sa.Table(
    "password_change_due", metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("since", TS, nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),        # "city import"
    sa.Column("ticket_hash", sa.String(64)),
    sa.Column("ticket_expires", TS),
)
