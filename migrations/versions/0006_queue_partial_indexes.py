"""Queue partial indexes: "Unassigned" and "Escalated to me" read the open backlog only

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 03:10:00

An agent's "Unassigned" and "Escalated to me" counts read their whole team (or scanned the
table) at 200k tickets: no index fitted "active, nobody's, in my teams" nor "active, escalated,
in my teams at or below my tier". Both indexes are partial on the active statuses, so they grow
with the backlog, not with the history. "Waiting for the customer" sorted by due time read the
whole ix_tickets_sla_due to find the few waiting tickets with a due time: a third partial index
holds only those tickets.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

ACTIVE = "status IN ('new', 'open', 'pending_customer')"
INDEXES = {  # name: (columns, where)
    'ix_tickets_unassigned_active': (['team_id', 'tier'], f"assignee_id IS NULL AND {ACTIVE}"),
    'ix_tickets_escalated_active': (['team_id', 'tier'], f"escalated_at IS NOT NULL AND {ACTIVE}"),
    'ix_tickets_pending_due': (['sla_due_at', 'id'], "status = 'pending_customer'"),
}


def upgrade():
    for name, (columns, where) in INDEXES.items():
        op.create_index(name, 'tickets', columns, unique=False,
                        postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade():
    for name in reversed(list(INDEXES)):
        op.drop_index(name, table_name='tickets')
