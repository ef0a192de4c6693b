"""Registration, sign-in and out, password reset and change, the profile."""

from portal.web.auth.routes import bp

__all__ = ["bp"]
