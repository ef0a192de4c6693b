"""The reports supervisors and admins read: how the support team is doing."""

from portal.web.reports.routes import bp

__all__ = ["bp"]
