"""The help centre: categories, articles, search, the search API and suggestions."""

from portal.web.kb.routes import bp

__all__ = ["bp"]
