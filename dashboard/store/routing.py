"""Routing rules: category + district → department."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain.routing import RoutingRule

from . import schema as t


def rules(conn: Connection) -> list[RoutingRule]:
    r = t.routing_rules.c
    rows = conn.execute(sa.select(t.routing_rules).order_by(r.category, r.district))
    return [RoutingRule(x.category, x.district, x.department, x.auto_dispatch, bool(x.is_group)) for x in rows]


def count(conn: Connection) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(t.routing_rules)).scalar_one()


def put_rule(conn: Connection, rule: RoutingRule, at: datetime) -> None:
    """Insert or replace the rule for (category, district)."""
    r = t.routing_rules.c
    district = r.district.is_(None) if rule.district is None else r.district == rule.district
    conn.execute(t.routing_rules.delete().where(r.category == rule.category, district))
    conn.execute(t.routing_rules.insert().values(
        category=rule.category, district=rule.district, department=rule.department,
        auto_dispatch=rule.auto_dispatch, is_group=rule.is_group, updated_at=at))


def put_rules(conn: Connection, new_rules: list[RoutingRule], at: datetime) -> None:
    if new_rules:
        conn.execute(t.routing_rules.insert(), [
            {"category": x.category, "district": x.district, "department": x.department,
             "auto_dispatch": x.auto_dispatch, "is_group": x.is_group, "updated_at": at} for x in new_rules])


def delete_rule(conn: Connection, category: str, district: str | None) -> int:
    r = t.routing_rules.c
    district_clause = r.district.is_(None) if district is None else r.district == district
    return conn.execute(t.routing_rules.delete().where(r.category == category, district_clause)).rowcount
