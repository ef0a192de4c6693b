"""The search queue becomes a replication log that every host's index follows

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 12:10:00

`pending_index_changes` (rows deleted once the one index had them) becomes `search_changes`:
rows stay, get a commit-ordered `seq`, and are pruned once every host is past them.
`search_hosts` records how far each host's index got. Rows still queued are carried over
unsequenced; an index built before this migration has no recorded position and counts as
position 0, so it applies exactly those rows.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_changes')),
    sa.UniqueConstraint('seq', name=op.f('uq_search_changes_seq'))
    )
    op.create_table('search_hosts',
    sa.Column('host_id', sa.String(length=200), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('index_dir', sa.String(length=500), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('host_id', name=op.f('pk_search_hosts'))
    )
    op.execute('INSERT INTO search_changes (kind, object_id, created_at) '
               'SELECT kind, object_id, created_at FROM pending_index_changes ORDER BY id')
    op.drop_table('pending_index_changes')


def downgrade():
    op.create_table('pending_index_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_index_changes'))
    )
    # What no host may have applied yet goes back to the queue; the index can be rebuilt.
    op.execute('INSERT INTO pending_index_changes (kind, object_id, created_at) '
               'SELECT kind, object_id, created_at FROM search_changes '
               'WHERE seq IS NULL OR seq > (SELECT coalesce(min(position), 0) FROM search_hosts) '
               'ORDER BY id')
    op.drop_table('search_hosts')
    op.drop_table('search_changes')
