"""Satisfaction surveys, and the per-ticket figures the reports aggregate

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 08:38:04

Surveys: the settings (a default row, overridable per category), one survey per ticket, and
its single-use links (hashed). Tickets gain the counters the reports sum (public agent
replies, reopens, escalations), filled here from the history, and the business-time figures
(first response, resolution, paused), which need the business calendar: `flask portal
recompute-metrics` fills them for tickets older than this migration. The reports read their
cohorts from covering indexes (tickets, surveys, suggestions, searches).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# The reports' cohorts, each index holding the columns its figures read (index-only scans).
REPORT_INDEXES = {
    'ix_tickets_created_report': ['created_at', 'escalation_count'],
    'ix_tickets_resolved_report': ['resolved_at', 'assignee_id', 'resolution_seconds',
                                   'public_agent_replies', 'escalation_count', 'reopen_count',
                                   'sla_remaining_seconds', 'article_id'],
    'ix_tickets_first_response_report': ['first_response_at', 'assignee_id',
                                         'first_response_seconds', 'first_response_due_at'],
    'ix_tickets_article': ['article_id'],
}


def upgrade():
    op.create_table('survey_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('delay_hours', sa.Integer(), nullable=False),
    sa.Column('reminder', sa.Boolean(), nullable=False),
    sa.Column('reminder_after_hours', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('delay_hours BETWEEN 0 AND 720', name=op.f('ck_survey_settings_delay_range')),
    sa.CheckConstraint('reminder_after_hours BETWEEN 1 AND 720', name=op.f('ck_survey_settings_reminder_range')),
    sa.ForeignKeyConstraint(['category_id'], ['complaint_categories.id'], name=op.f('fk_survey_settings_category_id_complaint_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_settings')),
    sa.UniqueConstraint('category_id', name=op.f('uq_survey_settings_category_id'))
    )
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('send_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('solved', sa.Boolean(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('follow_up', sa.Boolean(), nullable=False),
    sa.Column('follow_up_done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('follow_up_by_id', sa.Integer(), nullable=True),
    sa.Column('follow_up_note', sa.Text(), nullable=False),
    sa.CheckConstraint('score IS NULL OR score BETWEEN 1 AND 5', name=op.f('ck_surveys_score_range')),
    sa.ForeignKeyConstraint(['follow_up_by_id'], ['users.id'], name=op.f('fk_surveys_follow_up_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_surveys_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_surveys_ticket_id'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index('ix_surveys_follow_up', ['follow_up', 'follow_up_done_at'], unique=False)
        batch_op.create_index('ix_surveys_responded', ['responded_at', 'score', 'ticket_id'],
                              unique=False)
        batch_op.create_index('ix_surveys_sent', ['sent_at', 'responded_at', 'ticket_id'],
                              unique=False)
        batch_op.create_index('ix_surveys_send_after', ['sent_at', 'send_after'], unique=False)

    op.create_table('survey_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_tokens_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_survey_tokens_token_hash'))
    )
    with op.batch_alter_table('survey_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_tokens_survey_id'), ['survey_id'], unique=False)

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_response_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolution_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('paused_seconds', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('public_agent_replies', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('reopen_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('escalation_count', sa.Integer(), server_default='0', nullable=False))
        for name, columns in REPORT_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table('article_suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_article_suggestions_shown')
        batch_op.create_index('ix_article_suggestions_shown',
                              ['shown_at', 'session_hash', 'outcome'], unique=False)
    with op.batch_alter_table('search_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_search_logs_time_query')
        batch_op.create_index('ix_search_logs_time_source',
                              ['created_at', 'source', 'query', 'results_count'], unique=False)

    op.execute("UPDATE tickets SET public_agent_replies = (SELECT count(*) FROM ticket_messages m"
               " WHERE m.ticket_id = tickets.id AND m.author_kind = 'agent'"
               " AND m.visibility = 'public')")
    op.execute("UPDATE tickets SET reopen_count = (SELECT count(*) FROM ticket_events e"
               " WHERE e.ticket_id = tickets.id AND e.type = 'reopened')")
    op.execute("UPDATE tickets SET escalation_count = (SELECT count(*) FROM escalations x"
               " WHERE x.ticket_id = tickets.id)")
    settings = sa.table('survey_settings', sa.column('category_id', sa.Integer),
                        sa.column('enabled', sa.Boolean), sa.column('delay_hours', sa.Integer),
                        sa.column('reminder', sa.Boolean),
                        sa.column('reminder_after_hours', sa.Integer),
                        sa.column('updated_at', sa.DateTime(timezone=True)))
    op.bulk_insert(settings, [{'category_id': None, 'enabled': True, 'delay_hours': 1,
                               'reminder': True, 'reminder_after_hours': 72,
                               'updated_at': datetime.now(UTC)}])


def downgrade():
    with op.batch_alter_table('search_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_search_logs_time_source')
        batch_op.create_index('ix_search_logs_time_query', ['created_at', 'query'], unique=False)
    with op.batch_alter_table('article_suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_article_suggestions_shown')
        batch_op.create_index('ix_article_suggestions_shown', ['shown_at'], unique=False)
    # SQLite rebuilds the table to drop columns, and the rebuild loses the expression index:
    # drop it first and make it again after.
    op.drop_index('ix_tickets_subject_lower', table_name='tickets')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        for name in REPORT_INDEXES:
            batch_op.drop_index(name)
        batch_op.drop_column('escalation_count')
        batch_op.drop_column('reopen_count')
        batch_op.drop_column('public_agent_replies')
        batch_op.drop_column('paused_seconds')
        batch_op.drop_column('resolution_seconds')
        batch_op.drop_column('first_response_seconds')
    op.create_index('ix_tickets_subject_lower', 'tickets', [sa.text('lower(subject)')])

    with op.batch_alter_table('survey_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_tokens_survey_id'))

    op.drop_table('survey_tokens')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index('ix_surveys_send_after')
        batch_op.drop_index('ix_surveys_sent')
        batch_op.drop_index('ix_surveys_responded')
        batch_op.drop_index('ix_surveys_follow_up')

    op.drop_table('surveys')
    op.drop_table('survey_settings')
