"""Sign-ups wait for their e-mail confirmation

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 22:20:00

Registering no longer creates the account at once: the form keeps a pending sign-up (name,
normalized address, Argon2 password hash, language, the SHA-256 of the e-mailed link's token)
for 24 hours, and the link's button creates the account. A taken address gets no row (its
owner is e-mailed), so the form's answer says nothing about which addresses have accounts.
Accounts made before this migration are untouched.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_sign_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_sign_ups')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_pending_sign_ups_token_hash'))
    )
    with op.batch_alter_table('pending_sign_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_sign_ups_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_sign_ups_expires_at'), ['expires_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('pending_sign_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_sign_ups_expires_at'))
        batch_op.drop_index(batch_op.f('ix_pending_sign_ups_email'))
    op.drop_table('pending_sign_ups')
