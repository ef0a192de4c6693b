"""Satisfaction surveys for customers: the e-mailed one-click links and the response page."""

from portal.web.surveys.routes import bp

__all__ = ["bp"]
