"""One-time submission keys for replies and article saves

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24 22:30:00

A form posted twice (a double click, or a browser re-submitting after the server died before
it answered) must not add a second reply or a second article. Complaints already carry a
unique `tickets.submission_key`; ticket messages and article revisions now carry one too, so
the second post finds the first one's row. Existing rows have none (NULL is never equal to
another NULL, so the unique constraints allow any number of them).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket_messages') as batch_op:
        batch_op.add_column(sa.Column('submission_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_ticket_messages_submission_key'),
                                          ['submission_key'])
    with op.batch_alter_table('article_revisions') as batch_op:
        batch_op.add_column(sa.Column('submission_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_article_revisions_submission_key'),
                                          ['submission_key'])


def downgrade():
    with op.batch_alter_table('article_revisions') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_article_revisions_submission_key'),
                                 type_='unique')
        batch_op.drop_column('submission_key')
    with op.batch_alter_table('ticket_messages') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ticket_messages_submission_key'), type_='unique')
        batch_op.drop_column('submission_key')
