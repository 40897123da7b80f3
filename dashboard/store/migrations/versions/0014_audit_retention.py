"""audit retention: archive-and-prune anchors, a DELETE path the append-only guard allows (issue 20)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 18:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
REFUSE = "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"

# PostgreSQL: DELETE of an audit entry (or its chain link) only inside a transaction that set
# `cityops.audit_prune` (SET LOCAL / set_config(..., true)) to the id it prunes through — what
# dashboard.store.audit_prune does after archiving the entries. Anything else is refused as before.
PG_GATE = """
CREATE OR REPLACE FUNCTION audit_log_prune_gate() RETURNS trigger AS $$
DECLARE
    through text := current_setting('cityops.audit_prune', true);
    entry bigint;
BEGIN
    IF TG_TABLE_NAME = 'audit_chain' THEN
        entry := OLD.audit_id;
    ELSE
        entry := OLD.id;
    END IF;
    IF through IS NOT NULL AND through <> '' AND entry <= through::bigint THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END; $$ LANGUAGE plpgsql"""


def upgrade() -> None:
    op.create_table(
        'audit_anchor',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('through_id', sa.BigInteger(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.Column('pruned_at', TS, nullable=False),
        sa.Column('archive', sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_anchor')),
    )
    op.create_table(
        'audit_prune_gate',
        sa.Column('slot', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('through_id', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('slot = 1', name='ck_audit_prune_gate_one_row'),
        sa.PrimaryKeyConstraint('slot', name=op.f('pk_audit_prune_gate')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_GATE)
        for table in ('audit_log', 'audit_chain'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
            op.execute(f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""")
            op.execute(f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION audit_log_prune_gate()""")
        op.execute("""CREATE TRIGGER audit_anchor_no_update BEFORE UPDATE OR DELETE ON audit_anchor
                      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""")
        op.execute("""CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor
                      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""")
    else:
        for table, key in (('audit_log', 'id'), ('audit_chain', 'audit_id')):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            op.execute(f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                           WHEN NOT EXISTS (SELECT 1 FROM audit_prune_gate
                                            WHERE slot = 1 AND OLD.{key} <= through_id)
                           {REFUSE}""")
        op.execute(f"CREATE TRIGGER audit_anchor_no_update BEFORE UPDATE ON audit_anchor {REFUSE}")
        op.execute(f"CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor {REFUSE}")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in ('audit_log', 'audit_chain'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
            op.execute(f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""")
        op.execute("DROP TRIGGER IF EXISTS audit_anchor_no_update ON audit_anchor")
        op.execute("DROP TRIGGER IF EXISTS audit_anchor_no_truncate ON audit_anchor")
        op.execute("DROP FUNCTION IF EXISTS audit_log_prune_gate()")
    else:
        for table in ('audit_log', 'audit_chain'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {REFUSE}")
        op.execute("DROP TRIGGER IF EXISTS audit_anchor_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_anchor_no_delete")
    op.drop_table('audit_prune_gate')
    op.drop_table('audit_anchor')
