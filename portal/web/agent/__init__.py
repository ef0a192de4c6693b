"""The agent side of tickets: the queue, one ticket's workspace, escalation, canned responses,
risk signs, knowledge capture, the low-score survey follow-ups, and the forum (needs attention,
moderation, converting posts into tickets). Importing the modules below adds their routes to
the one blueprint."""

from portal.web.agent import (
    canned,
    escalation,
    forum_convert,
    forum_moderation,
    knowledge,
    risk,
    survey_follow_ups,
)
from portal.web.agent.routes import bp

__all__ = ["bp", "canned", "escalation", "forum_convert", "forum_moderation", "knowledge",
           "risk", "survey_follow_ups"]
