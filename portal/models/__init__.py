"""Tables. Importing this package registers every model on the metadata."""

from portal.models.audit import AuditEvent
from portal.models.outbox import OutboxMessage
from portal.models.team import Team, team_members
from portal.models.user import PasswordResetToken, User, UserSession

__all__ = [
    "AuditEvent",
    "OutboxMessage",
    "PasswordResetToken",
    "Team",
    "User",
    "UserSession",
    "team_members",
]
