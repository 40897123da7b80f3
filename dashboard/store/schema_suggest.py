"""Tables of dispatch suggestions (issue 21). Part of the head schema: `schema` imports this module.

- suggest_models: every trained model, its bytes (pickled, with their SHA-256), metrics and the
  confidence thresholds chosen on the held-out slice; the newest `active` one is used.
- suggest_settings: per category, whether CityOps may dispatch by itself and at what target precision.
- suggest_department_map: departments renamed or merged in the city package (old code → new code),
  applied at prediction time so a model trained on the old codes keeps serving.
- suggest_predictions: the suggestion computed for an incident (shown in the dispatch detail).
"""
from __future__ import annotations

import sqlalchemy as sa

from .schema import JSON, TS, metadata

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")

suggest_models = sa.Table(
    "suggest_models", metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("trained_at", TS, nullable=False),
    sa.Column("trained_on", sa.Integer, nullable=False),          # closed cases learned from
    sa.Column("algorithm", sa.String(200), nullable=False),
    sa.Column("metrics", JSON, nullable=False),
    sa.Column("thresholds", JSON, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column("model", sa.LargeBinary, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
)

suggest_settings = sa.Table(
    "suggest_settings", metadata,
    sa.Column("category", sa.String(32), primary_key=True),
    sa.Column("auto_dispatch", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("target_precision", sa.Float, nullable=False, server_default=sa.text("0.99")),
    sa.Column("updated_by", sa.String(100), nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

suggest_department_map = sa.Table(
    "suggest_department_map", metadata,
    sa.Column("old_code", sa.String(64), primary_key=True),
    sa.Column("new_code", sa.String(64), nullable=False),
    sa.Column("recorded_at", TS, nullable=False),
)

suggest_predictions = sa.Table(
    "suggest_predictions", metadata,
    sa.Column("incident_id", BIG_ID, sa.ForeignKey("incidents.id"), primary_key=True),
    sa.Column("model_version", sa.Integer, nullable=False),
    sa.Column("computed_at", TS, nullable=False),
    sa.Column("suggestion", JSON, nullable=False),
    sa.Column("auto_dispatched", sa.Boolean, nullable=False, server_default=sa.false()),
)
