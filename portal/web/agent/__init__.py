"""The agent side of tickets: the queue, one ticket's workspace, escalation, canned responses
and knowledge capture. Importing the modules below adds their routes to the one blueprint."""

from portal.web.agent import canned, escalation, knowledge
from portal.web.agent.routes import bp

__all__ = ["bp", "canned", "escalation", "knowledge"]
