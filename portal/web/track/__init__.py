"""Following a complaint: private links, reference + e-mail, the ticket page and its JSON."""

from portal.web.track.routes import bp

__all__ = ["bp"]
