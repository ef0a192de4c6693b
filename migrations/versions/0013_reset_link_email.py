"""Reset links remember the address they were e-mailed to

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 18:50:00

A password-reset link must die when the account's e-mail address changes, or whoever reads the
old mailbox can still take the account over (Discourse CVE-2021-37693). Each link now keeps
the address it was sent to (`password_reset_tokens.email`) and works only while the account
still has it. Links issued before this migration get the account's current address, so those
still open keep working for the rest of their hour.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('password_reset_tokens') as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
    op.execute(
        "UPDATE password_reset_tokens SET email = "
        "(SELECT users.email FROM users WHERE users.id = password_reset_tokens.user_id)")
    with op.batch_alter_table('password_reset_tokens') as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)


def downgrade():
    with op.batch_alter_table('password_reset_tokens') as batch_op:
        batch_op.drop_column('email')
