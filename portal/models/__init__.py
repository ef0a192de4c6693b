"""Tables. Importing this package registers every model on the metadata."""

from portal.models.audit import AuditEvent
from portal.models.forum import (
    ForumCategory,
    ForumPost,
    ForumPostRevision,
    ForumReport,
    ForumSubscription,
    ForumThread,
    ForumVote,
)
from portal.models.kb import Article, ArticleCategory, ArticleFeedback, ArticleRevision
from portal.models.mfa import MfaRecoveryCode, SecuritySettings
from portal.models.outbox import OutboxMessage
from portal.models.search import SearchChange, SearchHost, SearchLog
from portal.models.signup import PendingSignUp
from portal.models.sla import CalendarSettings, EscalationRule, Holiday, SlaPolicy
from portal.models.survey import Survey, SurveySettings, SurveyToken
from portal.models.team import Team, team_members
from portal.models.ticket import Attachment, ComplaintCategory, Ticket, TicketEvent, TicketMessage
from portal.models.ticket_work import CannedResponse, Escalation, TicketCollaborator, TicketTag
from portal.models.tracking import ArticleSuggestion, EmailVerification, TrackingToken
from portal.models.user import PasswordResetToken, User, UserSession

__all__ = [
    "ForumCategory",
    "ForumPost",
    "ForumPostRevision",
    "ForumReport",
    "ForumSubscription",
    "ForumThread",
    "ForumVote",
    "CalendarSettings",
    "CannedResponse",
    "Escalation",
    "EscalationRule",
    "Holiday",
    "SlaPolicy",
    "TicketCollaborator",
    "TicketTag",
    "ArticleSuggestion",
    "Attachment",
    "ComplaintCategory",
    "EmailVerification",
    "Ticket",
    "TicketEvent",
    "TicketMessage",
    "TrackingToken",
    "Article",
    "ArticleCategory",
    "ArticleFeedback",
    "ArticleRevision",
    "AuditEvent",
    "MfaRecoveryCode",
    "OutboxMessage",
    "PasswordResetToken",
    "PendingSignUp",
    "SearchChange",
    "SearchHost",
    "SearchLog",
    "SecuritySettings",
    "Survey",
    "SurveySettings",
    "SurveyToken",
    "Team",
    "User",
    "UserSession",
    "team_members",
]
