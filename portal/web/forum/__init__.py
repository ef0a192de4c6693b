"""The community forum: reading and posting (routes.py), and what a reader does to a thread
besides posting: subscribe, report, make private (actions.py). Moderation, Needs attention and
converting posts into tickets are agent pages, under portal/web/agent/."""

from portal.web.forum import actions, ticket_links
from portal.web.forum.routes import bp

__all__ = ["actions", "bp", "ticket_links"]
