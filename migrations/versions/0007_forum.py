"""Community forum: categories, threads, posts with edit history, votes, subscriptions, reports

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 05:32:37

Seeds the three categories the issue names. A thread's accepted answer points at a post while
posts point at their thread, so that foreign key is added once both tables exist.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

SEEDED_AT = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)
# (slug, name, description, position, staff_only)
CATEGORIES = [
    ('questions', 'Questions & answers',
     'Ask the community and our team how to do something or why something happened.', 1, False),
    ('ideas', 'Ideas & feedback',
     'Tell us what to improve, and see what other customers have suggested.', 2, False),
    ('announcements', 'Announcements',
     'News from our support team: changes, outages and new features.', 3, True),
]


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('forum_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('staff_only', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_forum_categories_slug'))
    )
    op.create_table('forum_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('accepted_post_id', sa.Integer(), nullable=True),
    sa.Column('reply_count', sa.Integer(), nullable=False),
    sa.Column('risk_flag', sa.Boolean(), nullable=False),
    sa.Column('last_post_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_forum_threads_author_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['forum_categories.id'], name=op.f('fk_forum_threads_category_id_forum_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_threads'))
    )
    with op.batch_alter_table('forum_threads', schema=None) as batch_op:
        batch_op.create_index('ix_forum_threads_attention', ['hidden', 'reply_count', 'created_at'], unique=False)
        batch_op.create_index('ix_forum_threads_author', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_forum_threads_listing', ['category_id', 'hidden', 'pinned', 'last_post_at'], unique=False)

    op.create_table('forum_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['forum_threads.id'], name=op.f('fk_forum_subscriptions_thread_id_forum_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_subscriptions')),
    sa.UniqueConstraint('thread_id', 'user_id', name='uq_forum_subscription')
    )
    with op.batch_alter_table('forum_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_subscriptions_user_id'), ['user_id'], unique=False)

    op.create_table('forum_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('is_opening', sa.Boolean(), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('risk_reasons', sa.JSON(), nullable=False),
    sa.Column('edit_count', sa.Integer(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('converted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('converted_by_id', sa.Integer(), nullable=True),
    sa.Column('answer_from_ticket_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_from_ticket_id'], ['tickets.id'], name=op.f('fk_forum_posts_answer_from_ticket_id_tickets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_forum_posts_author_id_users')),
    sa.ForeignKeyConstraint(['converted_by_id'], ['users.id'], name=op.f('fk_forum_posts_converted_by_id_users')),
    sa.ForeignKeyConstraint(['thread_id'], ['forum_threads.id'], name=op.f('fk_forum_posts_thread_id_forum_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_forum_posts_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_posts')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_forum_posts_ticket_id'))
    )
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.create_index('ix_forum_posts_author_hash', ['author_id', 'content_hash', 'created_at'], unique=False)
        batch_op.create_index('ix_forum_posts_thread', ['thread_id', 'id'], unique=False)

    op.create_table('forum_post_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_forum_post_revisions_editor_id_users')),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_post_revisions_post_id_forum_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_post_revisions'))
    )
    with op.batch_alter_table('forum_post_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_post_revisions_post_id'), ['post_id'], unique=False)

    op.create_table('forum_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_reports_post_id_forum_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_forum_reports_reporter_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_forum_reports_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_reports')),
    sa.UniqueConstraint('post_id', 'reporter_id', name='uq_forum_report_once')
    )
    with op.batch_alter_table('forum_reports', schema=None) as batch_op:
        batch_op.create_index('ix_forum_reports_open', ['resolved_at', 'created_at'], unique=False)

    op.create_table('forum_votes',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['forum_posts.id'], name=op.f('fk_forum_votes_post_id_forum_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_forum_votes'))
    )
    with op.batch_alter_table('forum_threads', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_forum_threads_accepted_post', 'forum_posts',
                                    ['accepted_post_id'], ['id'], ondelete='SET NULL')
    categories = sa.table('forum_categories', sa.column('slug', sa.String),
                          sa.column('name', sa.String), sa.column('description', sa.String),
                          sa.column('position', sa.Integer), sa.column('staff_only', sa.Boolean),
                          sa.column('created_at', sa.DateTime(timezone=True)))
    op.bulk_insert(categories, [
        {'slug': slug, 'name': name, 'description': description, 'position': position,
         'staff_only': staff_only, 'created_at': SEEDED_AT}
        for slug, name, description, position, staff_only in CATEGORIES])


def downgrade():
    with op.batch_alter_table('forum_threads', schema=None) as batch_op:
        batch_op.drop_constraint('fk_forum_threads_accepted_post', type_='foreignkey')
    op.drop_table('forum_votes')
    with op.batch_alter_table('forum_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_reports_open')

    op.drop_table('forum_reports')
    with op.batch_alter_table('forum_post_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_post_revisions_post_id'))

    op.drop_table('forum_post_revisions')
    with op.batch_alter_table('forum_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_posts_thread')
        batch_op.drop_index('ix_forum_posts_author_hash')

    op.drop_table('forum_posts')
    with op.batch_alter_table('forum_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_subscriptions_user_id'))

    op.drop_table('forum_subscriptions')
    with op.batch_alter_table('forum_threads', schema=None) as batch_op:
        batch_op.drop_index('ix_forum_threads_listing')
        batch_op.drop_index('ix_forum_threads_author')
        batch_op.drop_index('ix_forum_threads_attention')

    op.drop_table('forum_threads')
    op.drop_table('forum_categories')
