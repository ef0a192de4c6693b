"""Public pages: the home page and the language switcher."""

from portal.web.public.routes import bp

__all__ = ["bp"]
