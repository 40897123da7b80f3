"""PostgreSQL going away under an action: the server ends the action's own connection in the middle
of the action (as a restart does). The action fails with a clear message (503), nothing of it stays
(no status change, no history entry, no audit entry), and the next action goes through on a fresh
connection by itself."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dashboard.services import incident_actions
from dashboard.services.incident_actions import ActionError, perform
from dashboard.store import schema as t
from tests.conftest import PG_URL, services_on
from tests.integration.test_incident_actions import DISPATCHER, report

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_services(pg_store, small_city, tmp_path):
    return services_on(pg_store, small_city, tmp_path)


def counts(services, incident_id):
    with services.store.connect() as conn:
        history = conn.execute(sa.select(sa.func.count()).select_from(t.incident_history)
                               .where(t.incident_history.c.incident_id == incident_id)).scalar_one()
        audits = conn.execute(sa.select(sa.func.count()).select_from(t.audit_log)).scalar_one()
        row = conn.execute(sa.select(t.incidents.c.status, t.incidents.c.version)
                           .where(t.incidents.c.id == incident_id)).one()
    return history, audits, tuple(row)


def test_an_action_cut_off_by_the_database_fails_clearly_and_leaves_nothing(pg_services, monkeypatch):
    incident = report(pg_services)
    before = counts(pg_services, incident["id"])
    real_verify = incident_actions.COMMANDS["verify"]

    def verify_while_the_server_goes_away(ctx):
        changes = real_verify(ctx)
        ctx.conn.exec_driver_sql("SELECT pg_terminate_backend(pg_backend_pid())")   # the server ends us here
        return changes

    monkeypatch.setitem(incident_actions.COMMANDS, "verify", verify_while_the_server_goes_away)
    with pytest.raises(ActionError) as failed:
        perform(pg_services, DISPATCHER, incident["id"], "verify", incident["version"])
    assert failed.value.status == 503
    assert "database did not answer" in failed.value.message
    assert counts(pg_services, incident["id"]) == before          # nothing half-written

    monkeypatch.setitem(incident_actions.COMMANDS, "verify", real_verify)
    done = perform(pg_services, DISPATCHER, incident["id"], "verify", incident["version"])   # a fresh connection
    assert done["status"] == "verified"


def test_connections_ended_while_idle_are_replaced_without_an_error(pg_services):
    incident = report(pg_services)
    held = [pg_services.store.connect() for _ in range(3)]         # the pool's connections …
    pids = [c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() for c in held]
    for c in held:
        c.close()
    admin = sa.create_engine(PG_URL)
    with admin.connect() as conn:                                   # … ended while idle in the pool
        for pid in pids:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
    admin.dispose()
    done = perform(pg_services, DISPATCHER, incident["id"], "verify", incident["version"])
    assert done["status"] == "verified"
