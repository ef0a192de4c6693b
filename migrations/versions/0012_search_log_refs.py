"""Search log refs: searches are written in batches, so a result link names its search by a
random ref instead of the row's id

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 15:20:00

Logging each search with its own INSERT + COMMIT made every search page a write transaction;
under four web workers on SQLite the page spent most of its time waiting for the write lock.
Searches are now kept in memory and written in batches (portal/services/search_log.py), so a
search has no id when its page is shown: the page's result links carry `ref` instead. Rows
logged before this migration have none (their links, if still open somewhere, record nothing).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_logs') as batch_op:
        batch_op.add_column(sa.Column('ref', sa.String(length=20), nullable=True))
        batch_op.create_index('ix_search_logs_ref', ['ref'], unique=True)


def downgrade():
    with op.batch_alter_table('search_logs') as batch_op:
        batch_op.drop_index('ix_search_logs_ref')
        batch_op.drop_column('ref')
