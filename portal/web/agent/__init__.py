"""The agent side of tickets: the queue and one ticket's page (replies, notes, status)."""

from portal.web.agent.routes import bp

__all__ = ["bp"]
