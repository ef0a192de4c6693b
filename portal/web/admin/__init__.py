"""Administration: users (admins) and teams (supervisors and admins)."""

from portal.web.admin.routes import bp

__all__ = ["bp"]
