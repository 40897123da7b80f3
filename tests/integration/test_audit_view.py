"""The Audit log page's service against the real store (SQLite and PostgreSQL): newest first, filters,
paging in the database, admins only, and nothing in it that could change the log."""
from __future__ import annotations

import inspect
from datetime import datetime, timedelta, timezone

import pytest

from dashboard.domain.identity import Identity
from dashboard.services import audit_view
from dashboard.store import audit

ADMIN = Identity("root", "admin")
T0 = datetime(2025, 5, 1, 2, 0, tzinfo=timezone.utc)       # 10:00 on 1 May in Shanghai


@pytest.fixture
def log(services):
    """25 entries: sign-ins of three people and actions on five incidents, a minute apart."""
    with services.store.begin() as conn:
        for n in range(25):
            actor = ("wang", "li", "zhao")[n % 3]
            if n % 5 == 0:
                audit.append(conn, at=T0 + timedelta(minutes=n), actor=actor, actor_role="dispatcher",
                             action="sign_in", remote_addr="10.0.0.7")
            else:
                audit.append(conn, at=T0 + timedelta(minutes=n), actor=actor, actor_role="dispatcher",
                             action="incident_verify", target_type="incident", target_id=n % 5,
                             before={"status": "reported"}, after={"status": "verified"}, reason=f"#{n}")
    return services


def page(services, offset=0, limit=10, **filters):
    return audit_view.audit_page(services, ADMIN, audit_view.parse_filters(tz="Asia/Shanghai", **filters),
                                 offset, limit)


def test_pages_come_newest_first_from_the_database(log):
    first = page(log)
    assert first["total"] == 25 and (first["offset"], first["limit"]) == (0, 10)
    ats = [e["at"] for e in first["items"]]
    assert ats == sorted(ats, reverse=True) and first["items"][0]["reason"] == "#24"
    last = page(log, offset=20)
    assert len(last["items"]) == 5 and last["items"][-1]["action"] == "sign_in"
    assert page(log, offset=999)["offset"] == 20                      # past the end: the last page
    seen = [e["id"] for o in (0, 10, 20) for e in page(log, offset=o)["items"]]
    assert len(seen) == len(set(seen)) == 25


def test_filters(log):
    assert page(log, actor="wang")["total"] == 9
    assert {e["actor"] for e in page(log, actor="wang", limit=50)["items"]} == {"wang"}
    assert page(log, action="sign_in")["total"] == 5
    one = page(log, target_type="incident", target_id="3", limit=50)
    assert one["total"] == 5 and {e["target_id"] for e in one["items"]} == {"3"}
    assert one["items"][0]["changes"] == [{"field": "status", "before": "reported", "after": "verified"}]
    assert page(log, start_date="2025-05-01", end_date="2025-05-01")["total"] == 25
    assert page(log, start_date="2025-05-02")["total"] == 0
    assert page(log, end_date="2025-04-30")["total"] == 0
    assert page(log, actor="nobody") == {"items": [], "total": 0, "offset": 0, "limit": 10}


def test_only_admins_read_the_log(log):
    for who in (Identity("wang", "dispatcher"), Identity("boss", "leader"), Identity("op", "operator", "CG"),
                Identity("wall", "wall"), None):
        with pytest.raises(audit_view.AuditViewRefused):
            audit_view.audit_page(log, who, audit_view.AuditFilters())


def test_nothing_in_the_page_or_its_service_can_change_the_log():
    import callbacks.audit
    import layouts.audit
    for module in (audit_view, callbacks.audit, layouts.audit):
        source = inspect.getsource(module)
        assert "audit.append" not in source and "audit_store.append" not in source
        assert not any(word in source.lower() for word in ("update(", "delete(", ".insert("))
