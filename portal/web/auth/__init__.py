"""Registration, sign-in and out, password reset and change, the profile."""

from portal.web.auth import (  # their views join bp
    mfa,  # two-step sign-in
    registration,
)
from portal.web.auth.routes import bp

__all__ = ["bp", "mfa", "registration"]
