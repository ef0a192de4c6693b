"""The agent side of tickets: the queue, one ticket's workspace, escalation, canned responses,
risk signs and knowledge capture. Importing the modules below adds their routes to the one
blueprint."""

from portal.web.agent import canned, escalation, knowledge, risk
from portal.web.agent.routes import bp

__all__ = ["bp", "canned", "escalation", "knowledge", "risk"]
